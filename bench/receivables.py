"""Receivables at scale (issue 3): the ageing API against one hand-written SQL query, the
invoice list page at 1,000,000 invoices against 1,000, the Excel export's peak memory,
and invoice import throughput, on SQLite and PostgreSQL in one run.

The data set: BENCH_INVOICES invoices (default 1,000,000) over 5,000 customers (hospitals
and distributors in every province, most with a rep) dated over three years; 15 % on a
30/70 split term, the rest on NET90/NET120/NET180/VBP; about 60 % of invoices have a
payment (a quarter of them partial, some with cash left unapplied), about 3 % a credit
note and a few on-account credit notes; 1 % on hold. The as-of date is in the past, so
invoices and payments after it exist and must not count.

It is generated deterministically in chunks (the same rows for both databases) and
loaded with SQLAlchemy core executemany on SQLite and `COPY` on PostgreSQL, secondary
indexes dropped during the load and rebuilt after it, then ANALYZEd.

Environment: BENCH_INVOICES=1000000  BENCH_RECEIVABLES_IMPORT_ROWS=10000
BENCH_EXPORT_ROWS=100000  BENCH_BACKENDS=sqlite,postgresql
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from bench.harness import OUT, databases, median_ms
from tests.factories import api_token, login, make_user
from vbptrack import create_app
from vbptrack.config import test_config
from vbptrack.db import get_engine
from vbptrack.domain.ageing import DEFAULT_LIMITS, Basis, date_ranges
from vbptrack.domain.money import from_fen, to_fen
from vbptrack.models import Invoice, InvoiceInstalment, PaymentTerm
from vbptrack.services import terms
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM

INVOICES = int(os.environ.get("BENCH_INVOICES", "1000000"))
SMALL_INVOICES = 1000
CUSTOMERS = 5000
DISTRIBUTORS = 500  # of the customers
REPS = 40
IMPORT_ROWS = int(os.environ.get("BENCH_RECEIVABLES_IMPORT_ROWS", "10000"))
EXPORT_ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "100000"))
CHUNK = 50_000  # invoices per generated chunk
KEY_ACCOUNT = CUSTOMERS  # D05000, a distributor with a tenth of the invoices
# BENCH_PROPOSED_INDEXES=1 adds the covering indexes proposed in docs/performance.md
# after the load, to measure them before they go into the models and a migration.
PROPOSED_INDEXES = os.environ.get("BENCH_PROPOSED_INDEXES", "") == "1"
PROPOSED = (
    "CREATE INDEX ix_bench_settlement_instalment_cover "
    "ON settlement (instalment_id, date, amount_fen)",
    "CREATE INDEX ix_bench_settlement_payment_cover ON settlement (payment_id, date, amount_fen)",
    "CREATE INDEX ix_bench_payment_cover ON payment (date, customer_id, amount_fen)",
)

FIRST_DAY = date(2022, 1, 1)
DAYS = 3 * 365 + 1  # invoices dated 2022-01-01 … 2024-12-31
AS_OF = date(2024, 9, 30)
SEED = 2026
NOW = datetime(2025, 1, 15, tzinfo=UTC)

# Every date the generator can produce, as ISO text (SQLite's storage form, COPY's input).
ISO = [(FIRST_DAY + timedelta(days=i)).isoformat() for i in range(DAYS + 400)]

TABLES: dict[str, tuple[str, ...]] = {
    "app_user": (
        "id",
        "username",
        "display_name",
        "role",
        "password_hash",
        "active",
        "session_generation",
        "created_at",
    ),
    "party": (
        "id",
        "code",
        "kind",
        "name",
        "province_code",
        "city",
        "rep_id",
        "active",
        "created_at",
        "updated_at",
    ),
    "invoice": (
        "id",
        "number",
        "customer_id",
        "distributor_id",
        "invoice_date",
        "acceptance_date",
        "amount_fen",
        "tax_fen",
        "payment_term_id",
        "hold_reason",
        "held_at",
        "created_at",
    ),
    "invoice_instalment": ("id", "invoice_id", "seq", "due_date", "amount_fen"),
    "payment": ("id", "reference", "customer_id", "date", "amount_fen", "created_at"),
    "credit_note": (
        "id",
        "number",
        "customer_id",
        "date",
        "amount_fen",
        "invoice_id",
        "reason",
        "created_at",
    ),
    "settlement": (
        "id",
        "instalment_id",
        "invoice_id",
        "kind",
        "payment_id",
        "credit_note_id",
        "date",
        "amount_fen",
    ),
}
LOADED = ("party", "invoice", "invoice_instalment", "payment", "credit_note", "settlement")
PROVINCES = [str(code) for code in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36)]
PROVINCES += [str(code) for code in (37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62)]
PROVINCES += ["63", "64", "65"]


def log(message: str) -> None:
    print(f"[receivables] {message}", file=sys.stderr, flush=True)


# --- the data set ------------------------------------------------------------------------


class World:
    """Ids the generator needs: payment terms, and the first free id of the users."""

    def __init__(self, term_ids: dict[str, int], first_user_id: int) -> None:
        self.term_ids = term_ids
        self.first_user_id = first_user_id


def parties(world: World, stamp: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rng = random.Random(SEED)
    reps = [
        (
            world.first_user_id + i,
            f"bench_rep{i:02d}",
            f"Rep {i}",
            "rep",
            "!",
            True,
            0,
            stamp,
        )
        for i in range(REPS)
    ]
    rows = []
    for pid in range(1, CUSTOMERS + 1):
        distributor = pid > CUSTOMERS - DISTRIBUTORS
        province = rng.choice(PROVINCES) if rng.random() > 0.02 else None
        rep = None
        if not distributor and rng.random() < 0.7:
            rep = world.first_user_id + rng.randrange(REPS)
        code = f"D{pid:05d}" if distributor else f"H{pid:05d}"
        name = f"{code} 医药有限公司" if distributor else f"{code} 人民医院"
        kind = "distributor" if distributor else "hospital"
        rows.append((pid, code, kind, name, province, None, rep, True, stamp, stamp))
    return reps, rows


def _spread(
    settlements: list[tuple[Any, ...]],
    last_id: int,
    open_parts: list[list[int]],
    invoice_id: int,
    fen: int,
    on: str,
    kind: str,
    payment_id: int | None,
    credit_id: int | None,
) -> int:
    """Settle `fen` on the invoice's instalments, earliest due first (as the service does);
    returns the last settlement id used."""
    for part in open_parts:
        take = min(part[1], fen)
        if take <= 0:
            continue
        last_id += 1
        settlements.append((last_id, part[0], invoice_id, kind, payment_id, credit_id, on, take))
        part[1] -= take
        fen -= take
    return last_id


def chunks(world: World, total: int, stamp: Any) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """The receivables rows, CHUNK invoices at a time; the same for every backend."""
    terms_plain = [world.term_ids[c] for c in ("NET90", "NET120", "NET180", "VBP")]
    split = world.term_ids["SPLIT3070"]
    first_distributor = CUSTOMERS - DISTRIBUTORS + 1
    instalment_id = payment_id = credit_id = settlement_id = 0
    for start in range(1, total + 1, CHUNK):
        rng = random.Random(SEED * 1_000_003 + start)
        out: dict[str, list[tuple[Any, ...]]] = {t: [] for t in LOADED[1:]}
        invoices, instalments = out["invoice"], out["invoice_instalment"]
        payments, credits, settlements = out["payment"], out["credit_note"], out["settlement"]
        for invoice_id in range(start, min(start + CHUNK, total + 1)):
            customer = rng.randrange(1, CUSTOMERS + 1)
            if invoice_id % 10 == 0:
                customer = KEY_ACCOUNT  # a big distributor: a tenth of all invoices
            distributor: int | None = customer
            if customer < first_distributor:
                distributor = (
                    rng.randrange(first_distributor, CUSTOMERS + 1) if rng.random() < 0.7 else None
                )
            day = rng.randrange(DAYS)
            accepted = day + rng.randrange(8)
            amount = rng.randrange(1_000, 5_000_000)
            held = rng.random() < 0.01
            if rng.random() < 0.15:
                term = split
                first = (amount * 30 + 50) // 100  # half up, as the term engine rounds
                parts = [(day + 30, first), (day + 90, amount - first)]
            else:
                term = rng.choice(terms_plain)
                if term == world.term_ids["VBP"]:
                    # end of the month after acceptance
                    base = FIRST_DAY + timedelta(days=accepted)
                    after = (base.replace(day=28) + timedelta(days=4)).replace(day=28)
                    due = (after + timedelta(days=4)).replace(day=1) - timedelta(days=1)
                    due_day = (due - FIRST_DAY).days
                else:
                    due_day = (
                        day
                        + {
                            world.term_ids["NET90"]: 90,
                            world.term_ids["NET120"]: 120,
                            world.term_ids["NET180"]: 180,
                        }[term]
                    )
                parts = [(due_day, amount)]
            invoices.append(
                (
                    invoice_id,
                    f"INV{invoice_id:08d}",
                    customer,
                    distributor,
                    ISO[day],
                    ISO[accepted],
                    amount,
                    amount * 13 // 113,
                    term,
                    "disputed" if held else None,
                    stamp if held else None,
                    stamp,
                )
            )
            open_parts = []
            for seq, (due_day, fen) in enumerate(parts, start=1):
                instalment_id += 1
                instalments.append((instalment_id, invoice_id, seq, ISO[due_day], fen))
                open_parts.append([instalment_id, fen])

            remaining = amount
            if rng.random() < 0.03:  # a credit note against the invoice
                credit_id += 1
                fen = amount * rng.randrange(5, 21) // 100
                on = day + rng.randrange(10, 60)
                credits.append(
                    (
                        credit_id,
                        f"CN{credit_id:08d}",
                        customer,
                        ISO[on],
                        fen,
                        invoice_id,
                        None,
                        stamp,
                    )
                )
                settlement_id = _spread(
                    settlements,
                    settlement_id,
                    open_parts,
                    invoice_id,
                    fen,
                    ISO[on],
                    "credit_note",
                    None,
                    credit_id,
                )
                remaining -= fen
            if rng.random() < 0.005:  # a credit note on account
                credit_id += 1
                on = day + rng.randrange(0, 90)
                fen = rng.randrange(1_000, 100_000)
                credits.append(
                    (credit_id, f"CN{credit_id:08d}", customer, ISO[on], fen, None, None, stamp)
                )
            if rng.random() < 0.6 and remaining > 0:
                payment_id += 1
                fen = remaining if rng.random() < 0.75 else remaining * rng.randrange(10, 90) // 100
                on = max(0, parts[0][0] + rng.randrange(-40, 120))
                extra = rng.randrange(1_000, 50_000) if rng.random() < 0.05 else 0
                payments.append(
                    (payment_id, f"PAY{payment_id:08d}", customer, ISO[on], fen + extra, stamp)
                )
                settlement_id = _spread(
                    settlements,
                    settlement_id,
                    open_parts,
                    invoice_id,
                    fen,
                    ISO[max(on, day)],
                    "payment",
                    payment_id,
                    None,
                )
        yield out


# --- loading -----------------------------------------------------------------------------


def _secondary_indexes(connection: Connection, postgres: bool) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes on the loaded tables that are not keys."""
    tables = list(LOADED)
    if postgres:
        rows = connection.execute(
            text(
                "select indexname, indexdef from pg_indexes where tablename = any(:t) "
                "and indexname not in (select conname from pg_constraint)"
            ),
            {"t": tables},
        ).all()
    else:
        rows = connection.execute(
            text(
                "select name, sql from sqlite_master where type = 'index' and sql is not null "
                "and tbl_name in (" + ", ".join(f"'{t}'" for t in tables) + ")"
            )
        ).all()
    return [(name, sql) for name, sql in rows]


