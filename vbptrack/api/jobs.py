"""/imports/{kind} and /jobs: long work in the background (API.md "Long work: jobs").
Written in the module style of the other API files; the dunning run's `"background":
true` lives with the run in api/dunning.py."""

from __future__ import annotations

from typing import Any

from flask import request

from vbptrack.api import actor, bp, list_args, page_body
from vbptrack.db import get_session
from vbptrack.models import Job
from vbptrack.models.jobs import QUEUED, RUNNING
from vbptrack.queue import get_queue
from vbptrack.services import dunning_letters
from vbptrack.services.errors import Conflict, InvalidInput
from vbptrack.services.jobs import imports as import_jobs
from vbptrack.services.jobs import records
from vbptrack.services.problems import translate

LIST_PER_PAGE = 50


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _result(job: Job) -> dict[str, Any] | None:
    """The outcome in the contract's shape: an import's {"written": N}; a dunning run's
    body (its letters as issued)."""
    result = job.result
    if job.kind == "dunning_run" and result and result.get("run_id") and job.status != QUEUED:
        session = get_session()
        found = dunning_letters.search(
            session, actor=actor(), run_id=int(result["run_id"]), page=1, per_page=10_000
        )
        letters = [
            dunning_letters.letter_json(view)
            for view in dunning_letters.views(session, list(found.items))
        ]
        return {
            "as_of": result.get("as_of"),
            "dry_run": False,
            "run_id": result["run_id"],
            "letters": sorted(letters, key=lambda letter: letter["number"]),
            "failures": result.get("failures", []),
        }
    return result


def job_json(job: Job, live: dict[int, Any] | None = None, *, full: bool = True) -> dict[str, Any]:
    done, total = records.progress_of(job, live or {})
    body: dict[str, Any] = {
        "id": job.id,
        "kind": job.kind,
        "subject": job.subject,
        "status": job.status,
        "progress": {"done": done, "total": total},
    }
    if full:
        body.update(
            {
                "result": _result(job),
                "problems": job.problems,
                "created_by": job.username,
                "created_at": _time(job.created_at),
                "started_at": _time(job.started_at),
                "finished_at": _time(job.finished_at),
            }
        )
    return body


def _live(jobs: list[Job]) -> dict[int, Any]:
    return get_queue().live(job.id for job in jobs if job.status == RUNNING)  # type: ignore[misc]


@bp.post("/imports/<kind>")
def start_import(kind: str) -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        message = translate("Send the file as the multipart field “file”.")
        raise InvalidInput(message, {"file": message})
    job = import_jobs.start(
        get_session(),
        actor=actor(),
        queue=get_queue(),
        kind_name=kind,
        source=upload.stream,
        filename=upload.filename,
        lang="en",
    )
    return {"job": job_json(job, full=False)}, 202


@bp.get("/jobs/<int:job_id>")
def get_job(job_id: int) -> Any:
    job = records.get(get_session(), actor=actor(), job_id=job_id)
    return job_json(job, _live([job]))


@bp.get("/jobs")
def list_jobs() -> Any:
    page, per_page = list_args()
    text = request.args.get("mine", "")
    if text not in ("", "0", "1"):
        raise InvalidInput("Invalid query parameters.", {"mine": "must be 0 or 1"})
    found = records.search(
        get_session(), actor=actor(), mine=text == "1", page=page, per_page=per_page
    )
    items = list(found.items)
    live = _live(items)
    return page_body(found, [job_json(job, live) for job in items])


@bp.post("/jobs/<int:job_id>/cancel")
def cancel_job(job_id: int) -> Any:
    """A queued job is cancelled at once; a running one stops at its next step (an import
    rolls back: nothing written)."""
    session = get_session()
    job = records.get(session, actor=actor(), job_id=job_id)
    if job.status == QUEUED and records.cancel_queued(session, job):
        session.refresh(job)
        return job_json(job)
    if job.status in (QUEUED, RUNNING):
        get_queue().request_cancel(job.id)  # type: ignore[arg-type]
        return job_json(job, _live([job])), 202
    raise Conflict(translate("This job has already ended."))
