"""The upload page: pick a kind and a file; the import runs in the background and the
page shows its progress bar, then the count or every problem as a table. Each kind offers
its template (.xlsx with the Chinese headers and an example row)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Request,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale

from vbptrack.db import get_session
from vbptrack.imports.kinds import KINDS
from vbptrack.imports.reader import UploadLimits
from vbptrack.imports.templates import header, template_xlsx
from vbptrack.queue import get_queue
from vbptrack.services.errors import NotFound
from vbptrack.services.jobs import imports as import_jobs
from vbptrack.services.jobs import records
from vbptrack.web.auth import current_actor, login_required
from vbptrack.web.jobs import job_progress

bp = Blueprint("imports", __name__, url_prefix="/imports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadRequest(Request):
    """A million-row export is about 72 MB as .xlsx, more than any other post may send
    (`MAX_CONTENT_LENGTH`): the upload page takes up to `IMPORT_MAX_UPLOAD_MB`. Decided
    from the matched endpoint, so it holds when CSRF protection first reads the form."""

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        if self.endpoint == "imports.index":
            return UploadLimits.upload_mb(current_app.config) << 20
        return super().max_content_length


@bp.record_once
def _use_upload_request(state: BlueprintSetupState) -> None:
    state.app.request_class = UploadRequest


def _allowed() -> dict[str, Any]:
    actor = current_actor()
    return {name: kind for name, kind in KINDS.items() if actor.can(kind.permission)}


def _page(kinds: dict[str, Any], chosen: str | None, error: str | None, status: int = 200) -> Any:
    job = None
    job_id = request.args.get("job", "")
    if job_id.isdigit():
        try:
            job = records.get(get_session(), actor=current_actor(), job_id=int(job_id))
        except NotFound:
            job = None  # someone else's job, or none: the page without it
    shown = job_progress(job) if job is not None and job.kind == import_jobs.KIND else {}
    return render_template(
        "imports/index.html",
        kinds=kinds,
        chosen=chosen,
        error=error,
        header=header,
        has_job=bool(shown),
        **shown,
    ), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Any:
    kinds = _allowed()
    if not kinds:
        abort(403)
    if request.method == "GET":
        return _page(kinds, request.args.get("kind"), None)
    name = request.form.get("kind", "")
    upload = request.files.get("file")
    error = None
    if name in KINDS and name not in kinds:
        abort(403)  # a kind this role may not import, e.g. finance and hospitals
    if name not in kinds:
        error = "kind"
    elif upload is None or not upload.filename:
        error = "file"
    if error or upload is None:
        return _page(kinds, name, error, 422)
    job = import_jobs.start(
        get_session(),
        actor=current_actor(),
        queue=get_queue(),
        kind_name=name,
        source=upload.stream,
        filename=upload.filename or "",
        lang=str(get_locale() or "en"),
    )
    return redirect(url_for("imports.index", kind=name, job=job.id), code=303)


@bp.route("/templates/<kind>.xlsx")
@login_required
def template(kind: str) -> Any:
    kinds = _allowed()
    if kind not in KINDS:
        abort(404)
    if kind not in kinds:
        abort(403)
    response = Response(template_xlsx(kinds[kind]), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response
