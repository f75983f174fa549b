"""Users, passwords, sign-in throttling, territories and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col
from werkzeug.security import check_password_hash, generate_password_hash

from vbptrack.models import ApiToken, Party, User, UserHospital, UserProvince
from vbptrack.models.base import utcnow
from vbptrack.models.fields import EMAIL_PATTERN
from vbptrack.models.parties import HOSPITAL
from vbptrack.models.users import ADMIN, ROLES
from vbptrack.services import audit
from vbptrack.services.access import Actor
from vbptrack.services.errors import Conflict, NotFound
from vbptrack.services.passwords import password_problem
from vbptrack.services.problems import invalid, translate

TOKEN_PREFIX = "vbp_"  # noqa: S105 - a visible prefix, not a secret
# Checked against when there is no real hash to check (an unknown username, a throttled
# sign-in), so every refusal costs the same time and none reveals which usernames exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=user.role)


def find(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def get(session: Session, username: str) -> User:
    user = find(session, username)
    if user is None:
        raise NotFound(translate("No user “%(value)s”.", value=username))
    return user


def generate_password() -> str:
    """16 random characters, which the password rule accepts (checked, not assumed)."""
    while True:
        password = secrets.token_urlsafe(12)
        if password_problem(password) is None:
            return password


def _check_password_rules(password: str, *, user: User | None = None, **names: str) -> None:
    """InvalidInput on "password" unless the password is long and hard enough to guess;
    the username and name count as easy guesses (services/passwords.py)."""
    inputs = [user.username, user.display_name] if user is not None else []
    problem = password_problem(password, user_inputs=[*inputs, *names.values()])
    if problem is not None:
        raise invalid({"password": problem})


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie of the user stops working (the caller
    commits): the generation they were signed for is no longer the user's."""
    user.session_generation += 1


def clean_email(text: str | None) -> str | None:
    """The address to keep (None for blank), or InvalidInput on the "email" field. It is
    where deadline reminders go; a user without one gets none."""
    address = (text or "").strip()
    if not address:
        return None
    if len(address) > 120 or not EMAIL_PATTERN.match(address):
        raise invalid({"email": translate("Enter an e-mail address.")})
    return address


def create(
    session: Session,
    *,
    actor: Actor,
    username: str,
    role: str,
    password: str,
    display_name: str = "",
    email: str | None = None,
    provinces: Iterable[str] = (),
    hospitals: Iterable[str] = (),
) -> User:
    username = username.strip()
    if not username or len(username) > 60 or any(ch.isspace() for ch in username):
        raise invalid({"username": translate("1 to 60 characters, no spaces.")})
    if role not in ROLES:
        raise invalid(
            {"role": translate("Choose one of: %(expected)s.", expected=", ".join(ROLES))}
        )
    _check_password_rules(password, username=username, display_name=display_name)
    email = clean_email(email)
    if find(session, username) is not None:
        raise Conflict(
            translate("The username %(value)s is taken.", value=username),
            {"username": translate("Already in use.")},
        )
    user = User(
        username=username,
        role=role,
        display_name=display_name or username,
        email=email,
        password_hash=generate_password_hash(password),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # the same username created at the same moment elsewhere
        session.rollback()
        raise Conflict(
            translate("The username %(value)s is taken.", value=username),
            {"username": translate("Already in use.")},
        ) from exc
    set_territory(session, user=user, provinces=provinces, hospitals=hospitals)
    audit.record(
        session,
        actor=actor,
        entity="user",
        key=username,
        action="create",
        changes={"role": [None, role]},
    )
    session.commit()
    return user


def set_territory(
    session: Session, *, user: User, provinces: Iterable[str], hospitals: Iterable[str]
) -> None:
    """Replace the user's provinces and hospitals; unknown codes are an error."""
    from vbptrack.domain.provinces import resolve_province

    province_codes = []
    for text in provinces:
        code = resolve_province(text)
        if code is None:
            raise invalid({"provinces": translate("Unknown province “%(value)s”.", value=text)})
        province_codes.append(code)
    codes = list(hospitals)
    found = dict(
        session.execute(
            select(Party.code, Party.id).where(col(Party.code).in_(codes), Party.kind == HOSPITAL)
        ).all()
    )
    for code in codes:
        if code not in found:
            raise invalid(
                {"hospitals": translate("No hospital with the code %(value)s.", value=code)}
            )
    hospital_ids = [found[code] for code in codes]
    session.execute(delete(UserProvince).where(UserProvince.user_id == user.id))  # type: ignore[arg-type]
    session.execute(delete(UserHospital).where(UserHospital.user_id == user.id))  # type: ignore[arg-type]
    for code in dict.fromkeys(province_codes):
        session.add(UserProvince(user_id=user.id, province_code=code))  # type: ignore[arg-type]
    for party_id in dict.fromkeys(hospital_ids):
        session.add(UserHospital(user_id=user.id, party_id=party_id))  # type: ignore[arg-type]


def territory(session: Session, user: User) -> tuple[list[str], list[str]]:
    """(province codes, hospital codes) assigned to the user."""
    provinces = (
        session.execute(
            select(UserProvince.province_code)
            .where(UserProvince.user_id == user.id)
            .order_by(UserProvince.province_code)
        )
        .scalars()
        .all()
    )
    hospitals = (
        session.execute(
            select(Party.code)
            .join(UserHospital, UserHospital.party_id == Party.id)
            .where(UserHospital.user_id == user.id)
            .order_by(Party.code)
        )
        .scalars()
        .all()
    )
    return list(provinces), list(hospitals)


def set_password(session: Session, *, actor: Actor, user: User, password: str) -> None:
    """A new password; every session of the user ends (the caller signs the current
    browser in again when the user changed their own)."""
    _check_password_rules(password, user=user)
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    audit.record(session, actor=actor, entity="user", key=user.username, action="password")
    session.commit()


def sign_out(session: Session, *, user: User) -> None:
    """Signing out ends every session of the user, on every device: a copy of the
    cookie (a shared computer, a stolen phone's backup) is worth nothing afterwards."""
    end_sessions(user)
    session.commit()


class SignInRefused(Exception):
    """Wrong username or password; the message never says which part was wrong."""

    def __init__(self) -> None:
        super().__init__("sign-in refused")


def spend_sign_in_time(password: str) -> None:
    """The work of checking a password, for a refusal that checks none (a throttled
    sign-in), so that it answers no faster than a wrong password."""
    check_password_hash(_DUMMY_HASH, password)


def authenticate(session: Session, *, username: str, password: str, now: datetime) -> User:
    """The user if the username names an active user and the password is theirs.

    Throttling is the caller's (web/login_throttle.py): it counts failures per address
    and per account+address, never locking an account for everyone.
    """
    user = find(session, username.strip())
    if user is None or not user.active:
        spend_sign_in_time(password)
        raise SignInRefused()
    if not check_password_hash(user.password_hash, password):
        raise SignInRefused()
    user.last_login_at = now
    session.commit()
    return user


def _hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, *, actor: Actor, user: User, label: str = "") -> str:
    """A new API token for the user; only its hash is kept, so show it now or never."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=_hash_token(token),  # type: ignore[arg-type]
            prefix=token[:12],
            label=label,
        )
    )
    audit.record(
        session,
        actor=actor,
        entity="user",
        key=user.username,
        action="token",
        note=f"API token {token[:12]}… issued",
    )
    session.commit()
    return token


def user_for_token(session: Session, token: str, *, now: datetime) -> User | None:
    row = session.execute(
        select(ApiToken).where(ApiToken.token_hash == _hash_token(token))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    # Written at most once a minute: a busy integration must not write on every call.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
        _note_use(session)
    return user


def _note_use(session: Session) -> None:
    """Commit the token's last use if the database takes it at once. On SQLite a
    background import holds the write lock until it commits; an API read must not wait
    for it (or fail) over a hint, so the note is skipped and written next time."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    waits = 0
    try:
        if sqlite:  # put back afterwards what the engine set (VBPTRACK_DB_LOCK_TIMEOUT)
            waits = session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() or 0
            session.connection().exec_driver_sql("PRAGMA busy_timeout = 50")
        session.commit()
    except OperationalError:
        session.rollback()
    finally:
        if sqlite:
            session.connection().exec_driver_sql(f"PRAGMA busy_timeout = {int(waits)}")


