"""Requests per second of the portal's main pages under gunicorn at benchmark scale, beside a bare hello route.

    .venv/bin/python -m bench.throughput                    # PostgreSQL (a throwaway cluster), 1,000,000 requests
    .venv/bin/python -m bench.throughput --rows 10000       # the same end to end on a small database
    .venv/bin/python -m bench.throughput --sqlite           # SQLite in a temporary folder instead

The data: the world of bench/requests_queue.py (150 localities, 25,000 schools, a lead, a practitioner and a
manager a locality, partner users for the 400 schools that ask most, staff absences), --rows requests from its
generator with their timelines, promises and escalations (`--events sample`: timelines for the measured
locality only), then bench/dashboards.py's step timings, one feedback entry for every five requests (200,000
at 1,000,000) and pulse answers, and here a year and a half of shadowing sessions and open days (one a
locality a month, the last 24 months and the next 6, with partners' bookings and waiting lists). On
PostgreSQL the load ends with ANALYZE, as autovacuum would.

The server: bench/wsgi.py (the portal plus /bench-hello, a route that returns "hello" behind the same hooks)
under gunicorn with the repository's gunicorn.conf.py (gthread, the access log, the redacting logger),
--workers 2 × --threads 4 on loopback, in the production configuration (PORTAL_ENV=production, a random
48-character SECRET_KEY, DATABASE_URL, PUBLIC_URL=https://partner-portal.example.org). Three settings differ
from a deployment, each on purpose:
 - PROXY_HOPS=1, and every request carries the headers nginx would add (`Host: partner-portal.example.org`,
   `X-Forwarded-Proto: https`, `X-Forwarded-For: 127.0.0.1`): the production config refuses other hosts
   (400) and Talisman redirects plain http to https, so this is how the production code path (HSTS, secure
   cookies, CSRF's referrer check) is reached without TLS on loopback. The development config would skip
   that path and use other logging and template settings.
 - REQUIRE_SECOND_FACTOR=false: staff sign in with the password alone (the second factor is a sign-in step,
   not a per-request cost; the benchmark signs in once per role).
 - --max-requests 0: the shipped file restarts each worker after about 2,000 requests, which at these rates
   would restart them every few seconds, add the restart (and search index build) to the figures and hide any
   growth in memory; the benchmark wants the steady state and the growth.

Signing in: once per role, through the HTTP form (GET /sign-in for the CSRF token and cookie, POST with the
referrer), keeping the session cookie it returns: the partner of the busiest school of the busiest locality
(signed-in search, the school page, the sessions list), that locality's lead practitioner (the queue and a
request page) and its manager (the dashboard and the quarterly report page, for the last full quarter).

The load: wrk (`apt-get install wrk`; bench/loadgen.py without it), --connections 8 keep-alive connections,
each page --warmup seconds once in a warm-up pass, then --rounds passes of each page for --duration seconds
(hello first and again last in each pass). A page's figures are those of its best pass (the highest req/s:
the one least disturbed by other work on a shared machine), its ratio is to hello's best, and its non-2xx and
5xx are counted over every pass. wrk counts every status code (bench/wrk_statuses.lua): non-2xx is every
response that is not 2xx, so a signed-in page that redirected to the sign-in form would show; wrk waits up
to 30 s for a response (its default, 2 s, would drop the slowest ones from the latency figures and count
them as socket errors). Beside req/s, p50 and p99: gunicorn's CPU (master and workers) and PostgreSQL's per
request, from /proc; the CPU time the rest of the machine used meanwhile (the machine's busy time less the
server's, the database's and the load generator's), as a share of its CPUs; and the resident memory of
gunicorn's master and workers after start, after the warm-up pass ("before"), after each pass, and at the end ("after").

Then, in this process through the Flask test client (testing config, same database), each page's SQL
statements, their time and the page's time (median of --inprocess-requests GETs); then a cProfile of the
signed-in list or detail page slowest under load and of both dashboard pages, with their slowest statements.

Targets (the issue): every signed-in list and detail page ≥ 1/3 of hello's req/s, the dashboard pages
≥ 1/10, p99 ≤ 100 ms and no 5xx on every page, memory flat (here: the total RSS grows by less than 10%
from "before" to "after"). Figures go to bench/results/throughput.json and .md (throughput_sqlite.* with
--sqlite); the gunicorn log to bench/results/throughput.gunicorn.log.tmp.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import json
import os
import pstats
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Table, select, text

from bench.dashboards import add_measures, measure_path
from bench.directory_search import (
    git,
    gunicorn,
    machine_info,
    markdown_table,
    profile_text,
    run_loadgen,
    run_wrk,
    table,
)
from bench.requests_queue import (
    PASSWORD,
    Loader,
    RequestMaker,
    SQLRecorder,
    World,
    bench_database,
    grow,
    load_world,
    pick_pages,
    sign_in,
)
from bench.wsgi import add_hello_route
from portal import create_app
from portal.accounts.models import User
from portal.common.periods import quarter
from portal.config import ROOT
from portal.extensions import db
from portal.sessions.models import Booking, BookingStatus, Session, SessionKind

RESULTS = ROOT / "bench" / "results"
PUBLIC_URL = "https://partner-portal.example.org"
PUBLIC_HOST = "partner-portal.example.org"
# What nginx sends with every request (deploy/nginx/partner-portal.conf), for PROXY_HOPS=1.
PROXY_HEADERS = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
TARGET_P99_MS = 100.0
TARGET_RATIO = {"list or detail": Fraction(1, 3), "dashboard": Fraction(1, 10)}
MEMORY_GROWTH_LIMIT = 0.10
RESPONSE_TIMEOUT_S = 30.0  # gunicorn's worker timeout; wrk's own default (2 s) would drop the slowest responses
MEASURED_SOURCES = (
    "portal/directory/routes.py",
    "portal/requests/routes/requests.py",
    "portal/requests/services.py",
    "portal/sessions/routes.py",
    "portal/sessions/services.py",
    "portal/dashboards/routes.py",
    "portal/dashboards/figures.py",
    "portal/dashboards/report.py",
    "portal/accounts/services.py",
    "gunicorn.conf.py",
)


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    who: str  # "anonymous", or the role signed in: "partner", "practitioner", "manager"
    path: str
    group: str  # "baseline", "public", "list or detail" (target 1/3 of hello), "dashboard" (1/10)


def make_pages(*, org_id: int, request_id: int, period: str) -> list[Page]:
    return [
        Page("hello", "hello (/bench-hello)", "anonymous", "/bench-hello", "baseline"),
        Page("home", "home", "anonymous", "/", "public"),
        Page("search", "search, anonymous", "anonymous", "/schools?q=castle+rock", "public"),
        Page("school", "school page, anonymous", "anonymous", f"/organisations/{org_id}", "public"),
        Page("search_signed_in", "search, signed in", "partner", "/schools?q=castle+rock", "list or detail"),
        Page("school_signed_in", "school page, signed in", "partner", f"/organisations/{org_id}", "list or detail"),
        Page("sessions", "sessions list", "partner", "/sessions/", "list or detail"),
        Page("queue", "queue", "practitioner", "/requests", "list or detail"),
        Page("request", "request page", "practitioner", f"/requests/{request_id}", "list or detail"),
        Page("dashboard", "dashboard, last quarter", "manager", f"/dashboards?period={period}", "dashboard"),
        Page("report", "quarterly report page", "manager", f"/dashboards/report?period={period}", "dashboard"),
        Page("hello_again", "hello, again at the end", "anonymous", "/bench-hello", "baseline"),
    ]


# --- the data: sessions and bookings (the rest is the other benchmarks') -----------------------------------

SESSION_COLUMNS = (
    "id", "kind", "locality_id", "title", "description", "starts_at", "ends_at", "location", "what_to_bring",
    "capacity", "booked", "host_id", "published_by_id", "sequence", "cancelled_at", "attendance_recorded_at",
    "created_at", "updated_at",
)  # fmt: skip
BOOKING_COLUMNS = (
    "id", "session_id", "user_id", "status", "created_at", "waitlisted_at", "confirmed_at", "cancelled_at",
    "confidentiality_accepted_at", "sequence", "reminder_sent_at", "attended", "feedback_requested_at",
)  # fmt: skip
SESSION_TITLES = {
    SessionKind.FRONT_DOOR_SHADOWING: "a morning with the duty team",
    SessionKind.OPEN_DAY: "meet your locality team",
}


def add_sessions(
    app: Flask, world: World, rng: random.Random, now: datetime, *, months_back: int = 24, months_ahead: int = 6
) -> dict[str, int]:
    """One session a locality a month (hosted by its lead or practitioner, published by its manager), with
    partners' bookings: full ones have a short waiting list, a few are cancelled, most past ones have their
    attendance recorded."""
    partners = sorted(world.partner_of.values())
    sessions: list[tuple[Any, ...]] = []
    bookings: list[tuple[Any, ...]] = []
    for loc, (lead, second, manager) in sorted(world.staff.items()):
        for month in range(-months_back, months_ahead):
            day = (now + timedelta(days=30 * month + rng.uniform(0, 29))).replace(hour=9, minute=0, second=0)
            kind = rng.choice(list(SessionKind))
            capacity = rng.choice((6, 8, 10, 12))
            confirmed = rng.randint(0, capacity)
            waiting = rng.randint(1, 4) if confirmed == capacity else 0
            created = min(day - timedelta(days=rng.uniform(20, 60)), now)
            cancelled = created + timedelta(days=3) if rng.random() < 0.03 else None
            past = day < now
            recorded = day + timedelta(days=1) if past and cancelled is None and rng.random() < 0.8 else None
            sid = len(sessions) + 1
            sessions.append(
                (sid, kind.value, loc, SESSION_TITLES[kind], "What the day involves and who you will meet.", day)
                + (day + timedelta(hours=3), f"{world.localities[loc]} family hub", "Photo ID", capacity, confirmed)
                + (lead if rng.random() < 0.5 else second, manager, 0, cancelled, recorded, created, created)
            )
            for i, user in enumerate(rng.sample(partners, confirmed + waiting)):
                booked_at = min(created + timedelta(days=rng.uniform(0, 10)), now)
                status = BookingStatus.CONFIRMED if i < confirmed else BookingStatus.WAITLISTED
                attended = (rng.random() < 0.85) if recorded and status is BookingStatus.CONFIRMED else None
                bookings.append(
                    (len(bookings) + 1, sid, user, status.value, booked_at)
                    + (booked_at if status is BookingStatus.WAITLISTED else None,)
                    + (booked_at if status is BookingStatus.CONFIRMED else None, None, booked_at, 0)
                    + (day - timedelta(days=1) if past else None, attended, recorded)
                )
    with app.app_context(), db.engine.begin() as conn:
        loader = Loader(conn)
        loader.insert(cast(Table, Session.__table__), SESSION_COLUMNS, sessions)
        loader.insert(cast(Table, Booking.__table__), BOOKING_COLUMNS, bookings)
        if loader.postgres:
            for name in ("engagement_session", "session_booking"):
                sequence = f"pg_get_serial_sequence('{name}', 'id')"
                conn.execute(text(f"SELECT setval({sequence}, coalesce(max(id), 1)) FROM {name}"))  # noqa: S608
    upcoming = sum(1 for s in sessions if s[5] > now and s[14] is None)
    return {"sessions": len(sessions), "upcoming": upcoming, "bookings": len(bookings)}


# --- the server: processes, memory, CPU --------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str]:
    rest = Path(f"/proc/{pid}/stat").read_text().split(" (", 1)[1]
    return rest.rsplit(") ", 1)[1].split()  # after the command name, which may hold spaces


def children_of(master: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(_stat_fields(int(stat.parent.name))[1]) == master:
                found.append(int(stat.parent.name))
    return sorted(found)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def server_memory(master: int) -> dict[str, Any]:
    """Resident memory (MiB) of gunicorn's master and each worker, and their total."""
    workers = {str(pid): round(rss_kib(pid) / 1024, 1) for pid in children_of(master)}
    master_mib = round(rss_kib(master) / 1024, 1)
    return {"master": master_mib, "workers": workers, "total": round(master_mib + sum(workers.values()), 1)}


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all CPUs, /proc/stat), so far."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def postmaster_pid(app: Flask) -> int | None:
    """The PostgreSQL server's main process (the parent of a backend), to count its CPU; None on SQLite."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return None
        with db.engine.connect() as conn:
            backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
            return int(_stat_fields(backend)[1])


def cpu_by_process(master: int) -> dict[int, float]:
    """CPU seconds used so far by `master` and each of its children, by pid (Linux /proc). Summed per pid
    between two readings, so that a child that exits (an autovacuum worker) does not make the figure fall."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in [master, *children_of(master)]:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = _stat_fields(pid)
            found[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return found


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the load generator, once it has finished
    return usage.ru_utime + usage.ru_stime


@dataclass
class Server:
    base: str
    master: int
    database: int | None
    drive: Callable[..., dict[str, Any]]
    tool: str
    connections: int
    cookies: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        cookie = {"Cookie": self.cookies[who]} if who != "anonymous" else {}
        return {**PROXY_HEADERS, **cookie}

    def load(self, page: Page, duration: float) -> dict[str, Any]:
        """`duration` seconds of load on one page: the load generator's figures, every status code, the CPU
        of the server, the database, the load generator and everything else on the machine meanwhile."""
        cpus = os.cpu_count() or 1
        load_before = os.getloadavg()[0]
        busy_before, server_before = machine_busy_seconds(), cpu_by_process(self.master)
        database_before = cpu_by_process(self.database) if self.database else {}
        loadgen_before = children_cpu_seconds()
        result = self.drive(
            self.base + page.path,
            connections=self.connections,
            duration=duration,
            headers=self.headers(page.who),
            count_statuses=True,
            timeout=RESPONSE_TIMEOUT_S,
        )
        busy = machine_busy_seconds() - busy_before
        server = cpu_between(server_before, cpu_by_process(self.master))
        database = cpu_between(database_before, cpu_by_process(self.database)) if self.database else 0.0
        loadgen = children_cpu_seconds() - loadgen_before
        statuses: dict[int, int] = result.get("statuses", {})
        answered = sum(statuses.values())
        n = result["requests"] or 1
        return {
            "path": page.path,
            "who": page.who,
            "group": page.group,
            "requests": result["requests"],
            "rps": round(result["rps"], 1),
            "p50_ms": round(result["latency_p50_ms"], 2),
            "p99_ms": round(result["latency_p99_ms"], 2),
            "statuses": {str(code): count for code, count in sorted(statuses.items())},
            "non_2xx": answered - sum(c for code, c in statuses.items() if 200 <= code < 300),
            "status_5xx": sum(c for code, c in statuses.items() if code >= 500),
            "socket_errors": result.get("errors", 0),
            "server_cpu_ms_per_request": round(server * 1000 / n, 2),
            "database_cpu_ms_per_request": round(database * 1000 / n, 2) if self.database else None,
            "load_generator_cpu_share": round(loadgen / (result["seconds"] * cpus), 3),
            "other_work_cpu_share": round(max(busy - server - database - loadgen, 0.0) / (result["seconds"] * cpus), 3),
            "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "seconds": round(result["seconds"], 2),
        }


def _session_cookie(response: http.client.HTTPResponse) -> str | None:
    for value in response.headers.get_all("Set-Cookie") or []:
        if value.startswith("portal_session="):
            return value.split(";", 1)[0]
    return None


def http_sign_in(base: str, email: str) -> str:
    """Signs in through the form as a browser behind nginx would; returns the Cookie header to send."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
    try:
        conn.request("GET", "/sign-in", headers=PROXY_HEADERS)
        response = conn.getresponse()
        page = response.read().decode()
        cookie = _session_cookie(response)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if response.status != 200 or cookie is None or token is None:
            raise RuntimeError(f"GET /sign-in: {response.status}, cookie {bool(cookie)}, token {bool(token)}")
        form = urlencode({"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
        headers = {**PROXY_HEADERS, "Cookie": cookie, "Referer": f"{PUBLIC_URL}/sign-in"}
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request("POST", "/sign-in", body=form, headers=headers)
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
        signed_in = _session_cookie(response)
        if response.status != 302 or signed_in is None:
            raise RuntimeError(f"POST /sign-in as {email}: {response.status}\n{body[:500]}")
        return signed_in
    finally:
        conn.close()


def check_page(base: str, page: Page, headers: Mapping[str, str]) -> None:
    """One GET before any load: the page must answer 200 to this user (not a redirect to the sign-in form)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
    try:
        conn.request("GET", page.path, headers=dict(headers))
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"{page.label} ({page.path}) as {page.who}: {response.status}\n{body[:500]!r}")


