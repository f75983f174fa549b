"""The `vbptrack` command: database, demo data, users, imports and the server."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from vbptrack.db import session_scope
from vbptrack.models.users import ROLES
from vbptrack.services.access import SYSTEM
from vbptrack.services.errors import ServiceError


def _today() -> date:
    """Today in China, where the business runs, whatever the server's time zone."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@click.group("db", help="Apply, undo or check the database migrations.")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    from vbptrack import migrate  # Alembic costs 0.2 s to import: only when needed

    url = current_app.config["DATABASE_URL"]
    _ensure_sqlite_folder(url)
    migrate.upgrade(url, revision)
    click.echo(f"database at {migrate.current(url) or 'base'}")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
@with_appcontext
def db_downgrade(revision: str) -> None:
    from vbptrack import migrate  # Alembic costs 0.2 s to import: only when needed

    url = current_app.config["DATABASE_URL"]
    migrate.downgrade(url, revision)
    click.echo(f"database at {migrate.current(url) or 'base'}")


@db_group.command("check")
@with_appcontext
def db_check() -> None:
    from vbptrack import migrate  # Alembic costs 0.2 s to import: only when needed

    problems = migrate.check(current_app.config["DATABASE_URL"])
    if problems:
        click.echo(f"models and migrations disagree: {problems}", err=True)
        sys.exit(1)
    click.echo("models and migrations agree")


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@click.group("users", help="Create users and issue API tokens.")
def users_group() -> None:
    pass


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", help="Generated and printed when not given.")
@click.option("--provinces", help="Territory provinces, e.g. 31,44 or 上海,广东.")
@click.option("--hospitals", help="Territory hospitals by code, e.g. H001,H002.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--email", default=None, help="Where deadline reminders go.")
@with_appcontext
def users_create(
    username: str,
    role: str,
    password: str | None,
    provinces: str | None,
    hospitals: str | None,
    display_name: str,
    email: str | None,
) -> None:
    from vbptrack.services import users as user_service

    generated = password is None
    password = password or user_service.generate_password()
    with session_scope() as session:
        try:
            user_service.create(
                session,
                actor=SYSTEM,
                username=username,
                role=role,
                password=password,
                display_name=display_name,
                email=email,
                provinces=_split(provinces),
                hospitals=_split(hospitals),
            )
        except ServiceError as problem:
            details = "; ".join(f"{k}: {v}" for k, v in problem.fields.items())
            raise click.ClickException(f"{problem.message} {details}".strip()) from problem
    click.echo(f"created {role} {username}")
    if generated:
        click.echo(f"password: {password}")


@users_group.command("passwd")
@click.argument("username")
@click.option("--password", help="Generated and printed when not given.")
@with_appcontext
def users_passwd(username: str, password: str | None) -> None:
    """Set a user's password (a forgotten one, a first administrator's). Every session
    of the user ends."""
    from vbptrack.services import users as user_service

    generated = password is None
    password = password or user_service.generate_password()
    with session_scope() as session:
        user = user_service.find(session, username)
        if user is None:
            raise click.ClickException(f"no user {username}")
        try:
            user_service.set_password(session, actor=SYSTEM, user=user, password=password)
        except ServiceError as problem:
            details = "; ".join(f"{k}: {v}" for k, v in problem.fields.items())
            raise click.ClickException(f"{problem.message} {details}".strip()) from problem
    click.echo(f"password of {username} changed; their sessions have ended")
    if generated:
        click.echo(f"password: {password}")


@users_group.command("token")
@click.argument("username")
@click.option("--label", default="cli", help="What the token is for.")
@with_appcontext
def users_token(username: str, label: str) -> None:
    from vbptrack.services import users as user_service

    with session_scope() as session:
        user = user_service.find(session, username)
        if user is None:
            raise click.ClickException(f"no user {username}")
        click.echo(user_service.issue_token(session, actor=SYSTEM, user=user, label=label))


@click.group("demo", help="Demo data that looks like a real China commercial team's.")
def demo_group() -> None:
    pass


@demo_group.command("load")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 1000))
@click.option("--seed", default=2026, show_default=True, type=int)
@with_appcontext
def demo_load(scale: int, seed: int) -> None:
    from vbptrack.demo import load_demo

    with session_scope() as session:
        summary = load_demo(session, scale=scale, seed=seed, today=_today())
    for name, count in summary.items():
        click.echo(f"{name}: {count}")


@demo_group.command("setup")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 1000))
@with_appcontext
def demo_setup(scale: int) -> None:
    """Demo data on first start, one user per role, and their logins printed."""
    from vbptrack.demo import load_demo
    from vbptrack.demo_accounts import ensure_demo_accounts

    with session_scope() as session:
        summary = load_demo(session, scale=scale, seed=2026, today=_today())
        if summary:
            click.echo("demo data loaded: " + ", ".join(f"{n} {k}" for k, n in summary.items()))
        accounts = ensure_demo_accounts(session, Path(current_app.instance_path))
    click.echo("demo logins (kept in instance/demo-logins.json):")
    for username, role, password in accounts:
        click.echo(f"  {role:<8} {username:<8} {password or '(set by hand earlier)'}")


