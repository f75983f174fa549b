"""/dunning: the policy, runs (dry or real), letters and their archived PDFs, delivery
records, e-mail, and the customer statement (API.md "Dunning")."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from vbptrack.api import actor, bp, json_body, list_args, page_body
from vbptrack.api.receivables import QueryArgs, today
from vbptrack.db import get_session
from vbptrack.documents.http import pdf_response
from vbptrack.domain.money import format_money
from vbptrack.models.dunning_in import RunIn
from vbptrack.services import dunning, dunning_letters, dunning_policy
from vbptrack.services.dunning import PlannedLetter, RunResult
from vbptrack.services.dunning_policy import ISSUE
from vbptrack.services.errors import InvalidInput
from vbptrack.services.problems import validated


def planned_json(letter: PlannedLetter) -> dict[str, Any]:
    totals = letter.totals
    return {
        "number": letter.number,
        "customer_code": letter.customer.code,
        "customer_name": letter.customer.name,
        "level": letter.level,
        "date": letter.as_of.isoformat(),
        "deadline": letter.deadline.isoformat(),
        "invoices": [
            {
                "number": item.line.invoice_number,
                "due_date": item.line.due_date.isoformat(),
                "days_past_due": item.line.days_past_due,
                "outstanding": format_money(item.line.outstanding),
                "interest": format_money(item.line.interest),
            }
            for item in letter.lines
        ],
        "outstanding": format_money(totals.outstanding),
        "interest": format_money(totals.interest),
        "fee": format_money(totals.fee),
        "grand_total": format_money(totals.grand_total),
    }


def run_json(result: RunResult) -> dict[str, Any]:
    return {
        "as_of": result.as_of.isoformat(),
        "dry_run": result.dry_run,
        "run_id": result.run_id,
        "letters": [planned_json(letter) for letter in result.letters],
        "failures": [
            {"customer_code": f.customer_code, "problem": f.problem} for f in result.failures
        ],
    }


def _lang(args: QueryArgs) -> str:
    return args.choice("lang", ("zh", "en"), "zh")  # type: ignore[no-any-return]


@bp.get("/dunning/policy")
def get_dunning_policy() -> Any:
    return dunning_policy.as_dict(dunning_policy.read(get_session(), actor=actor()))


@bp.put("/dunning/policy")
def put_dunning_policy() -> Any:
    policy = dunning_policy.update(get_session(), actor=actor(), data=json_body(ISSUE))
    return dunning_policy.as_dict(policy)


@bp.post("/dunning/runs")
def create_dunning_run() -> Any:
    values = validated(RunIn, json_body(ISSUE))
    session = get_session()
    if values.background and values.dry_run:
        raise InvalidInput("A dry run answers at once.", {"background": "not with dry_run"})
    if values.background:
        from vbptrack.api.jobs import job_json
        from vbptrack.queue import get_queue
        from vbptrack.services.jobs import dunning_jobs

        job = dunning_jobs.start(
            session, actor=actor(), queue=get_queue(), as_of=values.as_of, lang="en"
        )
        return {"job": job_json(job, full=False)}, 202
    if values.dry_run:
        return run_json(dunning.plan(session, actor=actor(), as_of=values.as_of))
    result = dunning.issue(session, actor=actor(), as_of=values.as_of)
    return run_json(result), 201


@bp.get("/dunning/runs/<int:run_id>/pdf")
def dunning_run_pdf(run_id: int) -> Any:
    args = QueryArgs()
    lang = _lang(args)
    args.check()
    data = dunning_letters.run_pdf(get_session(), actor=actor(), run_id=run_id, lang=lang)
    return pdf_response(data, f"dunning-run-{run_id}-{lang}.pdf")


@bp.get("/dunning/letters")
def list_dunning_letters() -> Any:
    page, per_page = list_args()
    session = get_session()
    found = dunning_letters.search(
        session,
        actor=actor(),
        customer_code=request.args.get("customer_code") or None,
        page=page,
        per_page=per_page,
    )
    items = [
        dunning_letters.letter_json(view)
        for view in dunning_letters.views(session, list(found.items))
    ]
    return page_body(found, items)


@bp.get("/dunning/letters/<number>")
def get_dunning_letter(number: str) -> Any:
    found = dunning_letters.view(get_session(), actor=actor(), number=number)
    return dunning_letters.letter_json(found)


@bp.get("/dunning/letters/<number>/pdf")
def dunning_letter_pdf(number: str) -> Any:
    args = QueryArgs()
    lang = _lang(args)
    args.check()
    data, sha = dunning_letters.pdf(get_session(), actor=actor(), number=number, lang=lang)
    return pdf_response(data, f"{number}-{lang}.pdf", sha)


@bp.post("/dunning/letters/<number>/delivery")
def record_dunning_delivery(number: str) -> Any:
    session = get_session()
    dunning_letters.record_delivery(session, actor=actor(), number=number, data=json_body(ISSUE))
    return dunning_letters.letter_json(dunning_letters.view(session, actor=actor(), number=number))


@bp.post("/dunning/letters/<number>/email")
def email_dunning_letter(number: str) -> Any:
    session = get_session()
    dunning_letters.email(
        session,
        actor=actor(),
        number=number,
        data=json_body(ISSUE),
        smtp=current_app.config,
        today=today(),
    )
    return dunning_letters.letter_json(dunning_letters.view(session, actor=actor(), number=number))


@bp.get("/dunning/statements/<path:code>")
def customer_statement(code: str) -> Any:
    args = QueryArgs()
    as_of = args.day("as_of", today())
    lang = _lang(args)
    args.check()
    session = get_session()
    customer = dunning_letters.customer(session, actor=actor(), code=code)
    data = dunning_letters.statement_pdf(
        session, actor=actor(), customer=customer, as_of=as_of, lang=lang
    )
    return pdf_response(data, f"statement-{code}-{as_of.isoformat()}-{lang}.pdf")
