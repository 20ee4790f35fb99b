"""Every endpoint is in the access table, and every route's decision is proven for each role and for
anonymous users. A new route without a decision fails here."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from portal.common.roles import Role
from tests.access import (
    ANY_SIGNED_IN,
    EVERYONE,
    accounts,
    dashboards,
    directory,
    feedback,
    home,
    meetings,
    pages,
    requests,
    sessions,
)
from tests.conftest import csrf_token, sign_in

# One module per blueprint, each with its table (endpoint → who may use it) and the values of its URL
# parameters. Keep the tables in step with the decorators: the tests below compare them.
DOMAINS = (pages, accounts, directory, requests, sessions, meetings, feedback, dashboards, home)

ACCESS: dict[str, frozenset[Any]] = {}
for _domain in DOMAINS:
    assert not set(_domain.ACCESS) & set(ACCESS), f"{_domain.__name__} repeats endpoints"
    ACCESS.update(_domain.ACCESS)


def endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


@pytest.fixture
def access_app(app: Flask) -> Flask:
    return app


def _open(client: Any, method: str, url: str) -> Any:
    # POSTs carry the session's CSRF token, so that they reach the access decision.
    data = {"csrf_token": csrf_token(client, "/password-reset")} if method == "POST" else None
    return client.open(url, method=method, data=data)


def test_every_endpoint_has_an_entry_in_the_access_table(app):
    assert endpoints(app) == set(ACCESS)


def test_every_view_declares_the_access_the_table_expects(app):
    for endpoint in endpoints(app):
        view = app.view_functions[endpoint]
        declared = getattr(view, "access", None)
        assert declared is not None, f"{endpoint} has neither @public nor @role_required"
        assert declared == ACCESS[endpoint], f"{endpoint}: declared {set(declared)}, table says {set(ACCESS[endpoint])}"


def _urls(app: Flask, world: Any, factories: Any) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route, with ids of objects in the world's first locality."""
    values: dict[str, Any] = {}
    for domain in DOMAINS:
        given = domain.url_values(world, factories)
        assert not set(given) & set(values), f"{domain.__name__} repeats URL parameters"
        values.update(given)
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(values[arg])).replace(f"<{arg}>", str(values[arg]))
        method = "GET" if "GET" in (rule.methods or set()) else "POST"
        found.append((rule.endpoint, method, url))
    return found


def _is_sign_in_redirect(response: Any) -> bool:
    # Flask-Login's refusal: to sign-in, carrying where the user was going. The code steps of sign-in
    # are public but send a visitor with no sign-in in progress back to the start, with no `next`.
    location = response.headers.get("Location", "")
    return response.status_code == 302 and "/sign-in" in location and "next=" in location


def test_anonymous_users_are_sent_to_sign_in_from_every_non_public_route(access_app, world, factories):
    client = access_app.test_client()
    for endpoint, method, url in _urls(access_app, world, factories):
        response = _open(client, method, url)
        if ACCESS[endpoint] == EVERYONE:
            assert not _is_sign_in_redirect(response), f"{endpoint} should be public"
            assert response.status_code in (200, 302, 404), (endpoint, response.status_code)
        else:
            assert _is_sign_in_redirect(response), f"{endpoint} let an anonymous user through ({response.status_code})"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_the_decision_in_the_table(access_app, world, factories, role):
    user = world.of(role)
    # Signing out ends the session, so it goes last.
    urls = sorted(_urls(access_app, world, factories), key=lambda u: u[0] == "accounts.sign_out")
    client = access_app.test_client()
    sign_in(client, user)
    for endpoint, method, url in urls:
        response = _open(client, method, url)
        allowed = ACCESS[endpoint]
        may = allowed in (EVERYONE, ANY_SIGNED_IN) or role in allowed
        if may:
            assert response.status_code not in (401, 403), f"{role} refused at {endpoint}"
            assert response.status_code < 500, f"{role} got {response.status_code} at {endpoint}"
            assert not _is_sign_in_redirect(response) or endpoint == "accounts.sign_out", endpoint
        else:
            assert response.status_code == 403, f"{role} got {response.status_code} at {endpoint}, expected 403"
