"""Fulfilment and purchase imports at scale (issue 5), on SQLite and PostgreSQL.

Data set: BENCH_PURCHASES purchase records (default 5,000,000) and BENCH_AGREED
agreed-volume rows (default 200,000: 20 awards × 10,000 hospitals × one agreement year),
10,000 hospitals over the 31 provinces, 40 products of which 20 are awarded. Purchases
fall over 2023–2025 (the agreement year is 2024; the rest must not count). Rows are
generated deterministically in chunks and loaded with executemany (SQLite) or COPY
(PostgreSQL), the purchase secondary indexes rebuilt after the load, then ANALYZEd.

Measured: GET /api/v1/fulfilment by hospital and by province for one award against the
same aggregation as one hand-written SQL query (paired medians, same run); and
`vbptrack import purchases` throughput (rows/s, BENCH_PURCHASE_IMPORT_ROWS rows, default
1,000,000) with peak Python memory (tracemalloc) at two file sizes (BENCH_MEMORY_ROWS,
default 50,000 and four times that), which shows whether memory is flat in file size.

Environment: BENCH_PURCHASES  BENCH_AGREED  BENCH_PURCHASE_IMPORT_ROWS  BENCH_MEMORY_ROWS
BENCH_BACKENDS=sqlite,postgresql.  Alone: BENCH_ONLY=commercial python -m bench
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from bench.harness import OUT, databases
from bench.receivables import paired_ms
from tests.factories import api_token, make_user
from vbptrack import create_app
from vbptrack.config import test_config
from vbptrack.db import get_engine
from vbptrack.services.access import SYSTEM

PURCHASES = int(os.environ.get("BENCH_PURCHASES", "5000000"))
AGREED = int(os.environ.get("BENCH_AGREED", "200000"))
IMPORT_ROWS = int(os.environ.get("BENCH_PURCHASE_IMPORT_ROWS", "1000000"))
MEMORY_ROWS = int(os.environ.get("BENCH_MEMORY_ROWS", "50000"))
IMPORT_REPEAT = int(os.environ.get("BENCH_IMPORT_REPEAT", "3"))
HOSPITALS = 10_000
PRODUCTS = 40
AWARDS = 20
YEAR_START, YEAR_END = date(2024, 1, 1), date(2024, 12, 31)
AS_OF = date(2024, 9, 30)
FIRST_DAY = date(2023, 1, 1)
DAYS = (date(2025, 12, 31) - FIRST_DAY).days + 1
CHUNK = 100_000
SEED = 5
NOW = datetime(2025, 1, 1, tzinfo=UTC)
PROVINCES = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65",
]  # fmt: skip
PURCHASE_INDEXES = ("ix_purchase_product_date",)


def log(message: str) -> None:
    print(f"[commercial] {message}", file=sys.stderr, flush=True)


def _app(url: str) -> Any:
    OUT.mkdir(exist_ok=True)
    return create_app(test_config(url, INSTANCE_PATH=str(OUT), WTF_CSRF_ENABLED=False))


def _copy_text(rows: list[tuple[Any, ...]]) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return "\\N"
        if value is True:
            return "t"
        if isinstance(value, datetime | date):
            return value.isoformat()
        return str(value)

    return "".join("\t".join(cell(v) for v in row) + "\n" for row in rows)


def _insert(
    connection: Connection, table: str, columns: tuple[str, ...], rows: list[Any], pg: bool
) -> None:
    if not rows:
        return
    if pg:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            copy.write(_copy_text(rows))
    else:
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        connection.exec_driver_sql(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
            [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in rows],
        )


def _masters(connection: Connection, pg: bool, stamp: Any) -> None:
    party = ("id", "code", "kind", "name", "province_code", "active", "created_at", "updated_at")
    hospitals = [
        (
            i,
            f"H{i:05d}",
            "hospital",
            f"第{i}人民医院",
            PROVINCES[i % len(PROVINCES)],
            True,
            stamp,
            stamp,
        )
        for i in range(1, HOSPITALS + 1)
    ]
    _insert(connection, "party", party, hospitals, pg)
    product = ("id", "code", "generic_name", "unit", "pack_size", "category", "active",
               "created_at", "updated_at")  # fmt: skip
    products = [
        (i, f"P{i:04d}", f"药品{i}", "片", 28, "drug", True, stamp, stamp)
        for i in range(1, PRODUCTS + 1)
    ]
    _insert(connection, "product", product, products, pg)


def _awards(connection: Connection, pg: bool, stamp: Any, agreed_total: int) -> None:
    per_award = max(1, min(HOSPITALS, agreed_total // AWARDS))
    _insert(
        connection,
        "award",
        ("id", "code", "batch", "product_id", "price_fen", "rank", "winners_count", "created_at"),
        [(a, f"A{a:03d}", "第十批", a, 15, 1, 3, stamp) for a in range(1, AWARDS + 1)],
        pg,
    )
    _insert(
        connection,
        "award_year",
        ("id", "award_id", "year", "start", "end"),
        [(a, a, 1, YEAR_START, YEAR_END) for a in range(1, AWARDS + 1)],
        pg,
    )
    _insert(
        connection,
        "award_province",
        ("award_id", "province_code", "role"),
        [(a, p, "primary") for a in range(1, AWARDS + 1) for p in PROVINCES],
        pg,
    )
    rng = random.Random(SEED)
    rows = [
        (a, 1, h, rng.randrange(1000, 50000), None)
        for a in range(1, AWARDS + 1)
        for h in range(1, per_award + 1)
    ]
    _insert(
        connection,
        "agreed_volume",
        ("award_id", "year", "hospital_id", "quantity", "reported_quantity"),
        rows,
        pg,
    )


def purchase_chunks(total: int, stamp: Any) -> Iterator[list[tuple[Any, ...]]]:
    rng = random.Random(SEED + 1)
    for start in range(0, total, CHUNK):
        rows = []
        for i in range(start, min(total, start + CHUNK)):
            quantity = rng.randrange(10, 2000)
            rows.append(
                (
                    f"ref:B{i:09d}",
                    rng.randrange(1, HOSPITALS + 1),
                    rng.randrange(1, PRODUCTS + 1),
                    None,
                    FIRST_DAY + timedelta(days=rng.randrange(DAYS)),
                    quantity,
                    quantity * 15,
                    stamp,
                )
            )
        yield rows


def load(url: str, purchases: int, agreed: int) -> dict[str, Any]:
    pg = url.startswith("postgresql")
    app = _app(url)
    engine: Engine = get_engine(app)
    with Session(engine) as session:
        make_user(session, "bench_manager", "manager")
    stamp: Any = NOW.replace(tzinfo=None).isoformat(sep=" ") if not pg else NOW
    started = time.perf_counter()
    with engine.connect() as connection:
        if not pg:
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.commit()
        with connection.begin():
            for name in PURCHASE_INDEXES:
                connection.exec_driver_sql(f'DROP INDEX "{name}"')
            _masters(connection, pg, stamp)
            _awards(connection, pg, stamp, agreed)
            columns = ("source_key", "hospital_id", "product_id", "distributor_id", "date",
                       "quantity", "amount_fen", "created_at")  # fmt: skip
            for rows in purchase_chunks(purchases, stamp):
                _insert(connection, "purchase", columns, rows, pg)
            loaded = time.perf_counter()
            connection.exec_driver_sql(
                "CREATE INDEX ix_purchase_product_date ON purchase "
                "(product_id, date, hospital_id, quantity)"
            )
            if pg:
                for table in ("party", "product", "award", "award_year", "agreed_volume"):
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT max(id) FROM "{table}"))'
                    )
        indexed = time.perf_counter()
        if pg:
            connection.commit()
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.exec_driver_sql("VACUUM ANALYZE")
            # The load is set-up: its WAL written out now, so the server does not flush it
            # during the measurements (a live database does not take 5M rows before each).
            autocommit.exec_driver_sql("CHECKPOINT")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        counts = {
            table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for table in ("purchase", "agreed_volume", "party")
        }
    finished = time.perf_counter()
    engine.dispose()
    return {"counts": counts, "load_s": loaded - started, "index_s": indexed - loaded,
            "analyze_s": finished - indexed}  # fmt: skip


def raw_sql(group: str) -> str:
    """The fulfilment aggregate written by hand: agreed volumes of the award's year joined
    to each hospital's purchases of the product inside the year up to as_of."""
    keys = "p.code, p.name" if group == "hospital" else "p.province_code"
    return f"""
        SELECT {keys}, SUM(av.quantity) AS agreed, COALESCE(SUM(b.bought), 0) AS purchased
        FROM agreed_volume av
        JOIN party p ON p.id = av.hospital_id
        LEFT JOIN (
            SELECT hospital_id, SUM(quantity) AS bought FROM purchase
            WHERE product_id = :product AND date >= :start AND date <= :end
            GROUP BY hospital_id
        ) b ON b.hospital_id = av.hospital_id
        WHERE av.award_id = :award AND av.year = 1
        GROUP BY {keys} ORDER BY {keys}
    """


