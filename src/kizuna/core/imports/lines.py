"""A subscription-line file's rows → validated ``LineRow``s, and the plan of a line import.

The line kind of the account import (``core.imports.accounts`` and ``plan``): the same file
reading (``data_rows``), the same duplicate rule, the same ``Plan``. Kizuna's line format is
the one ``kizuna revenue`` reads (docs/metrics.md), so one file feeds both:

- ``subscription_id`` (the line's id, upsert key), ``customer_id`` (**the account's CRM id**),
  ``start_date``, ``monthly_amount`` (whole minor units, ≥ 0) are required; ``end_date``
  (exclusive; empty while the line runs), ``product`` (a product code), ``seats``,
  ``currency``, ``renewal_date`` (the next renewal) and ``term_months`` (the contract term,
  1 to 120; 12 makes a line billed monthly renew every year: docs/renewals.md) are optional;
  a term outside 1–120 is ``bad_term``;
- a date is ``YYYY-MM-DD`` (``YYYY/MM/DD`` too, full-width digits too); the end must be after
  the start (``end_before_start``);
- a line's account is the account with that CRM id (whatever CRM it came from); a row whose
  account is not there is rejected (``unknown_account``), one whose CRM id two accounts carry
  (from two CRMs) ``ambiguous_account``;
- without a ``product`` column (or with the cell empty) the line is for the company's only
  product; with several products the row is rejected (``no_product``); a code no product has
  is ``unknown_product``;
- a currency other than the company's is ``other_currency`` (Kizuna keeps one currency);
- a CRM deal export (HubSpot's, ``integrations/hubspot/deals.py``) has a deal stage: when the
  file has a ``stage`` column, only a closed-won deal is a line and every other row is rejected
  (``deal_not_won``, naming the stage); without the column every row is taken. The stage is
  read, never compared or stored (Kizuna's own format has no such column);
- an account cell listing several ids (HubSpot's ``101;102``) names the first, the primary one.

An existing line is compared on its MRR: a line billed ¥1,200,000 a year (¥100,000 a month)
and a file saying ``monthly_amount`` 100000 is unchanged; a different amount makes it a
monthly line of that amount.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from kizuna.core.imports.accounts import Rejected, parse_count, read_valid_rows
from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.files import Table, normalise
from kizuna.core.imports.plan import Change, Existing, Plan, PlanBuilder

#: the line fields an import reads; ``account_id`` is the account's CRM id
LINE_FIELDS = (
    "external_id",
    "account_id",
    "product",
    "start_date",
    "end_date",
    "monthly_amount",
    "seats",
    "currency",
    "stage",
    "renewal_date",
    "term_months",
)
LINE_REQUIRED = ("external_id", "account_id", "start_date", "monthly_amount")
#: the line's values an import compares and writes (``account``: the account's CRM id,
#: ``product``: the product's code, ``mrr``: the monthly amount)
LINE_UPDATE_FIELDS = (
    "account",
    "product",
    "start_date",
    "end_date",
    "mrr",
    "seats",
    "renewal_date",
    "term_months",
)
#: the longest contract term a line takes, in months (``SubscriptionLine.term_months``)
MAX_TERM_MONTHS = 120

#: why a line row is rejected (docs/imports.md lists each)
LINE_REJECT_CODES = (
    "no_id",
    "id_too_long",
    "no_account",
    "bad_date",
    "no_start",
    "end_before_start",
    "bad_amount",
    "amount_too_large",
    "bad_number",
    "number_too_large",
    "other_currency",
    "duplicate_id",
    "extra_cells",
    "unknown_account",
    "ambiguous_account",
    "no_product",
    "unknown_product",
    "deal_not_won",
    "bad_term",
)

#: a deal stage that makes a deal a line, folded (NFKC, case-folded, spaces removed): HubSpot's
#: internal value ``closedwon``, its English label ``Closed Won`` and its Japanese label ``成約``
WON_STAGES = frozenset({"closedwon", "成約"})


def is_won(stage: str) -> bool:
    """Whether a deal stage cell says closed-won (``closedwon``, ``Closed Won``, ``成約``;
    case, width and spaces do not matter)."""
    return "".join(normalise(stage).casefold().split()) in WON_STAGES


@dataclass(frozen=True)
class LineLimits:
    """The sizes the line table takes (``customers.models.SubscriptionLine``)."""

    id_length: int = 64
    max_amount: int = 2**63 - 1  # a 64-bit integer column
    max_seats: int = 2**31 - 1


@dataclass(frozen=True)
class LineRow:
    line: int
    external_id: str
    account_id: str
    given: frozenset[str]  # of LINE_UPDATE_FIELDS
    start_date: dt.date
    mrr: int
    product: str = ""
    end_date: dt.date | None = None
    seats: int | None = None
    renewal_date: dt.date | None = None
    term_months: int | None = None


_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


def parse_date(text: str) -> tuple[dt.date | None, str]:
    """A date from a cell and "", or None and ``bad_date``; an empty cell is (None, "").
    ``YYYY-MM-DD`` or ``YYYY/MM/DD`` (a time after it, as spreadsheets add, is ignored)."""
    cleaned = normalise(text)
    if not cleaned:
        return None, ""
    match = _DATE.match(cleaned)
    rest = cleaned[match.end() :] if match else ""
    if match is None or (rest and not rest.startswith((" ", "T"))):
        return None, "bad_date"
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])), ""
    except ValueError:
        return None, "bad_date"


_WHOLE = re.compile(r"[+]?[0-9]+(\.0*)?")


def parse_amount(text: str, *, maximum: int) -> tuple[int | None, str]:
    """Whole minor units ≥ 0 (``1200``, ``1,200``, ``1200.0``) and "", or None and
    ``bad_amount`` / ``amount_too_large``; an empty cell is ``bad_amount`` (it is required)."""
    cleaned = normalise(text).replace(",", "")
    if not _WHOLE.fullmatch(cleaned):
        return None, "bad_amount"
    digits = cleaned.lstrip("+").split(".", 1)[0]
    if len(digits) > 19 or int(digits) > maximum:
        return None, "amount_too_large"
    return int(digits), ""


def _given(values: Mapping[str, str]) -> frozenset[str]:
    given = {"account", "start_date", "mrr"}
    optional = ("product", "end_date", "seats", "renewal_date", "term_months")
    given.update(name for name in optional if name in values)
    return frozenset(given)


def _line_row(
    line: int, values: Mapping[str, str], currency: str, limits: LineLimits
) -> LineRow | Rejected:
    external_id = normalise(values["external_id"])
    # HubSpot's "Associated Company IDs" lists every company ("101;102"): the first is the
    # primary one, the line's account (as a contact's)
    account_id = normalise(values["account_id"].split(";", 1)[0])
    if not external_id:
        return Rejected(line, "no_id")
    if len(external_id) > limits.id_length:
        return Rejected(line, "id_too_long", external_id[:80])
    if "stage" in values and not is_won(values["stage"]):
        return Rejected(line, "deal_not_won", normalise(values["stage"])[:80])
    if not account_id:
        return Rejected(line, "no_account", external_id)
    start, problem = parse_date(values["start_date"])
    if problem:
        return Rejected(line, problem, normalise(values["start_date"])[:80])
    if start is None:
        return Rejected(line, "no_start", external_id)
    end, problem = parse_date(values.get("end_date", ""))
    if problem:
        return Rejected(line, problem, normalise(values["end_date"])[:80])
    if end is not None and end <= start:
        return Rejected(line, "end_before_start", f"{start} → {end}")
    mrr, problem = parse_amount(values["monthly_amount"], maximum=limits.max_amount)
    if mrr is None:
        return Rejected(line, problem, normalise(values["monthly_amount"])[:80])
    seats, problem = parse_count(values.get("seats", ""), maximum=limits.max_seats)
    if problem:
        return Rejected(line, problem, normalise(values["seats"])[:80])
    renewal, problem = parse_date(values.get("renewal_date", ""))
    if problem:
        return Rejected(line, problem, normalise(values["renewal_date"])[:80])
    term, problem = parse_count(values.get("term_months", ""), maximum=MAX_TERM_MONTHS)
    if problem or term == 0:
        return Rejected(line, "bad_term", normalise(values["term_months"])[:80])
    given_currency = normalise(values.get("currency", "")).upper()
    if given_currency and given_currency != currency:
        return Rejected(line, "other_currency", given_currency[:8])
    return LineRow(
        line=line,
        external_id=external_id,
        account_id=account_id,
        given=_given(values),
        start_date=start,
        mrr=mrr,
        product=normalise(values.get("product", "")),
        end_date=end,
        seats=seats,
        renewal_date=renewal,
        term_months=term,
    )


def read_line_rows(
    table: Table,
    columns: Mapping[str, int],
    line_format: AccountFormat,
    *,
    currency: str,
    limits: LineLimits = LineLimits(),
) -> tuple[list[LineRow], list[Rejected]]:
    """Every data row of ``table`` as a ``LineRow`` or a ``Rejected`` (ordered by line);
    every row of an id that appears more than once is ``duplicate_id``. ``currency``: the
    company's."""
    return read_valid_rows(
        table, columns, line_format, lambda line, values: _line_row(line, values, currency, limits)
    )


