"""Dunning pages (催款): letters and runs, the dry-run preview and issuing, a letter with
its archived PDFs, delivery and e-mail, the policy with a wording preview, and the
customer statement. Issuing and the policy need "dunning.issue" (admin, finance); every
role reads letters within its territory."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from vbptrack.db import get_session
from vbptrack.documents.http import pdf_response
from vbptrack.domain.money import from_fen
from vbptrack.models import DunningLetter
from vbptrack.queue import get_queue
from vbptrack.services import dunning, dunning_documents, dunning_letters, dunning_policy
from vbptrack.services.dunning_policy import ISSUE, LEVEL_TEXTS
from vbptrack.services.errors import InvalidInput, NotFound, ServiceError
from vbptrack.services.jobs import dunning_jobs, mail_jobs, records
from vbptrack.services.jobs import statements as statement_jobs
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.forms import FormField, typed, typed_day
from vbptrack.web.jobs import job_progress
from vbptrack.web.paging import page_args
from vbptrack.web.receivables_common import (
    QueryProblem,
    as_of_arg,
    as_of_or_today,
    form_errors,
    parse_day,
    query_text,
    require_printable,
    today,
)

bp = Blueprint("dunning", __name__, url_prefix="/dunning")

SENT_CHOICES = (("post", _l("By post")), ("email", _l("By e-mail")), ("hand", _l("By hand")))
ENGLISH_HELP = _l("On English letters; left empty, the Chinese one is printed.")
POLICY_FIELDS = (
    FormField("min_interval_days", _l("Minimum days between letters"), "number", True),
    FormField("payment_deadline_days", _l("Days to pay after the letter"), "number", True),
    FormField("company_name_zh", _l("Company name (Chinese)")),
    FormField("company_name_en", _l("Company name (English)")),
    FormField("address_zh", _l("Address (Chinese)")),
    FormField("address_en", _l("Address (English)")),
    FormField("bank_name", _l("Bank (Chinese)")),
    FormField("bank_name_en", _l("Bank (English)"), help=ENGLISH_HELP),
    FormField("bank_account", _l("Bank account")),
    FormField("contact_name", _l("Contact person (Chinese)")),
    FormField("contact_name_en", _l("Contact person (English)"), help=ENGLISH_HELP),
    FormField("contact_phone", _l("Contact phone")),
    FormField("contact_email", _l("Contact e-mail"), "email"),
)
LEVEL_FIELDS = ("level", "name", "min_days_past_due", "annual_interest_rate", "fee", *LEVEL_TEXTS)
LANG_CHOICES = ("zh", "en")


def _lang() -> str:
    lang = request.args.get("lang", "zh")
    if lang not in LANG_CHOICES:
        raise NotFound(_("Choose the letter's language: zh or en."))
    return lang


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    may_issue = current_user.is_authenticated and current_actor().can(ISSUE)
    return {"yuan": from_fen, "may_issue": may_issue}


@bp.app_template_global()
def dunning_level(number: int) -> str:
    """A letter's level as finance names it: "L2 · 催款函" (the level's title in the page's
    language, from the policy), not a bare 2. The policy is read once per request."""
    if "dunning_level_titles" not in g:
        english = str(get_locale()) == "en"
        g.dunning_level_titles = {
            item.level: (item.title_en if english else item.title_zh) or item.name
            for item in dunning_policy.load(get_session()).levels
        }
    title = g.dunning_level_titles.get(number)
    return f"L{number} · {title}" if title else f"L{number}"


@bp.app_template_global()
def customer_letters(party: Any) -> list[DunningLetter]:
    """The customer page's letter history (the receivables customer page includes it)."""
    return dunning_letters.customer_history(get_session(), party)


@bp.route("/")
@login_required
def index() -> Any:
    db = get_session()
    actor = current_actor()
    page, per_page = page_args()
    customer = query_text("customer")
    results = dunning_letters.search(
        db, actor=actor, customer_code=customer, page=page, per_page=per_page
    )
    return render_template(
        "dunning/index.html",
        results=results,
        customers=dunning_letters.customers_of(db, list(results.items)),
        customer=customer or "",
        runs=dunning_letters.runs(db).items if actor.can(ISSUE) else [],
        can_issue=actor.can(ISSUE),
        today=today(),
    )


@bp.route("/preview")
@login_required
@permission_required(ISSUE)
def preview() -> Any:
    as_of, as_of_error = as_of_or_today()
    planned = dunning.plan(get_session(), actor=current_actor(), as_of=as_of)
    return render_template(
        "dunning/preview.html",
        planned=planned,
        as_of=as_of,
        as_of_error=as_of_error,
        total=dunning.money_total(planned.letters),
    )


