"""What a real platform export needs from the .xlsx limits (imports/reader.py): writes a
purchase export of N rows (default 1,000,000; 16 columns, shared strings as Excel writes
them), prints each part's size and compression ratio, then reads it through
`read_rows` without limits and prints the cells, the seconds and the peak memory.

    .venv/bin/python -m bench.xlsx_limits [ROWS]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from tests.xlsx_files import purchase_export_rows, write_rows
from vbptrack.imports.reader import UNLIMITED, read_rows


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        start = time.monotonic()
        write_rows(path, purchase_export_rows(rows))
        seconds = time.monotonic() - start
        print(f"wrote {rows:,} rows in {seconds:.1f} s: {path.stat().st_size:,} bytes")
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                ratio = info.file_size / max(info.compress_size, 1)
                print(f"  {info.filename:32} {info.file_size:>14,} unpacked  {ratio:6.1f}×")
        cells = 0
        start = time.monotonic()
        with path.open("rb") as raw:
            for line in read_rows(raw, "export.xlsx", UNLIMITED):
                cells += len(line)
        seconds = time.monotonic() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"read {cells:,} cells in {seconds:.1f} s, peak RSS {peak:,} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
