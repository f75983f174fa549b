"""What an import kind declares: its columns with their header aliases, and how it writes.

Headers are matched loosely: case, spaces, a trailing '*' (a "required" marker) and a unit
in brackets are ignored, so "金额（元）" finds the `amount` column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from vbptrack.services.access import Actor

_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def normalise_header(text: str) -> str:
    """
    >>> normalise_header(" 金额（元）* "), normalise_header("Province_Code")
    ('金额', 'province_code')
    """
    text = text.replace("\ufeff", "").strip().rstrip("*").strip()
    text = _BRACKETS.sub("", text)
    return re.sub(r"\s+", "", text).lower()


@dataclass(frozen=True)
class Column:
    field: str
    aliases: Sequence[str] = ()
    required: bool = False

    def names(self) -> list[str]:
        return [normalise_header(name) for name in (self.field, *self.aliases)]


@dataclass
class RowProblem:
    row: int
    column: str
    message: str
    value: str | None = None  # the cell as the file has it, when the problem is about one

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


# A row as the kind sees it: (row number, {field: text}).
Row = tuple[int, dict[str, str]]
# Validates a batch with state kept across batches (codes seen so far in the file, …);
# returns the clean rows to write and the problems as (row, field, message).
Validator = Callable[
    [Session, Sequence[Row], dict[str, Any]], tuple[list[Any], list[tuple[int, str, str]]]
]
Writer = Callable[[Session, Actor, Sequence[Any]], int]


@dataclass
class ImportKind:
    name: str
    title: str
    columns: Sequence[Column]
    permission: str
    validate: Validator
    write: Writer
    batch_size: int = 1000
    # State a kind keeps across batches (e.g. codes already seen in this file).
    make_state: Callable[[], dict[str, Any]] = field(default=dict)
    # Waits for writing a kind left running after its last batch (purchases overlap the
    # database's insert of one batch with the check of the next); how many rows it added.
    finish: Callable[[Session], int] | None = None

    def header_map(self) -> dict[str, Column]:
        mapping: dict[str, Column] = {}
        for column in self.columns:
            for name in column.names():
                mapping[name] = column
        return mapping