def tokens(session: Session, user: User) -> Sequence[ApiToken]:
    return (
        session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())  # type: ignore[attr-defined]
        )
        .scalars()
        .all()
    )


def revoke_token(session: Session, *, actor: Actor, user: User, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(translate("No such token."))
    row.revoked_at = utcnow()
    audit.record(
        session,
        actor=actor,
        entity="user",
        key=user.username,
        action="token",
        note=f"API token {row.prefix}… revoked",
    )
    session.commit()


def update(
    session: Session,
    *,
    actor: Actor,
    user: User,
    role: str,
    display_name: str,
    active: bool,
    provinces: Iterable[str],
    hospitals: Iterable[str],
    password: str | None = None,
    email: str | None = None,
) -> User:
    if role not in ROLES:
        raise invalid(
            {"role": translate("Choose one of: %(expected)s.", expected=", ".join(ROLES))}
        )
    if user.id == actor.user_id and (role != ADMIN or not active):
        # An administrator locking themselves out could leave nobody to undo it.
        raise invalid(
            {
                "role": translate(
                    "You cannot remove your own administrator role or deactivate "
                    "yourself; ask another administrator."
                )
            }
        )
    before_territory = territory(session, user)
    # None keeps the address; a blank from the form removes it.
    address = user.email if email is None else clean_email(email)
    before = {
        "role": user.role,
        "display_name": user.display_name,
        "email": user.email,
        "active": user.active,
        "provinces": ",".join(before_territory[0]),
        "hospitals": ",".join(before_territory[1]),
    }
    if password:
        _check_password_rules(password, user=user)
        user.password_hash = generate_password_hash(password)
        end_sessions(user)
    if user.active and not active:
        # Switched on again later, the account must not come back with old sessions.
        end_sessions(user)
    user.role = role
    user.display_name = display_name or user.username
    user.email = address
    user.active = active
    set_territory(session, user=user, provinces=provinces, hospitals=hospitals)
    session.flush()
    after_territory = territory(session, user)
    after = {
        "role": user.role,
        "display_name": user.display_name,
        "email": user.email,
        "active": user.active,
        "provinces": ",".join(after_territory[0]),
        "hospitals": ",".join(after_territory[1]),
    }
    changes = audit.changes_between(before, after)
    if changes or password:
        audit.record(
            session,
            actor=actor,
            entity="user",
            key=user.username,
            action="update",
            changes=changes,
            note="password reset" if password else None,
        )
    session.commit()
    return user
