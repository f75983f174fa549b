"""The background jobs part of the OpenAPI document (vbptrack/api/jobs.py's routes)."""

from __future__ import annotations

from typing import Any

from vbptrack.api.openapi import PAGING, _errors, _object, _ok, _page_of, _path, _query, _ref

STATUS = {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]}
TIME = {"type": ["string", "null"], "format": "date-time"}
PROGRESS = _object(
    {"done": {"type": "integer"}, "total": {"type": ["integer", "null"]}},
    description="how far it is; total is null while unknown",
)
SUMMARY = {
    "id": {"type": "integer"},
    "kind": {
        "type": "string",
        "description": "import, dunning_run, letter_email, reminders, statements",
    },
    "subject": {"type": "string", "description": "what it works on: the file, the date"},
    "status": STATUS,
    "progress": PROGRESS,
}
JOB_SCHEMAS: dict[str, Any] = {
    "JobStarted": _object({"job": _object(SUMMARY)}),
    "Job": _object(
        {
            **SUMMARY,
            "result": {
                "type": ["object", "null"],
                "description": 'an import\'s {"written": N, "rows", "already_there"}; a '
                "dunning run's body as POST /dunning/runs returns it",
            },
            "problems": {
                "type": "array",
                "items": _object(
                    {
                        "row": {"type": "integer", "description": "0: not about a row"},
                        "column": {"type": "string"},
                        "message": {"type": "string"},
                        "value": {"type": ["string", "null"], "description": "the bad cell"},
                    }
                ),
            },
            "created_by": {"type": "string"},
            "created_at": TIME,
            "started_at": TIME,
            "finished_at": TIME,
        }
    ),
}
JOB_ID = {**_path("job_id"), "schema": {"type": "integer"}}


def job_paths() -> dict[str, Any]:
    return {
        "/imports/{kind}": {
            "post": {
                "tags": ["Jobs"],
                "summary": "Import a .csv or .xlsx file (multipart field `file`) in the "
                "background: 202 at once, all or nothing as `vbptrack import KIND FILE`",
                "parameters": [_path("kind")],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": _object(
                                {"file": {"type": "string", "format": "binary"}},
                                required=["file"],
                            )
                        }
                    },
                },
                "responses": {**_ok(_ref("JobStarted"), 202), **_errors(401, 403, 404, 422)},
            }
        },
        "/jobs": {
            "get": {
                "tags": ["Jobs"],
                "summary": "Recent jobs, newest first: the caller's (an admin: everyone's, "
                "or with mine=1 their own)",
                "parameters": [*PAGING, _query("mine", {"type": "string", "enum": ["0", "1"]})],
                "responses": {**_ok(_page_of("Job")), **_errors(401, 422)},
            }
        },
        "/jobs/{job_id}": {
            "get": {
                "tags": ["Jobs"],
                "summary": "One job: status, progress, result, problems",
                "parameters": [JOB_ID],
                "responses": {**_ok(_ref("Job")), **_errors(401, 404)},
            }
        },
        "/jobs/{job_id}/cancel": {
            "post": {
                "tags": ["Jobs"],
                "summary": "Cancel: a queued job at once (200), a running one at its next "
                "step (202; an import writes nothing, a dunning run keeps the letters "
                "issued so far); 409 once it has ended",
                "parameters": [JOB_ID],
                "responses": {
                    **_ok(_ref("Job")),
                    **_ok(_ref("Job"), 202),
                    **_errors(401, 404, 409),
                },
            }
        },
    }
