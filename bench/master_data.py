"""Master data at scale: list pages and the API against raw SQL, imports, start-up.

The hospital list (page and API) at a small and a large demo scale, each compared with
the same count-plus-page query in raw SQL in the same run; hospital import throughput;
app start-up time.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from bench.harness import OUT, databases, median_ms
from tests.factories import api_token, login, make_user
from vbptrack import create_app, demo
from vbptrack.config import test_config
from vbptrack.db import get_engine
from vbptrack.demo import load_demo
from vbptrack.imports.kinds import KINDS
from vbptrack.imports.runner import run_import
from vbptrack.services.access import SYSTEM

SMALL, LARGE = 1, int(os.environ.get("BENCH_SCALE", "100"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "20000"))

RAW_PAGE = """
select id, code, kind, name, province_code, city, grade
from party where kind = 'hospital' {extra}
order by province_code, name, id limit 50 offset :offset
"""
RAW_COUNT = "select count(*) from party where kind = 'hospital' {extra}"


@contextmanager
def master_data_only() -> Iterator[None]:
    """The demo without its invoices: this benchmark measures master data, and the
    receivables benchmark builds its own million invoices."""
    saved = demo.DEMO_STEPS
    demo.DEMO_STEPS = [step for step in saved if step.__name__ != "load_receivables"]
    try:
        yield
    finally:
        demo.DEMO_STEPS = saved


def _app(url: str) -> Any:
    OUT.mkdir(exist_ok=True)
    return create_app(test_config(url, INSTANCE_PATH=str(OUT), WTF_CSRF_ENABLED=False))


def _raw(app: Any, extra: str, params: dict[str, Any]) -> None:
    with get_engine(app).connect() as connection:
        connection.execute(text(RAW_COUNT.format(extra=extra)), params).scalar_one()
        connection.execute(text(RAW_PAGE.format(extra=extra)), params).all()


CASES = [
    ("first page", "", "", {"offset": 0}),
    ("page 20", "?page=20", "", {"offset": 950}),
    ("province 44", "?province=44", "and province_code = :p", {"offset": 0, "p": "44"}),
    (
        "search 人民",
        "?q=人民",
        "and (code like :q or name like :q or city like :q)",
        {"offset": 0, "q": "%人民%"},
    ),
]


def list_pages(url: str, scale: int) -> list[dict[str, Any]]:
    app = _app(url)
    with Session(get_engine(app)) as session, master_data_only():
        counts = load_demo(session, scale=scale, seed=2026)
        make_user(session, "bench_manager", "manager")
        headers = api_token(session, make_user(session, "bench_api", "manager"))
    client = app.test_client()
    login(client, "bench_manager")
    rows = []
    for name, query, extra, params in CASES:
        page_ms = median_ms(lambda q=query: _ok(client.get("/hospitals/" + q)))
        api_query = query.replace("province=", "province_code=")
        api_ms = median_ms(
            lambda q=api_query: _ok(client.get("/api/v1/hospitals" + q, headers=headers))
        )
        raw_ms = median_ms(lambda e=extra, p=params: _raw(app, e, p))
        rows.append(
            {
                "scale": scale,
                "hospitals": counts.get("hospitals", 0),
                "case": name,
                "page_ms": page_ms,
                "api_ms": api_ms,
                "raw_ms": raw_ms,
            }
        )
    get_engine(app).dispose()
    return rows


def _ok(response: Any) -> None:
    assert response.status_code == 200, response.status_code


def import_throughput(url: str) -> dict[str, float]:
    app = _app(url)
    lines = ["医院编码,医院名称,省份,城市,医院等级"]
    lines += [f"B{i:07d},测试第{i}人民医院,广东省,广州,二甲" for i in range(IMPORT_ROWS)]
    content = ("\n".join(lines) + "\n").encode("utf-8")
    with app.app_context(), Session(get_engine(app)) as session:
        start = time.perf_counter()
        result = run_import(
            session,
            actor=SYSTEM,
            kind=KINDS["hospitals"],
            source=io.BytesIO(content),
            filename="bench.csv",
        )
        seconds = time.perf_counter() - start
    assert result.ok, result.problems[:3]
    get_engine(app).dispose()
    return {"rows": result.written, "seconds": seconds, "rows_per_s": result.written / seconds}


def startup() -> dict[str, float]:
    start = time.perf_counter()
    create_app(test_config("sqlite://", INSTANCE_PATH=str(OUT)))
    in_process = (time.perf_counter() - start) * 1000
    vbptrack = Path(sys.executable).parent / "vbptrack"
    start = time.perf_counter()
    subprocess.run([str(vbptrack), "--help"], check=True, capture_output=True)
    command = (time.perf_counter() - start) * 1000
    return {"create_app_ms": in_process, "cli_help_ms": command}


def run() -> str:
    lines = ["## Master data (issue 2)", ""]
    lines.append(
        f"Hospital list: demo scale {SMALL} and {LARGE}; median of 15 requests after "
        "2 warm-ups, through the Flask test client (server time, no network). `raw SQL` "
        "is the same count plus one page of 50 run directly on the connection."
    )
    lines.append("")
    lines.append(
        "| database | hospitals | case | page ms | API ms | raw SQL ms | page ÷ raw | API ÷ raw |"
    )
    lines.append("|---|--:|---|--:|--:|--:|--:|--:|")
    for backend, make in databases("master"):
        for scale in (SMALL, LARGE):
            with make() as url:  # type: ignore[attr-defined]
                for row in list_pages(url, scale):
                    lines.append(
                        f"| {backend} | {row['hospitals']:,} | {row['case']} | "
                        f"{row['page_ms']:.1f} | {row['api_ms']:.1f} | {row['raw_ms']:.2f} | "
                        f"{row['page_ms'] / row['raw_ms']:.1f}× | "
                        f"{row['api_ms'] / row['raw_ms']:.1f}× |"
                    )
    lines += [
        "",
        "Hospital import (CSV, UTF-8, Chinese headers, all-or-nothing runner):",
        "",
        "| database | rows | seconds | rows/s |",
        "|---|--:|--:|--:|",
    ]
    for backend, make in databases("import"):
        with make() as url:  # type: ignore[attr-defined]
            figures = import_throughput(url)
        lines.append(
            f"| {backend} | {figures['rows']:,} | {figures['seconds']:.1f} | "
            f"{figures['rows_per_s']:,.0f} |"
        )
    figures = startup()
    lines += [
        "",
        f"Start-up: `create_app()` {figures['create_app_ms']:.0f} ms in process; "
        f"`vbptrack --help` {figures['cli_help_ms']:.0f} ms as a new process.",
        "",
    ]
    return "\n".join(lines)
