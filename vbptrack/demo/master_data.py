"""Demo steps for master data: hospitals, distributors and products.

Each step builds plain row dicts and bulk-inserts them with SQLAlchemy core: at scale 30
that is ~9,000 hospitals, and going through the ORM one object at a time would cost
seconds for nothing (no per-row audit, no validation of our own static data).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, insert
from sqlmodel import Session, select

from vbptrack.demo import names
from vbptrack.demo.names import City
from vbptrack.domain.provinces import BY_CODE, PROVINCES
from vbptrack.models import DISTRIBUTOR, HOSPITAL, Party, Product
from vbptrack.models.base import utcnow

HOSPITALS_PER_SCALE = 300
DISTRIBUTORS_PER_SCALE = 45
PRODUCTS_PER_SCALE = 60
# A real portfolio tops out around a thousand codes; more would just be noise.
MAX_PRODUCTS = 1000
# Every province shows up at scale 1, even 西藏 with 0.25 % of the population.
MIN_HOSPITALS_PER_PROVINCE = 2
CHUNK = 2000


class _Candidate(NamedTuple):
    name: str
    city: City
    county: str | None
    hospital_type: str
    profile: str  # key of names.GRADE_PROFILES
    weight: float


# --- shared helpers -----------------------------------------------------------------


def _bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    connection = session.connection()
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(table), list(rows[start : start + CHUNK]))


def _table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _quotas(total: int, weights: dict[str, float], minimum: int) -> dict[str, int]:
    """Split `total` by weight, at least `minimum` each; largest remainders get the rest."""
    minimum = min(minimum, total // len(weights))
    spare = total - minimum * len(weights)
    weight_sum = sum(weights.values())
    exact = {key: spare * w / weight_sum for key, w in weights.items()}
    quotas = {key: minimum + int(share) for key, share in exact.items()}
    left = total - sum(quotas.values())
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - int(exact[key])), key))
    for key in by_remainder[:left]:
        quotas[key] += 1
    return quotas


def _weighted_sample(rng: random.Random, weights: Sequence[float], k: int) -> list[int]:
    """Indexes of k items drawn without replacement, in their original order.

    Efraimidis-Spirakis keys: one pass, and a heavier item is likelier but not certain
    to be drawn, so every seed gives a different but equally plausible mix.
    """
    keyed = ((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights))
    return sorted(i for _key, i in heapq.nlargest(k, keyed))


def _person(rng: random.Random) -> str:
    given = rng.choice(names.GIVEN_CHARS)
    if rng.random() < 0.7:
        given += rng.choice(names.GIVEN_CHARS)
    return rng.choice(names.SURNAMES) + given


def _mobile(rng: random.Random) -> str:
    return rng.choice(names.MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def _short(city: str) -> str:
    """郑州市 → 郑州, 喀什地区 → 喀什: companies drop the administrative suffix."""
    for suffix in ("地区", "市", "州"):
        if city.endswith(suffix) and len(city) > len(suffix) + 1:
            return city[: -len(suffix)]
    return city


def _address(rng: random.Random, province: str, city: City, county: str | None) -> str:
    prefix = BY_CODE[province].name
    if city.name == prefix:  # a municipality: the district is what locates an address
        prefix = ""
        county = county or rng.choice(city.counties)
    number = rng.randrange(1, 400)
    return f"{prefix}{city.name}{county or ''}{rng.choice(names.ROADS)}{number}号"


# --- hospitals ------------------------------------------------------------------------


def _county_prefix(city: City, county: str) -> str:
    # A district hospital carries its city: 广州市番禺区人民医院, but 博罗县人民医院.
    return city.name + county if county.endswith("区") else county


def _flagship_type(name: str) -> str:
    if "中医" in name:
        return "中医医院"
    if any(word in name for word in ("肿瘤", "儿童", "儿科", "口腔", "眼科", "阜外")):
        return "专科医院"
    return "综合医院"


def _fixed_hospitals(province: str) -> list[_Candidate]:
    """The hospitals a province's list always starts with: flagships, then provincial."""
    cities = {city.name: city for city in names.CITIES[province]}
    capital = names.CITIES[province][0]
    fixed = [
        _Candidate(name, cities[city], None, _flagship_type(name), "top", 0.0)
        for name, city in names.FLAGSHIP_HOSPITALS[province]
    ]
    info = BY_CODE[province]
    if capital.name != info.name:  # municipalities have no 省-level hospitals of their own
        fixed.append(_Candidate(info.name + "人民医院", capital, None, "综合医院", "top", 0.0))
    return fixed


