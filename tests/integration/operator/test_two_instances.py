"""Two app instances (two gunicorn masters on two loopback ports, as on two hosts) sharing PostgreSQL and
Redis: a session signed in on one works on the other, the sign-in rate limit counts across both, and 30
bookings spread over both for the last 3 places give exactly 3."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.integration.operator.conftest import PUBLIC_URL, Production, seed_world, sign_in
from tests.support.http import ProxiedClient
from tests.support.servers import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("operator")]


def _rows(url: str, query: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return list(conn.execute(query, params).fetchall())


def test_two_instances_share_sessions_limits_and_places(production: Production, redis_server):
    production.env["RATELIMIT_STORAGE_URI"] = redis_server.url
    production.flask("db", "upgrade")
    world = seed_world(production.env["DATABASE_URL"], partners=30, places=3)
    ports = [free_port(), free_port()]
    for port in ports:
        production.gunicorn(port, workers=1)

    def client(n: int, *, address: str) -> ProxiedClient:
        return ProxiedClient(ports[n % 2], PUBLIC_URL, extra_headers={"X-Forwarded-For": address})

    # Signed in on the first instance, the same cookie works on the second.
    first = client(0, address="192.0.2.1")
    sign_in(first, world.partners[0], world.password)
    second = client(1, address="192.0.2.1")
    second.cookies = dict(first.cookies)
    assert second.get("/account").h1 == "Your account"

    # The sign-in limit (10 a minute from one address) counts the attempts made at both instances.
    statuses = []
    for n in range(11):
        attacker = client(n, address="198.51.100.7")
        statuses.append(attacker.submit("/sign-in", {"email": world.partners[1], "password": "wrong"}).status)
    assert statuses == [200] * 10 + [429]

    # Thirty partners, half at each instance, book the session's three places at once.
    partners = [client(n, address=f"203.0.113.{n + 1}") for n in range(30)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(
            pool.map(lambda pair: sign_in(pair[0], pair[1], world.password), zip(partners, world.partners, strict=True))
        )
    page = f"/sessions/{world.session_id}"
    forms = [p.get(page).soup.select_one(f"form[action='{page}/book']") for p in partners]
    tokens = [form.select_one("input[name=csrf_token]")["value"] if form else None for form in forms]
    assert all(tokens)

    def book(pair: tuple[ProxiedClient, str | None]) -> int:
        return pair[0].request("POST", f"{page}/book", {"csrf_token": pair[1]}).status

    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(book, zip(partners, tokens, strict=True)))
    assert results == [200] * 30  # each sees its answer: booked, or full with the waiting list offered
    url = production.env["DATABASE_URL"]
    assert _rows(url, "SELECT count(*) FROM session_booking WHERE status = 'confirmed'") == [(3,)]
    assert _rows(url, "SELECT booked FROM engagement_session WHERE id = %s", world.session_id) == [(3,)]
