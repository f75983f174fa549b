"""The payment-terms page: every stored term with its schedule in words, and each
province's VBP settlement rule, which finance sets here (invoices with term `VBP` use it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from vbptrack.db import get_session
from vbptrack.domain.terms import Base, Rule
from vbptrack.models import PaymentTermInstalment
from vbptrack.services import terms as term_service
from vbptrack.services.errors import ServiceError
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.receivables_common import WRITE, bp


def describe(part: PaymentTermInstalment) -> str:
    """One instalment in words, e.g. "100 % · end of the month 1 month(s) after acceptance"."""
    base = _("the acceptance date") if part.base == Base.ACCEPTANCE_DATE else _("the invoice date")
    n, rule = part.n, Rule(part.rule)
    if rule is Rule.DAYS_AFTER_BASE:
        phrase = ngettext("%(num)s day after %(base)s", "%(num)s days after %(base)s", n, base=base)
    elif rule is Rule.DAYS_AFTER_BASE_MONTH_END:
        phrase = ngettext(
            "%(num)s day after the end of the month of %(base)s",
            "%(num)s days after the end of the month of %(base)s",
            n,
            base=base,
        )
    elif rule is Rule.MONTHS_AFTER_BASE:
        phrase = ngettext(
            "%(num)s month after %(base)s", "%(num)s months after %(base)s", n, base=base
        )
    else:
        phrase = ngettext(
            "end of the month %(num)s month after %(base)s",
            "end of the month %(num)s months after %(base)s",
            n,
            base=base,
        )
    portion = format(Decimal(part.portion).normalize(), "f")  # 100, 33.33 — no trailing zeros
    return f"{portion} % · {phrase}"


def _page(
    status: int = 200, errors: dict[str, str] | None = None, message: str | None = None
) -> Any:
    session = get_session()
    terms = term_service.by_length(session)
    parts = term_service.instalments_of(session, [t.id for t in terms if t.id is not None])
    return (
        render_template(
            "receivables/terms.html",
            terms=terms,
            schedules={
                term.id: [describe(part) for part in parts.get(term.id, [])]  # type: ignore[arg-type]
                for term in terms
            },
            provinces=term_service.province_vbp_terms(session),
            can_write=current_actor().can(WRITE),
            errors=errors or {},
            message=message,
        ),
        status,
    )


@bp.route("/terms")
@login_required
def terms_index() -> Any:
    return _page()


@bp.route("/terms/provinces/<province>", methods=["POST"])
@login_required
@permission_required(WRITE)
def set_province_term(province: str) -> Any:
    code = request.form.get("payment_term", "").strip() or None
    session = get_session()
    try:
        row = term_service.set_province_vbp_term(
            session, actor=current_actor(), province_code=province, term_code=code
        )
    except ServiceError as problem:
        session.rollback()
        if problem.status == 404:
            raise
        message = problem.fields.get("payment_term", problem.message)
        return _page(problem.status, {province: message}, problem.message)
    if row.term_code:
        flash(
            _(
                "%(province)s: VBP invoices now use %(term)s.",
                province=row.name,
                term=row.term_code,
            ),
            "success",
        )
    else:
        flash(
            _("%(province)s: VBP invoices use the national default again.", province=row.name),
            "success",
        )
    return redirect(url_for("receivables.terms_index") + f"#province-{row.code}")
