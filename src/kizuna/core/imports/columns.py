"""Which column of an export feeds which account field, and when a file is refused whole.

An ``AccountFormat`` (one per external system: ``integrations/salesforce/accounts.py``,
``integrations/hubspot/accounts.py``, and Kizuna's own ``KIZUNA`` here) names, for each field,
the headers it may have in that system's exports (API names, English and Japanese labels). The
user's mapping file (``ImportMapping``, JSON, docs/imports.md) names a header for a field when
the export uses another one (a custom field such as ``Furigana__c``), the member each CRM owner
is, and more industry words. ``resolve_columns`` puts them together; it refuses the file
(``FileRefused``) when a required column is missing, or when a column found in the last import
from the same source is gone now (schema drift: renamed or removed in the CRM).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from kizuna.core.imports.files import normalise

#: the account fields an import reads, in the order the docs and the dry run list them
FIELDS = ("external_id", "name", "kana", "owner", "industry", "employee_count", "parent_id")
REQUIRED = ("external_id", "name")

FooterRule = Callable[[Sequence[str], bool], bool]


def never_footer(cells: Sequence[str], after_blank: bool) -> bool:
    return False


class FileRefused(Exception):
    """The whole file is refused; nothing is imported. ``code``: too_large, encoding, empty,
    unknown_format, bad_mapping, missing_column, drift. ``detail``: what to name in the
    message (the field and the header(s) expected, or the mapping file's problem)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class AccountFormat:
    """An external system's export of one kind of record (accounts, contacts).

    ``columns``: field → the headers it may have (compared after NFKC, case-folded, so
    ``取引先 ID`` and ``取引先　ID`` are one header); ``industries``: the system's industry
    words (case-folded) → Kizuna industry codes; ``is_footer``: rows a report appends (totals).
    """

    code: str
    columns: Mapping[str, tuple[str, ...]]
    industries: Mapping[str, str] = field(default_factory=dict)
    is_footer: FooterRule = never_footer
    #: the fields of the kind of record the export holds, and those that must have a column
    #: (accounts by default; ``core.imports.contacts`` gives the contact ones)
    fields: tuple[str, ...] = FIELDS
    required: tuple[str, ...] = REQUIRED


@dataclass(frozen=True)
class ImportMapping:
    """The user's mapping file: ``columns`` field → header, ``owners`` CRM owner (user id,
    name or e-mail as the export writes it) → member (login name or e-mail), ``industries``
    the export's word → Kizuna industry code."""

    columns: Mapping[str, str] = field(default_factory=dict)
    owners: Mapping[str, str] = field(default_factory=dict)
    industries: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, dict[str, str]]:
        return {
            "columns": dict(self.columns),
            "owners": dict(self.owners),
            "industries": dict(self.industries),
        }


