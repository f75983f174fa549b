"""Background jobs (issue 13), on SQLite and PostgreSQL: starting long work answers at
once, reads keep their latency while it runs, and what the queue itself costs per job.

- Starting: the upload page's POST of a BENCH_JOBS_IMPORT_ROWS-row purchase export
  (default 1,000,000, ~55 MB) and the confirmed POST of a BENCH_JOBS_LETTERS-letter
  dunning run (default 1,000), each timed to its answer (target ≤ 1 s).
- Reads during the work: the hospital list page and `GET /api/v1/hospitals`, one after
  the other through the Flask test client while the job runs, p95 against the same reads
  on the idle app (target within 2×). The worker is either `vbptrack worker` as its own
  process (the Redis shape, here on the embedded queue) or threads of the measuring
  process itself (what `vbptrack serve` runs on the embedded queue):
  BENCH_JOBS_WORKERS=process,thread.
- Queue overhead: BENCH_JOBS_OVERHEAD (default 200) one-row imports through the queue
  with one worker thread, against the same imports run directly; the difference per
  job is the queue's cost (enqueue, claim, heartbeat, finish).
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlmodel import Session

from bench import commercial
from bench import dunning as dunning_bench
from bench.harness import OUT, databases
from tests.factories import PASSWORD, api_token, make_user
from vbptrack import create_app
from vbptrack.config import test_config
from vbptrack.db import get_engine
from vbptrack.imports.kinds import KINDS
from vbptrack.imports.runner import run_import
from vbptrack.models import Job
from vbptrack.queue import get_queue, start_in_process
from vbptrack.services.access import SYSTEM
from vbptrack.services.jobs import imports as import_jobs

IMPORT_ROWS = int(os.environ.get("BENCH_JOBS_IMPORT_ROWS", "1000000"))
LETTERS = int(os.environ.get("BENCH_JOBS_LETTERS", "1000"))
OVERHEAD_JOBS = int(os.environ.get("BENCH_JOBS_OVERHEAD", "200"))
WORKERS = [w for w in os.environ.get("BENCH_JOBS_WORKERS", "process,thread").split(",") if w]
IDLE_READS = 40


def log(message: str) -> None:
    print(f"[jobs] {message}", file=sys.stderr, flush=True)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def _load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


class Bench:
    def __init__(self, url: str, queue_url: str) -> None:
        self.url, self.queue_url = url, queue_url
        self.app: Flask = create_app(
            test_config(
                url,
                INSTANCE_PATH=str(OUT),
                WTF_CSRF_ENABLED=False,
                QUEUE_URL=queue_url,
                JOB_PROGRESS_SECONDS=0.5,
                REMINDER_TIME="off",
                # A million-row export is ~70 MB, above the 64 MB default upload limit.
                MAX_CONTENT_LENGTH=256 * 1024 * 1024,
            )
        )
        with Session(get_engine(self.app), expire_on_commit=False) as session:
            make_user(session, "bench_boss", "admin")
            self.token = api_token(session, make_user(session, "bench_api", "manager"))
        self.client = self.app.test_client()
        response = self.client.post("/login", data={"username": "bench_boss", "password": PASSWORD})
        assert response.status_code == 302, response.status_code

    def read_once(self) -> tuple[float, float]:
        start = time.perf_counter()
        page = self.client.get("/hospitals/")
        middle = time.perf_counter()
        api = self.client.get("/api/v1/hospitals?per_page=50", headers=self.token)
        end = time.perf_counter()
        assert page.status_code == 200, (page.status_code, page.get_data(as_text=True)[:300])
        assert api.status_code == 200, (api.status_code, api.get_data(as_text=True)[:300])
        return (middle - start) * 1000, (end - middle) * 1000

    def reads(self, count: int) -> tuple[list[float], list[float]]:
        pages, apis = [], []
        for _ in range(count):
            page_ms, api_ms = self.read_once()
            pages.append(page_ms)
            apis.append(api_ms)
        return pages, apis

    def status(self, job_id: int) -> str:
        with Session(get_engine(self.app)) as session:
            return str(session.execute(select(Job.status).where(Job.id == job_id)).scalar_one())

    def reads_while(self, job_id: int) -> tuple[list[float], list[float], float]:
        """Reads, back to back, until the job ends; the job's wall time."""
        pages, apis = [], []
        started = time.perf_counter()
        while self.status(job_id) in ("queued", "running"):
            page_ms, api_ms = self.read_once()
            pages.append(page_ms)
            apis.append(api_ms)
        assert self.status(job_id) == "done", self.status(job_id)
        return pages, apis, time.perf_counter() - started

    def worker(self, mode: str) -> Callable[[], None]:
        """Start a worker; returns how to stop it."""
        if mode == "thread":
            consumer = start_in_process(self.app, workers=1, periodic=False)
            return lambda: consumer.stop(graceful=True)
        env = {
            **os.environ,
            "VBPTRACK_DATABASE_URL": self.url,
            "VBPTRACK_QUEUE_URL": self.queue_url,
            "VBPTRACK_SECRET_KEY": "bench",
            "VBPTRACK_REMINDER_TIME": "off",
        }
        process = subprocess.Popen(
            [sys.executable, "-c", "from vbptrack.cli import main; main()", "worker",
             "--workers", "1", "--no-periodic"],
            env=env, stdout=subprocess.DEVNULL, stderr=(OUT / "jobs-worker.log").open("ab"),
        )  # fmt: skip

        def stop() -> None:
            process.terminate()
            process.wait(timeout=60)

        return stop


