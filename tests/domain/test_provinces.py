"""Province names as platforms write them resolve to GB/T 2260 codes."""

from __future__ import annotations

import pytest

from vbptrack.domain.provinces import PROVINCES, province_name, resolve_province


def test_thirty_one_provincial_divisions_with_unique_codes() -> None:
    assert len(PROVINCES) == 31
    assert len({p.code for p in PROVINCES}) == 31
    assert len({p.name for p in PROVINCES}) == 31


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31", "31"),
        ("310000", "31"),
        ("上海", "31"),
        ("上海市", "31"),
        ("Shanghai", "31"),
        (" shanghai ", "31"),
        ("广东省", "44"),
        ("广东", "44"),
        ("内蒙古自治区", "15"),
        ("内蒙古", "15"),
        ("广西壮族自治区", "45"),
        ("新疆", "65"),
        ("西藏", "54"),
        ("Xizang", "54"),
        ("宁夏回族自治区", "64"),
        ("重庆", "50"),
        ("11", "11"),
        ("黑龙江省", "23"),
        ("65", "65"),
    ],
)
def test_resolve_province(text: str, code: str) -> None:
    assert resolve_province(text) == code


@pytest.mark.parametrize("text", ["", "99", "香港", "台湾省", "310", "上海上海", "Mars"])
def test_unknown_provinces(text: str) -> None:
    # Hong Kong, Macau and Taiwan are outside the mainland platforms' 31 divisions.
    assert resolve_province(text) is None


def test_province_names() -> None:
    assert province_name("44") == "广东省"
    assert province_name("44", english=True) == "Guangdong"
    assert province_name("99") == "99"
