"""Configuration classes, chosen by PORTAL_ENV (production is the default)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent

# Secrets that must never be used in production (development defaults and obvious placeholders).
WEAK_SECRETS = {"", "dev", "development", "secret", "changeme", "change-me", "test", "insecure-development-key"}


class ConfigError(RuntimeError):
    """The configuration cannot run safely."""


# What an identity provider may say in `amr` (RFC 8176) to mean that more than a password was checked.
MFA_AMR_VALUES = frozenset({"mfa", "mca", "otp", "hwk", "swk", "sc"})


@dataclass(frozen=True)
class OidcProvider:
    """An organisation's OpenID Connect identity provider that people may sign in with.

    `domains` are the e-mail domains whose accounts it may sign in (the council's for staff, a school
    trust's for its schools); `mfa_acr` the `acr` values that, like an `amr` of "mfa", say the person
    used more than a password."""

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    domains: tuple[str, ...]
    mfa_acr: tuple[str, ...] = ()

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def _words(value: str) -> tuple[str, ...]:
    return tuple(w.strip().lower() for w in value.replace(" ", ",").split(",") if w.strip())


def oidc_providers(environ: Mapping[str, str]) -> tuple[OidcProvider, ...]:
    """The providers named in OIDC_PROVIDERS (e.g. "council,trust"), each from its OIDC_<NAME>_* variables.
    Raises ConfigError when a named provider lacks a setting: a half-configured sign-in button is worse than none."""
    providers = []
    for name in _words(environ.get("OIDC_PROVIDERS", "")):
        if not re.fullmatch(r"[a-z][a-z0-9]{0,30}", name):
            raise ConfigError(f"OIDC_PROVIDERS: {name!r} must be lowercase letters and digits, starting with a letter")
        prefix = f"OIDC_{name.upper()}_"
        values = {key: environ.get(prefix + key, "").strip() for key in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET")}
        missing = [prefix + key for key, value in values.items() if not value]
        domains = _words(environ.get(prefix + "DOMAINS", ""))
        if not domains:
            missing.append(prefix + "DOMAINS")
        if missing:
            raise ConfigError(f"OIDC_PROVIDERS names {name!r}, so set {', '.join(missing)}")
        providers.append(
            OidcProvider(
                name=name,
                label=environ.get(prefix + "LABEL", "").strip() or name.capitalize(),
                issuer=values["ISSUER"],
                client_id=values["CLIENT_ID"],
                client_secret=values["CLIENT_SECRET"],
                domains=tuple(d.lstrip("@") for d in domains),
                mfa_acr=tuple(v for v in environ.get(prefix + "MFA_ACR", "").replace(",", " ").split() if v),
            )
        )
    return tuple(providers)


class Config:
    """Settings shared by every environment; environment variables override the defaults."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, object]] = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "Shire County Council")
    SERVICE_NAME = "Partner Portal"
    FRONT_DOOR_PHONE = os.environ.get("FRONT_DOOR_PHONE", "0116 496 0000")
    # The emergency duty team: children's social care when the Front Door is closed.
    OUT_OF_HOURS_PHONE = os.environ.get("OUT_OF_HOURS_PHONE", "0116 496 0999")

    # Sessions: the signed cookie's timestamp enforces the idle timeout server side (Flask checks
    # max_age on load and refreshes it on every request); the absolute timeout is checked against
    # the UserSession row.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")))
    ABSOLUTE_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("ABSOLUTE_TIMEOUT_HOURS", "12")))
    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_REFRESH_EACH_REQUEST = True
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token

    INVITATION_LIFETIME = timedelta(days=int(os.environ.get("INVITATION_LIFETIME_DAYS", "7")))
    PASSWORD_RESET_LIFETIME = timedelta(minutes=int(os.environ.get("PASSWORD_RESET_LIFETIME_MINUTES", "60")))

    # Stated outright: Flask-Limiter keeps the last app's setting as the default for the next one.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SIGN_IN = os.environ.get("RATELIMIT_SIGN_IN", "10 per minute;50 per hour")
    # Staff and admins must use a second factor (an authenticator app's six-digit code) to sign in.
    # Off in development and tests unless set, so that the demo sign-ins need only a password.
    REQUIRE_SECOND_FACTOR = os.environ.get("REQUIRE_SECOND_FACTOR", "true").lower() == "true"

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "false").lower() == "true"
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "false").lower() == "true"  # implicit TLS, usually port 465
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Partner Portal <no-reply@example.org>")
    MAIL_SUPPRESS_SEND = False
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "6"))
    OUTBOX_BACKOFF_SECONDS = int(os.environ.get("OUTBOX_BACKOFF_SECONDS", "30"))
    # How long a worker holds an e-mail it is sending: if it dies, another sends it after this long.
    OUTBOX_CLAIM_SECONDS = int(os.environ.get("OUTBOX_CLAIM_SECONDS", "120"))
    # How long to wait for the SMTP server at each step.
    MAIL_TIMEOUT_SECONDS = float(os.environ.get("MAIL_TIMEOUT_SECONDS", "30"))
    # How often `flask outbox work` also runs the scheduled jobs (promise reminders, overdue notices); 0: never.
    JOBS_INTERVAL_SECONDS = int(os.environ.get("JOBS_INTERVAL_SECONDS", "600"))
    # The portal's address as users reach it. Every link in an e-mail or calendar file is built from it
    # (portal/common/links.py), and requests for any other host are refused (TRUSTED_HOSTS below).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
    # Closed requests are anonymised this many days after they closed (flask requests anonymise, also run
    # by the outbox worker's scheduled jobs). The outcome code and dates stay for the figures.
    REQUEST_RETENTION_DAYS = int(os.environ.get("REQUEST_RETENTION_DAYS", "730"))
    # Where `flask backup` finds pg_dump and pg_restore when they are not on the PATH (match the server's version).
    PG_BINDIR = os.environ.get("PG_BINDIR", "")

    # Sign-in with an organisation's own account (OpenID Connect): OIDC_PROVIDERS and OIDC_<NAME>_* variables.
    OIDC_PROVIDERS: ClassVar[tuple[OidcProvider, ...]] = oidc_providers(os.environ)
    # How long to wait for an identity provider (discovery, keys, tokens).
    OIDC_TIMEOUT_SECONDS = float(os.environ.get("OIDC_TIMEOUT_SECONDS", "10"))

    # Behind a TLS-terminating proxy, how many proxies set X-Forwarded-For/-Proto/-Host (0: none).
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
    TALISMAN_FORCE_HTTPS = True
    # Logs: "json" (one object a line, with the request id) or "text"; and how much.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    STRICT_TEMPLATES = False
    DEMO_DATA_ALLOWED = False
    # Extra host names the portal answers besides PUBLIC_URL's (comma-separated), e.g. a health check's.
    EXTRA_TRUSTED_HOSTS = tuple(h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip())
    # Loopback names are trusted too (development and tests only).
    TRUST_LOOPBACK = False

    @classmethod
    def validate(cls, config: Mapping[str, Any]) -> None:
        """Refuse to start with settings that are unsafe for this environment."""
        if config.get("PUBLIC_URL"):
            from portal.common.links import split_public_url

            try:
                split_public_url(str(config["PUBLIC_URL"]))
            except ValueError as error:
                raise ConfigError(str(error)) from None
        for provider in config.get("OIDC_PROVIDERS") or ():
            scheme, _, host = provider.issuer.partition("://")
            loopback = host.split("/")[0].split(":")[0] in ("127.0.0.1", "localhost", "[::1]")
            if scheme != "https" and not (scheme == "http" and loopback and config.get("TRUST_LOOPBACK")):
                raise ConfigError(f"OIDC_{provider.name.upper()}_ISSUER must be an https:// address")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "insecure-development-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'instance' / 'portal.db'}"
    SESSION_COOKIE_SECURE = False  # served over plain http on loopback
    TALISMAN_FORCE_HTTPS = False
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "1025"))
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    STRICT_TEMPLATES = True
    DEMO_DATA_ALLOWED = True
    TRUST_LOOPBACK = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    REQUIRE_SECOND_FACTOR = os.environ.get("REQUIRE_SECOND_FACTOR", "false").lower() == "true"


