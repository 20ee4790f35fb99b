"""Helpers for the account tests: counting rows, delivering the outbox, reading the e-mails."""

from __future__ import annotations

import re
from email.message import Message
from typing import Any

import pytest
from flask import Flask

from portal.common import outbox
from tests.support.db import count as count  # the tests import them from here
from tests.support.db import fresh as fresh
from tests.support.mail import body_of as body_of  # the tests import it from here


def link_path(message: Message, prefix: str) -> str:
    """The path of the one link in `message` that starts with `prefix` (e.g. "/password-reset/")."""
    paths = re.findall(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s]+)", body_of(message))
    assert len(paths) == 1, f"expected one {prefix} link in the e-mail, found {paths}"
    return str(paths[0])


@pytest.fixture
def deliver(app: Flask) -> Any:
    """deliver(): run the outbox worker once in its own app context, as `flask outbox work --once` does."""

    def run() -> tuple[int, int]:
        with app.app_context():
            return outbox.send_due()

    return run