def _pooled_hospitals(province: str) -> Iterator[_Candidate]:
    """City, private and county hospitals, then township centres, each with a weight."""
    cities = names.CITIES[province]
    info = BY_CODE[province]
    if cities[0].name != info.name:
        for suffix, kind, profile, weight in names.PROVINCE_PATTERNS:
            yield _Candidate(info.name + suffix, cities[0], None, kind, profile, weight)
    for position, city in enumerate(cities):
        boost = 2.0 if position == 0 else 1.0
        for suffix, kind, profile, weight in names.CITY_PATTERNS:
            yield _Candidate(city.name + suffix, city, None, kind, profile, weight * boost)
        for suffix in names.PRIVATE_SUFFIXES:
            yield _Candidate(_short(city.name) + suffix, city, None, "民营医院", "private", 0.4)
        for county in city.counties:
            prefix = _county_prefix(city, county)
            for suffix, kind, profile, weight in names.COUNTY_PATTERNS:
                yield _Candidate(prefix + suffix, city, county, kind, profile, weight)
    # Township centres only fill the list at large scales: few KAMs call on them.
    for city in cities:
        for county in city.counties:
            prefix = _county_prefix(city, county)
            suffix = "社区卫生服务中心" if county.endswith("区") else "镇卫生院"
            for town in names.TOWNS:
                yield _Candidate(prefix + town + suffix, city, county, "基层医疗机构", "town", 0.02)


def _overflow_hospitals(province: str) -> Iterator[_Candidate]:
    """Numbered branches, so any scale finds enough unique names."""
    places = [
        (city, county) for city in names.CITIES[province] for county in city.counties or (None,)
    ]
    for branch in itertools.count(2):
        for city, county in places:
            prefix = _county_prefix(city, county) if county else city.name
            name = f"{prefix}社区卫生服务中心第{branch}分中心"
            yield _Candidate(name, city, county, "基层医疗机构", "town", 0.0)


def _pick_hospitals(
    rng: random.Random, province: str, quota: int, taken: set[str]
) -> list[_Candidate]:
    """`quota` hospitals whose names are not yet `taken` (names are unique nationwide)."""
    fixed = [c for c in _fixed_hospitals(province) if c.name not in taken]
    if quota <= len(fixed):
        return fixed[:quota]
    pool = [c for c in _pooled_hospitals(province) if c.name not in taken]
    wanted = quota - len(fixed)
    if wanted >= len(pool):
        overflow = (c for c in _overflow_hospitals(province) if c.name not in taken)
        return fixed + pool + list(itertools.islice(overflow, wanted - len(pool)))
    chosen = _weighted_sample(rng, [c.weight for c in pool], wanted)
    return fixed + [pool[i] for i in chosen]


def _area_code(rng: random.Random, city: City, county: str | None) -> str:
    """A six-digit GB/T 2260 code in the hospital's city, as the insurance code starts."""
    if len(city.code) == 6:
        return city.code
    if county is None:
        return city.code + rng.choice(("02", "03", "04", "05"))
    index = city.counties.index(county)
    if county.endswith("区"):
        return f"{city.code}{index + 2:02d}"
    if county.endswith("市"):
        return f"{city.code}{index + 81:02d}"
    return f"{city.code}{index + 21:02d}"


