"""Words stored as codes (roles, audit actions, import kinds) marked for translation.

Templates translate them with `_(value)`; listing them here puts them in the catalogue.
"""

from __future__ import annotations


def N_(msgid: str) -> str:  # noqa: N802 - gettext's "mark only" convention
    return msgid


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