def _foreign_keys(connection: Connection) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys from or to the loaded tables:
    PostgreSQL checks them row by row during COPY, once per table when re-added."""
    rows = connection.execute(
        text(
            "select c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
            "from pg_constraint c where c.contype = 'f' "
            "and (c.conrelid::regclass::text = any(:t) or c.confrelid::regclass::text = any(:t))"
        ),
        {"t": list(LOADED)},
    ).all()
    return [(table.strip('"'), name, definition) for table, name, definition in rows]


def _copy_text(rows: list[tuple[Any, ...]]) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return "\\N"
        if value is True:
            return "t"
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)

    return "".join("\t".join(cell(v) for v in row) + "\n" for row in rows)


def _insert(connection: Connection, table: str, rows: list[tuple[Any, ...]], pg: bool) -> None:
    if not rows:
        return
    columns = TABLES[table]
    if pg:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            copy.write(_copy_text(rows))
    else:
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(
            f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', rows
        )


def load(url: str, total: int) -> dict[str, Any]:
    """Fill a migrated database; returns row counts and seconds spent."""
    postgres = url.startswith("postgresql")
    app = _app(url)
    engine: Engine = get_engine(app)
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        make_user(session, "bench_finance", "finance")
        terms.create(
            session,
            actor=SYSTEM,
            data={
                "code": "SPLIT3070",
                "name": "30/70",
                "instalments": [
                    {"portion": "30", "rule": "days_after_base", "n": 30},
                    {"portion": "70", "rule": "days_after_base", "n": 90},
                ],
            },
        )
    with engine.connect() as connection:
        term_ids = dict(connection.execute(text("select code, id from payment_term")).all())  # type: ignore[arg-type]
        first_user = connection.execute(text("select max(id) from app_user")).scalar_one() + 1
    world = World(term_ids, first_user)  # type: ignore[arg-type]
    # SQLite stores this tz-aware stamp as naive UTC text, PostgreSQL as timestamptz.
    stamp: Any = NOW.replace(tzinfo=None).isoformat(sep=" ") if not postgres else NOW
    counts = dict.fromkeys(LOADED, 0)
    with engine.connect() as connection:
        if not postgres:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.commit()
        with connection.begin():
            indexes = _secondary_indexes(connection, postgres)
            for name, _ in indexes:
                connection.exec_driver_sql(f'DROP INDEX "{name}"')
            foreign_keys = _foreign_keys(connection) if postgres else []
            for table, name, _ in foreign_keys:
                connection.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            reps, customers = parties(world, stamp)
            _insert(connection, "app_user", reps, postgres)
            _insert(connection, "party", customers, postgres)
            counts["party"] = len(customers)
            for chunk in chunks(world, total, stamp):
                for table, rows in chunk.items():
                    _insert(connection, table, rows, postgres)
                    counts[table] += len(rows)
            loaded = time.perf_counter()
            for _, create in indexes:
                connection.exec_driver_sql(create)
            if PROPOSED_INDEXES:
                for create in PROPOSED:
                    connection.exec_driver_sql(create)
            for table, name, definition in foreign_keys:  # validated here, in one pass each
                connection.exec_driver_sql(
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                )
            if postgres:
                for table in ("app_user", *LOADED):
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT max(id) FROM "{table}"))'
                    )
        indexed = time.perf_counter()
        if postgres:
            connection.commit()
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE"
            )
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    finished = time.perf_counter()
    check_sample(engine, total)
    get_engine(app).dispose()
    return {
        "counts": counts,
        "load_s": loaded - started,
        "index_s": indexed - loaded,
        "analyze_s": finished - indexed,
    }


def check_sample(engine: Engine, total: int) -> None:
    """Generated instalments are what the term engine gives (a benchmark of data the
    application could not have written would be void)."""
    ids = random.Random(SEED).sample(range(1, total + 1), min(total, 200))
    with Session(engine) as session:
        found = session.execute(select(Invoice).where(col(Invoice.id).in_(ids))).scalars().all()
        for invoice in found:
            term = session.get(PaymentTerm, invoice.payment_term_id)
            assert term is not None
            expected = [
                (item.due_date, to_fen(item.amount))
                for item in terms.schedule(
                    session,
                    term=term,
                    invoice_date=invoice.invoice_date,
                    amount=from_fen(invoice.amount_fen),
                    acceptance_date=invoice.acceptance_date,
                )
            ]
            stored = session.execute(
                select(InvoiceInstalment.due_date, InvoiceInstalment.amount_fen)
                .where(InvoiceInstalment.invoice_id == invoice.id)
                .order_by(InvoiceInstalment.seq)
            ).all()
            assert [tuple(row) for row in stored] == expected, (invoice.number, stored, expected)


# --- measuring -----------------------------------------------------------------------------


def _app(url: str) -> Any:
    OUT.mkdir(exist_ok=True)
    return create_app(test_config(url, INSTANCE_PATH=str(OUT), WTF_CSRF_ENABLED=False))


def _ok(response: Any) -> Any:
    assert response.status_code == 200, (response.status_code, response.get_data()[:300])
    return response


def raw_ageing_sql() -> str:
    """The ageing by customer (due-date basis, default limits) as one hand-written query:
    each instalment's open amount bucketed by due date, plus the unapplied cash per
    customer (payments and credit notes received minus what they settled), as of :as_of.
    The same SQL runs on SQLite and PostgreSQL."""
    ranges = date_ranges(AS_OF, Basis.DUE_DATE, DEFAULT_LIMITS[Basis.DUE_DATE])
    whens = " ".join(
        f"WHEN i.due_date >= :d{index} THEN {index}"
        for index, r in enumerate(ranges)
        if r.earliest is not None
    )
    return f"""
    SELECT customer, bucket, SUM(fen) FROM (
        SELECT v.customer_id AS customer, CASE {whens} ELSE {len(ranges) - 1} END AS bucket,
               i.amount_fen - COALESCE(s.fen, 0) AS fen
        FROM invoice_instalment i
        JOIN invoice v ON v.id = i.invoice_id
        LEFT JOIN (SELECT instalment_id, SUM(amount_fen) AS fen FROM settlement
                   WHERE date <= :as_of GROUP BY instalment_id) s ON s.instalment_id = i.id
        WHERE v.invoice_date <= :as_of AND i.amount_fen - COALESCE(s.fen, 0) <> 0
        UNION ALL
        SELECT customer_id, -1, -amount_fen FROM payment WHERE date <= :as_of
        UNION ALL
        SELECT p.customer_id, -1, x.amount_fen FROM settlement x
        JOIN payment p ON p.id = x.payment_id WHERE x.date <= :as_of
        UNION ALL
        SELECT customer_id, -1, -amount_fen FROM credit_note WHERE date <= :as_of
        UNION ALL
        SELECT c.customer_id, -1, x.amount_fen FROM settlement x
        JOIN credit_note c ON c.id = x.credit_note_id WHERE x.date <= :as_of
    ) t GROUP BY customer, bucket
    """


def raw_params() -> dict[str, Any]:
    ranges = date_ranges(AS_OF, Basis.DUE_DATE, DEFAULT_LIMITS[Basis.DUE_DATE])
    params: dict[str, Any] = {"as_of": AS_OF}
    for index, r in enumerate(ranges):
        if r.earliest is not None:
            params[f"d{index}"] = r.earliest
    return params


def _check_same(api: dict[str, Any], raw_rows: list[Any], codes: dict[int, str]) -> None:
    """The API and the raw query agree, fen for fen (a benchmark of a wrong query is void)."""
    labels = api["columns"]
    raw: dict[str, int] = {}
    for customer, _bucket, fen in raw_rows:
        key = codes[customer]
        raw[key] = raw.get(key, 0) + int(fen)
    api_totals = {
        row["key"]: int(Decimal(row["total"]) * 100)
        for row in api["rows"]
        if row["total"] != "0.00"
    }
    raw_totals = {key: fen for key, fen in raw.items() if fen}
    assert api_totals == raw_totals, "the API and the raw SQL disagree"
    assert len(labels) == 7


def paired_ms(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Medians of two actions timed in turn (first, second, first, …), so that a noisy
    machine slows both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for action, out in ((first, samples[0]), (second, samples[1])):
            start = time.perf_counter()
            action()
            out.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples[0]), statistics.median(samples[1])


def ageing_case(url: str, repeat: int) -> dict[str, Any]:
    app = _app(url)
    with Session(get_engine(app)) as session:
        finance = user_service.find(session, "bench_finance")
        headers = api_token(session, finance)  # type: ignore[arg-type]
    client = app.test_client()
    query = f"/api/v1/receivables/ageing?as_of={AS_OF.isoformat()}&group_by=customer"
    sql = text(raw_ageing_sql())
    params = raw_params()
    engine = get_engine(app)

    def raw() -> list[Any]:
        with engine.connect() as connection:
            return list(connection.execute(sql, params).all())

    with engine.connect() as connection:
        codes = dict(connection.execute(text("select id, code from party")).all())  # type: ignore[arg-type]
    # one of each first: the answers must agree, and it warms the caches
    _check_same(_ok(client.get(query, headers=headers)).get_json(), raw(), codes)
    api_ms, raw_ms = paired_ms(lambda: _ok(client.get(query, headers=headers)), raw, repeat)
    basis_query = query + "&basis=invoice_date&limits=90,180,365"
    invoice_basis_ms = median_ms(
        lambda: _ok(client.get(basis_query, headers=headers)), repeat=1, warmup=0
    )
    province_ms = median_ms(
        lambda: _ok(client.get(query.replace("customer", "province"), headers=headers)),
        repeat=1,
        warmup=0,
    )
    get_engine(app).dispose()
    return {
        "repeat": repeat,
        "api_ms": api_ms,
        "raw_ms": raw_ms,
        "invoice_basis_ms": invoice_basis_ms,
        "province_ms": province_ms,
    }


LIST_CASES = [
    ("first page", ""),
    ("page 10", "&page=10"),  # the 1,000-invoice set has 15 pages as of AS_OF
    ("status open", "&status=open"),
    ("status overdue", "&status=overdue"),
    ("one customer", f"&customer=D{KEY_ACCOUNT:05d}"),
    ("number search", "&q=INV00000777"),
]


def list_case(url: str) -> dict[str, float]:
    app = _app(url)
    client = app.test_client()
    login(client, "bench_finance")
    result = {}
    for name, extra in LIST_CASES:
        path = f"/receivables/invoices?as_of={AS_OF.isoformat()}{extra}"
        result[name] = median_ms(lambda p=path: _ok(client.get(p)), repeat=7, warmup=1)
    get_engine(app).dispose()
    return result


def explain_ageing(url: str) -> str:
    """The plan of the service's ageing statement (for the notes)."""
    from vbptrack.services import ageing as ageing_service

    app = _app(url)
    engine = get_engine(app)
    captured: list[tuple[str, Any]] = []

    from sqlalchemy import event

    def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "CASE" in statement and not captured:
            captured.append((statement, params))

    event.listen(engine, "before_cursor_execute", grab)
    with Session(engine) as session:
        ageing_service.report(session, actor=SYSTEM, as_of=AS_OF)
    event.remove(engine, "before_cursor_execute", grab)
    statement, params = captured[0]
    prefix = "EXPLAIN " if url.startswith("postgresql") else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, params).all()
    get_engine(app).dispose()
    return "\n".join(" | ".join(str(c) for c in row) for row in rows)


