"""A real SMTP server on localhost (aiosmtpd) for the tests that send e-mail.

It keeps every message it accepts and refuses the recipients in `refused` with a 550,
the way a company mail server refuses an address it does not know; `refuse_next` makes
it say "451 try again later" that many times first, as a busy server does.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any


@dataclass
class MailServer:
    port: int
    received: list[Any] = field(default_factory=list)  # aiosmtpd envelopes
    refused: set[str] = field(default_factory=set)
    # The next this-many recipients get "451 try again later", as a busy server says.
    refuse_next: int = 0
    attempts: int = 0  # every recipient offered, taken or not

    def messages(self) -> list[EmailMessage]:
        """What arrived, headers decoded (a Chinese subject reads as Chinese)."""
        return [_parse(e.content) for e in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        return [_parse(e.content) for e in self.received if address in e.rcpt_tos]


def _parse(content: bytes) -> EmailMessage:
    message = email.message_from_bytes(content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage) -> str:
    """The text of a plain-text message, decoded."""
    return str(message.get_content())


def free_port() -> int:
    with socket.socket() as probe:  # the controller cannot start on port 0
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_mail_server() -> Iterator[MailServer]:
    from aiosmtpd.controller import Controller

    server = MailServer(port=free_port())

    class Handler:
        async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook names
            self, smtp: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            server.attempts += 1
            if server.refuse_next > 0:
                server.refuse_next -= 1
                return "451 4.3.0 Try again later"
            if address in server.refused:
                return "550 5.1.1 No such user here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            server.received.append(envelope)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
