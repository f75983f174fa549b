"""Run every benchmark and print a markdown report (copied into docs/performance.md).

Environment: BENCH_BACKENDS=sqlite,postgresql  BENCH_SCALE=100  BENCH_IMPORT_ROWS=20000
BENCH_INVOICES=1000000  BENCH_RECEIVABLES_IMPORT_ROWS=10000  BENCH_EXPORT_ROWS=100000
BENCH_DUNNING_LETTERS=1000  BENCH_ONLY=dunning (comma-separated: master_data, receivables,
dunning; runs only those)
"""

from __future__ import annotations

import os
import platform
import sys
import time

from bench import dunning, master_data, receivables

BENCHMARKS = {"master_data": master_data, "receivables": receivables, "dunning": dunning}


def main() -> None:
    started = time.perf_counter()
    report = [
        f"Run on {platform.node()} ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, `{' '.join(['make bench'] + sys.argv[1:])}`",
        "",
    ]
    only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
    for name, module in BENCHMARKS.items():
        if not only or name in only:
            report.append(module.run())
    report.append(f"Total benchmark time: {time.perf_counter() - started:.0f} s.")
    text = "\n".join(report)
    print(text)


if __name__ == "__main__":
    main()
