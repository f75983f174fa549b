"""Purchase records (采购数据) from platform and distributor flow exports: resolved, then
written in bulk (COPY on PostgreSQL) so millions of rows import at speed.

Re-importing an overlapping export must not count twice. Each row gets a `source_key`:
the platform's order-line number when the row carries one (`reference`), else its natural
key — hospital, product, date, distributor, quantity and amount. The key is unique, and
rows whose key is already stored are skipped (counted as duplicates), so the same row
imported twice, from the same file or an overlapping one, is stored once. Without a
reference two identical purchases on the same day are one record: exports that can hold
such rows should carry their order-line number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from vbptrack.domain.money import to_fen
from vbptrack.models import Party, Product
from vbptrack.models.base import utcnow
from vbptrack.models.commercial_in import PurchaseIn
from vbptrack.models.parties import DISTRIBUTOR, HOSPITAL
from vbptrack.services import audit
from vbptrack.services.access import Actor, require
from vbptrack.services.errors import InvalidInput
from vbptrack.services.problems import field_problems, invalid, translate

COLUMNS = (
    "source_key",
    "hospital_id",
    "product_id",
    "distributor_id",
    "date",
    "quantity",
    "amount_fen",
)
# (source_key, hospital_id, product_id, distributor_id, date, quantity, amount_fen)
PurchaseRow = tuple[str, int, int, int | None, date, int, int | None]
LOOKUP_CHUNK = 900  # below SQLite's bound-parameter limit


def source_key(
    *,
    reference: str | None,
    hospital_code: str,
    product_code: str,
    day: date,
    distributor_code: str | None,
    quantity: int,
    amount_fen: int | None,
) -> str:
    """The dedup key (see the module docstring).

    >>> source_key(reference=None, hospital_code="H1", product_code="P1",
    ...            day=date(2024, 1, 5), distributor_code=None, quantity=10, amount_fen=None)
    'nk:H1|P1|2024-01-05||10|'
    """
    if reference:
        return f"ref:{reference}"
    amount = "" if amount_fen is None else str(amount_fen)
    return (
        f"nk:{hospital_code}|{product_code}|{day.isoformat()}|{distributor_code or ''}"
        f"|{quantity}|{amount}"
    )


@dataclass
class Codes:
    """Hospital, product and distributor ids by code, each code looked up once."""

    hospitals: dict[str, int | None] = field(default_factory=dict)
    products: dict[str, int | None] = field(default_factory=dict)
    distributors: dict[str, int | None] = field(default_factory=dict)

    def load(
        self,
        session: Session,
        hospitals: Iterable[str],
        products: Iterable[str],
        distributors: Iterable[str],
    ) -> None:
        self._load_parties(session, self.hospitals, hospitals, HOSPITAL)
        self._load_parties(session, self.distributors, distributors, DISTRIBUTOR)
        wanted = [code for code in set(products) if code not in self.products]
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            found = dict(
                session.execute(
                    select(Product.code, Product.id).where(col(Product.code).in_(chunk))
                ).all()
            )
            for code in chunk:
                self.products[code] = found.get(code)

    @staticmethod
    def _load_parties(
        session: Session, cache: dict[str, int | None], codes: Iterable[str], kind: str
    ) -> None:
        wanted = [code for code in set(codes) if code not in cache]
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            found = dict(
                session.execute(
                    select(Party.code, Party.id).where(
                        col(Party.code).in_(chunk), Party.kind == kind
                    )
                ).all()
            )
            for code in chunk:
                cache[code] = found.get(code)

    def problems(self, hospital: str, product: str, distributor: str | None) -> dict[str, str]:
        problems = {}
        if self.hospitals.get(hospital) is None:
            problems["hospital_code"] = translate(
                "No hospital with the code %(code)s.", code=hospital
            )
        if self.products.get(product) is None:
            problems["product_code"] = translate("No product with the code %(code)s.", code=product)
        if distributor and self.distributors.get(distributor) is None:
            problems["distributor_code"] = translate(
                "No distributor with the code %(code)s.", code=distributor
            )
        return problems

    def row(self, item: PurchaseIn) -> PurchaseRow:
        amount_fen = None if item.amount is None else to_fen(item.amount)
        hospital = self.hospitals[item.hospital_code]
        product = self.products[item.product_code]
        assert hospital is not None and product is not None
        distributor = (
            self.distributors.get(item.distributor_code) if item.distributor_code else None
        )
        key = source_key(
            reference=item.reference,
            hospital_code=item.hospital_code,
            product_code=item.product_code,
            day=item.date,
            distributor_code=item.distributor_code,
            quantity=item.quantity,
            amount_fen=amount_fen,
        )
        return (key, hospital, product, distributor, item.date, item.quantity, amount_fen)


NULL = "\\N"  # COPY's text format for a missing value


def _copy_text(rows: Sequence[PurchaseRow]) -> str:
    """COPY's text format for the rows, built in one pass (far faster than row by row).
    Codes and references cannot hold tabs, newlines or backslashes (their pattern), so
    nothing needs escaping.

    >>> _copy_text([("ref:A", 1, 2, None, date(2024, 1, 5), 3, None)]).split("\\t")
    ['ref:A', '1', '2', '\\\\N', '2024-01-05', '3', '\\\\N\\n']
    """
    return "".join(
        f"{key}\t{hospital}\t{product}\t{NULL if distributor is None else distributor}\t"
        f"{day.isoformat()}\t{quantity}\t{NULL if amount is None else amount}\n"
        for key, hospital, product, distributor, day, quantity, amount in rows
    )


INCOMING = (
    "CREATE TEMP TABLE IF NOT EXISTS purchase_incoming (source_key text, "
    "hospital_id integer, product_id integer, distributor_id integer, "
    "date date, quantity bigint, amount_fen bigint) ON COMMIT DROP"
)
NAMES = ", ".join(COLUMNS)
# Rows go in in key order: the unique key's index is then filled page by page rather
# than at random, which is most of what the server spends per row on a large table.
MOVE_IN = (
    f"INSERT INTO purchase ({NAMES}, created_at) "  # noqa: S608 - fixed names
    f"SELECT {NAMES}, %s FROM purchase_incoming ORDER BY source_key "
    "ON CONFLICT (source_key) DO NOTHING"
)
PENDING = "purchase_pending"  # Session.info key of an import's insert still running


def _copy_in(cursor: Any, rows: Sequence[PurchaseRow]) -> None:
    cursor.execute(INCOMING)
    with cursor.copy(f"COPY purchase_incoming ({NAMES}) FROM STDIN") as copy:
        copy.write(_copy_text(rows))


def _move_in(raw: Any, now: datetime) -> int:
    with raw.cursor() as cursor:
        cursor.execute(MOVE_IN, (now,))
        inserted = cursor.rowcount
        cursor.execute("TRUNCATE purchase_incoming")
    return int(inserted)


def write(session: Session, rows: Sequence[PurchaseRow]) -> int:
    """Insert the rows, skipping keys already stored; returns how many were new.

    Runs inside the caller's transaction (an import rolls it all back on a bad row).
    PostgreSQL: COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING.
    SQLite: one executemany of INSERT OR IGNORE.
    """
    if not rows:
        return 0
    connection = session.connection()
    raw = connection.connection.driver_connection
    now = utcnow().replace(tzinfo=None)
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            _copy_in(cursor, rows)
        return _move_in(raw, now)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(
            f"INSERT OR IGNORE INTO purchase ({NAMES}, created_at) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row[:4], row[4].isoformat(), *row[5:], stamp) for row in rows],
        )
        return int(cursor.rowcount)
    finally:
        cursor.close()


def write_overlapped(session: Session, rows: Sequence[PurchaseRow]) -> int:
    """`write` for an import's batches. On PostgreSQL the batch is copied in, and its
    INSERT runs on a worker thread while the import checks the next batch (the driver
    waits without holding the GIL, and its connection serialises every statement, so
    nothing else can run on it meanwhile); it returns what earlier batches added, and
    `finish_overlapped` waits for the last one. Elsewhere it is `write`."""
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return write(session, rows)
    written = finish_overlapped(session)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        _copy_in(cursor, rows)
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="purchase-insert")
    session.info[PENDING] = (worker, worker.submit(_move_in, raw, utcnow().replace(tzinfo=None)))
    return written


def finish_overlapped(session: Session) -> int:
    """Wait for the insert `write_overlapped` left running; how many rows it added.
    Raises what the insert raised (the caller rolls back)."""
    pending = session.info.pop(PENDING, None)
    if pending is None:
        return 0
    worker, future = pending
    try:
        return int(future.result())
    finally:
        worker.shutdown()


def add_purchases(session: Session, *, actor: Actor, items: Any) -> dict[str, int]:
    """POST /purchases: all rows checked first, then written in bulk; all or nothing."""
    require(actor, "commercial.write")
    if not isinstance(items, list):
        raise InvalidInput(translate("Send a list of purchases."))
    problems: dict[str, str] = {}
    clean: list[tuple[int, PurchaseIn]] = []
    for index, data in enumerate(items):
        if not isinstance(data, dict):
            problems[str(index)] = translate("Enter an object.")
            continue
        try:
            clean.append((index, PurchaseIn.model_validate(data)))
        except ValidationError as exc:
            for name, message in field_problems(exc).items():
                problems[f"{index}.{name}"] = message
    codes = Codes()
    codes.load(
        session,
        [i.hospital_code for _, i in clean],
        [i.product_code for _, i in clean],
        [i.distributor_code for _, i in clean if i.distributor_code],
    )
    rows = []
    for index, item in clean:
        found = codes.problems(item.hospital_code, item.product_code, item.distributor_code)
        for name, message in found.items():
            problems[f"{index}.{name}"] = message
        if not found:
            rows.append(codes.row(item))
    if problems:
        raise invalid(problems)
    written = write(session, rows)
    audit.record(
        session,
        actor=actor,
        entity="purchase",
        key="api",
        action="import",
        note=f"{written} of {len(rows)} rows new",
    )
    session.commit()
    return {"received": len(rows), "written": written, "duplicates": len(rows) - written}