class TestingConfig(DevelopmentConfig):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production-use"  # noqa: S105 (tests only; production refuses it) # nosec B105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    SERVER_NAME = "localhost"
    PUBLIC_URL = "http://localhost"
    RATELIMIT_SIGN_IN = "10 per minute"
    OUTBOX_BACKOFF_SECONDS = 0


class ProductionConfig(Config):
    ENV_NAME = "production"

    @classmethod
    def validate(cls, config: Mapping[str, Any]) -> None:
        super().validate(config)
        secret = str(config.get("SECRET_KEY") or "")
        if secret.lower() in WEAK_SECRETS or len(secret) < 32:
            raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters in production")
        if not config.get("SQLALCHEMY_DATABASE_URI"):
            raise ConfigError("DATABASE_URL must be set in production")
        if not config.get("PUBLIC_URL"):
            raise ConfigError(
                "PUBLIC_URL must be set in production: the portal's address, like https://portal.example.org"
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> type[Config]:
    """The configuration class for `name`, else PORTAL_ENV, else production."""
    key = (name or os.environ.get("PORTAL_ENV") or "production").lower()
    if key not in CONFIGS:
        raise ConfigError(f"PORTAL_ENV must be one of {', '.join(CONFIGS)}; got {key!r}")
    return CONFIGS[key]
