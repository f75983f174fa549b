"""Dunning at scale (issue 4): one run issuing BENCH_DUNNING_LETTERS letters (default
1,000), each rendered in Chinese and English and archived, against WeasyPrint rendering
the same HTML alone; peak memory after a small run and after the big one (it must not
grow with the number of letters); the combined print PDF of the run.

Data: one customer per letter (hospitals named like real ones, in Shanghai), each with
two overdue invoices, written directly with SQLAlchemy (the run is what is measured).
SQLite only: rendering is the cost, the database's share is a few queries per letter.

Environment: BENCH_DUNNING_LETTERS=1000  BENCH_DUNNING_BASELINE=200 (letters rendered
alone for the baseline)
"""

from __future__ import annotations

import gc
import os
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select
from sqlmodel import Session

from bench.harness import sqlite_database
from vbptrack.documents.render import html_to_pdf, render_html
from vbptrack.models import Invoice, InvoiceInstalment, Party
from vbptrack.services import dunning, dunning_letters, dunning_policy
from vbptrack.services.access import SYSTEM
from vbptrack.services.dunning import LANGS
from vbptrack.services.dunning_documents import letter_context

LETTERS = int(os.environ.get("BENCH_DUNNING_LETTERS", "1000"))
BASELINE = int(os.environ.get("BENCH_DUNNING_BASELINE", "200"))
WARMUP = 100
AS_OF = date(2026, 6, 30)
NAMES = ("人民医院", "中医医院", "妇幼保健院", "中心医院", "第一人民医院", "肿瘤医院")
DISTRICTS = ("徐汇区", "黄浦区", "静安区", "浦东新区", "闵行区", "长宁区", "普陀区", "杨浦区")


def _rss_peak_mb() -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _load(url: str, customers: int) -> None:
    engine = create_engine(url)

    def name(n: int) -> str:
        return f"上海市{DISTRICTS[n % len(DISTRICTS)]}{NAMES[n % len(NAMES)]}{n}"

    with engine.begin() as connection:
        connection.execute(
            insert(Party),
            [
                {
                    "code": f"HB{n:06d}",
                    "kind": "hospital",
                    "name": name(n),
                    "legal_name": name(n),
                    "address": f"上海市{DISTRICTS[n % len(DISTRICTS)]}宜山路 {n % 900 + 1} 号",
                    "province_code": "31",
                    "active": True,
                }
                for n in range(customers)
            ],
        )
        ids = connection.execute(select(Party.id).order_by(Party.id)).scalars().all()
        invoices = []
        for index, party_id in enumerate(ids):
            for k in range(2):
                invoices.append(
                    {
                        "number": f"INV-B{index:06d}-{k}",
                        "customer_id": party_id,
                        "invoice_date": date(2025, 10, 1) + timedelta(days=k * 30),
                        "amount_fen": 1_000_000 + index * 37 + k * 12_345,
                        "tax_fen": 0,
                    }
                )
        connection.execute(insert(Invoice), invoices)
        rows = connection.execute(select(Invoice.id, Invoice.invoice_date, Invoice.amount_fen))
        connection.execute(
            insert(InvoiceInstalment),
            [
                {"invoice_id": i, "seq": 1, "due_date": d + timedelta(days=90), "amount_fen": a}
                for i, d, a in rows
            ],
        )
    engine.dispose()


def _policy(session: Session) -> None:
    current = dunning_policy.as_dict(dunning_policy.load(session))
    dunning_policy.update(
        session,
        actor=SYSTEM,
        data={
            "min_interval_days": 14,
            "payment_deadline_days": 10,
            "levels": [
                {k: level[k] for k in ("level", "name", "min_days_past_due", "fee")}
                | {"annual_interest_rate": "6"}
                for level in current["levels"]
            ],
            "company_name_zh": "上海华东医药科技有限公司",
            "company_name_en": "Shanghai Huadong Pharma Tech Co., Ltd.",
            "address_zh": "上海市浦东新区张江路 88 号",
            "bank_name": "招商银行上海张江支行",
            "bank_account": "1219 0812 3410 001",
            "contact_name": "王丽",
            "contact_phone": "021-5080 1234",
        },
    )


