"""Japanese company and person names whose katakana reading matches the kanji.

A company name is ``[place] root industry-word`` plus a legal form (株式会社 before or after,
合同会社, 有限会社); its kana is the concatenated readings of the parts without the legal form,
and its e-mail domain is the romanised parts joined by hyphens under ``.example.jp``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from kizuna.demo.name_data import (
    FEMALE_GIVEN,
    INDUSTRY_WORDS,
    KATAKANA_ROOTS,
    MALE_GIVEN,
    PLACES,
    SURNAMES,
    WORD_ROOTS,
    NamePart,
)

COMPANY_DOMAIN_SUFFIX: Final = "example.jp"

# Root pools and their weights: family names are the most common root of Japanese SMEs.
_ROOT_POOLS: Final = (SURNAMES, WORD_ROOTS, KATAKANA_ROOTS, PLACES)
_ROOT_WEIGHTS: Final = (40, 25, 20, 15)
_NON_PLACE_POOLS: Final = (SURNAMES, WORD_ROOTS, KATAKANA_ROOTS)
_COMPOUND_SHARE: Final = 0.15
# After this many clashes with an existing name, always try a place-prefixed compound name.
_PLAIN_ATTEMPTS: Final = 3
_MAX_ATTEMPTS: Final = 200


@dataclass(frozen=True)
class CompanyName:
    name: str  # 株式会社山田製作所
    kana: str  # ヤマダセイサクショ
    domain: str  # yamada-seisakusho.example.jp (unique within one namer)


@dataclass(frozen=True)
class PersonName:
    full_name: str  # 佐藤 健太 (family name first, one ASCII space)
    family_romaji: str
    given_romaji: str


def _legal_form(stem: str, employee_count: int, rng: random.Random) -> str:
    draw = rng.random()
    if employee_count < 100 and draw < 0.12:
        return f"有限会社{stem}"
    if employee_count < 300 and draw > 0.93:
        return f"合同会社{stem}" if draw > 0.965 else f"{stem}合同会社"
    if draw < 0.55:
        return f"株式会社{stem}"
    return f"{stem}株式会社"


class CompanyNamer:
    """Draws unique company names; remembers every name and domain it has handed out."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._names: set[str] = set()
        self._domains: dict[str, int] = {}

    def draw(self, industry: str, employee_count: int) -> CompanyName:
        """A company name of ``industry`` not drawn before; raises when the space runs out."""
        for attempt in range(_MAX_ATTEMPTS):
            compound = attempt >= _PLAIN_ATTEMPTS or self._rng.random() < _COMPOUND_SHARE
            parts = self._stem_parts(industry, compound=compound)
            name = _legal_form("".join(p.kanji for p in parts), employee_count, self._rng)
            if name in self._names:
                continue
            self._names.add(name)
            kana = "".join(p.kana for p in parts)
            return CompanyName(name=name, kana=kana, domain=self._domain(parts))
        raise RuntimeError("ran out of distinct company names; add name parts to name_data")

    def _stem_parts(self, industry: str, *, compound: bool) -> list[NamePart]:
        rng = self._rng
        word = rng.choice(INDUSTRY_WORDS[industry])
        if compound:
            return [rng.choice(PLACES), rng.choice(rng.choice(_NON_PLACE_POOLS)), word]
        pool = rng.choices(_ROOT_POOLS, weights=_ROOT_WEIGHTS)[0]
        return [rng.choice(pool), word]

    def _domain(self, parts: list[NamePart]) -> str:
        base = "-".join(p.romaji for p in parts)
        count = self._domains.get(base, 0) + 1
        self._domains[base] = count
        label = base if count == 1 else f"{base}{count}"
        return f"{label}.{COMPANY_DOMAIN_SUFFIX}"


def draw_person(rng: random.Random) -> PersonName:
    """A Japanese person's name, family name first (佐藤 健太)."""
    family = rng.choice(SURNAMES)
    given = rng.choice(MALE_GIVEN if rng.random() < 0.55 else FEMALE_GIVEN)
    return PersonName(
        full_name=f"{family.kanji} {given.kanji}",
        family_romaji=family.romaji,
        given_romaji=given.romaji,
    )
