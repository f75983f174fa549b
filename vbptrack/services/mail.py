"""E-mail through the configured SMTP server (VBPTRACK_SMTP_*): the one place that talks
SMTP, for dunning letters and deadline reminders alike.

`smtp` is the app's configuration (or any mapping with the SMTP_* keys), so the command
line and the pages send through the same server with the same login.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from vbptrack.services.errors import ServiceError
from vbptrack.services.problems import translate

TIMEOUT_SECONDS = 15


class MailError(ServiceError):
    status = 502
    code = "mail_failed"
    # The server said "later" (4xx), or could not be reached: worth trying again. A 5xx
    # (no such mailbox, authentication refused) will say the same next time.
    temporary = False


def _temporary(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return True  # refused connection, timeout, dropped line


class MailNotConfigured(ServiceError):
    status = 409
    code = "mail_not_configured"


def configured(smtp: Mapping[str, Any]) -> bool:
    return bool(smtp.get("SMTP_HOST"))


def require_configured(smtp: Mapping[str, Any]) -> None:
    if not configured(smtp):
        raise MailNotConfigured(translate("No SMTP server is configured (VBPTRACK_SMTP_HOST)."))


def sender(smtp: Mapping[str, Any], fallback: str) -> str:
    """The From address: VBPTRACK_SMTP_FROM, else what the caller knows best."""
    return str(smtp.get("SMTP_FROM") or fallback)


def send(smtp: Mapping[str, Any], message: EmailMessage) -> None:
    """Hand one message to the server; MailError (with the server's words) if it will not
    take it, so the caller records nothing as sent."""
    require_configured(smtp)
    try:
        with smtplib.SMTP(
            smtp["SMTP_HOST"], int(smtp.get("SMTP_PORT") or 25), timeout=TIMEOUT_SECONDS
        ) as server:
            if smtp.get("SMTP_STARTTLS"):
                server.starttls()
            if smtp.get("SMTP_USER"):
                server.login(smtp["SMTP_USER"], smtp.get("SMTP_PASSWORD") or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        error = MailError(
            translate("The mail server refused the message: %(error)s", error=str(exc))
        )
        error.temporary = _temporary(exc)
        raise error from exc
