"""Every reason a row of an import may be rejected for has a text in both languages and a row
in the import guide."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from kizuna.apps.imports.reasons import reason
from kizuna.core.imports.accounts import REJECT_CODES
from kizuna.core.imports.contacts import CONTACT_REJECT_CODES
from kizuna.core.imports.lines import LINE_REJECT_CODES
from kizuna.core.imports.members import MEMBER_REJECT_CODES
from kizuna.core.voc.answer_import import ANSWER_REJECT_CODES

GUIDE = (Path(__file__).parents[3] / "docs" / "imports.md").read_text(encoding="utf-8")
CODES = [
    *(("accounts", code) for code in REJECT_CODES),
    *(("contacts", code) for code in CONTACT_REJECT_CODES),
    *(("lines", code) for code in LINE_REJECT_CODES),
    *(("members", code) for code in MEMBER_REJECT_CODES),
    *(("answers", code) for code in ANSWER_REJECT_CODES),
]


@pytest.mark.parametrize(("kind", "code"), CODES)
def test_every_reject_code_has_a_text_in_both_languages_and_a_doc_row(kind: str, code: str) -> None:
    with translation.override("en"):
        english = str(reason(kind, code))
    with translation.override("ja"):
        japanese = str(reason(kind, code))
    assert english != code
    assert japanese != english
    assert f"`{code}`" in GUIDE


def test_a_deal_not_won_reads_in_each_language() -> None:
    with translation.override("ja"):
        assert str(reason("lines", "deal_not_won")).startswith(
            "取引のステージが「成約」ではありません"
        )
    with translation.override("en"):
        assert str(reason("lines", "deal_not_won")).startswith("The deal is not closed won")
