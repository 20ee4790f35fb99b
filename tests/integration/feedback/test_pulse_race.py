"""Partners of one school answering the pulse of the same closed request at the same moment, each in their
own thread and HTTP session against the app served on loopback: one answer is kept, everyone else is
told it has already been answered, and nobody sees an error page (SQLite file database and PostgreSQL)."""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.serving import make_server

from portal.common.roles import Role
from portal.feedback.models import PulseResponse
from tests.factories import PASSWORD
from tests.support.db import count
from tests.support.servers import free_port

RACERS = 12


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One partner's HTTP session (their own cookie jar)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )

    def open(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def token(self, path: str) -> str:
        status, _, html = self.open(path)
        assert status == 200, (path, status)
        found = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf_token"})
        assert found is not None
        return str(found["value"])

    def banner(self, location: str) -> str:
        _, _, html = self.open(urllib.parse.urlparse(location).path)
        return " ".join(BeautifulSoup(html, "html.parser").select_one(".govuk-notification-banner").get_text().split())


@pytest.fixture
def live(app: Flask, database_url: str, make_app: Any) -> Iterator[str]:
    served = make_app("testing", SQLALCHEMY_DATABASE_URI=database_url, SERVER_NAME=None, RATELIMIT_ENABLED=False)
    server = make_server("127.0.0.1", free_port(), served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_racing_answers_keep_one_and_tell_the_others(live, world, factories, closed_request):
    request_id = closed_request().id
    people = [
        factories.UserFactory(role=Role.PARTNER, organisation=world.school, locality=world.locality)
        for _ in range(RACERS)
    ]
    browsers, tokens = [], []
    for person in people:
        browser = Browser(live)
        token = browser.token("/sign-in")
        status, _, _ = browser.open("/sign-in", {"email": person.email, "password": PASSWORD, "csrf_token": token})
        assert status == 302
        browsers.append(browser)
        tokens.append(browser.token(f"/requests/{request_id}"))

    barrier = threading.Barrier(RACERS)
    results: list[tuple[int, str]] = [(0, "")] * RACERS
    failures: list[BaseException] = []

    def answer(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            status, location, _ = browsers[i].open(
                f"/feedback/requests/{request_id}/pulse",
                {"csrf_token": tokens[i], "helpful": "yes", "knew_what_next": "yes"},
            )
            results[i] = (status, browsers[i].banner(location) if status == 302 else "")
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert all(status == 302 for status, _ in results), [status for status, _ in results]
    thanked = [text for _, text in results if "Thank you" in text]
    told = [text for _, text in results if "already answered" in text]
    assert (len(thanked), len(told)) == (1, RACERS - 1), results
    assert count(PulseResponse) == 1
