"""Helpers for the directory's form tests: post a form with the session's CSRF token, check a GOV.UK
error page, and prove that a refused post wrote nothing."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Base
from tests.conftest import csrf_token


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, *, form_page: str = "/absences/new") -> Any:
    """POST `data` with the session's CSRF token (read from a page the signed-in user can open)."""
    return client.post(url, data={"csrf_token": csrf_token(client, form_page), **(data or {})})


def row_counts() -> dict[str, int]:
    """How many rows every table holds, read afresh from the database."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def assert_error_page(page: Any, *messages: str) -> BeautifulSoup:
    """A GOV.UK error page: title starts "Error: ", a summary whose links all lead to an element on the
    page, and each of `messages` both in the summary and next to its field."""
    soup: BeautifulSoup = page.soup
    assert soup.title is not None
    assert soup.title.get_text().strip().startswith("Error: "), soup.title.get_text()
    summary = soup.select_one(".govuk-error-summary")
    assert summary is not None, "no error summary"
    links = summary.select(".govuk-error-summary__list a")
    assert links, "the error summary has no links"
    for link in links:
        href = str(link["href"])
        assert href.startswith("#"), href
        assert soup.find(id=href[1:]) is not None, f"the error summary links to {href}, which is not on the page"
    summary_text = [" ".join(link.get_text().split()) for link in links]
    inline = [" ".join(e.get_text().split()).removeprefix("Error: ") for e in soup.select(".govuk-error-message")]
    for message in messages:
        assert message in summary_text, f"{message!r} not in the summary {summary_text}"
        assert message in inline, f"{message!r} not shown by its field {inline}"
    return soup


def summary_links(page: Any) -> dict[str, str]:
    """Error summary: message → the id it links to."""
    return {" ".join(a.get_text().split()): str(a["href"]) for a in page.soup.select(".govuk-error-summary__list a")}


@pytest.fixture
def staff_in(factories: Any) -> Any:
    """staff_in(locality, **fields): a practitioner in that locality."""
    from portal.common.roles import Role

    def make(locality: Any, **fields: Any) -> Any:
        fields.setdefault("role", Role.PRACTITIONER)
        return factories.UserFactory(locality=locality, **fields)

    return make
