"""The register_* steps of create_app."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, render_template, request
from flask_login import current_user
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.common.permissions import Forbidden, NotFound
from portal.config import ROOT, get_config
from portal.extensions import csrf, db, limiter, login_manager, mail, migrate, talisman

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class OutputStrictUndefined(ChainableUndefined):
    """Fails when an undefined value would be written into a page, the mistake StrictUndefined
    catches; but lets `{% if x %}`, `x | default(…)` and `params.a.b` through, which the GOV.UK
    macros rely on for their optional parameters (StrictUndefined breaks them)."""

    __slots__ = ()

    def __str__(self) -> str:
        self._fail_with_undefined_error()
        return ""  # not reached: the line above raises


def register_config(app: Flask, config_name: str | None, overrides: dict[str, Any]) -> None:
    config = get_config(config_name)
    app.config.from_object(config)
    app.config.update(overrides)
    config.validate(app.config)
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    from portal.app import logs

    logs.configure(app)


def trusted_hosts(config: Any) -> list[str] | None:
    """The host names requests may be addressed to: PUBLIC_URL's, any extra ones, and loopback in
    development and tests. None (anything goes) only when nothing at all is configured."""
    from portal.common.links import public_host

    hosts = [*config["EXTRA_TRUSTED_HOSTS"]]
    if config.get("PUBLIC_URL"):
        hosts.append(public_host(config["PUBLIC_URL"]))
    if config.get("TRUST_LOOPBACK"):
        hosts += ["127.0.0.1", "localhost", "::1"]
    if config.get("SERVER_NAME"):
        hosts.append(config["SERVER_NAME"].split(":")[0])
    return sorted(set(hosts)) or None


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # WAL lets readers work beside a writer; the busy timeout makes writers wait instead of failing
    # with "database is locked"; SQLite leaves foreign keys off unless asked.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_the_transaction(connection: Any, name: str | None) -> None:
    # Python's sqlite3 begins a transaction only before INSERT/UPDATE/DELETE; a SAVEPOINT issued first
    # starts one of its own, and releasing it commits — outside the request's one transaction, which
    # then cannot roll it back. Begin the transaction first, so the savepoint nests inside it.
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def register_extensions(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side UserSession row is the protection

    from portal.accounts.services import load_user_from_session_token

    login_manager.user_loader(load_user_from_session_token)


def register_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    if app.config.get("STRICT_TEMPLATES"):
        app.jinja_env.undefined = OutputStrictUndefined
    from govuk_frontend_wtf.main import WTFormsHelpers

    WTFormsHelpers(app)
    from portal.common import filters, forms

    filters.register(app)
    forms.register(app)
    # A global, not a context variable: the macros that show it (templates/macros.html) are imported without context.
    app.add_template_global(app.config["OUT_OF_HOURS_PHONE"], "out_of_hours_phone")

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        return {
            "council_name": app.config["COUNCIL_NAME"],
            "service_name": app.config["SERVICE_NAME"],
            "front_door_phone": app.config["FRONT_DOOR_PHONE"],
            "current_user": current_user,
            "unread_notifications": _unread_notifications,
        }


def _unread_notifications() -> int:
    """The header's count, asked for by the layout only when someone is signed in."""
    from portal.common import notifications

    return notifications.unread_count(current_user.id) if current_user.is_authenticated else 0


def provider_origins(config: Any) -> list[str]:
    """The origins (scheme://host[:port]) of the configured OpenID Connect issuers."""
    from urllib.parse import urlsplit

    origins = []
    for provider in config.get("OIDC_PROVIDERS") or ():
        parts = urlsplit(provider.issuer)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


