"""The jobs pages: the caller's background jobs (an admin's: everyone's), one job with
its progress bar (htmx asks for the bar again until the job ends), cancel, and the file a
job made. Pages that start long work (uploads, dunning runs, statements) embed the same
bar with `job_progress`."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.db import get_session
from vbptrack.domain.money import from_fen
from vbptrack.models import Job
from vbptrack.models.jobs import OUTPUT, QUEUED, RUNNING
from vbptrack.models.users import ADMIN
from vbptrack.queue import get_queue
from vbptrack.services import dunning_letters
from vbptrack.services.jobs import records
from vbptrack.web.auth import current_actor, login_required
from vbptrack.web.paging import page_args

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

KIND_LABELS = {
    "import": _l("Import"),
    "dunning_run": _l("Dunning run"),
    "letter_email": _l("Letter by e-mail"),
    "reminders": _l("Deadline reminders"),
    "statements": _l("Statements"),
}
STATUS_LABELS = {
    "queued": _l("Waiting to start"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}
LETTERS_SHOWN = 20


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "job_kind_labels": KIND_LABELS,
        "job_status_labels": STATUS_LABELS,
        "fen_to_yuan": from_fen,
    }


def _view(job: Job) -> dict[str, Any]:
    """What the bar and the result show for a job."""
    live = get_queue().live([job.id]) if job.status == RUNNING else {}  # type: ignore[list-item]
    done, total = records.progress_of(job, live)
    view: dict[str, Any] = {
        "job": job,
        "done": done,
        "total": total,
        "percent": min(100, round(100 * done / total)) if total else None,
        "active": job.status in (QUEUED, RUNNING),
        "poll_ms": int(current_app.config.get("JOB_POLL_MS") or 1000),
        "letters": None,
        "has_file": False,
    }
    result = job.result or {}
    if job.kind == "dunning_run" and result.get("run_id"):
        # The letters as they are issued: the newest first while the run goes on.
        view["letters"] = dunning_letters.search(
            get_session(),
            actor=current_actor(),
            run_id=int(result["run_id"]),
            per_page=LETTERS_SHOWN,
        )
    if job.kind == "statements" and result.get("file"):
        view["has_file"] = True
    return view


def job_progress(job: Job) -> dict[str, Any]:
    """The bar's context for a page that embeds it (`{% include "jobs/_progress.html" %}`)."""
    return _view(job)


def _job(job_id: int) -> Job:
    return records.get(get_session(), actor=current_actor(), job_id=job_id)


@bp.route("/")
@login_required
def index() -> Any:
    actor = current_actor()
    page, per_page = page_args()
    mine = actor.role != ADMIN or request.args.get("mine") == "1"
    results = records.search(get_session(), actor=actor, mine=mine, page=page, per_page=per_page)
    live = get_queue().live(j.id for j in results.items if j.status == RUNNING)  # type: ignore[misc]
    rows = [(job, records.progress_of(job, live)) for job in results.items]
    return render_template(
        "jobs/index.html", results=results, rows=rows, mine=mine, is_admin=actor.role == ADMIN
    )


@bp.route("/<int:job_id>")
@login_required
def detail(job_id: int) -> Any:
    return render_template("jobs/detail.html", **_view(_job(job_id)))


@bp.route("/<int:job_id>/progress")
@login_required
def progress(job_id: int) -> Any:
    """The bar alone, for htmx to swap in; it stops asking once the job has ended."""
    return render_template("jobs/_progress.html", **_view(_job(job_id)))


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id: int) -> Any:
    job = _job(job_id)
    session = get_session()
    if job.status == QUEUED and records.cancel_queued(session, job):
        flash(_("Cancelled before it started; nothing was written."), "info")
    elif job.status in (QUEUED, RUNNING):
        # The worker stops at its next safe point; the row is its to update.
        get_queue().request_cancel(job.id)  # type: ignore[arg-type]
        flash(_("Cancelling: the job stops at its next step."), "info")
    else:
        flash(_("This job has already ended."), "info")
    back = request.form.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("jobs.detail", job_id=job_id))


@bp.route("/<int:job_id>/file")
@login_required
def download(job_id: int) -> Any:
    job = _job(job_id)
    stored = records.file(get_session(), job.id, OUTPUT)  # type: ignore[arg-type]
    if stored is None:
        abort(404)
    response = Response(stored.data, mimetype=stored.media_type)
    safe = stored.filename.replace('"', "").replace("/", "-").replace("\\", "-")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response
