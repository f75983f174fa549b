"""Run an import: map headers, validate in batches, write in one transaction or not at all.

Rows stream through in batches. While no row has failed, each batch is written inside
the open transaction; after the first problem, writing stops but validation goes on, so
the user sees every problem in one pass. The transaction commits only when there were
none, which keeps memory flat and the import all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO

from sqlmodel import Session

from vbptrack.imports.reader import UnreadableFile, read_rows
from vbptrack.imports.spec import ImportKind, Row, RowProblem, normalise_header
from vbptrack.services import audit
from vbptrack.services.access import Actor, require
from vbptrack.services.problems import translate

MAX_PROBLEMS = 1000


@dataclass
class ImportResult:
    kind: str
    written: int = 0
    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def already_there(self) -> int:
        """Rows of a good file that changed nothing: the same purchase, or a hospital
        exactly as it is stored (a re-import of the same file writes none)."""
        return max(0, self.rows - self.written) if self.ok else 0

    def add(self, problem: RowProblem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1


def _header(
    kind: ImportKind, header: list[str], result: ImportResult
) -> dict[int, tuple[str, str]]:
    """Column index → (field, header as written); problems for missing or doubled columns."""
    mapping = kind.header_map()
    positions: dict[int, tuple[str, str]] = {}
    seen: dict[str, str] = {}
    for index, text in enumerate(header):
        column = mapping.get(normalise_header(text)) if text else None
        if column is None:
            continue  # platform exports carry many columns we do not need
        if column.field in seen:
            result.add(
                RowProblem(
                    1, text, translate("same column as “%(other)s”", other=seen[column.field])
                )
            )
            continue
        seen[column.field] = text
        positions[index] = (column.field, text)
    for column in kind.columns:
        if column.required and column.field not in seen:
            names = " / ".join([column.field, *column.aliases[:2]])
            result.add(
                RowProblem(1, column.field, translate("missing column (%(names)s)", names=names))
            )
    return positions


def _picker(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """The cells at `indexes`, always as a tuple (itemgetter of one index returns the cell)."""
    if len(indexes) > 1:
        return itemgetter(*indexes)  # type: ignore[return-value]
    if indexes:
        (only,) = indexes
        return lambda line: (line[only],)
    return lambda line: ()


def _rows(lines: Iterator[list[str]], positions: dict[int, tuple[str, str]]) -> Iterator[Row]:
    # Runs once per row of files of millions of rows: the cells are picked by one
    # itemgetter and zipped to their fields rather than by a comprehension per row.
    fields = [field for field, _header_text in positions.values()]
    indexes = list(positions)
    width = max(indexes, default=-1) + 1
    pick = _picker(indexes)
    for number, line in enumerate(lines, start=2):
        if not any(line):  # cells arrive trimmed: "" is a blank cell
            continue  # blank lines at the end of a sheet are common, not an error
        if len(line) < width:  # a short row: its missing cells are blank
            line = line + [""] * (width - len(line))
        yield number, dict(zip(fields, pick(line), strict=True))


def _abandon(session: Session, kind: ImportKind) -> None:
    """Let writing still running end before the rollback; its outcome no longer counts."""
    if kind.finish is not None:
        with suppress(Exception):
            kind.finish(session)


def run_import(
    session: Session,
    *,
    actor: Actor,
    kind: ImportKind,
    source: IO[bytes],
    filename: str,
    progress: Callable[[int], None] | None = None,
    before_commit: Callable[[Session, ImportResult], None] | None = None,
) -> ImportResult:
    """`progress(rows read so far)` is called after each batch (a background import
    reports it, and may raise there to stop: everything is rolled back); `before_commit`
    writes into the import's own transaction (a job records its outcome atomically with
    the rows)."""
    require(actor, kind.permission)
    result = ImportResult(kind=kind.name)
    try:
        lines = read_rows(source, filename)
        header = next(lines, None)
        if header is None:
            result.add(RowProblem(1, "-", translate("the file is empty")))
            return result
        positions = _header(kind, header, result)
        if not result.ok:
            return result
        column_text = {field: text for field, text in positions.values()}
        state = kind.make_state()
        # Validators that check territory (listings) need to know who imports.
        state["actor"] = actor
        batch: list[Row] = []

        def flush() -> None:
            clean, problems = kind.validate(session, batch, state)
            if problems:
                cells = dict(batch)
                for row, field_name, message in problems:
                    value = cells.get(row, {}).get(field_name)  # quoted beside the problem
                    result.add(
                        RowProblem(row, column_text.get(field_name, field_name), message, value)
                    )
            if result.ok and clean:
                result.written += kind.write(session, actor, clean)
            batch.clear()
            if progress is not None:
                progress(result.rows)

        for row in _rows(lines, positions):
            result.rows += 1
            batch.append(row)
            if len(batch) >= kind.batch_size:
                flush()
        if batch:
            flush()
        if kind.finish is not None:
            result.written += kind.finish(session)
    except UnreadableFile as exc:
        _abandon(session, kind)
        session.rollback()
        result.problems = [RowProblem(1, "-", str(exc))]
        result.written = 0
        return result
    except BaseException:
        _abandon(session, kind)
        session.rollback()
        raise
    if result.ok and result.rows == 0:
        result.add(RowProblem(2, "-", translate("the file has a header but no rows")))
    if not result.ok:
        session.rollback()
        result.written = 0
        return result
    audit.record(
        session,
        actor=actor,
        entity="import",
        key=kind.name,
        action="import",
        note=f"{filename}: {result.written} rows",
    )
    if before_commit is not None:
        before_commit(session, result)
    session.commit()
    return result
