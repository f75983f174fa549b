"""Deadline reminders e-mailed (DOMAIN.md §5.5, §5.7, §5.8): the daily run, and what
went out.

A run reads the deadlines feed (`deadlines.upcoming`, the areas' registered sources) as
each person sees it, asks the domain which reminder is due for them today, and sends
everyone one digest. Who hears of what:

- tenders and agreement-year ends: commercial managers (and admins);
- filing expiries: the same, and a rep for the provinces of their territory;
- contract ends and notice days: also finance (renewals carry payment terms), and a rep
  for the hospitals and distributors of their territory.

The sources already limit a rep to their territory, so a rep's feed is read as the rep.

What was sent is recorded per person (reminder_recipient). A run claims a person's
reminders (inserting the rows; a row already there means another run sent it) and
commits before it sends, so a second run, or one started at the same moment, sends
nothing twice; if the mail server refuses the e-mail the claim is taken back and the next
run tries again. A crash between claiming and sending loses that e-mail rather than
sending it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from vbptrack.domain import reminders as rules
from vbptrack.domain.deadlines import Deadline
from vbptrack.models import Reminder, ReminderRecipient, User
from vbptrack.models.base import utcnow
from vbptrack.models.users import FINANCE, REP
from vbptrack.services import commercial_policy, deadlines, mail, reminder_mail
from vbptrack.services.access import PERMISSIONS, SYSTEM, Actor, require
from vbptrack.services.paging import Page, paginate
from vbptrack.services.users import actor_for

SEND = "reminders.send"
SHANGHAI = ZoneInfo("Asia/Shanghai")

_COMMERCIAL = PERMISSIONS["commercial.write"]  # managers and admins
AUDIENCE: dict[str, frozenset[str]] = {
    "tender_registration": _COMMERCIAL,
    "tender_documents": _COMMERCIAL,
    "tender_bid": _COMMERCIAL,
    "agreement_year_end": _COMMERCIAL,
    "filing_expiry": _COMMERCIAL | {REP},
    "contract_end": _COMMERCIAL | {FINANCE, REP},
    "contract_notice": _COMMERCIAL | {FINANCE, REP},
}

Key = tuple[str, str, date]  # a deadline: kind, ref, date


def key(deadline: Deadline) -> Key:
    return deadline.kind, deadline.ref, deadline.date


@dataclass(frozen=True)
class Links:
    """Where the e-mail's links lead; the web layer knows its routes."""

    deadline: Callable[[str, str], str | None] = lambda kind, ref: None  # (kind, ref) → path
    overview: str | None = None  # the deadlines page


@dataclass(frozen=True)
class Digest:
    """One e-mail: a person's due reminders."""

    username: str
    email: str
    items: tuple[reminder_mail.Item, ...]


@dataclass
class RunResult:
    as_of: date
    sent: list[Digest] = field(default_factory=list)
    failed: list[tuple[Digest, str]] = field(default_factory=list)  # and the server's words
    without_email: list[str] = field(default_factory=list)  # had some due, no address
    # Of the failed, those the server refused for now (4xx, unreachable): worth a retry.
    temporary_failures: int = 0

    @property
    def reminders(self) -> int:
        """Distinct deadline reminders that reached somebody."""
        return len({(*key(i.deadline), i.offset) for d in self.sent for i in d.items})

    @property
    def ok(self) -> bool:
        return not self.failed


def send_due(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    settings: Mapping[str, Any],
    links: Links | None = None,
) -> RunResult:
    """E-mail every reminder due on `as_of` (the daily run; safe to repeat)."""
    require(actor, SEND)
    mail.require_configured(settings)
    links = links or Links()
    base_url = str(settings.get("BASE_URL") or "")
    offsets = commercial_policy.from_settings(settings).reminder_offsets()
    horizon = max(max(days) for days in offsets.values())
    languages = settings.get("LANGUAGES") or ["en"]
    default_language = settings.get("BABEL_DEFAULT_LOCALE") or "en"
    # The record keeps one title, in English like the API that lists it.
    titles = {key(d): d.title for d in _feed(session, SYSTEM, as_of, horizon, "en")}
    feeds: dict[tuple[int | None, str], list[Deadline]] = {}
    already = _sent_by_user(session, as_of)
    result = RunResult(as_of)
    for user in _active_users(session):
        language = user.language if user.language in languages else default_language
        # Everyone but a rep sees every deadline: one feed per language serves them all.
        scope = (user.id if user.role == REP else None, language)
        if scope not in feeds:
            feeds[scope] = _feed(session, actor_for(user), as_of, horizon, language)
        sent = already.get(user.id or 0, {})  # ids start at 1
        due = _due_for(user, feeds[scope], sent, offsets, as_of, links, base_url)
        if not due:
            continue
        if not user.email:
            result.without_email.append(user.username)
            continue
        claimed = _claim(session, user, due, titles)
        if not claimed:
            continue  # another run has just sent them
        overview = base_url + links.overview if links.overview else None
        _deliver(session, settings, user, language, as_of, claimed, overview, result)
    return result


