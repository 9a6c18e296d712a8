"""``{% load customers %}``: ``segment_label`` writes a touch model in the reader's language
and leaves anything it does not know as it is."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from kizuna.apps.customers.templatetags.customers import segment_label


@pytest.mark.parametrize(
    ("language", "code", "label"),
    [
        ("ja", "high", "ハイタッチ"),
        ("ja", "tech", "テックタッチ"),
        ("en", "high", "High touch"),
        ("en", "community", "Community touch"),
        ("ja", "unknown", "unknown"),
        ("ja", "", ""),
    ],
)
def test_segment_label(language: str, code: str, label: str) -> None:
    with translation.override(language):
        assert segment_label(code) == label


def test_a_template_loads_it_and_escapes_what_it_does_not_know() -> None:
    template = Template("{% load customers %}{{ a|segment_label }} {{ b|segment_label }}")
    with translation.override("ja"):
        html = template.render(Context({"a": "low", "b": "<b>x</b>"}))
    assert html == "ロータッチ &lt;b&gt;x&lt;/b&gt;"
