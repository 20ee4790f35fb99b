"""Real servers for the suite: a PostgreSQL cluster and an SMTP server, on loopback."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(found: object, what: str) -> None:
    """A missing server program fails the test under CI, where every test must run (.ci/run installs
    them), and skips it elsewhere."""
    if found:
        return
    import pytest

    if in_ci():
        pytest.fail(f"{what} is not installed; under CI every test must run (.ci/run installs it)")
    pytest.skip(f"{what} is not installed here (CI installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- PostgreSQL -----------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class PostgresServer:
    """A throwaway cluster in a temporary folder. PostgreSQL refuses to run as root, so as root the
    folder belongs to the `postgres` user and the server runs through runuser."""

    bindir: Path
    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="portal-pg-")))
    # The suite's shared cluster trades durability for speed; a cluster a test crashes on purpose keeps
    # PostgreSQL's defaults, so that what was committed survives the crash as it would in production.
    durable: bool = False

    @property
    def _options(self) -> str:
        fast = "" if self.durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        return f"-h 127.0.0.1 -p {self.port} -k {self.root}{fast} -c max_connections=200"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres", group="postgres")
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "portal", "-A", "trust", "-E", "UTF8", "--no-sync"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-w",
            "-o",
            self._options,
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-w",
            "-o",
            self._options,
            "start",
        )

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://portal@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=portal dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


# --- Redis ----------------------------------------------------------------------------------------


def redis_bin() -> str | None:
    return shutil.which("redis-server")


@dataclass
class RedisServer:
    """A throwaway Redis on loopback, keeping nothing on disk: the rate limits' shared store."""

    binary: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


# --- SMTP -----------------------------------------------------------------------------------------


class Inbox:
    """Collects every message the SMTP server accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []  # each message's envelope recipients (RCPT TO)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = message_from_bytes(envelope.original_content or b"")
        with self._arrived:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._arrived.wait(remaining)
            return list(self.messages)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.recipients.clear()


class SMTPServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- OpenID Connect -------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
OIDC_SCRIPT = ROOT / "tests" / "support" / "oidc_provider.mjs"


def oidc_provider_installed() -> bool:
    """node on the PATH and the npm package oidc-provider in node_modules (`make test` runs npm ci)."""
    return bool(shutil.which("node")) and (ROOT / "node_modules" / "oidc-provider" / "package.json").exists()


@dataclass
class OidcProviderServer:
    """A real OpenID Connect provider (the npm package oidc-provider) on loopback, with one client whose
    redirect and post-logout addresses are given; tests/support/oidc_provider.mjs says how tests make
    accounts and ask for a bad ID token."""

    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    # The port the browser tests' portal serves on (and the socket that holds it): its addresses are
    # registered with the client too.
    browser_port: int = 0
    browser_socket: socket.socket | None = None
    client_id: str = "partner-portal"
    client_secret: str = "client-secret-for-tests-only"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Any = None  # the provider's stderr, shown when it fails to start

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "OIDC_PORT": str(self.port),
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_REDIRECT_URIS": ",".join(self.redirect_uris),
            "OIDC_POST_LOGOUT_REDIRECT_URIS": ",".join(self.post_logout_redirect_uris),
            "NODE_ENV": "test",
        }
        self.log = log = tempfile.TemporaryFile()  # noqa: SIM115 (kept open while the provider runs; stop() closes it)
        self.process = subprocess.Popen(
            ["node", str(OIDC_SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"oidc-provider exited: {log.read().decode()[-2000:]}")
            with contextlib.suppress(OSError):
                if self._call("GET", "/.well-known/openid-configuration").get("issuer") == self.issuer:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("oidc-provider did not publish its discovery document in time")

    def _call(self, method: str, path: str, body: object = None) -> dict[str, object]:
        import json
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 (loopback, http by design)
            self.issuer + path, data=data, method=method, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=5) as response:  # noqa: S310 (same)
            text = response.read().decode()
        return json.loads(text) if text else {}

    def add_account(
        self,
        email: str,
        *,
        email_verified: bool | None = True,
        amr: list[str] | None = None,
        acr: str | None = None,
        **claims: object,
    ) -> None:
        """Make (or replace) an account at the provider, with the claims its ID tokens will carry
        (email_verified None: no such claim, as Microsoft Entra ID sends none)."""
        account = {"email": email, "email_verified": email_verified, "amr": amr, "acr": acr, **claims}
        self._call("POST", "/test/accounts", account)

    def next_id_token(self, *, other_key: bool = False, **claims: object) -> None:
        """The next token response carries an ID token with `claims` changed (or signed with a key the
        provider never published): what a misbehaving or impersonated provider would send."""
        self._call("POST", "/test/next-id-token", {"claims": claims, "other_key": other_key})

    def reset(self) -> None:
        self._call("POST", "/test/reset", {})

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None