@bp.route("/runs", methods=["POST"])
@login_required
@permission_required(ISSUE)
def issue() -> Any:
    """First "N letters, total X — issue?", then (confirmed) the run as a background job
    whose page shows the letters as they are issued."""
    db = get_session()
    try:
        as_of = parse_day(typed_day(request.form.get("as_of", "")), "as_of")
    except QueryProblem as problem:
        flash(problem.message, "error")
        return redirect(url_for("dunning.index"))
    if request.form.get("confirmed") != "1":
        try:
            planned = dunning.plan(db, actor=current_actor(), as_of=as_of)
        except InvalidInput as problem:
            flash(" ".join(problem.fields.values()) or problem.message, "error")
            return redirect(url_for("dunning.index"))
        return render_template(
            "dunning/confirm.html",
            as_of=as_of,
            count=len(planned.letters),
            total=dunning.money_total(planned.letters),
        )
    try:
        job = dunning_jobs.start(
            db, actor=current_actor(), queue=get_queue(), as_of=as_of, lang=str(get_locale())
        )
    except InvalidInput as problem:
        db.rollback()
        flash(" ".join(problem.fields.values()) or problem.message, "error")
        return redirect(url_for("dunning.index"))
    return redirect(url_for("jobs.detail", job_id=job.id), code=303)


@bp.route("/statements", methods=["POST"])
@login_required
def statements() -> Any:
    """Every open customer's statement as of a date, in one PDF made in the background."""
    try:
        as_of = parse_day(typed_day(request.form.get("as_of", "")), "as_of")
    except QueryProblem as problem:
        flash(problem.message, "error")
        return redirect(url_for("dunning.index"))
    job = statement_jobs.start(
        get_session(),
        actor=current_actor(),
        queue=get_queue(),
        as_of=as_of,
        letter_lang=request.form.get("lang", "zh"),
        lang=str(get_locale()),
    )
    return redirect(url_for("jobs.detail", job_id=job.id), code=303)


@bp.route("/runs/<int:run_id>")
@login_required
def run(run_id: int) -> Any:
    db = get_session()
    actor = current_actor()
    found = dunning_letters.run(db, actor=actor, run_id=run_id)
    page, per_page = page_args()
    results = dunning_letters.search(db, actor=actor, run_id=run_id, page=page, per_page=per_page)
    return render_template(
        "dunning/run.html",
        run=found,
        results=results,
        customers=dunning_letters.customers_of(db, list(results.items)),
    )


@bp.route("/runs/<int:run_id>/pdf")
@login_required
def run_pdf(run_id: int) -> Any:
    lang = _lang()
    data = dunning_letters.run_pdf(get_session(), actor=current_actor(), run_id=run_id, lang=lang)
    return pdf_response(data, f"dunning-run-{run_id}-{lang}.pdf")


def _letter_page(
    letter: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    message: str | None = None,
) -> Any:
    db = get_session()
    actor = current_actor()
    found = dunning_letters.view(db, actor=actor, number=require_printable(letter))
    defaults = {
        "sent_via": found.letter.sent_via or "post",
        "sent_on": (found.letter.sent_on or max(found.letter.date, today())).isoformat(),
        "delivered_on": found.letter.delivered_on.isoformat() if found.letter.delivered_on else "",
        "to": found.letter.emailed_to or found.customer.email or "",
    }
    job_html = None
    job_id = request.args.get("job", "")
    if job_id.isdigit():
        try:
            job = records.get(db, actor=actor, job_id=int(job_id))
        except NotFound:
            job = None
        if job is not None and job.kind == mail_jobs.KIND:
            job_html = render_template("jobs/_progress.html", **job_progress(job))
    return render_template(
        "dunning/letter.html",
        job_html=job_html,
        view=found,
        values={**defaults, **(values or {})},
        errors=errors or {},
        message=message,
        sent_choices=SENT_CHOICES,
        can_issue=actor.can(ISSUE),
        mail_configured=bool(current_app.config.get("SMTP_HOST")),
    ), status


@bp.route("/letters/<letter>")
@login_required
def letter(letter: str) -> Any:
    return _letter_page(letter)


@bp.route("/letters/<letter>/pdf")
@login_required
def letter_pdf(letter: str) -> Any:
    lang = _lang()
    data, sha = dunning_letters.pdf(
        get_session(), actor=current_actor(), number=require_printable(letter), lang=lang
    )
    return pdf_response(data, f"{letter}-{lang}.pdf", sha)


@bp.route("/letters/<letter>/delivery", methods=["POST"])
@login_required
@permission_required(ISSUE)
def delivery(letter: str) -> Any:
    db = get_session()
    data = {name: request.form.get(name, "") for name in ("sent_via", "sent_on", "delivered_on")}
    data = typed(data, dates=("sent_on", "delivered_on"))
    try:
        dunning_letters.record_delivery(db, actor=current_actor(), number=letter, data=data)
    except InvalidInput as problem:
        db.rollback()
        errors, _other = form_errors(problem.fields, list(data))
        return _letter_page(letter, status=422, errors=errors, values=data, message=problem.message)
    flash(_("Delivery recorded."), "success")
    return redirect(url_for("dunning.letter", letter=letter))


