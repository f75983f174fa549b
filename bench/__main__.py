"""Run every benchmark and print a markdown report (copied into docs/performance.md).

Environment: BENCH_BACKENDS=sqlite,postgresql  BENCH_SCALE=100  BENCH_IMPORT_ROWS=20000
BENCH_INVOICES=1000000  BENCH_RECEIVABLES_IMPORT_ROWS=10000  BENCH_EXPORT_ROWS=100000
"""

from __future__ import annotations

import platform
import sys
import time

from bench import master_data, receivables


def main() -> None:
    started = time.perf_counter()
    report = [
        f"Run on {platform.node()} ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, `{' '.join(['make bench'] + sys.argv[1:])}`",
        "",
        master_data.run(),
        receivables.run(),
    ]
    report.append(f"Total benchmark time: {time.perf_counter() - started:.0f} s.")
    text = "\n".join(report)
    print(text)


if __name__ == "__main__":
    main()