def _email(rng: random.Random, local: str, org: str) -> str | None:
    # Reserved example.com domains: a demo dunning run must never mail a real inbox.
    if rng.random() < 0.4:
        return None
    return f"{local}@{org}.example.com"


def load_hospitals(session: Session, rng: random.Random, scale: int, today: date) -> dict[str, int]:
    quotas = _quotas(
        HOSPITALS_PER_SCALE * scale, names.PROVINCE_POPULATION, MIN_HOSPITALS_PER_PROVINCE
    )
    now = utcnow()
    taken: set[str] = set()
    insurance_codes: set[str] = set()
    rows: list[dict[str, Any]] = []
    for province in (p.code for p in PROVINCES):
        picked = _pick_hospitals(rng, province, quotas[province], taken)
        for sequence, candidate in enumerate(picked, start=1):
            taken.add(candidate.name)
            code = f"H{province}{sequence:04d}"
            rows.append(_hospital_row(rng, province, code, candidate, insurance_codes, now))
    _bulk_insert(session, _table(Party), rows)
    return {"hospitals": len(rows)}


def _hospital_row(
    rng: random.Random,
    province: str,
    code: str,
    candidate: _Candidate,
    insurance_codes: set[str],
    now: datetime,
) -> dict[str, Any]:
    grades, grade_weights = names.GRADE_PROFILES[candidate.profile]
    area = _area_code(rng, candidate.city, candidate.county)
    insurance = f"H{area}{rng.randrange(100_000):05d}"
    while insurance in insurance_codes:
        insurance = f"H{area}{rng.randrange(100_000):05d}"
    insurance_codes.add(insurance)
    private = candidate.hospital_type == "民营医院"
    return {
        "code": code,
        "kind": HOSPITAL,
        "name": candidate.name,
        # Invoices and dunning letters need the registered name; private ones are companies.
        "legal_name": candidate.name + "有限公司" if private else candidate.name,
        "province_code": province,
        "city": candidate.city.name,
        "address": _address(rng, province, candidate.city, candidate.county),
        "grade": rng.choices(grades, grade_weights)[0],
        "hospital_type": candidate.hospital_type,
        "insurance_code": insurance,
        "contact_name": _person(rng),
        "phone": _mobile(rng),
        "email": _email(rng, f"yjk.{code.lower()}", "hospital"),
        "active": True,
        "created_at": now,
        "updated_at": now,
    }


# --- distributors ---------------------------------------------------------------------


class _Distributor(NamedTuple):
    name: str
    province: str
    city: City
    slug: str
    weight: float


def _city_named(province: str, city_name: str) -> City:
    return next(city for city in names.CITIES[province] if city.name == city_name)


def _distributor_pool() -> list[_Distributor]:
    pool: list[_Distributor] = []
    for template, factor, slug, skip in names.DISTRIBUTOR_CHAINS:
        for info in PROVINCES:
            if info.code in skip:
                continue
            weight = names.PROVINCE_POPULATION[info.code] * factor
            capital = names.CITIES[info.code][0]
            name = template.format(short=info.short_name)
            pool.append(_Distributor(name, info.code, capital, slug, weight))
    for province, city_name, name, slug in names.REGIONAL_DISTRIBUTORS:
        pool.append(_Distributor(name, province, _city_named(province, city_name), slug, 40.0))
    for info in PROVINCES:
        cities = names.CITIES[info.code]
        weight = names.PROVINCE_POPULATION[info.code] / len(cities)
        for city in cities:
            short = _short(city.name)
            pool.append(
                _Distributor(f"{short}医药有限公司", info.code, city, "dist", weight * 0.05)
            )
            for word in names.DISTRIBUTOR_WORDS:
                name = f"{short}{word}医药有限公司"
                pool.append(_Distributor(name, info.code, city, "dist", weight * 0.01))
    return pool


