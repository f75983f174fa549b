"""Distributor (配送企业) pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from vbptrack.models.parties import DISTRIBUTOR
from vbptrack.web.forms import FormField
from vbptrack.web.parties import make_blueprint

FIELDS = (
    FormField("code", _l("Customer code"), required=True, readonly_on_edit=True),
    FormField("name", _l("Distributor name"), required=True),
    FormField("province_code", _l("Province"), kind="province"),
    FormField("city", _l("City")),
    FormField("legal_name", _l("Full legal name")),
    FormField("address", _l("Address")),
    FormField("contact_name", _l("Contact person")),
    FormField("phone", _l("Phone"), kind="tel"),
    FormField("email", _l("E-mail"), kind="email"),
    FormField(
        "payment_term",
        _l("Default payment term"),
        help=_l("A term code such as NET90, NET180 or VBP; invoices may give their own."),
    ),
    FormField("active", _l("Active"), kind="checkbox"),
)

TITLES = {"plural": _l("Distributors"), "singular": _l("Distributor"), "new": _l("New distributor")}

bp = make_blueprint(DISTRIBUTOR, FIELDS, TITLES)
