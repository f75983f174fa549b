"""Where the app's templates, static files and migrations are.

An installed wheel carries them inside the package (see pyproject's force-include); a
source checkout keeps them at the top level beside `vbptrack/`.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent


def resource_dir(name: str) -> Path:
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return SOURCE_ROOT / name


def instance_dir() -> Path:
    """`instance/` in the current directory: `make run` starts from the checkout."""
    return Path.cwd() / "instance"