def _deliver(
    session: Session,
    settings: Mapping[str, Any],
    user: User,
    language: str,
    as_of: date,
    claimed: Sequence[tuple[reminder_mail.Item, tuple[int, int]]],
    overview: str | None,
    result: RunResult,
) -> None:
    """E-mail the person their claimed reminders; on failure take the claim back."""
    assert user.email
    digest = Digest(user.username, user.email, tuple(sorted(item for item, _ in claimed)))
    message = reminder_mail.compose(
        to=user.email,
        sender=mail.sender(settings, "vbptrack@localhost"),
        name=user.display_name or user.username,
        language=language,
        as_of=as_of,
        items=digest.items,
        overview=overview,
    )
    try:
        mail.send(settings, message)
    except mail.MailError as exc:
        recipient_ids = [recipient_id for _, (_, recipient_id) in claimed]
        session.execute(
            delete(ReminderRecipient).where(col(ReminderRecipient.id).in_(recipient_ids))
        )
        session.commit()
        result.failed.append((digest, exc.message))
        result.temporary_failures += int(exc.temporary)
        return
    reminder_ids = [reminder_id for _, (reminder_id, _) in claimed]
    session.execute(
        update(Reminder)
        .where(col(Reminder.id).in_(reminder_ids), col(Reminder.sent_at).is_(None))
        .values(sent_at=utcnow())
    )
    session.commit()
    result.sent.append(digest)


def _active_users(session: Session) -> Sequence[User]:
    return (
        session.execute(select(User).where(col(User.active).is_(True)).order_by(User.username))
        .scalars()
        .all()
    )


def _feed(
    session: Session, actor: Actor, as_of: date, horizon: int, language: str
) -> list[Deadline]:
    with force_locale(language):  # the sources write titles in the current language
        return deadlines.upcoming(session, actor, as_of, horizon)


def _sent_by_user(session: Session, as_of: date) -> dict[int, dict[Key, set[int]]]:
    """Per person, the reminders already sent them for deadlines not yet passed: one
    query for the whole run, not one per person."""
    sent: dict[int, dict[Key, set[int]]] = {}
    for user_id, kind, ref, day, offset in session.execute(
        select(
            ReminderRecipient.user_id,
            Reminder.kind,
            Reminder.ref,
            Reminder.deadline,
            Reminder.offset_days,
        )
        .join(ReminderRecipient, col(ReminderRecipient.reminder_id) == Reminder.id)
        .where(col(Reminder.deadline) >= as_of)
    ):
        sent.setdefault(user_id, {}).setdefault((kind, ref, day), set()).add(offset)
    return sent


def _due_for(
    user: User,
    feed: Sequence[Deadline],
    sent: Mapping[Key, set[int]],
    offsets: Mapping[str, tuple[int, ...]],
    as_of: date,
    links: Links,
    base_url: str,
) -> list[reminder_mail.Item]:
    due = []
    for deadline in feed:
        if user.role not in AUDIENCE.get(deadline.kind, frozenset()):
            continue
        offset = rules.due_offset(
            deadline.date, offsets.get(deadline.kind, ()), as_of, sent.get(key(deadline), ())
        )
        if offset is not None:
            path = links.deadline(deadline.kind, deadline.ref)
            link = base_url + path if path else None
            due.append(
                reminder_mail.Item(deadline, offset, rules.days_left(deadline.date, as_of), link)
            )
    return due


