"""Contract pages: list, new, one contract with its status as of a date, renew,
terminate, sign, and the contract document (HTML preview, PDF: a draft until signed,
then the archived bytes)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
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
from vbptrack.documents.http import pdf_response
from vbptrack.services import audit, contract_documents
from vbptrack.services import contracts as contract_service
from vbptrack.services.errors import ServiceError
from vbptrack.services.problems import N_
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.forms import FormField, form_data
from vbptrack.web.market_access_common import (
    CONTRACT_KINDS,
    CONTRACT_LABELS,
    as_of_or_today,
    today,
)
from vbptrack.web.paging import page_args
from vbptrack.web.receivables_common import query_text

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
WRITE = "commercial.write"
# Audit actions of contracts, translated where the history macro shows them.
AUDIT_ACTIONS = (N_("renew"), N_("terminate"), N_("sign"))

FIELDS = (
    FormField("number", _l("Contract number"), required=True),
    FormField("party_code", _l("Hospital or distributor code"), required=True),
    FormField("kind", _l("Kind"), kind="select", required=True,
              choices=tuple(CONTRACT_KINDS.items())),
    FormField("start", _l("Start"), kind="date", required=True),
    FormField("end", _l("End"), kind="date", required=True),
    FormField("value", _l("Value"), kind="money"),
    FormField("payment_term", _l("Payment term code"), help=_l("e.g. NET90")),
    FormField("renewal_mode", _l("Renewal"), kind="select", required=True,
              choices=(("manual", _l("Manual")), ("auto", _l("Automatic")))),
    FormField("notice_days", _l("Notice (days before the end)"), kind="number"),
    FormField("renewal_months", _l("Renews for (months)"), kind="number"),
)  # fmt: skip
RENEW_FIELDS = (
    FormField("number", _l("New contract number"), required=True),
    FormField("start", _l("Start"), kind="date"),
    FormField("end", _l("End"), kind="date", required=True),
)
SIGN_FIELDS = (FormField("date", _l("Signing date"), kind="date", required=True),)
TERMINATE_FIELDS = (
    FormField("date", _l("Termination date"), kind="date", required=True),
    FormField("reason", _l("Reason"), required=True),
)


@bp.route("/")
@login_required
def index() -> Any:
    as_of, problem = as_of_or_today()
    if problem:
        flash(problem, "error")
    page, per_page = page_args()
    db = get_session()
    kind = query_text("kind")
    results = contract_service.search(
        db,
        actor=current_actor(),
        q=query_text("q"),
        kind=kind if kind in CONTRACT_KINDS else None,
        as_of=as_of,
        page=page,
        per_page=per_page,
    )
    rows = contract_service.rows(db, results.items, as_of)
    return render_template(
        "contracts/index.html",
        results=results,
        rows=rows,
        as_of=as_of,
        kinds=CONTRACT_KINDS,
        labels=CONTRACT_LABELS,
        can_edit=current_actor().can(WRITE),
    )


def _body(data: dict[str, Any]) -> dict[str, Any]:
    """The form's flat fields in the API's shape."""
    body = {k: v for k, v in data.items() if k not in ("renewal_mode", "notice_days",
                                                       "renewal_months")}  # fmt: skip
    body["renewal"] = {
        "mode": data.get("renewal_mode") or "manual",
        "notice_days": data.get("notice_days") or 0,
        "months": data.get("renewal_months") or 0,
    }
    return body


def _renewal_errors(fields: dict[str, str]) -> dict[str, str]:
    names = {"renewal.mode": "renewal_mode", "renewal.notice_days": "notice_days",
             "renewal.months": "renewal_months"}  # fmt: skip
    return {names.get(k, k): v for k, v in fields.items()}


@bp.route("/new", methods=["GET", "POST"])
@login_required
@permission_required(WRITE)
def create() -> Any:
    values: dict[str, Any] = {"renewal_mode": "manual", "kind": "supply"}
    errors: dict[str, str] = {}
    message = None
    status = 200
    if request.method == "POST":
        values = form_data(request.form, FIELDS)
        try:
            contract = contract_service.create(
                get_session(), actor=current_actor(), data=_body(values)
            )
        except ServiceError as problem:
            get_session().rollback()
            errors, message, status = (
                _renewal_errors(problem.fields),
                problem.message,
                problem.status,
            )
        else:
            flash(_("Saved %(code)s.", code=contract.number), "success")
            return redirect(url_for("contracts.detail", number=contract.number))
    return render_template(
        "contracts/form.html", fields=FIELDS, values=values, errors=errors, message=message
    ), status


def _detail(number: str, forms: dict[str, Any] | None = None, status: int = 200) -> Any:
    as_of, problem = as_of_or_today()
    if problem:
        flash(problem, "error")
    db = get_session()
    view = contract_service.view(db, actor=current_actor(), number=number, as_of=as_of)
    forms = forms or {}
    return render_template(
        "contracts/detail.html",
        view=view,
        as_of=as_of,
        kinds=CONTRACT_KINDS,
        labels=CONTRACT_LABELS,
        history=audit.history(db, entity="contract", key=number),
        signed_copies=contract_documents.documents(db, view.contract),
        sign_fields=SIGN_FIELDS,
        sign=forms.get("sign", ({"date": today().isoformat()}, {}, None)),
        renew_fields=RENEW_FIELDS,
        terminate_fields=TERMINATE_FIELDS,
        renew=forms.get("renew", ({"end": ""}, {}, None)),
        terminate=forms.get("terminate", ({"date": today().isoformat()}, {}, None)),
        can_edit=current_actor().can(WRITE),
    ), status


@bp.route("/<path:number>")
@login_required
def detail(number: str) -> Any:
    return _detail(number)


@bp.route("/<path:number>/renew", methods=["POST"])
@login_required
@permission_required(WRITE)
def renew(number: str) -> Any:
    db = get_session()
    data = form_data(request.form, RENEW_FIELDS)
    try:
        successor = contract_service.renew(
            db, actor=current_actor(), number=number, data=data, today=today()
        )
    except ServiceError as problem:
        db.rollback()
        if problem.status == 404:
            raise
        return _detail(number, {"renew": (data, problem.fields, problem.message)}, problem.status)
    flash(_("Renewed as %(number)s.", number=successor.number), "success")
    return redirect(url_for("contracts.detail", number=successor.number))


@bp.route("/<path:number>/terminate", methods=["POST"])
@login_required
@permission_required(WRITE)
def terminate(number: str) -> Any:
    db = get_session()
    data = form_data(request.form, TERMINATE_FIELDS)
    try:
        contract_service.terminate(db, actor=current_actor(), number=number, data=data)
    except ServiceError as problem:
        db.rollback()
        if problem.status == 404:
            raise
        return _detail(
            number, {"terminate": (data, problem.fields, problem.message)}, problem.status
        )
    flash(_("Terminated."), "success")
    return redirect(url_for("contracts.detail", number=number))


def _company_fallback() -> str:
    """Our name on a document while finance has not entered it in the dunning policy."""
    return str(current_app.config.get("COMPANY_NAME") or _("Our company"))


@bp.route("/<path:number>/sign", methods=["POST"])
@login_required
@permission_required(WRITE)
def sign(number: str) -> Any:
    db = get_session()
    data = form_data(request.form, SIGN_FIELDS)
    try:
        contract_documents.sign(
            db,
            actor=current_actor(),
            number=number,
            data=data,
            today=today(),
            fallback_name=_company_fallback(),
        )
    except ServiceError as problem:
        db.rollback()
        if problem.status == 404:
            raise
        return _detail(number, {"sign": (data, problem.fields, problem.message)}, problem.status)
    flash(_("Signed: the contract's PDFs are archived."), "success")
    return redirect(url_for("contracts.detail", number=number))


@bp.route("/<path:number>/pdf")
@login_required
def pdf(number: str) -> Any:
    """The contract PDF in ?lang=zh (default) or en: a draft rendered now until the
    contract is signed, then the archived bytes unchanged."""
    lang = request.args.get("lang", "zh")
    data, sha = contract_documents.pdf(
        get_session(),
        actor=current_actor(),
        number=number,
        lang=lang,
        today=today(),
        fallback_name=_company_fallback(),
    )
    kind = "signed" if sha else "draft"
    return pdf_response(data, f"{number}-{lang}-{kind}.pdf", sha)


@bp.route("/<path:number>/preview")
@login_required
def preview(number: str) -> Any:
    """The draft contract document as HTML, in ?lang=zh (default) or en."""
    return contract_documents.preview(
        get_session(),
        actor=current_actor(),
        number=number,
        lang=request.args.get("lang", "zh"),
        today=today(),
        fallback_name=_company_fallback(),
        # The stylesheets from our own /static: the page policy allows no inline style.
        static=url_for("static", filename="").rstrip("/"),
    )