@bp.route("/letters/<letter>/email", methods=["POST"])
@login_required
@permission_required(ISSUE)
def email(letter: str) -> Any:
    """Checks the address now, then e-mails in the background (tried again while the
    mail server says "later")."""
    db = get_session()
    data = {"to": request.form.get("to", ""), "lang": request.form.get("lang", "zh")}
    try:
        job = mail_jobs.start(
            db,
            actor=current_actor(),
            queue=get_queue(),
            number=letter,
            data=data,
            smtp=current_app.config,
            lang=str(get_locale()),
        )
    except ServiceError as problem:
        db.rollback()
        if isinstance(problem, NotFound):
            raise
        errors, _other = form_errors(problem.fields, ["to", "lang"])
        return _letter_page(
            letter,
            status=problem.status if problem.status < 500 else 422,
            errors=errors,
            values=data,
            message=problem.message,
        )
    flash(
        _("The letter is being sent to %(to)s; see the job for when it has gone.",
          to=job.params["to"]),
        "success",
    )  # fmt: skip
    return redirect(url_for("dunning.letter", letter=letter, job=job.id))


def _policy_form(
    values: dict[str, Any],
    errors: dict[str, str],
    status: int,
    message: str | None = None,
    other: list[str] | None = None,
) -> Any:
    current = dunning_policy.load(get_session())
    return render_template(
        "dunning/policy.html",
        fields=POLICY_FIELDS,
        values=values,
        errors=errors,
        message=message,
        other=other or [],
        has_seal=current.policy.seal_image is not None,
        levels=current.levels,
        wording_names=dunning_policy.WORDING_NAMES,
    ), status


def _level_rows(form: Any) -> list[dict[str, Any]]:
    """The levels table of the form: rows named levels-N-field; an empty row is dropped."""
    rows = []
    for index in range(10):
        row = {name: form.get(f"levels-{index}-{name}", "") for name in LEVEL_FIELDS}
        if not any(str(value).strip() for key, value in row.items() if key != "level"):
            continue
        # A blank rate or fee is none; blank wording keeps what the level says now.
        given = typed(
            {key: value for key, value in row.items() if str(value).strip()}, money=("fee",)
        )
        rows.append({**given, "level": str(len(rows) + 1)})
    return rows


@bp.route("/policy", methods=["GET", "POST"])
@login_required
@permission_required(ISSUE)
def policy() -> Any:
    db = get_session()
    if request.method == "GET":
        values = dunning_policy.as_dict(dunning_policy.load(db))
        return _policy_form(values, {}, 200)
    data: dict[str, Any] = {item.name: request.form.get(item.name, "") for item in POLICY_FIELDS}
    data["levels"] = _level_rows(request.form)
    try:
        dunning_policy.update(db, actor=current_actor(), data=data)
    except InvalidInput as problem:
        db.rollback()
        inputs = [item.name for item in POLICY_FIELDS] + [
            f"levels.{i}.{name}" for i in range(10) for name in LEVEL_FIELDS
        ]
        errors, other = form_errors(problem.fields, inputs)
        return _policy_form(data, errors, 422, problem.message, other)
    flash(_("Dunning policy saved."), "success")
    return redirect(url_for("dunning.policy"))


@bp.route("/policy/seal", methods=["POST"])
@login_required
@permission_required(ISSUE)
def seal() -> Any:
    db = get_session()
    upload = request.files.get("seal")
    data = None if "remove" in request.form else (upload.read() if upload else b"")
    try:
        dunning_policy.set_seal(db, actor=current_actor(), data=data)
    except InvalidInput as problem:
        db.rollback()
        values = dunning_policy.as_dict(dunning_policy.load(db))
        return _policy_form(values, {"seal": problem.fields.get("seal", "")}, 422, problem.message)
    flash(_("Seal image saved.") if data else _("Seal image removed."), "success")
    return redirect(url_for("dunning.policy"))


@bp.route("/policy/preview")
@login_required
@permission_required(ISSUE)
def policy_preview() -> Any:
    current = dunning_policy.load(get_session())
    try:
        level = int(request.args.get("level", "1"))
    except ValueError:
        level = 0
    if level not in {item.level for item in current.levels}:
        raise NotFound(_("No such level."))
    lang = _lang()
    try:
        data = dunning_documents.sample_pdf(current, level, lang, today())
    except dunning_documents.DocumentError as exc:
        raise InvalidInput(_("The letter cannot be rendered: %(error)s", error=str(exc))) from exc
    return pdf_response(data, f"sample-level-{level}-{lang}.pdf")


@bp.route("/customers/<path:code>/statement")
@login_required
def statement(code: str) -> Any:
    db = get_session()
    actor = current_actor()
    try:
        as_of = as_of_arg()
    except QueryProblem as problem:
        raise InvalidInput(problem.message) from None
    lang = _lang()
    party = dunning_letters.customer(db, actor=actor, code=require_printable(code))
    data = dunning_letters.statement_pdf(db, actor=actor, customer=party, as_of=as_of, lang=lang)
    return pdf_response(data, f"statement-{party.code}-{as_of.isoformat()}-{lang}.pdf")