def export_memory(rows: int) -> dict[str, float]:
    """Peak Python memory (tracemalloc, above what was allocated before) while
    `ageing_workbook` writes a report of `rows` rows to .xlsx through `write_rows`. The
    report itself is built before tracing starts: it is the input, not the export's cost."""
    from vbptrack.services.ageing import AgeingReport, AgeingRow
    from vbptrack.services.exports import ageing_workbook

    OUT.mkdir(exist_ok=True)
    labels = ["not_due", "1-30", "31-60", "61-90", "91-180", "181-365", ">365"]
    report_rows = [
        AgeingRow(
            key=f"H{i:06d}",
            name=f"医院 {i}",
            amounts_fen={label: (i * 7 + n) % 100_000 for n, label in enumerate(labels)},
            unapplied_fen=-(i % 50),
        )
        for i in range(rows)
    ]
    totals = AgeingRow(key="total", name="")
    for label in labels:
        totals.amounts_fen[label] = sum(r.amounts_fen[label] for r in report_rows)
    report = AgeingReport(
        AS_OF, Basis.DUE_DATE, "customer", (30, 60, 90, 180, 365), labels, report_rows, totals
    )
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    book = ageing_workbook(report, directory=OUT)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    size = book.stat().st_size
    book.unlink()
    return {"rows": rows, "peak_mb": peak / 2**20, "seconds": seconds, "file_mb": size / 2**20}


