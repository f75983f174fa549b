"""Words stored as codes (roles, audit actions, import kinds) marked for translation.

Templates translate them with `_(value)`; listing them here puts them in the catalogue.
"""

from __future__ import annotations

from vbptrack.services.problems import N_

ROLE_LABELS = (N_("admin"), N_("manager"), N_("finance"), N_("rep"))
AUDIT_ACTIONS = (
    N_("create"),
    N_("update"),
    N_("import"),
    N_("locked"),
    N_("password"),
    N_("token"),
)
IMPORT_TITLES = (N_("Hospitals"), N_("Distributors"), N_("Products"))