def _string_map(value: object, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise FileRefused("bad_mapping", f'"{name}" must map texts to texts')
    return {k.strip(): v.strip() for k, v in value.items() if k.strip()}


def parse_mapping(
    text: str, *, industry_codes: Sequence[str], fields: Sequence[str] = FIELDS
) -> ImportMapping:
    """The mapping file's ``ImportMapping``; ``FileRefused("bad_mapping")`` naming the
    problem when it is not JSON, has a key other than columns / owners / industries, maps a
    field Kizuna does not have, or an industry to a code not in ``industry_codes``."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise FileRefused("bad_mapping", f"not JSON ({error})") from None
    if not isinstance(data, dict):
        raise FileRefused("bad_mapping", "not a JSON object")
    unknown = sorted(set(data) - {"columns", "owners", "industries"})
    if unknown:
        raise FileRefused("bad_mapping", f"unknown key {unknown[0]!r}")
    columns = _string_map(data.get("columns"), "columns")
    bad_fields = sorted(set(columns) - set(fields))
    if bad_fields:
        raise FileRefused("bad_mapping", f"unknown field {bad_fields[0]!r}")
    words = _string_map(data.get("industries"), "industries")
    industries = {normalise(word).casefold(): code for word, code in words.items()}
    bad_codes = sorted(set(industries.values()) - set(industry_codes))
    if bad_codes:
        raise FileRefused("bad_mapping", f"unknown industry {bad_codes[0]!r}")
    return ImportMapping(
        columns=columns, owners=_string_map(data.get("owners"), "owners"), industries=industries
    )


def _fold(header: str) -> str:
    return normalise(header).casefold()


def find_columns(
    headers: Sequence[str], account_format: AccountFormat, mapping: ImportMapping
) -> dict[str, int]:
    """Field → position of its column in ``headers``: the mapping's header first, else the
    first of the format's headers present. Fields without a column are left out."""
    position: dict[str, int] = {}
    for index, header in enumerate(headers):
        position.setdefault(_fold(header), index)
    found: dict[str, int] = {}
    for name in account_format.fields:
        at = next(
            (
                position[_fold(c)]
                for c in _candidates(name, account_format, mapping)
                if _fold(c) in position
            ),
            None,
        )
        if at is not None:
            found[name] = at
    return found


def _candidates(
    name: str, account_format: AccountFormat, mapping: ImportMapping
) -> tuple[str, ...]:
    mapped = (mapping.columns[name],) if name in mapping.columns else ()
    return mapped + tuple(account_format.columns.get(name, ()))


def resolve_columns(
    headers: Sequence[str],
    account_format: AccountFormat,
    mapping: ImportMapping,
    *,
    previous: Mapping[str, str],
    accept_drift: bool = False,
) -> dict[str, int]:
    """``find_columns``, checked: ``FileRefused("missing_column")`` when a required field has
    no column (the detail names the field and the headers looked for), and
    ``FileRefused("drift")`` when a field whose column was ``previous[field]`` in the last
    import from this source has no column now (unless ``accept_drift``)."""
    found = find_columns(headers, account_format, mapping)
    for name in account_format.required:
        if name not in found:
            expected = " / ".join(_candidates(name, account_format, mapping))
            raise FileRefused("missing_column", f"{name} ({expected})")
    if not accept_drift:
        for name in account_format.fields:
            if name in previous and name not in found:
                raise FileRefused("drift", f"{name} ({previous[name]})")
    return found


def detect_format(headers: Sequence[str], formats: Sequence[AccountFormat]) -> AccountFormat:
    """The first of ``formats`` whose required columns are all in ``headers``; else the one
    that knows most of the headers (its missing column is then named by ``resolve_columns``);
    ``FileRefused("unknown_format")`` naming the headers seen when none knows any."""
    known = [find_columns(headers, f, ImportMapping()) for f in formats]
    for account_format, found in zip(formats, known, strict=True):
        if all(name in found for name in account_format.required):
            return account_format
    best = max(range(len(formats)), key=lambda i: (len(known[i]), -i), default=None)
    if best is None or not known[best]:
        raise FileRefused("unknown_format", ", ".join(headers[:8]))
    return formats[best]


#: Kizuna's own industry codes and their Japanese and English labels, as the account form
#: writes them (customers.models.Industry; a test checks the two agree)
KIZUNA_INDUSTRIES: dict[str, str] = {
    **{
        code: code
        for code in (
            "manufacturing",
            "it",
            "retail",
            "construction",
            "finance",
            "healthcare",
            "logistics",
            "services",
            "real_estate",
            "food",
            "other",
        )
    },
    "製造": "manufacturing",
    "製造業": "manufacturing",
    "it・ソフトウェア": "it",
    "it and software": "it",
    "小売": "retail",
    "小売業": "retail",
    "建設": "construction",
    "建設業": "construction",
    "金融・保険": "finance",
    "finance and insurance": "finance",
    "医療・福祉": "healthcare",
    "物流": "logistics",
    "専門サービス": "services",
    "professional services": "services",
    "不動産": "real_estate",
    "real estate": "real_estate",
    "食品・飲食": "food",
    "food and restaurants": "food",
    "その他": "other",
}

KIZUNA = AccountFormat(
    code="kizuna",
    columns={name: (name,) for name in FIELDS},
    industries=KIZUNA_INDUSTRIES,
)