@dataclass(frozen=True)
class LineTargets:
    """What the rows may name: ``accounts`` CRM id → how many accounts carry it, ``products``
    the product codes, ``default_product`` the code used when a row names none (the only
    product), or ""."""

    accounts: Mapping[str, int]
    products: Collection[str]
    default_product: str = ""


def _row_values(row: LineRow, product: str) -> dict[str, object]:
    values: dict[str, object] = {
        "account": row.account_id,
        "product": product,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "mrr": row.mrr,
        "seats": row.seats,
        "renewal_date": row.renewal_date,
        "term_months": row.term_months,
    }
    given = row.given | {"product"}
    return {name: value for name, value in values.items() if name in given}


def _target_problem(row: LineRow, targets: LineTargets) -> Rejected | str:
    """The row's product code, or why the row names what is not there."""
    carried = targets.accounts.get(row.account_id, 0)
    if carried == 0:
        return Rejected(row.line, "unknown_account", row.account_id)
    if carried > 1:
        return Rejected(row.line, "ambiguous_account", row.account_id)
    product = row.product or targets.default_product
    if not product:
        return Rejected(row.line, "no_product", row.external_id)
    if product not in targets.products:
        return Rejected(row.line, "unknown_product", product[:80])
    return product


def make_line_plan(
    rows: Sequence[LineRow],
    rejected: Sequence[Rejected],
    *,
    existing: Mapping[str, Existing],
    targets: LineTargets,
    source_ids: Collection[str],
    file_ids: Collection[str],
) -> Plan:
    """The plan for ``rows`` (valid, ids unique) against ``existing`` (the lines their ids
    name, with the values of ``LINE_UPDATE_FIELDS``) and ``targets``; ``source_ids``: every
    line id already stored (lines have one id space, whatever system they came from); ids in
    ``file_ids`` (rejected rows' too) are not missing."""
    plan = PlanBuilder(refused=list(rejected))
    for row in rows:
        product = _target_problem(row, targets)
        if isinstance(product, Rejected):
            plan.refused.append(product)
            continue
        values = _row_values(row, product)
        stored = existing.get(row.external_id)
        if stored is None:
            plan.created.append(Change(row.line, row.external_id, values))
        else:
            plan.compare(row.line, row.external_id, values, stored, stored.source)
    return plan.plan(missing=set(source_ids) - set(file_ids))


KIZUNA_LINES = AccountFormat(
    code="kizuna",
    columns={
        "external_id": ("subscription_id", "line_id", "external_id"),
        "account_id": ("customer_id", "account_crm_id", "account_id"),
        "product": ("product",),
        "start_date": ("start_date",),
        "end_date": ("end_date",),
        "monthly_amount": ("monthly_amount", "mrr"),
        "seats": ("seats",),
        "currency": ("currency",),
        "renewal_date": ("renewal_date", "next_renewal_date"),
        "term_months": ("term_months", "contract_term_months"),
    },
    fields=LINE_FIELDS,
    required=LINE_REQUIRED,
)
