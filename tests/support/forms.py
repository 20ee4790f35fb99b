"""Posting forms as a browser does and reading what the page says back: the CSRF token, the error
summary and its fields, the flashed messages."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

# A page every client can open, signed in or not, that carries a form (and so the session's CSRF token).
TOKEN_PAGE = "/password-reset"


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    """The CSRF token of the form on `path`, as the browser would send it back."""
    page = client.get(path)
    field = BeautifulSoup(page.get_data(as_text=True), "html.parser").find("input", attrs={"name": "csrf_token"})
    assert field is not None, f"no CSRF token on {path}"
    return str(field["value"])


def session_csrf_token(client: FlaskClient) -> str:
    """The client's session's CSRF token, read from a page once per session. It stays valid until the
    session's secret changes (signing in and out clear the session), so it is read again then."""
    with client.session_transaction() as session:
        secret = session.get("csrf_token")
    cached: tuple[str, str] | None = getattr(client, "_csrf_token", None)
    if secret is None or cached is None or cached[0] != secret:
        token = csrf_token(client, TOKEN_PAGE)
        with client.session_transaction() as session:
            cached = (str(session["csrf_token"]), token)
        client._csrf_token = cached  # type: ignore[attr-defined]
    return cached[1]


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None) -> Any:
    """POST `data` to `url` with the session's CSRF token, as a form on one of the portal's pages does."""
    return client.post(url, data={"csrf_token": session_csrf_token(client), **(data or {})})


def errors(response: Any) -> list[str]:
    """The messages in the page's error summary, in order."""
    return [" ".join(a.get_text().split()) for a in response.soup.select(".govuk-error-summary__list a")]


def summary_links(response: Any) -> dict[str, str]:
    """The error summary: message → the href it links to."""
    links = response.soup.select(".govuk-error-summary__list a")
    return {" ".join(a.get_text().split()): str(a["href"]) for a in links}


def assert_error_page(response: Any, *messages: str, status: int = 200) -> BeautifulSoup:
    """A GOV.UK error page: `status`, a title starting "Error: ", an error summary whose links each lead to
    an element of the page, and each of `messages` both in the summary and next to its field."""
    assert response.status_code == status, response.status_code
    soup: BeautifulSoup = response.soup
    assert soup.title is not None
    assert soup.title.get_text().strip().startswith("Error: "), soup.title.get_text()
    links = soup.select(".govuk-error-summary__list a")
    assert links, "no error summary, or one without links"
    for link in links:
        href = str(link["href"])
        assert href.startswith("#"), href
        assert soup.find(id=href[1:]) is not None, f"the error summary links to {href}, which is not on the page"
    summary = errors(response)
    # A field may show several messages, one a line (portal.common.forms.FreeTextArea): each counts.
    inline = [
        " ".join(line.split()).removeprefix("Error: ")
        for e in soup.select(".govuk-error-message")
        for line in e.get_text("\n").split("\n")
        if line.strip() and line.strip() != "Error:"
    ]
    for message in messages:
        assert message in summary, f"{message!r} not in the error summary {summary}"
        assert message in inline, f"{message!r} not shown by its field {inline}"
    return soup


def banner(response: Any) -> str:
    """The text of the page's notification banners (the flashed messages)."""
    return " | ".join(" ".join(b.get_text().split()) for b in response.soup.select(".govuk-notification-banner"))
