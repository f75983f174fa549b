"""Hospital pages: list with search and filters, detail with history, create and edit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from vbptrack.models.parties import HOSPITAL, HOSPITAL_GRADES, HOSPITAL_TYPES
from vbptrack.web.forms import FormField
from vbptrack.web.parties import make_blueprint

FIELDS = (
    FormField("code", _l("Customer code"), required=True, readonly_on_edit=True),
    FormField("name", _l("Hospital name"), required=True),
    FormField("province_code", _l("Province"), kind="province", required=True),
    FormField("city", _l("City")),
    FormField("grade", _l("Grade"), kind="select", choices=tuple((g, g) for g in HOSPITAL_GRADES)),
    FormField(
        "hospital_type", _l("Type"), kind="select", choices=tuple((t, t) for t in HOSPITAL_TYPES)
    ),
    FormField(
        "insurance_code",
        _l("National insurance code"),
        help=_l("H followed by 11 digits, e.g. H31010100001"),
    ),
    FormField("rep", _l("Responsible rep (username)")),
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

TITLES = {"plural": _l("Hospitals"), "singular": _l("Hospital"), "new": _l("New hospital")}

bp = make_blueprint(HOSPITAL, FIELDS, TITLES)