@contextlib.contextmanager
def serve(database_url: str, args: argparse.Namespace, log: Path) -> Iterator[tuple[str, int]]:
    environment = {
        "PORTAL_ENV": "production",
        "PUBLIC_URL": PUBLIC_URL,
        "PROXY_HOPS": "1",
        "REQUIRE_SECOND_FACTOR": "false",
        "GUNICORN_THREADS": str(args.threads),
        "WEB_CONCURRENCY": str(args.workers),
    }
    extra = ["-c", str(ROOT / "gunicorn.conf.py"), "--max-requests", "0"]
    with gunicorn(
        database_url,
        workers=args.workers,
        threads=args.threads,
        log=log,
        environment=environment,
        extra_args=extra,
        probe_headers=PROXY_HEADERS,
    ) as (base, pid):
        yield base, pid


def best_of(passes: list[dict[str, Any]]) -> dict[str, Any]:
    """The pass with the highest req/s, with the errors of every pass and each pass's req/s beside it."""
    best = dict(max(passes, key=lambda f: f["rps"]))
    best["passes"] = {
        key: [f[key] for f in passes] for key in ("rps", "p99_ms", "other_work_cpu_share", "load_average_1m")
    }
    for key in ("non_2xx", "status_5xx", "socket_errors"):
        best[key] = sum(f[key] for f in passes)
    best["requests_all_passes"] = sum(f["requests"] for f in passes)
    return best


