"""Run every benchmark and print a markdown report (copied into docs/performance.md).

Environment: BENCH_BACKENDS=sqlite,postgresql  BENCH_SCALE=100  BENCH_IMPORT_ROWS=20000
BENCH_INVOICES=1000000  BENCH_RECEIVABLES_IMPORT_ROWS=10000  BENCH_EXPORT_ROWS=100000
BENCH_PURCHASES=5000000  BENCH_AGREED=200000  BENCH_PURCHASE_IMPORT_ROWS=1000000
BENCH_MEMORY_ROWS=50000  BENCH_DUNNING_LETTERS=1000  BENCH_JOBS_IMPORT_ROWS=1000000
BENCH_JOBS_LETTERS=1000  BENCH_JOBS_OVERHEAD=200  BENCH_JOBS_WORKERS=process,thread.
BENCH_ONLY=commercial,dunning (comma-separated area names) runs only those areas:
master_data, receivables, commercial, dunning, jobs.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable

from bench import commercial, dunning, jobs, master_data, receivables

AREAS: dict[str, Callable[[], str]] = {
    "master_data": master_data.run,
    "receivables": receivables.run,
    "commercial": commercial.run,
    "dunning": dunning.run,
    "jobs": jobs.run,
}


def main() -> None:
    started = time.perf_counter()
    report = [
        f"Run on {platform.node()} ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, `{' '.join(['make bench'] + sys.argv[1:])}`",
        "",
    ]
    only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
    for name in only:
        if name not in AREAS:
            raise SystemExit(f"BENCH_ONLY: unknown area {name!r}; choose from {', '.join(AREAS)}")
    for name, run in AREAS.items():
        if not only or name in only:
            report.append(run())
    report.append(f"Total benchmark time: {time.perf_counter() - started:.0f} s.")
    text = "\n".join(report)
    print(text)


if __name__ == "__main__":
    main()