def _job_id(location: str) -> int:
    return int(location.rsplit("job=", 1)[-1].rstrip("/").rsplit("/", 1)[-1])


def import_case(bench: Bench, path: Path, mode: str) -> dict[str, Any]:
    idle_pages, idle_apis = bench.reads(IDLE_READS)
    stop = bench.worker(mode)
    try:
        with path.open("rb") as source:
            start = time.perf_counter()
            response = bench.client.post(
                "/imports/",
                data={"kind": "purchases", "file": (source, path.name)},
                content_type="multipart/form-data",
            )
            answered = time.perf_counter() - start
        assert response.status_code == 303, response.status_code
        pages, apis, seconds = bench.reads_while(_job_id(response.headers["Location"]))
    finally:
        stop()
    with get_engine(bench.app).begin() as connection:  # the next measurement starts clean
        connection.execute(text("DELETE FROM purchase WHERE source_key LIKE 'ref:IMP%'"))
    return _row("import", IMPORT_ROWS, mode, answered, seconds, idle_pages, idle_apis, pages, apis)


def dunning_case(bench: Bench, mode: str) -> dict[str, Any]:
    idle_pages, idle_apis = bench.reads(IDLE_READS)
    stop = bench.worker(mode)
    try:
        start = time.perf_counter()
        response = bench.client.post(
            "/dunning/runs", data={"as_of": dunning_bench.AS_OF.isoformat(), "confirmed": "1"}
        )
        answered = time.perf_counter() - start
        assert response.status_code == 303, response.status_code
        pages, apis, seconds = bench.reads_while(_job_id(response.headers["Location"]))
    finally:
        stop()
    with get_engine(bench.app).begin() as connection:  # undo the run for the next mode
        for table in ("dunning_document", "dunning_letter_line", "dunning_letter"):
            connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - names above
    return _row("dunning run", LETTERS, mode, answered, seconds, idle_pages, idle_apis, pages, apis)


def _row(
    what: str, size: int, mode: str, answered: float, seconds: float, *reads: list[float]
) -> dict[str, Any]:
    idle_pages, idle_apis, pages, apis = reads
    return {
        "what": what, "size": size, "mode": mode, "answered_s": answered, "job_s": seconds,
        "idle_page": p95(idle_pages), "busy_page": p95(pages), "idle_api": p95(idle_apis),
        "busy_api": p95(apis), "reads": len(pages), "load": _load_average(),
    }  # fmt: skip


def overhead_case(bench: Bench) -> dict[str, Any]:
    files = [
        f"医院编码,医院名称,省份\nHQ{n:05d},排队医院{n},上海\n".encode()
        for n in range(OVERHEAD_JOBS)
    ]
    engine = get_engine(bench.app)
    start = time.perf_counter()
    with bench.app.app_context(), Session(engine) as session:
        for n, data in enumerate(files):
            run_import(
                session, actor=SYSTEM, kind=KINDS["hospitals"], source=io.BytesIO(data),
                filename=f"direct-{n}.csv",
            )  # fmt: skip
    direct = time.perf_counter() - start
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE entity_key LIKE 'HQ%'"))
        connection.execute(text("DELETE FROM party WHERE code LIKE 'HQ%'"))
    queue = get_queue(bench.app)
    with Session(engine, expire_on_commit=False) as session:
        start = time.perf_counter()
        ids = [
            import_jobs.start(
                session, actor=SYSTEM, queue=queue, kind_name="hospitals",
                source=io.BytesIO(data), filename=f"queued-{n}.csv", lang="en",
            ).id
            for n, data in enumerate(files)
        ]  # fmt: skip
        enqueued = time.perf_counter() - start
    consumer = start_in_process(bench.app, workers=1, periodic=False)
    try:
        while True:
            with Session(engine) as session:
                left = session.execute(
                    select(Job.id).where(Job.id.in_(ids), Job.status != "done")  # type: ignore[union-attr]
                ).first()
            if left is None:
                break
            time.sleep(0.005)
        queued = time.perf_counter() - start
    finally:
        consumer.stop(graceful=True)
    return {
        "jobs": OVERHEAD_JOBS, "direct_ms": direct / OVERHEAD_JOBS * 1000,
        "queued_ms": queued / OVERHEAD_JOBS * 1000, "start_ms": enqueued / OVERHEAD_JOBS * 1000,
        "overhead_ms": (queued - direct) / OVERHEAD_JOBS * 1000, "load": _load_average(),
    }  # fmt: skip