def register_security(app: Flask) -> None:
    hops = app.config["PROXY_HOPS"]
    if hops:
        # Trust exactly `hops` proxies for the client address and scheme (HTTPS redirects, rate limits),
        # never for the host: the proxy passes the Host header through, and TRUSTED_HOSTS checks it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)  # type: ignore[method-assign]
    csp = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        # Signing out of the portal (a form) redirects on to the organisation's identity provider, which
        # browsers check against form-action too.
        "form-action": " ".join(["'self'", *provider_origins(app.config)]),
    }
    talisman.init_app(
        app,
        force_https=app.config["TALISMAN_FORCE_HTTPS"],
        strict_transport_security=True,
        strict_transport_security_max_age=63072000,
        strict_transport_security_include_subdomains=True,
        content_security_policy=csp,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )

    @app.after_request
    def extra_headers(response: Response) -> Response:
        # Talisman leaves these out. Pages may hold case details: never cache them anywhere.
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response


def register_transactions(app: Flask) -> None:
    """One transaction per request: commit once after a successful state-changing request."""

    @app.after_request
    def commit_or_rollback(response: Response) -> Response:
        view = app.view_functions.get(request.endpoint or "")
        reads_only = request.method in SAFE_METHODS and not getattr(view, "commits_on_get", False)
        if reads_only or response.status_code >= 400:
            db.session.rollback()
        else:
            db.session.commit()
        return response


def register_blueprints(app: Flask) -> None:
    from portal.accounts.routes import bp as accounts_bp
    from portal.common.http import IdConverter
    from portal.dashboards.routes import bp as dashboards_bp
    from portal.directory.routes import bp as directory_bp
    from portal.feedback.routes import bp as feedback_bp
    from portal.home.routes import bp as home_bp
    from portal.meetings.routes import bp as meetings_bp
    from portal.pages.routes import bp as pages_bp
    from portal.requests.routes import bp as requests_bp
    from portal.sessions.routes import bp as sessions_bp

    app.url_map.converters["int"] = IdConverter  # before any route: rules bind their converter when added
    app.register_blueprint(pages_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(sessions_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(dashboards_bp)
    app.register_blueprint(home_bp)


def register_errors(app: Flask) -> None:
    def render_error(status: int) -> tuple[str, int]:
        return render_template(f"errors/{status}.html"), status

    @app.errorhandler(NotFound)
    def domain_not_found(error: NotFound) -> tuple[str, int]:
        return render_error(404)

    @app.errorhandler(Forbidden)
    def domain_forbidden(error: Forbidden) -> tuple[str, int]:
        return render_error(403)

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(error: StaleDataError) -> tuple[str, int]:
        # Someone else changed the record between this request reading it and writing it: keep theirs.
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> tuple[str, int]:
        log.error("database unavailable: %s", error.__class__.__name__)
        db.session.rollback()
        # The page's header would load the signed-in user from the database that just failed: show the
        # page as to someone signed out (nothing is lost: the session is untouched).
        g._login_user = login_manager.anonymous_user()
        return render_error(503)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if isinstance(error, SecurityError) or isinstance(getattr(error, "__cause__", None), SecurityError):
            # A host outside TRUSTED_HOSTS: no URL can be built for it, so no page that links anywhere.
            log.warning("request for an untrusted host refused")
            return Response("Bad request: this address does not serve the portal.", 400, mimetype="text/plain")
        code = error.code or 500
        if code in (403, 404, 429, 503):
            return render_error(code)
        if code == 400:
            return render_error(400)
        if isinstance(error, MethodNotAllowed):
            # A link or bookmark to a form's address: the GOV.UK page, keeping the Allow header (RFC 9110).
            allow = error.get_headers()
            return render_template("errors/405.html"), 405, [(k, v) for k, v in allow if k == "Allow"]
        if code >= 500:
            return render_error(500)
        return error

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        log.exception("unhandled error")
        db.session.rollback()
        return render_error(500)


def register_cli(app: Flask) -> None:
    from portal.accounts.cli import users_cli
    from portal.app.cli import outbox_cli
    from portal.common.backup import backup_cli
    from portal.directory.cli import directory_cli
    from portal.requests.cli import requests_cli
    from seeds.cli import seed_cli

    app.cli.add_command(outbox_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(directory_cli)
    app.cli.add_command(requests_cli)
    app.cli.add_command(seed_cli)