def import_throughput(url: str, rows: int) -> dict[str, float] | None:
    from vbptrack.imports.kinds import KINDS

    if "invoices" not in KINDS:
        return None
    from vbptrack.imports.runner import run_import

    app = _app(url)
    rng = random.Random(SEED)
    lines = ["发票号,客户编码,开票日期,验收日期,金额,付款条件"]
    for i in range(rows):
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        term = rng.choice(["NET90", "NET120", "NET180", "VBP"])
        lines.append(
            f"IMP{i:08d},H{rng.randrange(1, CUSTOMERS - DISTRIBUTORS):05d},{day.isoformat()},"
            f"{(day + timedelta(days=3)).isoformat()},{rng.randrange(1000, 999999)}.{i % 100:02d},"
            f"{term}"
        )
    content = ("\n".join(lines) + "\n").encode("utf-8")
    with app.app_context(), Session(get_engine(app)) as session:
        start = time.perf_counter()
        result = run_import(
            session,
            actor=SYSTEM,
            kind=KINDS["invoices"],
            source=io.BytesIO(content),
            filename="invoices.csv",
        )
        seconds = time.perf_counter() - start
    assert result.ok, result.problems[:3]
    get_engine(app).dispose()
    return {"rows": result.written, "seconds": seconds, "rows_per_s": result.written / seconds}