def run() -> str:
    OUT.mkdir(exist_ok=True)
    path = commercial.write_export(OUT / "jobs-purchases.csv", IMPORT_ROWS)
    results: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = []
    for backend, make in databases("jobs"):
        with make() as url:  # type: ignore[attr-defined]
            log(f"{backend}: loading")
            commercial.load(url, purchases=0, agreed=0)
            dunning_bench._load(url, LETTERS)  # invoices for every party: keep its own
            with create_engine(url).begin() as connection:
                for statement in (
                    "DELETE FROM invoice_instalment WHERE invoice_id IN (SELECT i.id FROM "
                    "invoice i JOIN party p ON p.id = i.customer_id WHERE p.code NOT LIKE 'HB%')",
                    "DELETE FROM invoice WHERE customer_id IN "
                    "(SELECT id FROM party WHERE code NOT LIKE 'HB%')",
                ):
                    connection.execute(text(statement))
            queue_url = f"sqlite:///{OUT / f'jobs-queue-{backend.lower()}.db'}"
            Path(queue_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            bench = Bench(url, queue_url)
            with Session(get_engine(bench.app)) as session:
                dunning_bench._policy(session)
            rows = []
            for mode in WORKERS:
                log(f"{backend}: import, worker {mode}")
                rows.append(import_case(bench, path, mode))
                log(f"{backend}: dunning run, worker {mode}")
                rows.append(dunning_case(bench, mode))
            log(f"{backend}: queue overhead")
            overhead = overhead_case(bench)
            get_engine(bench.app).dispose()
            results.append((backend, rows, overhead))
    return markdown(results)


def markdown(results: list[tuple[str, list[dict[str, Any]], dict[str, Any]]]) -> str:
    lines = [
        "## Background jobs (issue 13)",
        "",
        "Starting answers (the POST, timed to its redirect); reads' p95 in ms idle and while "
        "the job runs (hospital page, then `GET /api/v1/hospitals`, back to back); the load "
        "average (`/proc/loadavg`, 1 min) when each row ended.",
        "",
        "| database | job | size | worker | start s | job s | page p95 idle → busy | "
        "API p95 idle → busy | reads | load |",
        "|---|---|--:|---|--:|--:|--:|--:|--:|--:|",
    ]
    for backend, rows, _overhead in results:
        for r in rows:
            page_ratio = r["busy_page"] / r["idle_page"]
            api_ratio = r["busy_api"] / r["idle_api"]
            lines.append(
                f"| {backend} | {r['what']} | {r['size']:,} | {r['mode']} | "
                f"{r['answered_s']:.2f} | {r['job_s']:.1f} | "
                f"{r['idle_page']:.1f} → {r['busy_page']:.1f} ({page_ratio:.1f}×) | "
                f"{r['idle_api']:.1f} → {r['busy_api']:.1f} ({api_ratio:.1f}×) | "
                f"{r['reads']} | {r['load']} |"
            )  # fmt: skip
    lines += [
        "",
        "Queue overhead: one-row hospital imports, run directly and through the queue "
        "(one worker thread); per job.",
        "",
        "| database | jobs | direct ms | queued ms | overhead ms | start (POST side) ms | load |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for backend, _rows, o in results:
        lines.append(
            f"| {backend} | {o['jobs']} | {o['direct_ms']:.1f} | {o['queued_ms']:.1f} | "
            f"{o['overhead_ms']:.1f} | {o['start_ms']:.1f} | {o['load']} |"
        )
    return "\n".join(lines) + "\n"