def fulfilment_case(url: str, group: str, repeat: int) -> dict[str, Any]:
    app = _app(url)
    engine = get_engine(app)
    with Session(engine) as session:
        from vbptrack.services import users as user_service

        user = user_service.find(session, "bench_manager")
        headers = api_token(session, user)  # type: ignore[arg-type]
    client = app.test_client()
    award = 7
    query = (
        f"/api/v1/fulfilment?award=A{award:03d}&year=1&as_of={AS_OF.isoformat()}&group_by={group}"
    )
    params = {"product": award, "start": YEAR_START, "end": AS_OF, "award": award}
    sql = text(raw_sql(group))

    def served() -> bytes:
        # The API's work: the request answered, its body read. Not the client's parse.
        response = client.get(query, headers=headers)
        assert response.status_code == 200, response.get_data()[:300]
        return response.get_data()

    def parsed() -> Any:
        return json.loads(served())

    def raw() -> list[Any]:
        with engine.connect() as connection:
            return list(connection.execute(sql, params).all())

    answer, rows = parsed(), raw()
    assert len(answer["rows"]) == len(rows)
    assert sum(r["purchased"] for r in answer["rows"]) == sum(int(r[-1]) for r in rows)
    assert answer["rows"][0]["agreed"] == int(rows[0][-2])
    api_ms, raw_ms = paired_ms(served, raw, repeat)
    # Also what a client waits for when it parses the body too (reported, not the ratio).
    parsed_ms, _ = paired_ms(parsed, raw, repeat)
    engine.dispose()
    return {"rows": len(rows), "api_ms": api_ms, "raw_ms": raw_ms, "parsed_ms": parsed_ms}


