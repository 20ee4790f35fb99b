"""The fuzz sweep: every route in app.url_map, as every role, on SQLite and PostgreSQL. Each route is opened with
hostile query strings and hostile path ids, and each form the role can see is posted with its own fields filled by
hypothesis (huge, negative and non-ASCII numbers, NUL and control characters, spaces only, long text, 20-digit and
out-of-range dates, files where text is expected, duplicated fields). Zero 5xx; a refused post writes nothing.

Bounded: a fixed number of examples per route and role, derandomised, so CI is stable and the sweep adds about a
minute. The counts (routes, requests, 5xx) are printed at the end of each run and kept as test properties.
"""

from __future__ import annotations

import contextvars
import io
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.common.roles import Role
from portal.extensions import db
from portal.models import Base
from tests.access import ANY_SIGNED_IN, EVERYONE
from tests.conftest import CheckedResponse, sign_in
from tests.integration.common.test_access import ACCESS, DOMAINS
from tests.support.forms import session_csrf_token
from tests.support.pages import check_page

# Examples per route and role: GETs with hostile query strings, and posts of each form's fields.
GET_EXAMPLES = 2
POST_EXAMPLES = 3

# Rows a refused request may still write: the audit log (a denied access is recorded) and the session's
# last-used time live outside what a refused form may change.
MAY_WRITE = ("audit_event", "user_session")

HUGE = "99999999999999999999"
NUMBERS = [HUGE, "-1", "-99999999999999999999", "0", "²", "١٢", "１２", "1e9", "0x10", "3.5", " 7 ", "NaN"]
PERIODS = ["99999999999999999999", "0000-Q4", "0001-01", "9999-12", "2026-Q9", "2026-13", "-1", "Q4", "2026-Q", "²"]
NASTY_TEXT = [
    "",
    "   ",
    "\t \r\n",
    "\x00",
    "Tea\x00time",
    "\x1b[31mred",
    "\x7f\x08",
    "\u202egnp.exe",
    "=SUM(A1:A9)",
    "＝1+1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "x" * 5000,
    "Ünïcödé ☃ 🙂",
    "%00",
    "../../etc/passwd",
]
# Query parameters the views read (the union over every route: a route ignores the ones it does not read).
QUERY_NAMES = [
    "period",
    "locality",
    "locality_id",
    "pod",
    "practitioner",
    "page",
    "closed",
    "kind",
    "theme",
    "next",
    "q",
    "type",
    "status",
    "person",
    "action",
    "record",
    "from",
    "to",
]

values = st.one_of(
    st.sampled_from(NUMBERS),
    st.sampled_from(PERIODS),
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=40),
)


@dataclass
class FormSpec:
    """A form as a page shows it: its fields and, for a select or radios, the values offered."""

    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    dates: set[str] = field(default_factory=set)


@dataclass
class Sweep:
    routes: set[str] = field(default_factory=set)
    requests: int = 0
    refused_posts: int = 0  # posts answered without a redirect, whose row counts were compared
    failures: list[str] = field(default_factory=list)


def _forms(html: str, url: str) -> list[FormSpec]:
    """The POST forms of a page, with each field's name and the values the page offers for it. A GOV.UK date
    is three boxes of one name."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        spec = FormSpec(action=str(form.get("action") or url).split("#")[0])
        boxes: dict[str, int] = {}
        for element in form.find_all(["input", "select", "textarea"]):
            name = element.get("name")
            if not name or name == "csrf_token":
                continue
            offered = spec.fields.setdefault(str(name), [])
            if element.name == "select":
                offered += [str(o.get("value", o.get_text())) for o in element.find_all("option")]
            elif element.get("value") is not None:
                offered.append(str(element["value"]))
            if element.name == "input" and element.get("inputmode") == "numeric":
                boxes[str(name)] = boxes.get(str(name), 0) + 1
        spec.dates = {name for name, n in boxes.items() if n == 3}
        found.append(spec)
    return found


DATE_PARTS = st.sampled_from([HUGE, "9999", "0", "1", "12", "31", "2024", "1900", "3000", "²", "١٢", "-1", "\x00"])


def _field_value(offered: list[str]) -> st.SearchStrategy[Any]:
    one = st.one_of(values, st.sampled_from(offered) if offered else values, st.just("Example text"))
    return st.one_of(
        one,
        one,
        one,
        st.lists(one, min_size=2, max_size=3),  # the field repeated
        st.builds(lambda b: (io.BytesIO(b), "message.txt"), st.binary(max_size=64)),  # a file for text
    )


def _post_data(spec: FormSpec) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, offered in spec.fields.items():
        if name in spec.dates:
            # Day, month and year: real-looking, 20-digit, out of range or not ASCII digits.
            fields[name] = st.lists(DATE_PARTS, min_size=3, max_size=3)
        else:
            fields[name] = _field_value(offered)
    return st.fixed_dictionaries({}, optional=fields)


def _check(sweep: Sweep, response: Any, what: str) -> None:
    sweep.requests += 1
    if response.status_code >= 500:
        sweep.failures.append(f"{response.status_code} {what}")


class SweepClient(FlaskClient):
    """The suite's client (each request in its own context) with the page checks left to `_open`: a refusal
    page (403, 404) is the same page every time, so only the pages that show hostile input are checked."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        response.__class__ = CheckedResponse
        return response


def _open(sweep: Sweep, client: Any, method: str, url: str, what: str, *, check: bool = True, **kwargs: Any) -> Any:
    response = client.open(url, method=method, **kwargs)
    _check(sweep, response, what)
    if check and response.status_code == 200 and response.mimetype == "text/html":
        try:  # valid HTML (no control character shown again), one h1, no duplicate ids…
            check_page(response.get_data(as_text=True), response.headers.get("Content-Security-Policy"), path=url)
        except AssertionError as error:
            sweep.failures.append(f"page check {what}: {str(error)[:200]}")
    return response