def measure_http(
    app: Flask, url: str, args: argparse.Namespace, pages: list[Page], emails: dict[str, str], log: Path
) -> dict[str, Any]:
    use_wrk = args.load_generator == "wrk" or (args.load_generator == "auto" and shutil.which("wrk"))
    tool = "bench.loadgen (Python threads, keep-alive)"
    if use_wrk:
        version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        tool = (version.stdout or version.stderr).split("[")[0].strip() or "wrk"
    with serve(url, args, log) as (base, master):
        memory = {"after start": server_memory(master)}
        cookies = {role: http_sign_in(base, email) for role, email in emails.items()}
        server = Server(
            base, master, postmaster_pid(app), run_wrk if use_wrk else run_loadgen, tool, args.connections, cookies
        )
        for page in pages:
            check_page(base, page, server.headers(page.who))
        print(f"  signed in as {', '.join(emails)}; warm-up, {args.warmup:g} s a page …", flush=True)
        warmup = {page.key: server.load(page, args.warmup) for page in pages if page.key != "hello_again"}
        memory["before (after the warm-up)"] = server_memory(master)
        runs: dict[str, list[dict[str, Any]]] = {page.key: [] for page in pages}
        for n in range(1, args.rounds + 1):
            print(f"  pass {n} of {args.rounds}, {args.duration:g} s a page …", flush=True)
            for page in pages:
                f = server.load(page, args.duration)
                runs[page.key].append(f)
                print(
                    f"    {page.label}: {f['rps']} req/s, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, "
                    f"non-2xx {f['non_2xx']}, other work {f['other_work_cpu_share']:.0%} of the CPUs",
                    flush=True,
                )
            memory[f"after pass {n}"] = server_memory(master)
        memory["after"] = memory.pop(f"after pass {args.rounds}")
    figures = {key: best_of(passes) for key, passes in runs.items()}
    hello = max(figures["hello"]["rps"], figures["hello_again"]["rps"])
    for f in figures.values():
        f["ratio_to_hello"] = round(f["rps"] / hello, 3) if hello else None
    return {
        "tool": tool,
        "server": f"gunicorn -c gunicorn.conf.py, {args.workers} workers × {args.threads} threads (gthread), "
        "--max-requests 0, 127.0.0.1; PORTAL_ENV=production, PROXY_HOPS=1",
        "connections": args.connections,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "hello_rps": round(hello, 1),
        "warmup": {k: {x: v[x] for x in ("rps", "p99_ms", "non_2xx")} for k, v in warmup.items()},
        "pages": figures,
        "memory_mib": memory,
    }


