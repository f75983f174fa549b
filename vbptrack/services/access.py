"""Who may do what, and which parties a user sees: the one place that decides.

Every query over hospitals, distributors, or records that belong to one of them goes
through `visible_parties`; every write checks `require`. A record outside a rep's
territory is reported as missing (404), never as someone else's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, or_, select, true

from vbptrack.models import Party, UserHospital, UserProvince
from vbptrack.models.users import ADMIN, FINANCE, MANAGER, REP
from vbptrack.services.errors import Forbidden

# permission → roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "master_data.write": frozenset({ADMIN, MANAGER}),
    "users.manage": frozenset({ADMIN}),
    "audit.read": frozenset({ADMIN, MANAGER, FINANCE}),
    "receivables.write": frozenset({ADMIN, FINANCE}),
    "dunning.issue": frozenset({ADMIN, FINANCE}),
    # A dunning run spans every territory (its counts, failures and print batch), so only
    # roles that see every customer open one; a rep follows up through the letters list.
    "dunning.runs.read": frozenset({ADMIN, MANAGER, FINANCE}),
    "commercial.write": frozenset({ADMIN, MANAGER}),
    "listings.write": frozenset({ADMIN, MANAGER, REP}),
    # Sending the due deadline reminders now rather than at the daily run.
    "reminders.send": frozenset({ADMIN, MANAGER}),
}


@dataclass(frozen=True)
class Actor:
    """The user a service acts for: from a session, an API token or the command line."""

    user_id: int | None
    username: str
    role: str

    @property
    def sees_everything(self) -> bool:
        return self.role != REP

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


SYSTEM = Actor(user_id=None, username="system", role=ADMIN)


def require(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise Forbidden("Your role does not allow this.")


def territory_condition(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on `Party` true for the parties the actor may see.

    A rep sees parties in their provinces, hospitals assigned to them one by one, and
    hospitals whose responsible rep they are. Evaluated in SQL with subqueries, so a
    territory of thousands of hospitals costs no round trips.
    """
    if actor.sees_everything:
        return true()
    provinces = select(UserProvince.province_code).where(UserProvince.user_id == actor.user_id)
    hospitals = select(UserHospital.party_id).where(UserHospital.user_id == actor.user_id)
    return or_(
        Party.province_code.in_(provinces),  # type: ignore[union-attr]
        Party.id.in_(hospitals),  # type: ignore[union-attr]
        Party.rep_id == actor.user_id,
    )


def territory_provinces(actor: Actor) -> Select[tuple[str | None]] | None:
    """The provinces of the actor's visible parties, as a subquery for records kept per
    province (filings); None when the actor sees every province."""
    if actor.sees_everything:
        return None
    return select(Party.province_code).where(territory_condition(actor)).distinct()