def write_export(path: Path, rows: int) -> Path:
    """A platform-style purchase export with Chinese headers, written line by line."""
    rng = random.Random(SEED + 2)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("医院编码,医院名称,产品编码,采购日期,采购数量,采购金额（元）,订单明细编号\n")
        for i in range(rows):
            hospital = rng.randrange(1, HOSPITALS + 1)
            quantity = rng.randrange(10, 2000)
            day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            handle.write(
                f"H{hospital:05d},第{hospital}人民医院,P{rng.randrange(1, PRODUCTS + 1):04d},"
                f"{day.isoformat()},{quantity},{quantity * 15 / 100:.2f},IMP{i:09d}\n"
            )
    return path


def import_file(url: str, path: Path, traced: bool) -> dict[str, float]:
    from vbptrack.imports.kinds import KINDS
    from vbptrack.imports.runner import run_import

    app = _app(url)
    with app.app_context(), Session(get_engine(app)) as session, path.open("rb") as source:
        if traced:
            tracemalloc.start()
            baseline = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        result = run_import(
            session, actor=SYSTEM, kind=KINDS["purchases"], source=source, filename=path.name
        )
        seconds = time.perf_counter() - start
        peak = 0.0
        if traced:
            peak = (tracemalloc.get_traced_memory()[1] - baseline) / 2**20
            tracemalloc.stop()
        # Leave the database as it was for the next measurement: rows and dead tuples gone.
        session.execute(text("DELETE FROM purchase WHERE source_key LIKE 'ref:IMP%'"))
        session.commit()
        if url.startswith("postgresql"):
            with get_engine(app).connect() as connection:
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                autocommit.exec_driver_sql("VACUUM purchase")
                autocommit.exec_driver_sql("CHECKPOINT")
    get_engine(app).dispose()
    assert result.ok, [str(p) for p in result.problems[:3]]
    return {"rows": result.written, "seconds": seconds, "rows_per_s": result.written / seconds,
            "peak_mb": peak}  # fmt: skip