@click.command("import", help="Import a .csv or .xlsx file: hospitals, distributors, products …")
@click.argument("kind")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(kind: str, file: Path) -> None:
    from vbptrack.imports.kinds import KINDS
    from vbptrack.imports.runner import run_import

    if kind not in KINDS:
        raise click.ClickException(f"unknown kind {kind}; one of: {', '.join(KINDS)}")
    with session_scope() as session, file.open("rb") as source:
        result = run_import(
            session, actor=SYSTEM, kind=KINDS[kind], source=source, filename=file.name
        )
    if not result.ok:
        for problem in result.problems:
            click.echo(str(problem), err=True)
        if result.more_problems:
            click.echo(f"… and {result.more_problems} more problems", err=True)
        click.echo("nothing was imported", err=True)
        sys.exit(1)
    click.echo(f"{result.written} rows written")


@click.group("reminders", help="Deadline reminders by e-mail.")
def reminders_group() -> None:
    pass


@reminders_group.command("send")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to send for (default: today in China).",
)
@with_appcontext
def reminders_send(as_of: datetime | None) -> None:
    """E-mail the reminders due today, one e-mail per person (run it daily from cron).
    Exits 1 if any e-mail failed; those go out with the next run."""
    from vbptrack.services import reminders
    from vbptrack.web.deadlines import reminder_links

    day = as_of.date() if as_of else _today()
    with session_scope() as session:
        try:
            result = reminders.send_due(
                session,
                actor=SYSTEM,
                as_of=day,
                settings=current_app.config,
                links=reminder_links(),
            )
        except ServiceError as problem:
            raise click.ClickException(problem.message) from problem
    click.echo(
        f"{day.isoformat()}: {_count(result.reminders, 'reminder')} "
        f"in {_count(len(result.sent), 'e-mail')}"
    )
    for digest in result.sent:
        items = ", ".join(
            f"{i.deadline.kind} {i.deadline.ref} ({i.offset} days before)" for i in digest.items
        )
        click.echo(f"  {digest.username} <{digest.email}>: {items}")
    if result.without_email:
        click.echo("no e-mail address, nothing sent: " + ", ".join(result.without_email))
    for digest, error in result.failed:
        click.echo(f"FAILED {digest.username} <{digest.email}>: {error}", err=True)
    if result.failed:
        sys.exit(1)


@click.command("serve", help="Serve the app with the production server (waitress).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option(
    "--worker/--no-worker",
    "in_process",
    default=None,
    help="Run background jobs in this process (default: yes on the embedded queue, "
    "no on Redis, where `vbptrack worker` runs them).",
)
@with_appcontext
def serve_command(host: str, port: int, threads: int, in_process: bool | None) -> None:
    import signal

    from waitress import serve

    from vbptrack.queue import get_queue, start_in_process

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = get_queue(app)
    consumer = None
    if in_process if in_process is not None else queue.embedded:
        consumer = start_in_process(app)
        click.echo(f"background jobs: {consumer.workers} workers in this process ({queue.url})")
    else:
        click.echo(f"background jobs: queued on {queue.url}; run `vbptrack worker` for them")

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # waitress ends its loop, then the workers end theirs

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"vbptrack on http://{host}:{port}  (Ctrl+C stops it)")
    try:
        serve(app, host=host, port=port, threads=threads, ident="vbptrack")
    except KeyboardInterrupt:
        pass
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


@click.command("worker", help="Run background jobs (imports, dunning runs, e-mail, reminders).")
@click.option("--workers", type=int, default=None, help="Worker threads (VBPTRACK_QUEUE_WORKERS).")
@click.option(
    "--periodic/--no-periodic",
    default=True,
    show_default=True,
    help="Also start the daily reminder run and the sweep of stalled jobs; give "
    "--no-periodic to all workers but one.",
)
@with_appcontext
def worker_command(workers: int | None, periodic: bool) -> None:
    import logging

    from vbptrack.queue import consumer_options, get_queue
    from vbptrack.tasks import sweep_now

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per rendering step
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = get_queue(app)
    for item in sweep_now(app):
        click.echo(f"job {item.job_id} marked failed ({item.reason})")
    options = consumer_options(app, workers)
    options["periodic"] = periodic
    # Redis hands a waiting worker its job at once; polling it would only add load.
    if not queue.embedded:
        options.pop("max_delay")
    consumer = queue.huey.create_consumer(**options)
    click.echo(f"vbptrack worker: {consumer.workers} threads on {queue.url}")
    consumer.run()


def register(app: Flask) -> None:
    commands = (
        db_group,
        users_group,
        demo_group,
        reminders_group,
        import_command,
        serve_command,
        worker_command,
    )
    for command in commands:
        app.cli.add_command(command)


def main() -> None:
    from vbptrack import create_app

    cli = FlaskGroup(
        create_app=lambda: create_app(),
        add_default_commands=False,
        help="vbptrack: tenders, VBP awards, filings, contracts, receivables.",
    )
    cli.main(prog_name="vbptrack")
