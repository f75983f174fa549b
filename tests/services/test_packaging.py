"""The installed wheel (not the source tree) finds its templates, static files and
migrations: what a production install gets."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = textwrap.dedent(
    """
    import sys, pathlib
    import vbptrack
    from vbptrack import create_app, migrate
    from vbptrack.config import test_config

    target = pathlib.Path(sys.argv[1]).resolve()
    assert pathlib.Path(vbptrack.__file__).resolve().is_relative_to(target), vbptrack.__file__
    url = "sqlite:///" + str(target.parent / "installed.db")
    migrate.upgrade(url)
    assert migrate.check(url) is None
    app = create_app(test_config(url, INSTANCE_PATH=str(target.parent)))
    assert pathlib.Path(app.template_folder).resolve().is_relative_to(target)
    client = app.test_client()
    login = client.get("/login")
    assert login.status_code == 200 and b'name="password"' in login.data
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and b"--brand" in css.data
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    print("installed package OK")
    """
)


@pytest.mark.slow
def test_wheel_install_serves_pages_and_migrates(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    wheel = next(wheels.glob("vbptrack-*.whl"))
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    # PYTHONPATH puts the installed copy ahead of the editable checkout on sys.path.
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(target)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "installed package OK" in result.stdout