# --- in process: statements, SQL time, profile ------------------------------------------------------------


def _cumulative_ms(stats: pstats.Stats, match: Callable[[str, str], bool], calls: int) -> float:
    """Cumulative time per GET of the functions `match`(file, name) picks (outermost calls: pstats' own)."""
    total = 0.0
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if match(filename.replace("\\", "/"), name):
            total += ct
    return round(total * 1000 / calls, 2)


PARTS: dict[str, Callable[[str, str], bool]] = {
    "whole GET (test client)": lambda f, n: f.endswith("flask/testing.py") and n == "open",
    "user loading (session row → user)": lambda f, n: n == "load_user_from_session_token",
    "template rendering (render_template; includes SQL its lazy loads send)": lambda f, n: (
        f.endswith("flask/templating.py") and n == "render_template"
    ),
    "ORM statements (Session.execute/scalars/scalar and lazy loads: compile, send, read)": lambda f, n: (
        f.endswith("sqlalchemy/orm/session.py") and n == "_execute_internal"
    ),
    "driver execute (psycopg / sqlite3)": lambda f, n: (
        (f.endswith("psycopg/cursor.py") and n == "execute") or n == "<method 'execute' of 'sqlite3.Cursor' objects>"
    ),
}


def slowest_statements(
    client: FlaskClient, recorder: SQLRecorder, path: str, *, requests: int = 10, top: int = 6
) -> list[dict[str, Any]]:
    """The page's slowest SQL statements (median ms over `requests` GETs, by their place in the page)."""
    times: dict[int, list[float]] = defaultdict(list)
    sql: dict[int, str] = {}
    for _ in range(requests):
        with recorder.record() as statements:
            client.get(path)
        for n, statement in enumerate(statements):
            times[n].append(statement.ms)
            sql[n] = " ".join(statement.sql.split())
    rows: list[dict[str, Any]] = [
        {"n": n + 1, "median_ms": round(statistics.median(v), 2), "sql": sql[n]} for n, v in times.items()
    ]
    return sorted(rows, key=lambda row: -row["median_ms"])[:top]


