"""Which tenders a rep follows (DOMAIN.md §2: a rep sees their territory), table-driven."""

from __future__ import annotations

import pytest

from vbptrack.domain.tenders import KINDS, NATIONAL_KINDS, concerns_territory

SHANGHAI = ["31"]
SHANGHAI_AND_BEIJING = ["31", "11"]


@pytest.mark.parametrize(
    ("kind", "provinces", "territory", "follows"),
    [
        ("provincial", ["31"], SHANGHAI, True),  # the rep's own province
        ("provincial", ["44"], SHANGHAI, False),  # another province's round
        ("alliance", ["32", "33", "31"], SHANGHAI, True),  # one alliance member is enough
        ("alliance", ["32", "33", "34"], SHANGHAI, False),  # the Yangtze delta without Shanghai
        ("alliance", ["44", "11"], SHANGHAI_AND_BEIJING, True),  # a province of a wider territory
        ("hospital", ["44"], SHANGHAI_AND_BEIJING, False),
        ("national_vbp", ["44"], SHANGHAI, True),  # a national batch concerns every province
        ("national_vbp", [], SHANGHAI, True),
        ("national_vbp", ["31"], [], True),  # even a rep whose territory has no parties yet
        ("provincial", [], SHANGHAI, True),  # no province named: it may apply anywhere
        ("alliance", [], [], True),
        ("provincial", ["31"], [], False),  # an empty territory follows national ones only
    ],
)
def test_a_rep_follows_national_tenders_and_those_of_their_provinces(
    kind: str, provinces: list[str], territory: list[str], follows: bool
) -> None:
    assert concerns_territory(kind, provinces, territory) is follows


def test_national_kinds_are_tender_kinds() -> None:
    assert set(KINDS) >= NATIONAL_KINDS
