"""Money in integer minor units: normalising billed amounts to MRR and formatting.

Amounts are never floats. JPY has no minor unit (exponent 0), so ¥1,234,000 is stored as
1234000; USD has cents (exponent 2), so $12.50 is stored as 1250.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

BillingPeriod = Literal["monthly", "annual"]

#: ISO 4217 minor-unit exponents and symbols of the currencies a tenant may choose.
CURRENCIES: Final[dict[str, tuple[int, str]]] = {
    "JPY": (0, "¥"),
    "USD": (2, "$"),
    "EUR": (2, "€"),
    "GBP": (2, "£"),
    "KRW": (0, "₩"),
    "SGD": (2, "S$"),
    "TWD": (2, "NT$"),
}

MONTHS_PER_PERIOD: Final[dict[str, int]] = {"monthly": 1, "annual": 12}


def mrr_from_billing(amount: int, period: str) -> int:
    """Monthly recurring revenue of a line billed ``amount`` (minor units) per ``period``.

    monthly → the amount itself; annual → amount / 12, rounded half up to a whole minor
    unit (¥1,000,000 a year → ¥83,333 a month). Raises ``ValueError`` for a negative amount
    or an unknown period.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    months = MONTHS_PER_PERIOD.get(period)
    if months is None:
        raise ValueError(f"unknown billing period: {period!r}")
    return int((Decimal(amount) / months).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_money(amount: int, currency: str) -> str:
    """``1234000, "JPY"`` → ``"¥1,234,000"``; ``-1250, "USD"`` → ``"-$12.50"``.

    Grouping by thousands with commas is the same in Japanese and English.
    Unknown currencies print the code after the number: ``"1,234 XYZ"``.
    """
    exponent, symbol = CURRENCIES.get(currency, (0, ""))
    sign = "-" if amount < 0 else ""
    value = Decimal(abs(amount)).scaleb(-exponent)
    number = f"{value:,.{exponent}f}"
    if not symbol:
        return f"{sign}{number} {currency}"
    return f"{sign}{symbol}{number}"


def to_minor_units(value: Decimal, currency: str) -> int:
    """A decimal amount in major units (``Decimal("12.50")`` USD) → minor units (1250).

    Raises ``ValueError`` when the value has more decimals than the currency allows
    (¥10.5 is not a JPY amount).
    """
    exponent, _symbol = CURRENCIES.get(currency, (0, ""))
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{currency} amounts have at most {exponent} decimals")
    return int(scaled)
