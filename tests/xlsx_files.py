# ruff: noqa: E501 - the package parts are the XML Excel writes, kept one line each
"""Workbooks written part by part, as Excel writes them (shared strings, a date style), so
tests and bench/xlsx_limits.py can make what openpyxl's writer cannot: a platform export
of a million rows in seconds, and hostile files — small on disk, huge unpacked.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
# Style 1 is Excel's built-in short date (numFmtId 14): a number cell with it is a date.
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
EXCEL_EPOCH = date(1899, 12, 30)


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_workbook(
    path: Path,
    *,
    sheet_parts: Iterable[str],
    shared_strings: Iterable[str],
    string_count: int | None,
) -> Path:
    """A workbook whose sheet XML and shared strings (as XML, `<si>` elements, in chunks)
    are streamed into the zip, in that order: a sheet's generator may fill the strings
    table as it goes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for part in sheet_parts:
                sheet.write(part.encode())
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            counts = "" if string_count is None else f' uniqueCount="{string_count}"'
            strings.write(
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"{counts}>'.encode()
            )
            for chunk in shared_strings:
                strings.write(chunk.encode())
            strings.write(b"</sst>")
    return path


class _Strings:
    """The shared-strings table as Excel builds it: each distinct text once."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found


def _cell(ref: str, value: object, strings: _Strings) -> str:
    if isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="s"><v>{strings(str(value))}</v></c>'


def _sheet(rows: Iterable[Sequence[object]], strings: _Strings) -> Iterator[str]:
    yield SHEET_HEAD + "<sheetData>"
    chunk: list[str] = []
    for number, row in enumerate(rows, start=1):
        cells = "".join(
            _cell(f"{_column(i)}{number}", v, strings) for i, v in enumerate(row) if v is not None
        )
        chunk.append(f'<row r="{number}">{cells}</row>')
        if len(chunk) >= 5000:
            yield "".join(chunk)
            chunk.clear()
    yield "".join(chunk) + "</sheetData></worksheet>"


def write_rows(path: Path, rows: Iterable[Sequence[object]]) -> Path:
    """Rows (text, numbers, dates) as Excel would save them."""
    strings = _Strings()

    def table() -> Iterator[str]:
        # Runs only after the sheet is written, when the dict holds every string.
        texts = list(strings.index)
        for start in range(0, len(texts), 10_000):
            yield "".join(f"<si><t>{_escape(t)}</t></si>" for t in texts[start : start + 10_000])

    return write_workbook(
        path, sheet_parts=_sheet(rows, strings), shared_strings=table(), string_count=None
    )


PURCHASE_EXPORT_HEADER = (
    "省份", "城市", "医院编码", "医院名称", "医院等级", "产品编码", "通用名", "规格", "生产企业",
    "采购日期", "采购数量", "采购单价", "采购金额（元）", "配送企业编码", "配送企业名称", "订单明细编号",
)  # fmt: skip


def purchase_export_rows(count: int) -> Iterator[tuple[object, ...]]:
    """A provincial platform's purchase export: 16 columns, 10,000 hospitals, 500
    products, one year of dates, a unique order-line number per row."""
    yield PURCHASE_EXPORT_HEADER
    for n in range(count):
        hospital, product = n % 10_000, n % 500
        quantity = 1 + n % 400
        yield (
            "上海市", "上海市", f"H31{hospital:05d}", f"上海市第{hospital}人民医院", "三级甲等",
            f"P{product:04d}", f"通用名{product}", "10mg*28片", f"生产企业{product % 50}",
            date(2024, 1, 1 + n % 28), quantity, 1.25, round(quantity * 1.25, 2),
            f"D31{n % 40:03d}", f"配送企业{n % 40}", f"YG2024{n:010d}",
        )  # fmt: skip


def shared_strings_bomb(path: Path, strings: int = 600_000, length: int = 60) -> Path:
    """A one-cell sheet over 600,000 long shared strings: 0.6 MB on disk, 112 MB
    unpacked, several times that as the Python strings openpyxl would hold."""
    per_chunk = 10_000
    chunk = f"<si><t>{'医' * length}</t></si>"
    chunks = [chunk * per_chunk] * (strings // per_chunk) + [chunk * (strings % per_chunk)]
    return write_workbook(
        path,
        sheet_parts=[
            SHEET_HEAD,
            '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>',
            "</sheetData></worksheet>",
        ],
        shared_strings=chunks,
        string_count=strings,
    )


def dimension_bomb(path: Path) -> Path:
    """Three real rows under a claimed dimension of every cell of a sheet (A1:XFD1048576):
    a reader trusting the claim pads to 17 billion cells."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="s"><v>{n - 1}</v></c><c r="B{n}"><v>{n}</v></c></row>'
        for n in (1, 2, 3)
    )
    return write_workbook(
        path,
        sheet_parts=[
            SHEET_HEAD,
            '<dimension ref="A1:XFD1048576"/>',
            f"<sheetData>{rows}",
            "</sheetData></worksheet>",
        ],  # fmt: skip
        shared_strings=["<si><t>code</t></si><si><t>x</t></si><si><t>y</t></si>"],
        string_count=3,
    )


def sheet_bomb(path: Path, rows: int = 2_400_000) -> Path:
    """Millions of identical rows: small on disk, the sheet's XML far beyond any export."""
    row = '<row><c t="s"><v>0</v></c><c><v>1</v></c></row>'
    return write_workbook(
        path,
        sheet_parts=[
            SHEET_HEAD + "<sheetData>",
            *(row * 10_000 for _ in range(rows // 10_000)),
            "</sheetData></worksheet>",
        ],  # fmt: skip
        shared_strings=["<si><t>x</t></si>"],
        string_count=1,
    )
