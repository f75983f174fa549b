"""The areas in the top navigation, in the order users work through them.

An area whose pages are not built yet is shown as such rather than hidden, so users
know where it will live; `endpoint` None marks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l

from vbptrack.web.auth import current_actor


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str | None
    area: str
    # Shown to roles holding any of these permissions (None: everyone).
    permission: str | tuple[str, ...] | None = None

    @property
    def active(self) -> bool:
        return bool(request.endpoint and request.endpoint.split(".")[0] == self.area)


AREAS = (
    NavItem(_l("Tenders"), "tenders.index", "tenders"),
    # Short labels: the English menu must fit one line at 1366 px (issue 17 item 14).
    NavItem(_l("Awards"), "awards.index", "awards"),
    NavItem(_l("Filings"), "filings.index", "filings"),
    NavItem(_l("Listings"), "listings.mine", "listings"),
    NavItem(_l("Contracts"), "contracts.index", "contracts"),
    NavItem(_l("Receivables"), "receivables.index", "receivables"),
    NavItem(_l("Dunning"), "dunning.index", "dunning"),
    NavItem(_l("Hospitals"), "hospitals.index", "hospitals"),
    NavItem(_l("Distributors"), "distributors.index", "distributors"),
    NavItem(_l("Products"), "products.index", "products"),
    NavItem(_l("Imports"), "imports.index", "imports", ("master_data.write", "receivables.write")),
    NavItem(_l("Settings"), "settings.index", "settings"),
)


def navigation() -> list[NavItem]:
    actor = current_actor()

    def allowed(item: NavItem) -> bool:
        if item.permission is None:
            return True
        wanted = (item.permission,) if isinstance(item.permission, str) else item.permission
        return any(actor.can(permission) for permission in wanted)

    return [item for item in AREAS if allowed(item)]
