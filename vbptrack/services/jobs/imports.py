"""Imports in the background: the upload page and `POST /imports/{kind}` start one, a
worker runs it. The file is kept in `job_file` until the import ends, so a worker on
another machine reads the same bytes. The import stays all or nothing: the rows and the
job's "done" are committed together, or neither.
"""

from __future__ import annotations

import io
import zipfile
from typing import IO, Any

from sqlmodel import Session

from vbptrack.imports.kinds import KINDS
from vbptrack.imports.runner import ImportResult, run_import
from vbptrack.models import Job, JobFile
from vbptrack.models.jobs import DONE, FAILED, UPLOAD
from vbptrack.services.access import Actor, require
from vbptrack.services.errors import InvalidInput, NotFound
from vbptrack.services.jobs import records
from vbptrack.services.jobs.progress import Progress
from vbptrack.services.problems import translate

KIND = "import"


def estimate_rows(data: bytes, filename: str) -> int | None:
    """Data rows in the file, to size the progress bar: lines of a CSV (a cell with a
    line break counts twice, which only makes the bar finish a little early), the
    sheet's stated dimension of a workbook; None when unknown."""
    if filename.lower().endswith(".csv"):
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        return max(0, lines - 1)
    if filename.lower().endswith(".xlsx"):
        try:
            from openpyxl import load_workbook

            workbook = load_workbook(io.BytesIO(data), read_only=True)
            sheet = workbook.active
            rows = getattr(sheet, "max_row", None)
            workbook.close()
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            return None
        return max(0, rows - 1) if isinstance(rows, int) else None
    return None


def start(
    session: Session,
    *,
    actor: Actor,
    queue: Any,
    kind_name: str,
    source: IO[bytes],
    filename: str,
    lang: str,
) -> Job:
    """Queue an import of the uploaded file; answers at once whatever its size."""
    kind = KINDS.get(kind_name)
    if kind is None:
        raise NotFound(
            translate("Unknown import kind %(kind)s; one of: %(kinds)s.", kind=kind_name,
                      kinds=", ".join(KINDS))
        )  # fmt: skip
    require(actor, kind.permission)
    if not filename:
        raise InvalidInput(
            translate("Choose a file to upload."), {"file": translate("Choose a file to upload.")}
        )
    data = source.read()
    job = records.create(
        session,
        actor=actor,
        kind=KIND,
        subject=f"{kind_name}: {filename}",
        params={"kind": kind_name, "filename": filename},
        lang=lang,
        total=None,
    )
    session.add(
        JobFile(job_id=job.id, purpose=UPLOAD, filename=filename[:200], size=len(data), data=data)  # type: ignore[arg-type]
    )
    session.commit()
    queue.enqueue("import_file", job.id)
    return job


def _outcome(result: ImportResult) -> dict[str, Any]:
    return {
        "written": result.written,
        "rows": result.rows,
        "already_there": result.already_there,
        "more_problems": result.more_problems,
    }


def run(session: Session, job: Job, progress: Progress, _settings: Any) -> None:
    upload = records.file(session, job.id or 0, UPLOAD)
    if upload is None:
        raise InvalidInput(translate("The uploaded file is gone; upload it again."))
    kind = KINDS[job.params["kind"]]
    filename = job.params.get("filename") or upload.filename
    progress.set_total(estimate_rows(upload.data, filename))
    job.total = progress.total
    data = upload.data
    session.expunge(upload)  # the bytes are read once, not kept by the session
    del upload

    def done(inner: Session, result: ImportResult) -> None:
        records.finish(inner, job, DONE, result=_outcome(result), done=result.rows, commit=False)

    result = run_import(
        session,
        actor=records.actor_of(session, job),
        kind=kind,
        source=io.BytesIO(data),
        filename=filename,
        progress=progress.advance,
        before_commit=done,
    )
    if not result.ok:
        problems = [records.problem(p.message, p.row, p.column, p.value) for p in result.problems]
        records.finish(
            session, job, FAILED, result=_outcome(result), problems=problems, done=result.rows
        )
