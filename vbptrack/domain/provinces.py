"""The 31 provincial-level divisions of mainland China, by GB/T 2260 code.

Platform exports name a province in several ways ("31", "310000", "上海", "上海市",
"Shanghai"); `resolve_province` turns any of them into the two-digit code.
"""

from __future__ import annotations

from typing import NamedTuple


class ProvinceInfo(NamedTuple):
    code: str
    name: str  # full official name, 上海市
    short_name: str  # 上海
    name_en: str


PROVINCES: tuple[ProvinceInfo, ...] = (
    ProvinceInfo("11", "北京市", "北京", "Beijing"),
    ProvinceInfo("12", "天津市", "天津", "Tianjin"),
    ProvinceInfo("13", "河北省", "河北", "Hebei"),
    ProvinceInfo("14", "山西省", "山西", "Shanxi"),
    ProvinceInfo("15", "内蒙古自治区", "内蒙古", "Inner Mongolia"),
    ProvinceInfo("21", "辽宁省", "辽宁", "Liaoning"),
    ProvinceInfo("22", "吉林省", "吉林", "Jilin"),
    ProvinceInfo("23", "黑龙江省", "黑龙江", "Heilongjiang"),
    ProvinceInfo("31", "上海市", "上海", "Shanghai"),
    ProvinceInfo("32", "江苏省", "江苏", "Jiangsu"),
    ProvinceInfo("33", "浙江省", "浙江", "Zhejiang"),
    ProvinceInfo("34", "安徽省", "安徽", "Anhui"),
    ProvinceInfo("35", "福建省", "福建", "Fujian"),
    ProvinceInfo("36", "江西省", "江西", "Jiangxi"),
    ProvinceInfo("37", "山东省", "山东", "Shandong"),
    ProvinceInfo("41", "河南省", "河南", "Henan"),
    ProvinceInfo("42", "湖北省", "湖北", "Hubei"),
    ProvinceInfo("43", "湖南省", "湖南", "Hunan"),
    ProvinceInfo("44", "广东省", "广东", "Guangdong"),
    ProvinceInfo("45", "广西壮族自治区", "广西", "Guangxi"),
    ProvinceInfo("46", "海南省", "海南", "Hainan"),
    ProvinceInfo("50", "重庆市", "重庆", "Chongqing"),
    ProvinceInfo("51", "四川省", "四川", "Sichuan"),
    ProvinceInfo("52", "贵州省", "贵州", "Guizhou"),
    ProvinceInfo("53", "云南省", "云南", "Yunnan"),
    ProvinceInfo("54", "西藏自治区", "西藏", "Tibet"),
    ProvinceInfo("61", "陕西省", "陕西", "Shaanxi"),
    ProvinceInfo("62", "甘肃省", "甘肃", "Gansu"),
    ProvinceInfo("63", "青海省", "青海", "Qinghai"),
    ProvinceInfo("64", "宁夏回族自治区", "宁夏", "Ningxia"),
    ProvinceInfo("65", "新疆维吾尔自治区", "新疆", "Xinjiang"),
)

BY_CODE: dict[str, ProvinceInfo] = {p.code: p for p in PROVINCES}

_ALIASES: dict[str, str] = {}
for _p in PROVINCES:
    for _alias in (_p.code, _p.code + "0000", _p.name, _p.short_name, _p.name_en.lower()):
        _ALIASES[_alias] = _p.code
_ALIASES["xizang"] = "54"
_ALIASES["inner mongolia autonomous region"] = "15"


def resolve_province(text: str) -> str | None:
    """The two-digit code for a province given by code or name, or None if unknown.

    >>> resolve_province("上海市"), resolve_province("310000"), resolve_province("广东")
    ('31', '31', '44')
    """
    key = (
        text.strip().replace(" ", "")
        if any("\u4e00" <= ch <= "\u9fff" for ch in text)
        else (text.strip().lower())
    )
    return _ALIASES.get(key)


def province_name(code: str, *, english: bool = False) -> str:
    """Display name of a province code; the code itself if unknown.

    >>> province_name("44"), province_name("44", english=True)
    ('广东省', 'Guangdong')
    """
    info = BY_CODE.get(code)
    if info is None:
        return code
    return info.name_en if english else info.name
