"""The newcomer's path, from the README's own command: `make run` on this checkout (its database and mail
kept in a folder of the test's own) serves the portal with the demo data, prints the demo sign-ins and
where the mail goes; a request sent by the demo partner reaches the demo lead printed for the partner's
locality, as an e-mail captured in the maildir linking to the address `make run` serves, and that lead
signs in with the printed password and opens it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from portal.config import ROOT
from tests.support.http import ProxiedClient
from tests.support.servers import free_port

pytestmark = pytest.mark.xdist_group("operator")

DEMO_PASSWORD = "demo-pass-2026"


def _captured(maildir: Path) -> list[str]:
    messages = [message_from_bytes(path.read_bytes(), policy=default) for path in (maildir / "new").iterdir()]
    return [f"To: {m['To']}\nSubject: {m['Subject']}\n\n{m.get_body(('plain',)).get_content()}" for m in messages]


def test_make_run_serves_the_demo_and_captures_its_mail(tmp_path):
    port, smtp_port = free_port(), free_port()
    log = tmp_path / "make-run.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DATABASE_", "MAIL_", "MAKE"))}
    with log.open("wb") as out:
        make = subprocess.Popen(
            ["make", "run", f"PORT={port}", f"SMTP_PORT={smtp_port}", f"INSTANCE={tmp_path / 'instance'}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        partner = ProxiedClient(port, f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 180
        while True:
            assert make.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                if partner.get("/healthz").status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        printed = log.read_text()
        for email in ("partner@example.org", "dev.sandhu@example.org", "joanna.keele@example.org", "admin@example.org"):
            assert f"{email}" in printed and DEMO_PASSWORD in printed
        assert f"Serving on http://127.0.0.1:{port}" in printed
        assert f"{tmp_path / 'instance'}/mail/new/" in printed

        page = partner.submit("/sign-in", {"email": "partner@example.org", "password": DEMO_PASSWORD})
        assert page.soup.select_one("a[href='/account']") is not None, page.body[:1000]
        page = partner.submit(
            "/requests/new",
            {
                "kind": "consultation",
                "urgency": "routine",
                "child_initials": "JB",
                "child_birth_year": "2015",
                "summary": "Worries about attendance and a change in behaviour since half term.",
                "help_wanted": "A consultation on whether to make a referral.",
            },
        )
        assert page.status == 200 and page.url.startswith("/requests/"), (page.url, page.h1)
        reference = page.h1

        maildir = tmp_path / "instance" / "mail"
        deadline = time.monotonic() + 30
        while not any("To: dev.sandhu@example.org" in m for m in _captured(maildir)):
            assert time.monotonic() < deadline, "no e-mail captured: " + log.read_text()[-2000:]
            time.sleep(0.3)
        [to_lead] = [m for m in _captured(maildir) if "To: dev.sandhu@example.org" in m]
        assert f"http://127.0.0.1:{port}{page.url}" in to_lead, (to_lead, reference)

        lead = ProxiedClient(port, f"http://127.0.0.1:{port}")
        lead.submit("/sign-in", {"email": "dev.sandhu@example.org", "password": DEMO_PASSWORD})
        assert lead.get(page.url).status == 200
        read = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "portal.app.mailbox", str(maildir), "--last", "10"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        assert "To: dev.sandhu@example.org" in read.stdout
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        make.wait(timeout=30)