def imports_case(url: str) -> dict[str, Any]:
    OUT.mkdir(exist_ok=True)
    big = write_export(OUT / "purchases-big.csv", IMPORT_ROWS)
    small = write_export(OUT / "purchases-small.csv", MEMORY_ROWS)
    large = write_export(OUT / "purchases-large.csv", MEMORY_ROWS * 4)
    try:
        # The median of three runs: one import takes ~20 s, long enough for the VM's
        # neighbours and the server's checkpoints to move a single figure by a tenth.
        runs = [
            _timed("import speed", lambda: import_file(url, big, traced=False))
            for _ in range(IMPORT_REPEAT)
        ]
        speed = sorted(runs, key=lambda run: run["rows_per_s"])[len(runs) // 2]
        speed["all_rows_per_s"] = [round(run["rows_per_s"]) for run in runs]
        memory_small = _timed("import memory (small)", lambda: import_file(url, small, True))
        memory_large = _timed("import memory (4×)", lambda: import_file(url, large, True))
    finally:
        for path in (big, small, large):
            path.unlink(missing_ok=True)
    return {"speed": speed, "memory": [memory_small, memory_large]}


def _timed(label: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    value = action()
    log(f"{label}: {time.perf_counter() - start:.1f} s")
    return value


def run() -> str:
    repeat = 5 if PURCHASES >= 1_000_000 else 9
    results = []
    for backend, make in databases("commercial"):
        row: dict[str, Any] = {"backend": backend}
        with make() as url:  # type: ignore[attr-defined]
            row["load"] = _timed(f"{backend} load", lambda u=url: load(u, PURCHASES, AGREED))
            for group in ("hospital", "province"):
                row[group] = _timed(
                    f"{backend} fulfilment by {group}",
                    lambda u=url, g=group: fulfilment_case(u, g, repeat),
                )
            row["import"] = _timed(f"{backend} import", lambda u=url: imports_case(u))
        results.append(row)
    return markdown(results)


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["## Tenders, awards and fulfilment (issue 5)", ""]
    if not results:
        return "\n".join([*lines, "No database selected (BENCH_BACKENDS).", ""])
    counts = results[0]["load"]["counts"]
    lines += [
        f"Data set: {counts['purchase']:,} purchase records, {counts['agreed_volume']:,} "
        f"agreed-volume rows ({AWARDS} awards × {counts['agreed_volume'] // AWARDS:,} "
        f"hospitals, one agreement year), {counts['party']:,} hospitals, {PRODUCTS} products. "
        f"One award's year as of {AS_OF.isoformat()}; purchases outside the year must not count.",
        "",
        "| database | load rows/s | index s | by hospital: API ms | raw SQL ms | ratio "
        "| by province: API ms | raw SQL ms | ratio | by hospital, API + client's JSON parse ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        load = r["load"]
        h, p = r["hospital"], r["province"]
        lines.append(
            f"| {r['backend']} | {counts['purchase'] / load['load_s']:,.0f} | "
            f"{load['index_s']:.0f} | {h['api_ms']:.0f} ({h['rows']:,} rows) | "
            f"{h['raw_ms']:.0f} | {h['api_ms'] / h['raw_ms']:.2f}× | {p['api_ms']:.0f} | "
            f"{p['raw_ms']:.0f} | {p['api_ms'] / p['raw_ms']:.2f}× | "
            f"{h['parsed_ms']:.0f} ({h['parsed_ms'] / h['raw_ms']:.2f}×) |"
        )
    lines += [
        "",
        "Purchase import (`vbptrack import purchases`, CSV with Chinese headers, every row "
        "with an order-line reference; COPY on PostgreSQL, INSERT OR IGNORE on SQLite):",
        "",
        f"| database | rows | seconds | rows/s (median of {IMPORT_REPEAT}) | every run rows/s | "
        f"peak MB at {MEMORY_ROWS:,} rows | peak MB at {MEMORY_ROWS * 4:,} rows |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r["import"]["speed"]
        small, large = r["import"]["memory"]
        lines.append(
            f"| {r['backend']} | {s['rows']:,} | {s['seconds']:.1f} | {s['rows_per_s']:,.0f} | "
            f"{', '.join(f'{v:,}' for v in s['all_rows_per_s'])} | "
            f"{small['peak_mb']:.1f} | {large['peak_mb']:.1f} |"
        )
    lines.append("")
    return "\n".join(lines)