def profile_page(client: FlaskClient, path: str, *, requests: int) -> dict[str, Any]:
    profiler = cProfile.Profile()
    for _ in range(requests):
        response = profiler.runcall(client.get, path)
        assert response.status_code == 200, (path, response.status_code)
    stats = pstats.Stats(profiler)
    return {
        "path": path,
        "requests": requests,
        "parts_ms_per_get": {label: _cumulative_ms(stats, match, requests) for label, match in PARTS.items()},
        "by_cumulative_time": profile_text(profiler, "cumulative", 35),
        "by_own_time": profile_text(profiler, "tottime", 20),
    }


def measure_in_process(
    app: Flask, pages: list[Page], emails: dict[str, str], served: dict[str, Any], args: argparse.Namespace
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each page's statements and SQL time through the test client; a profile of the slowest pages."""
    recorder = SQLRecorder()
    with app.app_context():
        recorder.attach(db.engine)
    clients = {"anonymous": app.test_client(), **{role: sign_in(app, email) for role, email in emails.items()}}
    figures = {}
    for page in pages:
        if page.key == "hello_again":
            continue
        f = measure_path(clients[page.who], recorder, page.path, requests=args.inprocess_requests)
        figures[page.key] = {k: f[k] for k in ("median_ms", "cpu_median_ms", "sql_median_ms", "statements")}
    profiles = {}
    slowest = min((p for p in pages if p.group == "list or detail"), key=lambda p: served["pages"][p.key]["rps"])
    for page in [slowest, *(p for p in pages if p.group == "dashboard")]:
        print(f"  profiling {page.label} ({args.profile_requests} GETs) …", flush=True)
        profiles[page.key] = profile_page(clients[page.who], page.path, requests=args.profile_requests)
        profiles[page.key]["slowest_statements"] = slowest_statements(clients[page.who], recorder, page.path)
    with app.app_context():
        recorder.detach(db.engine)
        db.session.remove()
    return figures, profiles


# --- targets and report -----------------------------------------------------------------------------------


def judge(page: dict[str, Any]) -> dict[str, bool | None]:
    ratio_target = TARGET_RATIO.get(page["group"])
    return {
        "ratio": None if ratio_target is None else page["ratio_to_hello"] >= float(ratio_target),
        "p99": page["p99_ms"] <= TARGET_P99_MS,
        "no_5xx": page["status_5xx"] == 0,
    }


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "MISSED")


