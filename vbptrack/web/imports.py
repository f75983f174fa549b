"""The upload page: pick a kind and a file, see every problem as a table, or the count."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Request, abort, current_app, render_template, request
from flask.blueprints import BlueprintSetupState

from vbptrack.db import get_session
from vbptrack.imports.kinds import KINDS
from vbptrack.imports.reader import UploadLimits
from vbptrack.imports.runner import run_import
from vbptrack.web.auth import current_actor, login_required

bp = Blueprint("imports", __name__, url_prefix="/imports")


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


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Any:
    kinds = _allowed()
    if not kinds:
        abort(403)
    if request.method == "GET":
        return render_template(
            "imports/index.html",
            kinds=kinds,
            result=None,
            chosen=request.args.get("kind"),
            error=None,
        )
    name = request.form.get("kind", "")
    upload = request.files.get("file")
    error = None
    if name in KINDS and name not in kinds:
        abort(403)  # a kind this role may not import, e.g. finance and hospitals
    if name not in kinds:
        error = "kind"
    elif upload is None or not upload.filename:
        error = "file"
    if error:
        return render_template(
            "imports/index.html", kinds=kinds, result=None, chosen=name, error=error
        ), 422
    result = run_import(
        get_session(),
        actor=current_actor(),
        kind=kinds[name],
        source=upload.stream,
        filename=upload.filename,
    )  # type: ignore[union-attr]
    status = 200 if result.ok else 422
    return render_template(
        "imports/index.html",
        kinds=kinds,
        result=result,
        chosen=name,
        filename=upload.filename,
        error=None,
    ), status  # type: ignore[union-attr]
