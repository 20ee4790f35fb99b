"""Partner Portal: the application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from portal.config import ROOT


def create_app(config_name: str | None = None, **overrides: Any) -> Flask:
    """Build the app for `config_name` (else PORTAL_ENV, else production) with optional overrides."""
    from portal.app import setup

    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    setup.register_config(app, config_name, overrides)
    setup.register_security(app)  # first, so that every response (even a CSRF refusal) gets its CSP nonce
    setup.register_extensions(app)
    setup.register_templates(app)
    setup.register_transactions(app)
    setup.register_blueprints(app)
    setup.register_errors(app)
    setup.register_cli(app)
    return app