def report_sections(r: dict[str, Any], pages: list[Page]) -> list[tuple[str, list[str], list[list[Any]]]]:
    served, memory = r["http"], r["http"]["memory_mib"]
    rows = []
    for page in pages:
        f = served["pages"][page.key]
        target = TARGET_RATIO.get(page.group)
        verdict = r["targets"]["pages"][page.key]
        rows.append(
            [page.label, page.who, f["rps"], f["ratio_to_hello"], f"≥ {target}" if target else "—"]
            + [_mark(verdict["ratio"]), f["p50_ms"], f["p99_ms"], _mark(verdict["p99"]), f["non_2xx"]]
            + [f["status_5xx"], f["socket_errors"], f["server_cpu_ms_per_request"]]
            + [f["database_cpu_ms_per_request"] if f["database_cpu_ms_per_request"] is not None else "—"]
            + [f"{f['other_work_cpu_share']:.0%}", " / ".join(f"{x:g}" for x in f["passes"]["rps"])]
        )
    page_headers = ["page", "as", "req/s", "vs hello", "target", "ratio", "p50 ms", "p99 ms", "p99 ≤ 100"]
    page_headers += ["non-2xx (all passes)", "5xx", "socket errors", "server CPU ms/req", "database CPU ms/req"]
    page_headers += ["other work (CPU share)", "req/s of each pass"]
    states = list(memory)
    workers = sorted({pid for m in memory.values() for pid in m["workers"]}, key=int)
    memory_rows = [["master", *(memory[s]["master"] for s in states)]]
    memory_rows += [[f"worker {pid}", *(memory[s]["workers"].get(pid, "—") for s in states)] for pid in workers]
    memory_rows += [["total", *(memory[s]["total"] for s in states)]]
    inproc = r["in_process"]
    inproc_rows = [
        [p.label, p.who, inproc[p.key]["median_ms"], inproc[p.key]["cpu_median_ms"], inproc[p.key]["sql_median_ms"]]
        + [_statements(inproc[p.key]["statements"])]
        for p in pages
        if p.key in inproc
    ]
    t = r["targets"]
    summary = [
        [
            "signed-in list and detail pages ≥ 1/3 of hello",
            _mark(t["list_or_detail_ratio"]),
            ", ".join(t["missed"]["list_or_detail_ratio"]) or "—",
        ],
        ["dashboards ≥ 1/10 of hello", _mark(t["dashboard_ratio"]), ", ".join(t["missed"]["dashboard_ratio"]) or "—"],
        ["p99 ≤ 100 ms on every page", _mark(t["p99"]), ", ".join(t["missed"]["p99"]) or "—"],
        ["no 5xx", _mark(t["no_5xx"]), ", ".join(t["missed"]["no_5xx"]) or "—"],
        [
            f"(not a target) no socket errors or timeouts (> {RESPONSE_TIMEOUT_S:g} s)",
            _mark(not t["socket_errors"]),
            ", ".join(f"{label}: {n}" for label, n in t["socket_errors"].items()) or "—",
        ],
        [
            f"memory flat (total RSS grows < {MEMORY_GROWTH_LIMIT:.0%} over the measured pass)",
            _mark(t["memory_flat"]),
            f"{t['memory_growth']:+.1%}",
        ],
    ]
    sections: list[tuple[str, list[str], list[list[Any]]]] = [
        (
            f"Requests per second: {served['server']}; {served['tool']}, {served['connections']} connections, "
            f"{served['duration_s']:g} s a page in each of {served['rounds']} passes (after a {served['warmup_s']:g} s "
            f"warm-up pass); each page's best pass; vs hello = req/s over hello's best, {served['hello_rps']}",
            page_headers,
            rows,
        ),
        ("Targets", ["target", "result", "missed by / growth"], summary),
        ("Resident memory of gunicorn (MiB)", ["process", *states], memory_rows),
        (
            f"In process (Flask test client, testing config): median of {r['settings']['inprocess_requests']} GETs",
            ["page", "as", "median ms", "CPU median ms", "SQL median ms", "SQL statements"],
            inproc_rows,
        ),
    ]
    for key, p in r["profiles"].items():
        label = http_label(pages, key)
        sections.append(
            (
                f"Where {label} spends its time (cProfile, {p['requests']} GETs; ms per GET, inflated by the "
                "profiler; the parts overlap)",
                ["part", "ms per GET"],
                [[part, ms] for part, ms in p["parts_ms_per_get"].items()],
            )
        )
        sections.append(
            (
                f"The slowest SQL statements of {label} (median ms of 10 GETs, in process)",
                ["#", "median ms", "statement (first 200 characters)"],
                [[row["n"], row["median_ms"], row["sql"][:200]] for row in p["slowest_statements"]],
            )
        )
    return sections


