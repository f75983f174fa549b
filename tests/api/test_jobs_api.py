"""API.md "Long work: jobs": an import or a dunning run started through the API answers
202 at once with its job; GET /jobs/{id} follows it to its result; a user sees only
their own jobs (admins all); cancel stops a job with nothing written."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlmodel import Session

from tests.api.conftest import API, Headers
from tests.dunning_helpers import customer, overdue_invoice, set_policy
from tests.jobs import consumer, wait_for
from vbptrack.models import Party

GOOD = "医院编码,医院名称,省份\nH1,一院,上海\nH2,二院,广东\n".encode()
BAD = "医院编码,医院名称,省份\nH1,一院,上海\nH2,二院,火星\n".encode()


def upload(client: FlaskClient, headers: Headers, data: bytes, kind: str = "hospitals") -> Any:
    return client.post(
        API + f"/imports/{kind}",
        data={"file": (io.BytesIO(data), "hospitals.csv")},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_an_import_answers_202_and_the_job_tells_the_result(
    app: Flask, client: FlaskClient, db: Session, manager: Headers
) -> None:
    started = upload(client, manager, GOOD)
    assert started.status_code == 202, started.json
    job = started.json["job"]
    assert set(job) >= {"id", "kind", "status", "progress"}
    assert (job["kind"], job["status"]) == ("import", "queued")
    assert job["progress"] == {"done": 0, "total": None}
    with consumer(app, workers=1):
        wait_for(app, job["id"])
    body = client.get(API + f"/jobs/{job['id']}", headers=manager).json
    assert body["status"] == "done"
    assert body["result"]["written"] == 2
    assert body["progress"] == {"done": 2, "total": 2}
    assert body["problems"] == [] and body["started_at"] and body["finished_at"]
    assert sorted(db.execute(select(Party.code)).scalars()) == ["H1", "H2"]


def test_a_bad_file_fails_with_its_rows_and_writes_nothing(
    app: Flask, client: FlaskClient, db: Session, manager: Headers
) -> None:
    job = upload(client, manager, BAD).json["job"]
    with consumer(app, workers=1):
        wait_for(app, job["id"])
    body = client.get(API + f"/jobs/{job['id']}", headers=manager).json
    assert body["status"] == "failed"
    assert body["problems"] == [
        {"row": 3, "column": "省份", "message": "Unknown province “火星”.", "value": "火星"}
    ]
    assert db.execute(select(Party)).first() is None


def test_bad_requests_are_refused_with_the_error_format(
    client: FlaskClient, manager: Headers, token_for: Callable[..., Headers]
) -> None:
    no_file = client.post(API + "/imports/hospitals", headers=manager)
    assert no_file.status_code == 422 and "file" in no_file.json["error"]["fields"]
    assert upload(client, manager, GOOD, kind="widgets").status_code == 404
    assert upload(client, token_for("rep"), GOOD).status_code == 403
    assert client.get(API + "/jobs/999", headers=manager).status_code == 404
    assert client.get(API + "/jobs?mine=yes", headers=manager).status_code == 422


def test_a_user_sees_only_their_own_jobs_and_admins_all(
    client: FlaskClient, manager: Headers, token_for: Callable[..., Headers]
) -> None:
    job = upload(client, manager, GOOD).json["job"]
    other = token_for("manager", "other_manager")
    admin = token_for("admin")
    assert client.get(API + f"/jobs/{job['id']}", headers=other).status_code == 404
    assert client.get(API + "/jobs", headers=other).json["items"] == []
    assert [j["id"] for j in client.get(API + "/jobs?mine=1", headers=manager).json["items"]] == [
        job["id"]
    ]
    assert [j["id"] for j in client.get(API + "/jobs", headers=admin).json["items"]] == [job["id"]]
    assert client.get(API + "/jobs?mine=1", headers=admin).json["items"] == []


def test_cancel_a_queued_job_then_it_never_runs(
    app: Flask, client: FlaskClient, db: Session, manager: Headers
) -> None:
    job = upload(client, manager, GOOD).json["job"]
    cancelled = client.post(API + f"/jobs/{job['id']}/cancel", headers=manager)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    with consumer(app, workers=1):
        time.sleep(1)  # the queued message is still delivered; the claim finds nothing
    assert db.execute(select(Party)).first() is None
    again = client.post(API + f"/jobs/{job['id']}/cancel", headers=manager)
    assert again.status_code == 409


def test_a_dunning_run_in_the_background(
    app: Flask, client: FlaskClient, db: Session, token_for: Callable[..., Headers]
) -> None:
    set_policy(db)
    customer(db, "H-SH", "复旦大学附属华山医院", "31")
    customer(db, "H-GD", "中山大学附属第一医院", "44")
    overdue_invoice(db, "INV-A", "H-SH", date(2026, 1, 1), "12345.67")
    overdue_invoice(db, "INV-C", "H-GD", date(2026, 1, 1), "500.00")
    finance = token_for("finance")
    body = {"as_of": "2026-03-02", "background": True}
    started = client.post(API + "/dunning/runs", json=body, headers=finance)
    assert started.status_code == 202, started.json
    job = started.json["job"]
    assert job["kind"] == "dunning_run"
    with consumer(app, workers=1):
        wait_for(app, job["id"])
    done = client.get(API + f"/jobs/{job['id']}", headers=finance).json
    assert done["status"] == "done" and done["progress"] == {"done": 2, "total": 2}
    letters = done["result"]["letters"]
    assert [letter["customer_code"] for letter in letters] == ["H-GD", "H-SH"]
    assert letters[1]["grand_total"] == letters[1]["outstanding"]
    # Without "background" the contract stands: the same date issues nothing new.
    again = client.post(API + "/dunning/runs", json={"as_of": "2026-03-02"}, headers=finance)
    assert again.status_code == 201 and again.json["letters"] == []
    both = {"as_of": "2026-03-02", "background": True, "dry_run": True}
    assert client.post(API + "/dunning/runs", json=both, headers=finance).status_code == 422