def _row_counts() -> dict[str, int]:
    """Rows in every table a refused post must not change, in one statement (tests.support.db.row_counts
    asks once a table, which the sweep would do twice a post)."""
    db.session.rollback()  # a fresh look: the requests commit in their own sessions
    tables = [t for t in Base.metadata.sorted_tables if t.name not in MAY_WRITE]
    counts = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables))
    return dict(db.session.execute(counts).one()._mapping)


def _routes(app: Flask, given_values: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(endpoint, rule, url with ids of the world's first locality), sign-out and erasure last."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(given_values[arg])).replace(f"<{arg}>", str(given_values[arg]))
        found.append((rule.endpoint, rule, url))
    last = ("accounts.erase_user", "accounts.disable_user", "accounts.sign_out")
    return sorted(found, key=lambda r: last.index(r[0]) + 1 if r[0] in last else 0)


def _hostile_paths(rule: Any, url_for_values: dict[str, Any]) -> list[str]:
    """The route's URL with each id replaced by a huge, a negative, a zero and a non-ASCII number."""
    paths = []
    for arg in rule.arguments:
        for bad in (HUGE, "%C2%B2"):
            url = rule.rule
            for other in rule.arguments:
                value = bad if other == arg else url_for_values[other]
                url = url.replace(f"<int:{other}>", str(value)).replace(f"<{other}>", str(value))
            paths.append(url)
    return paths


def _sweep_role(app: Flask, world: Any, factories: Any, role: Role, sweep: Sweep) -> None:
    user = world.of(role)
    given_values: dict[str, Any] = {}
    for domain in DOMAINS:
        given_values.update(domain.url_values(world, factories))
    client = SweepClient(app, app.response_class, use_cookies=True)
    sign_in(client, user)
    routes = _routes(app, given_values)
    forms: dict[str, list[FormSpec]] = {}
    # First, each page the role may open, as they see it: the forms it shows, by where they post.
    for endpoint, rule, url in routes:
        sweep.routes.add(endpoint)
        if "GET" in (rule.methods or ()) and _may(role, endpoint):
            response = _open(sweep, client, "GET", url, f"GET {url} as {role}", check=False)
            if response is not None and response.mimetype == "text/html":
                for spec in _forms(response.get_data(as_text=True), url):
                    forms.setdefault(spec.action, []).append(spec)

    for endpoint, rule, url in routes:
        if endpoint == "accounts.sign_out":
            continue
        may = _may(role, endpoint)
        for path in _hostile_paths(rule, given_values) if may else []:
            method = "GET" if "GET" in (rule.methods or ()) else "POST"
            data = {"csrf_token": session_csrf_token(client)} if method == "POST" else None
            _open(sweep, client, method, path, f"{method} {path} as {role}", data=data)

        if "GET" in (rule.methods or ()):
            _hostile_gets(sweep, client, url, role, examples=GET_EXAMPLES if may else 1)
        if "POST" in (rule.methods or ()):
            for spec in forms.get(url) or [FormSpec(action=url, fields={"text": [], "id": []})]:
                _hostile_posts(sweep, client, url, spec, role, examples=POST_EXAMPLES if may else 1)


def _may(role: Role, endpoint: str) -> bool:
    """Whether the access table lets `role` use the route (the others are refused before anything is read,
    so one hostile request each is enough)."""
    allowed = ACCESS[endpoint]
    return allowed in (EVERYONE, ANY_SIGNED_IN) or role in allowed


def _runs(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _hostile_gets(sweep: Sweep, client: Any, url: str, role: Role, *, examples: int) -> None:
    @_runs(examples)
    @given(st.lists(st.tuples(st.sampled_from(QUERY_NAMES), values), min_size=1, max_size=6))
    def hostile_get(query: list[tuple[str, str]]) -> None:
        full = f"{url}?{urlencode(query)}"
        _open(sweep, client, "GET", full, f"GET {full!r} as {role}")

    hostile_get()


def _hostile_posts(sweep: Sweep, client: Any, url: str, spec: FormSpec, role: Role, *, examples: int) -> None:
    @_runs(examples)
    @given(_post_data(spec))
    def hostile_post(data: dict[str, Any]) -> None:
        before = _row_counts()
        form: MultiDict[str, Any] = MultiDict()
        for name, value in data.items():
            for one in value if isinstance(value, list) else [value]:
                form.add(name, one)
        form.add("csrf_token", session_csrf_token(client))
        what = f"POST {url} {dict(data)!r:.300} as {role}"
        response = _open(sweep, client, "POST", url, what, data=form, content_type="multipart/form-data")
        if response.status_code not in (301, 302, 303):
            sweep.refused_posts += 1
            after = _row_counts()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            if changed:
                sweep.failures.append(f"refused post wrote {changed}: {what}")

    hostile_post()


@pytest.mark.parametrize("role", list(Role))
def test_no_route_answers_hostile_input_with_a_server_error(app, world, factories, role, record_property):
    sweep = Sweep()
    _sweep_role(app, world, factories, role, sweep)
    record_property("routes", len(sweep.routes))
    record_property("requests", sweep.requests)
    record_property("refused_posts", sweep.refused_posts)
    print(
        f"\nfuzz sweep as {role}: {len(sweep.routes)} routes, {sweep.requests} requests,"
        f" {sweep.refused_posts} refused posts checked for writes, {len(sweep.failures)} failures"
    )
    assert not sweep.failures, "\n".join(sweep.failures[:60])
