"""Fixtures: the app on a real database (SQLite, and PostgreSQL that the suite starts), a real SMTP
server, a test client that checks every page it renders, and one signed-in client per role."""

from __future__ import annotations

import contextvars
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import text
from werkzeug.test import TestResponse

from portal import create_app
from portal.common.roles import Role
from portal.extensions import db
from portal.models import Base
from tests import factories as factories_module
from tests.support import routing_cache
from tests.support.forms import csrf_token as csrf_token  # tests.integration.common.test_access imports it from here
from tests.support.pages import check_page
from tests.support.servers import (
    OidcProviderServer,
    PostgresServer,
    SMTPServer,
    oidc_provider_installed,
    postgres_bin,
    require,
)

routing_cache.install()

# --- real servers ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = postgres_bin()
    require(bindir, "PostgreSQL")
    server = PostgresServer(bindir)
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer, worker_id: str) -> str:
    url = postgres_server.create_database(f"portal_test_{worker_id}")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProviderServer]:
    """The identity provider, started once per test process; its client may come back to the test apps'
    PUBLIC_URL (http://localhost) and to the browser tests' portal on the port it chose for them."""
    require(oidc_provider_installed(), "node with the npm package oidc-provider (make test runs npm ci)")
    # The browser tests' port is taken now and held (their server listens on this very socket), so nothing
    # else on the machine can take it before they start.
    browser_socket = socket.socket()
    browser_socket.bind(("127.0.0.1", 0))
    browser_port = int(browser_socket.getsockname()[1])
    bases = ["http://localhost", f"http://127.0.0.1:{browser_port}"]
    server = OidcProviderServer(
        redirect_uris=[f"{base}/sign-in/with/council/callback" for base in bases],
        post_logout_redirect_uris=[f"{base}/" for base in bases],
        browser_port=browser_port,
        browser_socket=browser_socket,
    )
    server.start()
    yield server
    server.stop()
    browser_socket.close()


@pytest.fixture
def oidc(oidc_provider: OidcProviderServer) -> OidcProviderServer:
    """The identity provider with no accounts and no pending bad token."""
    oidc_provider.reset()
    return oidc_provider


@pytest.fixture
def inbox(smtp_server: SMTPServer) -> Any:
    smtp_server.inbox.clear()
    return smtp_server.inbox


# --- the app on each database ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database with the portal's empty tables, made once per test process: each SQLite test
    starts from a copy of the file instead of creating every table again."""
    path = tmp_path_factory.mktemp("template") / "portal.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'portal.db'}"
    return str(request.getfixturevalue("postgres_url"))


class CheckedResponse(TestResponse):
    @property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.get_data(as_text=True), "html.parser")


class CheckedClient(FlaskClient):
    """A test client that runs the page checks on every HTML page it receives.

    Each request runs in an empty contextvars context, so it gets its own app context (its own `g`
    and database session) as in production, instead of sharing the test's.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        response.__class__ = CheckedResponse
        if response.mimetype == "text/html" and response.status_code not in (301, 302, 303):
            check_page(
                response.get_data(as_text=True),
                response.headers.get("Content-Security-Policy"),
                path=str(args[0]) if args else "",
            )
        return response


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept for the whole run: each test's new app would otherwise compile every page
    and GOV.UK macro again. Jinja checks the source's checksum on load, so an edited template recompiles."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = SharedBytecodeCache()


@pytest.fixture
def app(database_url: str, smtp_server: SMTPServer, sqlite_template: Path) -> Iterator[Flask]:
    sqlite_file = database_url.removeprefix("sqlite:///") if database_url.startswith("sqlite:///") else None
    if sqlite_file is not None and not Path(sqlite_file).exists():
        shutil.copyfile(sqlite_template, sqlite_file)
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
    )
    app.test_client_class = CheckedClient
    app.jinja_env.bytecode_cache = TEMPLATES
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()  # the copied template's tables are there: this only checks, creating nothing
        else:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app() -> Iterator[Any]:
    """make_app(config_name, **overrides): an extra app for one test; its connections are closed after."""
    made: list[Flask] = []

    def make(config_name: str, **overrides: Any) -> Flask:
        extra = create_app(config_name, **overrides)
        made.append(extra)
        return extra

    yield make
    for extra in made:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    # Not `with app.test_client()`: preserved request contexts cannot cross the per-request contexts.
    return app.test_client()


@pytest.fixture
def factories(app: Flask) -> Any:
    return factories_module


# --- people and signed-in clients -----------------------------------------------------------------


@dataclass
class World:
    """A small directory: two localities, a school in each, and one person per role in the first."""

    locality: Any
    other_locality: Any
    school: Any
    other_school: Any
    partner: Any
    other_partner: Any
    practitioner: Any
    other_practitioner: Any
    manager: Any
    other_manager: Any
    admin: Any
    senior: Any

    def of(self, role: Role) -> Any:
        """The world's person in `role` (its first locality's, for staff and partners)."""
        return {
            Role.PARTNER: self.partner,
            Role.PRACTITIONER: self.practitioner,
            Role.MANAGER: self.manager,
            Role.ADMIN: self.admin,
            Role.SENIOR: self.senior,
        }[role]


@pytest.fixture
def world(factories: Any) -> World:
    f = factories
    loc = f.LocalityFactory(name="Northfield")
    other = f.LocalityFactory(name="Southmere")
    school = f.OrganisationFactory(name="Castle Rock High School", locality=loc, town="Coalville")
    other_school = f.OrganisationFactory(name="Meadow Lane Primary", locality=other)
    world = World(
        locality=loc,
        other_locality=other,
        school=school,
        other_school=other_school,
        partner=f.UserFactory(role=Role.PARTNER, organisation=school, locality=loc, name="Pat Partner"),
        other_partner=f.UserFactory(role=Role.PARTNER, organisation=other_school, locality=other),
        practitioner=f.UserFactory(role=Role.PRACTITIONER, locality=loc, name="Lee Lead", job_title="Locality lead"),
        other_practitioner=f.UserFactory(role=Role.PRACTITIONER, locality=other),
        manager=f.UserFactory(role=Role.MANAGER, locality=loc, name="Max Manager"),
        other_manager=f.UserFactory(role=Role.MANAGER, locality=other),
        admin=f.UserFactory(role=Role.ADMIN, name="Ada Admin"),
        senior=f.UserFactory(role=Role.SENIOR, name="Sam Senior", job_title="Assistant Director"),
    )
    loc.lead_id, loc.manager_id = world.practitioner.id, world.manager.id
    db.session.commit()
    return world


def sign_in(client: FlaskClient, user: Any, password: str = factories_module.PASSWORD) -> TestResponse:
    response = client.post(
        "/sign-in", data={"email": user.email, "password": password, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def client_for(app: Flask, world: World) -> Any:
    """client_for(role_or_user): a new client signed in as that person."""

    def make(who: Role | Any) -> FlaskClient:
        user = world.of(who) if isinstance(who, Role) else who
        client = app.test_client()
        sign_in(client, user)
        return client

    return make