# --- the report ------------------------------------------------------------------------------


def _timed(label: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    value = action()
    log(f"{label}: {time.perf_counter() - start:.1f} s")
    return value


def run() -> str:
    total = INVOICES
    repeat = 3 if total >= 200_000 else 7
    results: list[dict[str, Any]] = []
    for backend, make in databases("receivables"):
        row: dict[str, Any] = {"backend": backend}
        with make() as url:  # type: ignore[attr-defined]
            row["load"] = _timed(f"{backend} load {total:,}", lambda u=url: load(u, total))
            row["ageing"] = _timed(f"{backend} ageing", lambda u=url: ageing_case(u, repeat))
            if row["ageing"]["api_ms"] > 1.5 * row["ageing"]["raw_ms"]:
                row["plan"] = explain_ageing(url)
            row["list_big"] = _timed(f"{backend} list (big)", lambda u=url: list_case(u))
        with make() as url:  # type: ignore[attr-defined]
            _timed(f"{backend} load {SMALL_INVOICES:,}", lambda u=url: load(u, SMALL_INVOICES))
            row["list_small"] = _timed(f"{backend} list (small)", lambda u=url: list_case(u))
            row["import"] = _timed(
                f"{backend} import", lambda u=url: import_throughput(u, IMPORT_ROWS)
            )
        results.append(row)
    export = _timed("export", lambda: export_memory(EXPORT_ROWS))
    return _markdown(total, results, export)


def _markdown(total: int, results: list[dict[str, Any]], export: dict[str, float]) -> str:
    lines = ["## Receivables (issue 3)", ""]
    if not results:
        return "\n".join([*lines, "No database selected (BENCH_BACKENDS).", ""])
    counts = results[0]["load"]["counts"]
    lines.append(
        f"Data set: {counts['invoice']:,} invoices ({counts['invoice_instalment']:,} "
        f"instalments), {counts['party']:,} customers, {counts['payment']:,} payments, "
        f"{counts['credit_note']:,} credit notes, {counts['settlement']:,} settlements; "
        f"invoices dated {FIRST_DAY} … {FIRST_DAY + timedelta(days=DAYS - 1)}, "
        f"as of {AS_OF}; one distributor (D{KEY_ACCOUNT:05d}) has a tenth of the invoices. "
        "Server time through the Flask test client (no network), median after a warm-up."
        + (
            " **With the proposed covering indexes** (BENCH_PROPOSED_INDEXES=1)."
            if PROPOSED_INDEXES
            else ""
        )
    )
    lines += [
        "",
        "Load (generated once per database; secondary indexes rebuilt after the load):",
        "",
        "| database | rows/s loading | load s | index s | analyze s |",
        "|---|--:|--:|--:|--:|",
    ]
    for r in results:
        load = r["load"]
        rows = sum(load["counts"].values())
        lines.append(
            f"| {r['backend']} | {rows / load['load_s']:,.0f} | {load['load_s']:.0f} | "
            f"{load['index_s']:.0f} | {load['analyze_s']:.0f} |"
        )
    lines += [
        "",
        "(a) Ageing API (`GET /api/v1/receivables/ageing`, finance token, by customer, due-date "
        "basis) against the same aggregation as one hand-written SQL query (`raw_ageing_sql`: "
        "open amount per instalment and bucket plus unapplied cash; target ≤ 1.5×). Median of "
        f"{results[0]['ageing']['repeat']} runs of each, taken in turn after one of each whose "
        "answers are checked to agree; the last two columns are single requests:",
        "",
        "| database | API ms | raw SQL ms | API ÷ raw | invoice-date basis ms | by province ms |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        a = r["ageing"]
        lines.append(
            f"| {r['backend']} | {a['api_ms']:,.0f} | {a['raw_ms']:,.0f} | "
            f"{a['api_ms'] / a['raw_ms']:.2f}× | {a['invoice_basis_ms']:,.0f} | "
            f"{a['province_ms']:,.0f} |"
        )
    lines += [
        "",
        f"(b) Invoice list page (`GET /receivables/invoices`, signed in as finance, as of "
        f"{AS_OF}, 50 a page) at {total:,} invoices against {SMALL_INVOICES:,} (target ≤ 2×); "
        "median of 7 after a warm-up:",
        "",
        f"| database | case | {SMALL_INVOICES:,} ms | {total:,} ms | ratio |",
        "|---|---|--:|--:|--:|",
    ]
    for r in results:
        for name, _ in LIST_CASES:
            small, big = r["list_small"][name], r["list_big"][name]
            lines.append(
                f"| {r['backend']} | {name} | {small:.1f} | {big:.1f} | {big / small:.2f}× |"
            )
    lines += [
        "",
        f"(c) Excel export: `ageing_workbook` (→ `write_rows`, openpyxl write-only) of a "
        f"{export['rows']:,}-row report: peak {export['peak_mb']:.1f} MB (tracemalloc, above "
        f"the report already in memory), file {export['file_mb']:.1f} MB, "
        f"{export['seconds']:.0f} s under tracemalloc.",
        "",
    ]
    imports = [(r["backend"], r["import"]) for r in results]
    if all(figures is None for _, figures in imports):
        lines.append("(d) Import: skipped, no `invoices` import kind in `KINDS`.")
    else:
        lines += [
            "(d) Invoice import (`vbptrack.imports` runner, CSV with Chinese headers, into the "
            f"{SMALL_INVOICES:,}-invoice database):",
            "",
            "| database | rows | seconds | rows/s |",
            "|---|--:|--:|--:|",
        ]
        for backend, figures in imports:
            if figures is not None:
                lines.append(
                    f"| {backend} | {figures['rows']:,} | {figures['seconds']:.1f} | "
                    f"{figures['rows_per_s']:,.0f} |"
                )
    for r in results:
        if "plan" in r:
            lines += ["", f"Plan of the ageing statement on {r['backend']}:", "", "```"]
            lines += [r["plan"], "```"]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
