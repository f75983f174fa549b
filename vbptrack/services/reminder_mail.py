"""The reminder e-mail: one digest per person and run, in the person's language.

Plain text, because it is read on phones and in Outlook alike and carries nothing a
table would add: per deadline its date, kind, days left, title and reference, and a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from flask_babel import force_locale, ngettext

from vbptrack.domain.deadlines import Deadline
from vbptrack.services.deadlines import KIND_LABELS
from vbptrack.services.problems import translate


@dataclass(frozen=True, order=True)
class Item:
    """One deadline in a digest: `deadline.title` is already in the reader's language."""

    deadline: Deadline
    offset: int  # the reminder it is: this many days before
    days_left: int
    link: str | None  # an absolute URL with VBPTRACK_BASE_URL, else the path


def when(days_left: int) -> str:
    if days_left == 0:
        return translate("today")
    if days_left == 1:
        return translate("tomorrow")
    return ngettext("in %(num)s day", "in %(num)s days", days_left)


def compose(
    *,
    to: str,
    sender: str,
    name: str,
    language: str,
    as_of: date,
    items: Sequence[Item],
    overview: str | None,
) -> EmailMessage:
    """The digest for one person; `overview` links to the deadlines page."""
    with force_locale(language):
        lines = [translate("Hello %(name)s,", name=name), ""]
        lines.append(
            translate("These deadlines are coming up (as of %(date)s):", date=as_of.isoformat())
        )
        for item in items:
            d = item.deadline
            label = translate(KIND_LABELS[d.kind]) if d.kind in KIND_LABELS else d.kind
            heading = translate(
                "%(date)s  %(kind)s  (%(when)s)",
                date=d.date.isoformat(),
                kind=label,
                when=when(item.days_left),
            )
            lines += ["", heading]
            lines.append(f"  {d.title} [{d.ref}]")
            if item.link:
                lines.append(f"  {item.link}")
        lines.append("")
        if overview:
            lines.append(translate("Everything due: %(link)s", link=overview))
        lines.append(
            translate(
                "You get these reminders because of your role in vbptrack; an administrator "
                "sets the address they go to under Settings → Users."
            )
        )
        subject = ngettext(
            "vbptrack: %(num)s deadline coming up",
            "vbptrack: %(num)s deadlines coming up",
            len(items),
        )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content("\n".join(lines) + "\n")
    return message