def _render_alone(letters: list[list[str]]) -> float:
    """Seconds per letter for WeasyPrint rendering the letters' HTML (both languages)."""
    started = time.perf_counter()
    for pages in letters:
        for page in pages:
            html_to_pdf(page)
    return (time.perf_counter() - started) / len(letters)


def run() -> str:
    with sqlite_database("dunning") as url:
        _load(url, LETTERS + WARMUP)
        engine = create_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            _policy(session)
            ids = session.execute(select(Party.id).order_by(Party.id)).scalars().all()
            # A small run first: memory after it is the baseline the big run must keep.
            warm = dunning.issue(session, actor=SYSTEM, as_of=AS_OF, customer_ids=ids[:WARMUP])
            assert len(warm.letters) == WARMUP
            gc.collect()
            peak_small = _rss_peak_mb()

            # The same HTML the run renders, through WeasyPrint alone (same fetcher and
            # fonts), for BASELINE letters of the big run: half measured before the run and
            # half after it, so a change in the machine's load during the run shows up as
            # a gap between the two instead of skewing the ratio.
            policy = dunning_policy.load(session)
            planned = dunning.plan(session, actor=SYSTEM, as_of=AS_OF, customer_ids=ids[WARMUP:])
            html = [
                [
                    render_html(
                        "pdf/dunning_letter.html", letter_context(policy, letter, lang), lang
                    )
                    for lang in LANGS
                ]
                for letter in planned.letters[:BASELINE]
            ]
            del planned
            half = len(html) // 2
            before = _render_alone(html[:half])
            gc.collect()

            started = time.perf_counter()
            big = dunning.issue(session, actor=SYSTEM, as_of=AS_OF, customer_ids=ids[WARMUP:])
            elapsed = time.perf_counter() - started
            assert len(big.letters) == LETTERS and not big.failures
            after = _render_alone(html[half:])
            alone = (before + after) / 2
            del html
            gc.collect()
            peak_big = _rss_peak_mb()
            per_letter = elapsed / LETTERS

            started = time.perf_counter()
            combined = dunning_letters.run_pdf(
                session, actor=SYSTEM, run_id=big.run_id or 0, lang="zh"
            )
            combine_s = time.perf_counter() - started
            archived = (
                session.execute(
                    select(dunning_letters.DunningDocument.size).where(
                        dunning_letters.DunningDocument.lang == "zh"
                    )
                )
                .scalars()
                .all()
            )
        engine.dispose()
    average_kb = sum(archived) / len(archived) / 1024
    lines = [
        "## Dunning (issue 4)",
        "",
        f"One run issuing {LETTERS:,} letters (each in Chinese and English, archived with its "
        f"SHA-256), SQLite, WeasyPrint with HarfBuzz subsetting, Noto Sans CJK SC.",
        "",
        "| measure | figure |",
        "|---|---|",
        f"| run, per letter (2 PDFs + rows) | {per_letter * 1000:.0f} ms |",
        f"| WeasyPrint alone, same HTML, per letter (2 PDFs, {BASELINE} letters) | "
        f"{alone * 1000:.0f} ms ({before * 1000:.0f} before the run, {after * 1000:.0f} after) |",
        f"| ratio (target ≤ 1.3×) | {per_letter / alone:.2f}× |",
        f"| whole run | {elapsed:.0f} s |",
        f"| peak RSS after a {WARMUP}-letter run | {peak_small:.0f} MB |",
        f"| peak RSS after the {LETTERS:,}-letter run | {peak_big:.0f} MB |",
        f"| archived letter PDF (zh), average | {average_kb:.0f} KB |",
        f"| combined print PDF of the run (zh) | {len(combined) / 1024 / 1024:.1f} MB, "
        f"built in {combine_s:.1f} s |",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
