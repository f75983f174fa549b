"""One demo user per role for `make run`, with their logins kept under `instance/`.

The passwords are random per installation (never a well-known default), and kept in a
file readable only by its owner so `make run` can print them every time it starts.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session

from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM

LOGINS_FILE = "demo-logins.json"

DEMO_ACCOUNTS = (
    # username, role, display name, territory provinces
    ("admin", "admin", "系统管理员", ()),
    ("manager", "manager", "王丽", ()),
    ("finance", "finance", "赵敏", ()),
    ("rep", "rep", "李娜", ("31", "32")),
)


def ensure_demo_accounts(session: Session, instance_path: Path) -> list[tuple[str, str, str]]:
    """Create the demo users that are missing; returns (username, role, password) each.

    A demo user whose password is not in the logins file (created by hand earlier) is
    left alone and listed with an empty password.
    """
    logins_path = instance_path / LOGINS_FILE
    known: dict[str, str] = json.loads(logins_path.read_text()) if logins_path.exists() else {}
    result = []
    for username, role, name, provinces in DEMO_ACCOUNTS:
        if user_service.find(session, username) is None:
            password = user_service.generate_password()
            user_service.create(
                session,
                actor=SYSTEM,
                username=username,
                role=role,
                password=password,
                display_name=name,
                provinces=provinces,
            )
            known[username] = password
        result.append((username, role, known.get(username, "")))
    instance_path.mkdir(parents=True, exist_ok=True)
    logins_path.write_text(json.dumps(known, indent=2))
    logins_path.chmod(0o600)
    return result