def _insert(session: Session) -> Any:
    """INSERT … ON CONFLICT DO NOTHING, in the dialect at hand (both speak it)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _claim(
    session: Session, user: User, due: Sequence[reminder_mail.Item], titles: Mapping[Key, str]
) -> list[tuple[reminder_mail.Item, tuple[int, int]]]:
    """Record the person's due reminders as theirs and commit; returns those this run
    won, each with (reminder id, recipient id). Rows go in one order in every run, so
    two runs at once wait for each other instead of deadlocking."""
    items = sorted(due, key=lambda i: (*key(i.deadline), i.offset))
    insert = _insert(session)
    session.execute(
        insert(Reminder)
        .values(
            [
                {
                    "kind": i.deadline.kind,
                    "ref": i.deadline.ref,
                    "deadline": i.deadline.date,
                    "offset_days": i.offset,
                    "title": titles.get(key(i.deadline), i.deadline.title)[:300],
                }
                for i in items
            ]
        )
        .on_conflict_do_nothing(index_elements=["kind", "ref", "deadline", "offset_days"])
    )
    wanted = {(*key(i.deadline), i.offset): i for i in items}
    ids = {
        (kind, ref, day, offset): reminder_id
        for reminder_id, kind, ref, day, offset in session.execute(
            select(
                Reminder.id, Reminder.kind, Reminder.ref, Reminder.deadline, Reminder.offset_days
            ).where(
                col(Reminder.ref).in_({i.deadline.ref for i in items}),
                col(Reminder.deadline).in_({i.deadline.date for i in items}),
            )
        )
        if (kind, ref, day, offset) in wanted
    }
    now = utcnow()
    won = session.execute(
        insert(ReminderRecipient)
        .values(
            [
                {"reminder_id": ids[k], "user_id": user.id, "email": user.email, "sent_at": now}
                for k in wanted
            ]
        )
        .on_conflict_do_nothing(index_elements=["reminder_id", "user_id"])
        .returning(ReminderRecipient.id, ReminderRecipient.reminder_id)
    ).all()
    session.commit()
    by_reminder = {reminder_id: recipient_id for recipient_id, reminder_id in won}
    return [
        (item, (ids[k], by_reminder[ids[k]])) for k, item in wanted.items() if ids[k] in by_reminder
    ]


# What went out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """A reminder that reached at least one person."""

    reminder: Reminder
    recipients: int


def sent_for(session: Session, items: Sequence[Deadline]) -> dict[Key, list[Reminder]]:
    """The reminders sent for the deadlines shown, earliest first (the deadlines page)."""
    if not items:
        return {}
    found: dict[Key, list[Reminder]] = {}
    wanted = {key(d) for d in items}
    for reminder in session.execute(
        select(Reminder)
        .where(
            col(Reminder.sent_at).is_not(None),
            col(Reminder.deadline).in_({d.date for d in items}),
            col(Reminder.ref).in_({d.ref for d in items}),
        )
        .order_by(col(Reminder.offset_days).desc())
    ).scalars():
        k = (reminder.kind, reminder.ref, reminder.deadline)
        if k in wanted:
            found.setdefault(k, []).append(reminder)
    return found


def history(
    session: Session, *, actor: Actor, since: date | None, page: int, per_page: int
) -> Page[Sent]:
    """Reminders sent since a day (in China), newest first. A rep sees those sent to them;
    everyone else sees all of them."""
    statement = select(Reminder).where(col(Reminder.sent_at).is_not(None))
    if since is not None:
        start = datetime.combine(since, time(), SHANGHAI)
        statement = statement.where(col(Reminder.sent_at) >= start)
    if not actor.sees_everything:
        statement = statement.where(
            exists().where(
                ReminderRecipient.reminder_id == Reminder.id,
                ReminderRecipient.user_id == actor.user_id,
            )
        )
    statement = statement.order_by(col(Reminder.sent_at).desc(), col(Reminder.id).desc())
    found = paginate(session, statement, page=page, per_page=per_page)
    counts = dict(
        session.execute(
            select(ReminderRecipient.reminder_id, func.count())
            .where(col(ReminderRecipient.reminder_id).in_([r.id for r in found.items]))
            .group_by(ReminderRecipient.reminder_id)
        ).all()
    )
    return Page(
        items=[Sent(r, counts.get(r.id, 0)) for r in found.items],
        page=found.page,
        per_page=found.per_page,
        total=found.total,
    )
