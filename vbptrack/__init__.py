"""vbptrack: tenders, VBP awards, filings, listings, contracts and receivables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from vbptrack import config as config_module
from vbptrack.paths import instance_dir, resource_dir


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` (tests) replaces what the environment would give."""
    instance_path = Path(config.get("INSTANCE_PATH", instance_dir())) if config else instance_dir()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.from_mapping(config_module.DEFAULTS)
    if config is None:
        app.config.from_mapping(config_module.from_environment(instance_path))
    else:
        app.config.from_mapping(config)
    check_settings(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def check_settings(app: Flask) -> None:
    """A mistyped VBPTRACK_* setting (shares, reminder days, the date range, upload
    limits, the lock timeout) stops the start, naming the setting, instead of breaking
    a page or the nightly reminder run later."""
    from vbptrack.db import lock_timeout_setting
    from vbptrack.imports.reader import UploadLimits
    from vbptrack.models.fields import DAY_RANGE_KEY, configure_day_range
    from vbptrack.services import commercial_policy

    commercial_policy.from_settings(app.config)
    app.extensions[DAY_RANGE_KEY] = configure_day_range(app.config)
    UploadLimits.from_settings(app.config)
    UploadLimits.upload_mb(app.config)
    lock_timeout_setting(app.config.get("DB_LOCK_TIMEOUT", 10))


def register_extensions(app: Flask) -> None:
    from vbptrack import db, queue
    from vbptrack.web import auth, i18n, security_headers

    db.init_app(app)
    security_headers.init_app(app)
    queue.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)


def register_blueprints(app: Flask) -> None:
    from vbptrack.api import bp as api_bp
    from vbptrack.web import (
        auth,
        awards,
        contracts,
        deadlines,
        distributors,
        dunning,
        filings,
        home,
        hospitals,
        imports,
        jobs,
        listings,
        products,
        receivables,
        settings,
        tenders,
    )
    from vbptrack.web import collections as collection_pages

    for module in (
        auth,
        home,
        hospitals,
        distributors,
        products,
        imports,
        settings,
        receivables,
        dunning,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(collection_pages.bp)
    for module in (filings, listings, contracts, tenders, awards, deadlines, jobs):
        app.register_blueprint(module.bp)
    app.register_blueprint(api_bp)


def register_errorhandlers(app: Flask) -> None:
    from vbptrack.web import errors

    errors.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from vbptrack.web import helpers

    helpers.init_app(app)


def register_commands(app: Flask) -> None:
    from vbptrack.cli import register

    register(app)
