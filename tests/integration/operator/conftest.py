"""Fixtures for the operator's journeys: the portal run as production runs it, in processes of its own."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from portal.config import ROOT
from tests.support.http import ProxiedClient
from tests.support.servers import (
    PostgresServer,
    RedisServer,
    SMTPServer,
    free_port,
    postgres_bin,
    redis_bin,
    require,
)

PUBLIC_URL = "https://portal.example.org"


@dataclass
class Production:
    """The environment of one production install, and the commands an operator types in it."""

    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "portal", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def gunicorn(self, port: int, *, workers: int = 2, extra_env: dict[str, str] | None = None) -> ProxiedClient:
        """gunicorn with the repository's gunicorn.conf.py, as deploy/systemd runs it; returns a client
        that reaches it as the proxy in front of it would."""
        log = Path(self.env["PORTAL_TEST_LOGS"]) / f"gunicorn-{port}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                    "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "portal:create_app()",
                ],
                env={**self.env, **(extra_env or {})},
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.processes.append(process)
        client = ProxiedClient(port, PUBLIC_URL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                if client.get("/healthz").status == 200:
                    return client
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not answer: " + log.read_text()[-3000:])

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def production_env(url: str, smtp_port: int, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "FLASK_", "DATABASE_", "MAIL_"))},
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": url,
        "PUBLIC_URL": PUBLIC_URL,
        "PROXY_HOPS": "1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "JOBS_INTERVAL_SECONDS": "0",
        "PORTAL_TEST_LOGS": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of this test's own, which it may stop and start (the suite's is shared)."""
    bindir = postgres_bin()
    require(bindir, "PostgreSQL")
    server = PostgresServer(bindir, durable=True)
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    binary = redis_bin()
    require(binary, "redis-server")
    server = RedisServer(binary)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def production(
    postgres_server: PostgresServer, smtp_server: SMTPServer, worker_id: str, tmp_path: Path
) -> Iterator[Production]:
    """An empty PostgreSQL database and the production configuration an operator writes for it."""
    url = postgres_server.create_database(f"portal_production_{worker_id}")
    smtp_server.inbox.clear()
    install = Production(production_env(url, smtp_server.port, tmp_path))
    yield install
    install.stop()


@pytest.fixture
def port() -> int:
    return free_port()


@dataclass
class World:
    """What the fault tests need in the database: a locality, a school, partners and an open day."""

    session_id: int
    partners: list[str]
    password: str


def seed_world(url: str, *, partners: int = 1, places: int = 3) -> World:
    """Migrated already (`flask db upgrade`); written by the test factories through an app of its own."""
    from portal import create_app
    from portal.common.roles import Role
    from portal.extensions import db
    from tests import factories, sessions_factories

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        locality = factories.LocalityFactory()
        school = factories.OrganisationFactory(locality=locality)
        host = factories.UserFactory(role=Role.PRACTITIONER, locality=locality)
        people = [
            factories.UserFactory(role=Role.PARTNER, organisation=school, locality=locality) for _ in range(partners)
        ]
        session = sessions_factories.SessionFactory(locality=locality, host=host, capacity=places)
        world = World(session.id, [p.email for p in people], factories.PASSWORD)
        db.session.remove()
        db.engine.dispose()
    return world


def sign_in(client: ProxiedClient, email: str, password: str) -> None:
    page = client.submit("/sign-in", {"email": email, "password": password})
    assert page.soup.select_one("a[href='/account']") is not None, page.body[:1500]