def http_label(pages: list[Page], key: str) -> str:
    return next(p.label for p in pages if p.key == key)


def _statements(s: dict[str, int]) -> str:
    return str(s["min"]) if s["min"] == s["max"] else f"{s['min']}–{s['max']}"


def targets(served: dict[str, Any], pages: list[Page]) -> dict[str, Any]:
    verdicts = {p.key: judge(served["pages"][p.key]) for p in pages}
    memory = served["memory_mib"]
    before, after = memory["before (after the warm-up)"]["total"], memory["after"]["total"]
    growth = (after - before) / before if before else 0.0

    def missed(check: str, group: str | None = None) -> list[str]:
        return [p.label for p in pages if (group is None or p.group == group) and verdicts[p.key][check] is False]

    out: dict[str, Any] = {
        "pages": verdicts,
        "missed": {
            "list_or_detail_ratio": missed("ratio", "list or detail"),
            "dashboard_ratio": missed("ratio", "dashboard"),
            "p99": missed("p99"),
            "no_5xx": missed("no_5xx"),
        },
        "memory_growth": round(growth, 4),
        "memory_flat": growth < MEMORY_GROWTH_LIMIT,
    }
    out["list_or_detail_ratio"] = not out["missed"]["list_or_detail_ratio"]
    out["dashboard_ratio"] = not out["missed"]["dashboard_ratio"]
    out["p99"] = not out["missed"]["p99"]
    out["no_5xx"] = not out["missed"]["no_5xx"]
    out["socket_errors"] = {
        p.label: served["pages"][p.key]["socket_errors"] for p in pages if served["pages"][p.key]["socket_errors"]
    }
    return out


def write_markdown(r: dict[str, Any], pages: list[Page], path: Path) -> None:
    m, d = r["machine"], r["data"]
    others = [share for f in r["http"]["pages"].values() for share in f["passes"]["other_work_cpu_share"]]
    lines = [
        "# Throughput benchmark",
        "",
        f"Run {r['date']} on {m['cpu_count']} CPUs ({m['cpu_model'] or 'unknown model'}), Python {m['python']}, "
        f"{d['database_version']}, commit {m['git_commit'] or 'unknown'}; load average "
        f"{', '.join(str(x) for x in m['load_average_at_start'])} at the start and "
        f"{', '.join(str(x) for x in m['load_average_at_end'])} at the end; {r['seconds']} s in all. "
        f"`{r['command']}`; see the module's docstring (bench/throughput.py) for the set-up.",
        "",
        f"**The machine was shared**: other work used {min(others):.0%}–{max(others):.0%} of its CPUs "
        f"(median {statistics.median(others):.0%}) in the measured passes (the machine's busy time less "
        "the server's, the database's and the load generator's); the load generator itself shares the same CPUs."
        if max(others) >= 0.05
        else f"Other work on the machine used at most {max(others):.0%} of its CPUs while the pages were measured.",
        "",
        f"Data: {d['organisations']:,} schools in {d['localities']} localities, {d['users']} users, "
        f"{d['requests']:,} requests ({d['made'].get('events', 0):,} timeline events {d['events']}, "
        f"{d['made'].get('promises', 0):,} promises), {d['feedback']:,} feedback entries, {d['pulse']:,} pulse "
        f"answers, {d['sessions']['sessions']:,} sessions ({d['sessions']['upcoming']} upcoming) with "
        f"{d['sessions']['bookings']:,} bookings; built in {d['build_seconds']} s. Busiest locality "
        f"{d['busy_locality']}; request page {d['request_id']}, school page {d['organisation_id']}, "
        f"period {d['period']}.",
        "",
        "Measured sources: " + "; ".join(f"`{p}` {blob}" for p, blob in m["sources"].items()) + ".",
        "",
    ]
    for title, headers, rows in report_sections(r, pages):
        lines += [f"## {title}", "", markdown_table(headers, rows), ""]
    for key, p in r["profiles"].items():
        lines += [f"## Profile: {http_label(pages, key)} (`{p['path']}`)", ""]
        lines += ["### by cumulative time", "", "```", p["by_cumulative_time"], "```", ""]
        lines += ["### by own time", "", "```", p["by_own_time"], "```", ""]
    path.write_text("\n".join(lines))