def _overflow_distributors() -> Iterator[_Distributor]:
    pairs = itertools.permutations(names.DISTRIBUTOR_WORDS, 2)
    for first, second in pairs:
        for info in PROVINCES:
            for city in names.CITIES[info.code]:
                name = f"{_short(city.name)}{first}{second}医药有限公司"
                yield _Distributor(name, info.code, city, "dist", 0.0)


def load_distributors(
    session: Session, rng: random.Random, scale: int, today: date
) -> dict[str, int]:
    pool = _distributor_pool()
    wanted = DISTRIBUTORS_PER_SCALE * scale
    chosen: Iterable[_Distributor]
    if wanted >= len(pool):
        chosen = pool + list(itertools.islice(_overflow_distributors(), wanted - len(pool)))
    else:
        chosen = [pool[i] for i in _weighted_sample(rng, [d.weight for d in pool], wanted)]
    now = utcnow()
    rows = []
    for number, distributor in enumerate(chosen, start=1):
        code = f"D{number:04d}"
        rows.append(
            {
                "code": code,
                "kind": DISTRIBUTOR,
                "name": distributor.name,
                "legal_name": distributor.name,
                "province_code": distributor.province,
                "city": distributor.city.name,
                "address": _address(rng, distributor.province, distributor.city, None),
                "contact_name": _person(rng),
                "phone": _mobile(rng),
                "email": _email(rng, f"shangwu.{code.lower()}", distributor.slug),
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
    _bulk_insert(session, _table(Party), rows)
    return {"distributors": len(rows)}


# --- products -------------------------------------------------------------------------


def _product_order(rng: random.Random) -> list[tuple[names.Molecule, str, int, str, str | None]]:
    """Every (molecule, spec, pack, maker), one of each molecule first.

    Molecules are interleaved by category so even scale 1 has devices and reagents, and
    each molecule's variants are shuffled so the first one differs by seed.
    """
    by_category: dict[str, list[names.Molecule]] = {}
    for molecule in names.CATALOGUE:
        by_category.setdefault(molecule.category, []).append(molecule)
    interleaved = sorted(
        names.CATALOGUE,
        key=lambda m: (by_category[m.category].index(m) + 0.5) / len(by_category[m.category]),
    )
    variants = []
    for molecule in interleaved:
        options = list(itertools.product(molecule.specs, molecule.packs, molecule.makers))
        rng.shuffle(options)
        variants.append([(molecule, spec, pack, *maker) for spec, pack, maker in options])
    rounds = itertools.zip_longest(*variants)
    return [variant for round_ in rounds for variant in round_ if variant is not None]


def _approval_number(rng: random.Random, approval: str, maker: str) -> str:
    if approval in ("H", "S"):
        return f"国药准字{approval}20{rng.randrange(24):02d}{rng.randrange(10_000):04d}"
    device_class, catalogue = approval[0], approval[1:]
    year = rng.randrange(2014, 2025)
    registrar = "国" if device_class == "3" else names.DEVICE_MAKER_PROVINCE.get(maker, "国")
    return f"{registrar}械注准{year}{device_class}{catalogue}{rng.randrange(10_000):04d}"


def load_products(session: Session, rng: random.Random, scale: int, today: date) -> dict[str, int]:
    # Products may have been imported before any party existed; their codes would clash.
    if session.exec(select(Product.id).limit(1)).first() is not None:
        return {}
    order = _product_order(rng)
    wanted = min(PRODUCTS_PER_SCALE * scale, MAX_PRODUCTS, len(order))
    now = utcnow()
    rows = [
        {
            "code": f"P{number:04d}",
            "generic_name": molecule.generic_name,
            "brand": brand,
            "dosage_form": molecule.dosage_form,
            "specification": spec,
            "unit": molecule.unit,
            "pack_size": pack,
            "category": molecule.category,
            "approval_number": _approval_number(rng, molecule.approval, maker),
            "manufacturer": maker,
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        for number, (molecule, spec, pack, maker, brand) in enumerate(order[:wanted], start=1)
    ]
    _bulk_insert(session, _table(Product), rows)
    return {"products": len(rows)}