# --- main -------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="requests in the database")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", default=True, help="a throwaway PostgreSQL (the default)")
    where.add_argument("--sqlite", action="store_true", help="SQLite in a temporary folder instead")
    parser.add_argument(
        "--events", choices=["all", "sample"], default="all", help="timelines for every request, or the busy locality's"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load a page")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load a page in the warm-up pass")
    parser.add_argument("--rounds", type=int, default=3, help="measured passes over the pages (best one kept)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--load-generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--inprocess-requests", type=int, default=20, help="test-client GETs a page for its SQL")
    parser.add_argument("--profile-requests", type=int, default=20, help="GETs profiled of each slowest page")
    parser.add_argument("--organisations", type=int, default=25_000)
    parser.add_argument("--localities", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--output", type=Path, default=RESULTS, help="folder for the JSON and markdown results")
    return parser.parse_args(argv)


def source_versions() -> dict[str, str]:
    versions = {}
    for path in MEASURED_SOURCES:
        blob, committed = git("hash-object", path), git("rev-parse", f"HEAD:{path}")
        versions[path] = blob[:12] + ("" if blob == committed else " (uncommitted changes)")
    return versions


def build(app: Flask, args: argparse.Namespace, rng: random.Random, now: datetime) -> tuple[World, dict[str, Any]]:
    start = time.perf_counter()
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            world = load_world(conn, rng, now, organisations=args.organisations, localities=args.localities)
    sessions = add_sessions(app, world, rng, now)
    print(f"  schools, users and {sessions['sessions']:,} sessions in {time.perf_counter() - start:.1f} s", flush=True)
    maker = RequestMaker(world, rng, now, events_for_all=args.events == "all")
    load = grow(app, maker, args.rows)
    print(f"  {args.rows:,} requests in {load:.1f} s", flush=True)
    counters = {"feedback": 0, "pulse": 0}
    extra = add_measures(app, world, rng, first_id=1, last_id=args.rows, counters=counters)
    print(f"  step timings, {counters['feedback']:,} feedback and pulse in {extra:.1f} s", flush=True)
    return world, {
        "made": dict(maker.made),
        "sessions": sessions,
        **counters,
        "load_seconds": {"requests": round(load, 1), "timings_and_feedback": round(extra, 1)},
        "build_seconds": round(time.perf_counter() - start, 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    postgres = not args.sqlite
    began = time.perf_counter()
    machine = {**machine_info(), "sources": source_versions()}
    rng = random.Random(args.seed)
    now = datetime.now(UTC).replace(microsecond=0)
    period = quarter(now.date()).previous()
    name = "throughput" + ("" if postgres else "_sqlite")
    args.output.mkdir(parents=True, exist_ok=True)
    with bench_database(postgres) as (url, database_version):
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
        add_hello_route(app)
        print(f"Building the data ({args.rows:,} requests) in {url.split(':', 1)[0]} …", flush=True)
        world, built = build(app, args, rng, now)
        lead, _, manager = world.staff[world.busy_locality]
        org = next(o for o in world.partner_of if world.org_locality[o] == world.busy_locality)
        request_id = pick_pages(app, world, among=args.rows, count=2)[0]  # an open one
        with app.app_context():
            emails = {
                role: db.session.scalar(select(User.email).where(User.id == uid)) or ""
                for role, uid in (("partner", world.partner_of[org]), ("practitioner", lead), ("manager", manager))
            }
            db.session.remove()
            db.engine.dispose()  # no connection made here is inherited by the load generator's processes
        pages = make_pages(org_id=org, request_id=request_id, period=period.key)
        print(f"Under gunicorn, {args.duration:g} s a page …", flush=True)
        served = measure_http(app, url, args, pages, emails, args.output / f"{name}.gunicorn.log.tmp")
        print("In process: statements per page and profiles …", flush=True)
        in_process, profiles = measure_in_process(app, pages, emails, served, args)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "benchmark": "throughput",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python -m bench.throughput", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "data": {
            "database": "postgresql" if postgres else "sqlite",
            "database_version": database_version if postgres else f"SQLite {machine['sqlite']}",
            "organisations": len(world.org_ids),
            "localities": len(world.localities),
            "users": world.users,
            "requests": args.rows,
            "events": "for every request" if args.events == "all" else "for the busiest locality's requests only",
            "busy_locality": world.localities[world.busy_locality],
            "request_id": request_id,
            "organisation_id": org,
            "period": period.label,
            "signed_in_as": emails,
            **built,
        },
        "http": served,
        "in_process": in_process,
        "profiles": profiles,
        "seconds": round(time.perf_counter() - began, 1),
    }
    result["targets"] = targets(served, pages)
    (args.output / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    write_markdown(result, pages, args.output / f"{name}.md")
    print()
    for title, headers, rows in report_sections(result, pages):
        print(f"{title}\n{table(headers, rows)}\n")
    print(f"Written to {args.output / name}.json and .md in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
