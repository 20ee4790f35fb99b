"""The practitioner's queue and a request page at 10,000, 100,000 and 1,000,000 requests.

    .venv/bin/python -m bench.requests_queue                  # SQLite in a temporary folder, up to 1,000,000
    .venv/bin/python -m bench.requests_queue --rows 100000 --postgres   # a throwaway PostgreSQL cluster

Invents 150 localities, 25,000 schools (bench/schools.py), staff and partner users, then grows one
database to each size in turn (10,000, 100,000, then --rows requests, each step adding rows drawn from
the same mix: about 95% closed, 5% open, a fifth of those overdue), with their timelines, promises
and escalations. At each size it signs in as the practitioner who leads the busiest locality and
measures, through the whole Flask stack with the test client:
 1. GET /requests, the practitioner's queue (first page), and services.list_requests() alone;
 2. GET /requests/<id>, the request page, for the same 20 requests of that locality at every size;
 3. the queue's last page and the queue with closed requests shown, for comparison;
timing each request and counting its SQL statements (a before_cursor_execute listener on the
engine): a page's count must not depend on how many requests the database holds. At the last size it
also writes the plans of the queue's count and page statements, a cProfile of both pages, and tries the
proposed fix (those statements with `status IN (open statuses)` and two more indexes) on the same data.
--postgres starts a throwaway cluster (tests.support.servers.PostgresServer) and removes it afterwards.
Figures go to bench/results/requests_queue.json and .md; see bench/README.md for what each means.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, Table, bindparam, event, func, insert, select, text, update

from bench.directory_search import (
    git,
    machine_info,
    markdown_table,
    profile_text,
    summarise_with_cpu,
    table,
    timed_cpu,
)
from bench.schools import SURNAMES, make_schools
from portal import create_app
from portal.accounts.models import User
from portal.common.security import hash_password
from portal.config import ROOT
from portal.directory.models import Locality, Organisation, StaffAbsence
from portal.extensions import db
from portal.requests import services
from portal.requests.models import (
    ConsultationRequest,
    Escalation,
    EventKind,
    Outcome,
    Promise,
    RequestEvent,
    RequestStatus,
)

RESULTS = ROOT / "bench" / "results"
STEPS = (10_000, 100_000, 1_000_000)
BATCH = 10_000
PASSWORD = "queue-bench-password-4821"  # noqa: S105 (invented users in a throwaway database)
MEASURED_SOURCES = (
    "portal/requests/services.py",
    "portal/requests/routes.py",
    "portal/requests/models.py",
    "templates/requests/list.html",
    "templates/requests/request.html",
)
OPEN_SHARE = 0.05
OVERDUE_SHARE_OF_OPEN = 0.20
OPEN_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.ACKNOWLEDGED,
    RequestStatus.SCHEDULED,
    RequestStatus.WAITING_ON_PARTNER,
)
OPEN_WEIGHTS = (0.30, 0.30, 0.25, 0.15)
KINDS = (("consultation", 0.80), ("query", 0.15), ("pod_invite", 0.05))
FIRST_NAMES = [
    "Alex", "Sam", "Jo", "Chris", "Priya", "Amir", "Grace", "Tom", "Rachel", "Imran", "Hannah", "Ben", "Zara",
    "Kate", "Owen", "Leah", "Dev", "Nina", "Marcus", "Ellie", "Yusuf", "Fiona", "Gareth", "Aisha",
]  # fmt: skip
SUMMARIES = [
    "Attendance has dropped since the start of term and the pastoral team is worried about mood at home.",
    "A parent has asked the school for help with sleep and routines after a change in the family.",
    "Staff have noticed the child arriving hungry several times this month; a support plan is in place.",
    "Behaviour in class has changed sharply; the family would welcome early help and advice.",
    "The family has moved twice this year and the school would like advice on what support is available.",
    "A sibling's needs are taking up most of the parent's time; the child is a young carer at times.",
    "Concerns about online contact with older young people, reported by a friend; advice wanted.",
    "Worries about neglect of dental and health appointments, raised at a review meeting.",
    "The child has said they do not want to go home on some days; nothing specific has been disclosed.",
    "The school would like to talk through whether a referral to the Front Door is needed.",
]
HELP_WANTED = [
    "Advice on next steps and whether early help is right.",
    "A consultation with a practitioner this week if possible.",
    "Signposting to local family support.",
    "A pod meeting with health and the school nurse.",
    "",
]
NEXT_STEPS = [
    "A practitioner will call the designated safeguarding lead to talk it through.",
    "We will arrange a consultation and check what is already known.",
    "We will invite health and the school to a pod meeting.",
]
OUTCOME_SUMMARIES = [
    "Advice given to the school on a support plan; review at the next pastoral meeting.",
    "Signposted to the family hub's parenting course and the school nurse.",
    "Stepped down to early help with the family's agreement.",
    "The school was advised to make a referral to the Front Door today.",
    "No further action; the school's plan is appropriate.",
]
MESSAGES = [
    "Thank you. The parent is happy for us to talk to you.",
    "Could you tell us what support is already in place?",
    "We have attached the attendance figures to the school's record.",
    "The consultation time works for us.",
    "Following up on our call: the plan has started.",
]
PROMISES = [
    "Send the family hub's contact details",
    "Check with health visiting and reply",
    "Book the pod meeting",
    "Call the designated safeguarding lead",
]


# --- counting and timing SQL ------------------------------------------------------------------------


@dataclass
class Statement:
    sql: str
    params: Any
    ms: float


@dataclass
class SQLRecorder:
    """Every statement sent to the database while recording, with how long the driver took."""

    statements: list[Statement] = field(default_factory=list)
    recording: bool = False
    _started: list[float] = field(default_factory=list)

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def detach(self, engine: Engine) -> None:
        event.remove(engine, "before_cursor_execute", self._before)
        event.remove(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if self.recording:
            self._started.append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if self.recording and self._started:
            ms = (time.perf_counter() - self._started.pop()) * 1000
            self.statements.append(Statement(statement, params, ms))

    @contextlib.contextmanager
    def record(self) -> Iterator[list[Statement]]:
        self.statements, self._started, self.recording = [], [], True
        try:
            yield self.statements
        finally:
            self.recording = False


def label_of(sql: str) -> str:
    """A short name for a statement: its verb and main table, and what kind of query it is."""
    flat = " ".join(sql.split())
    verb = flat.split(" ", 1)[0].upper()
    if flat.upper().startswith("SELECT COUNT(*)"):
        return "count(*) of the queue"
    tables = re.findall(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", flat, flags=re.IGNORECASE)
    main = tables[0] if tables else "?"
    if verb == "SELECT" and " IN (" in flat.upper() and "__[POSTCOMPILE" not in flat and main != "consultation_request":
        return f"select {main} (selectinload)"
    if verb == "SELECT" and main == "consultation_request" and "LIMIT" in flat.upper():
        return "select consultation_request (the page)"
    return f"{verb.lower()} {main}"


# --- the database -------------------------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(postgres: bool, keep: Path | None = None) -> Iterator[tuple[str, str]]:
    """A fresh SQLite file in a temporary folder, or a throwaway PostgreSQL cluster (removed afterwards).

    With `keep` (SQLite only), the file is made in that folder and left there, to profile pages against
    the same data afterwards."""
    if not postgres and keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        path = keep / "bench.db"
        if path.exists():
            raise SystemExit(f"--keep: {path} exists; remove it or choose another folder")
        yield f"sqlite:///{path}", "sqlite"
        return
    if not postgres:
        with tempfile.TemporaryDirectory(prefix="portal-bench-queue-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}", "sqlite"
        return
    from tests.support.servers import PostgresServer, postgres_bin

    bindir = postgres_bin()
    if bindir is None:
        raise SystemExit("--postgres: no PostgreSQL server binaries (initdb) found; apt-get install postgresql")
    server = PostgresServer(bindir)
    try:
        server.start()
        version = server._run(str(bindir / "postgres"), "--version").stdout.strip()
        yield server.create_database("portal_bench_queue"), version
    finally:
        server.cleanup()


class Loader:
    """Bulk inserts: SQLAlchemy Core insert() with executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def insert(self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            if self.postgres:
                raw = self.conn.connection.driver_connection
                with (
                    raw.cursor() as cursor,
                    cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
                ):  # type: ignore[union-attr]
                    for row in chunk:
                        copy.write_row(row)
            else:
                self.conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in chunk])


@dataclass
class World:
    """What the requests are spread over, and who is measured."""

    localities: dict[int, str]
    org_ids: list[int]
    org_locality: dict[int, int]
    org_cum_weights: list[float]
    staff: dict[int, tuple[int, int, int]]  # locality → (lead, second practitioner, manager)
    partner_of: dict[int, int]  # organisation → its partner user
    busy_locality: int
    practitioner_id: int
    practitioner_email: str
    users: int
    partners: int
    absences: int


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def load_world(conn: Connection, rng: random.Random, now: datetime, *, organisations: int, localities: int) -> World:
    """Localities, schools, staff (a lead, a practitioner and a manager a locality), partners and absences."""
    loader = Loader(conn)
    schools = make_schools(organisations, localities=localities, seed=rng.randrange(1 << 30))
    names = sorted({s.locality for s in schools})
    locality_id = {name: i for i, name in enumerate(names, start=1)}
    loader.insert(
        Locality.__table__,
        ("id", "name", "front_door_phone", "front_door_email", "front_door_hours", "sla_acknowledge_days")
        + ("sla_consult_days", "sla_outcome_days", "created_at", "updated_at"),
        [
            (i, name, "0116 496 0000", "frontdoor@example.org", "Monday to Friday, 8:30am to 5pm", 1, 5, 10, now, now)
            for name, i in locality_id.items()
        ],
    )
    org_columns = ("id", "name", "kind", "urn", "phase", "establishment_type", "postcode", "town", "district")
    org_rows = [
        (i, s.name, "school", s.urn, s.phase, s.establishment_type, s.postcode, s.town, s.district)
        + (locality_id[s.locality], now, now)
        for i, s in enumerate(schools, start=1)
    ]
    loader.insert(Organisation.__table__, org_columns + ("locality_id", "created_at", "updated_at"), org_rows)
    org_locality = {row[0]: row[-3] for row in org_rows}
    # Some schools ask often and most rarely: a long-tailed weight per school.
    weights = {i: min(rng.lognormvariate(0.0, 1.0), 40.0) for i in org_locality}
    by_locality: dict[int, float] = defaultdict(float)
    for org, weight in weights.items():
        by_locality[org_locality[org]] += weight
    busy = max(by_locality, key=lambda loc: by_locality[loc])

    password_hash = hash_password(PASSWORD)
    user_columns = ("id", "email", "name", "job_title", "phone", "role", "password_hash", "organisation_id")
    user_columns += ("locality_id", "created_at", "updated_at")
    users: list[tuple[Any, ...]] = []
    staff: dict[int, tuple[int, int, int]] = {}
    for loc in locality_id.values():
        ids = []
        for role, title in (
            ("practitioner", "Locality lead"),
            ("practitioner", "Practitioner"),
            ("manager", "Manager"),
        ):
            uid = len(users) + 1
            email = f"{role}{uid}@council.example.org"
            users.append((uid, email, person_name(rng), title, "0116 496 0100", role, password_hash, None, loc))
            ids.append(uid)
        staff[loc] = (ids[0], ids[1], ids[2])
    partner_of: dict[int, int] = {}
    for org in sorted(weights, key=lambda o: -weights[o])[:400]:  # the 400 schools that ask most have an account
        uid = len(users) + 1
        email = f"partner{uid}@school.example.org"
        users.append(
            (uid, email, person_name(rng), "Designated safeguarding lead", "", "partner", password_hash, org, None)
        )
        partner_of[org] = uid
    loader.insert(User.__table__, user_columns, [row + (now, now) for row in users])
    conn.execute(
        update(Locality.__table__)
        .where(Locality.__table__.c.id == bindparam("loc"))
        .values(lead_id=bindparam("lead"), manager_id=bindparam("manager")),
        [{"loc": loc, "lead": lead, "manager": manager} for loc, (lead, _, manager) in staff.items()],
    )
    # The busy locality's second practitioner is away this week and its lead covers: the lead's queue
    # shows their requests too. A few other absences, past, present and future, elsewhere.
    today = now.date()
    absences = [(1, staff[busy][1], staff[busy][0], today - timedelta(days=2), today + timedelta(days=5))]
    for loc in rng.sample(sorted(staff), 30):
        start = today + timedelta(days=rng.randint(-60, 30))
        absences.append(
            (len(absences) + 1, staff[loc][0], staff[loc][1], start, start + timedelta(days=rng.randint(1, 14)))
        )
    loader.insert(
        StaffAbsence.__table__,
        ("id", "user_id", "cover_id", "starts_on", "ends_on", "created_at", "updated_at"),
        [row + (now, now) for row in absences],
    )
    org_ids = sorted(weights)
    cumulative, running = [], 0.0
    for org in org_ids:
        running += weights[org]
        cumulative.append(running)
    lead = staff[busy][0]
    return World(
        localities={i: name for name, i in locality_id.items()},
        org_ids=org_ids,
        org_locality=org_locality,
        org_cum_weights=cumulative,
        staff=staff,
        partner_of=partner_of,
        busy_locality=busy,
        practitioner_id=lead,
        practitioner_email=users[lead - 1][1],
        users=len(users),
        partners=len(partner_of),
        absences=len(absences),
    )


REQUEST_COLUMNS = (
    "id", "kind", "status", "organisation_id", "locality_id", "created_by_id", "routed_to_id", "worker_id",
    "child_initials", "child_birth_year", "case_reference", "summary", "help_wanted", "received_at",
    "acknowledged_at", "scheduled_at", "closed_at", "acknowledge_due", "consult_due", "outcome_due", "paused_since",
    "next_step", "expected_by", "consultation_at", "consultation_method", "consultation_details", "outcome",
    "outcome_summary", "overdue_notified_at", "anonymised_at", "created_at", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = ("id", "request_id", "at", "actor_id", "kind", "text")
PROMISE_COLUMNS = ("id", "request_id", "locality_id", "made_by_id", "text", "due_on", "created_at", "kept_at")
PROMISE_COLUMNS += ("reminder_sent_at",)
ESCALATION_COLUMNS = ("id", "request_id", "kind", "raised_by_id", "raised_at", "text", "responded_by_id")
ESCALATION_COLUMNS += ("responded_at", "response")


@dataclass
class Batch:
    requests: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    promises: list[tuple[Any, ...]] = field(default_factory=list)
    escalations: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class RequestMaker:
    """Invented requests in a fixed mix, one id after another; the same seed gives the same rows."""

    world: World
    rng: random.Random
    now: datetime
    events_for_all: bool
    next_id: int = 1
    next_event: int = 1
    next_promise: int = 1
    next_escalation: int = 1
    made: Counter[str] = field(default_factory=Counter)

    def batch(self, count: int) -> Batch:
        rng, world = self.rng, self.world
        out = Batch()
        orgs = rng.choices(world.org_ids, cum_weights=world.org_cum_weights, k=count)
        for org in orgs:
            self._request(out, self.next_id, org)
            self.next_id += 1
        return out

    def _times(self, status: RequestStatus, overdue: bool) -> dict[str, Any]:
        rng, now = self.rng, self.now
        day = timedelta(days=1)
        if status is RequestStatus.CLOSED:
            age = rng.uniform(20, 6 * 365)
        elif overdue:
            age = rng.uniform(15, 60)
        else:
            age = {
                RequestStatus.SUBMITTED: (0.0, 0.9),
                RequestStatus.ACKNOWLEDGED: (1.0, 6.0),
                RequestStatus.SCHEDULED: (2.0, 12.0),
                RequestStatus.WAITING_ON_PARTNER: (3.0, 40.0),
            }[status]
            age = rng.uniform(*age)
        received = now - age * day
        t: dict[str, Any] = {"received": received, "ack": None, "scheduled": None, "consultation": None}
        t["closed"] = t["paused"] = None
        if status is not RequestStatus.SUBMITTED:
            t["ack"] = received + min(rng.uniform(0.05, 1.5), age * 0.5) * day
        if status in (RequestStatus.SCHEDULED, RequestStatus.CLOSED) or (
            status is RequestStatus.WAITING_ON_PARTNER and rng.random() < 0.4
        ):
            t["scheduled"] = t["ack"] + min(rng.uniform(0.1, 2.0), age * 0.2) * day
            ahead = rng.uniform(1, 6) if status is not RequestStatus.CLOSED else rng.uniform(1, 5)
            t["consultation"] = t["scheduled"] + ahead * day
        if status is RequestStatus.CLOSED:
            t["closed"] = max(received + rng.uniform(5, 19) * day, t["consultation"] + rng.uniform(0.1, 2) * day)
        if status is RequestStatus.WAITING_ON_PARTNER:
            t["paused"] = received + age * rng.uniform(0.5, 0.9) * day
        return t

    def _request(self, out: Batch, rid: int, org: int) -> None:
        rng, world, now = self.rng, self.world, self.now
        loc = world.org_locality[org]
        lead, second, manager = world.staff[loc]
        if rng.random() < OPEN_SHARE:
            status = rng.choices(OPEN_STATUSES, OPEN_WEIGHTS)[0]
            overdue = status is not RequestStatus.WAITING_ON_PARTNER and rng.random() < OVERDUE_SHARE_OF_OPEN / 0.85
        else:
            status, overdue = RequestStatus.CLOSED, False
        self.made[status.value] += 1
        self.made["overdue"] += overdue
        t = self._times(status, overdue)
        received: datetime = t["received"]
        worker = None if status is RequestStatus.SUBMITTED else (lead if rng.random() < 0.5 else second)
        partner = world.partner_of.get(org)
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        if rng.random() < 0.85:
            initials, birth_year, case_reference = (
                "".join(rng.choices("ABCDEFGHJKLMNPRSTW", k=2)),
                rng.randint(2007, 2022),
                "",
            )
        else:
            initials, birth_year, case_reference = "", None, f"CR-{rng.randint(1, 9_999_999):07d}"
        start = received.date()
        outcome = rng.choice(list(Outcome)).value if status is RequestStatus.CLOSED else None
        last_change = max(x for x in (received, t["ack"], t["scheduled"], t["closed"], t["paused"]) if x is not None)
        next_step = rng.choice(NEXT_STEPS) if worker else ""
        out.requests.append(
            (rid, kind, status.value, org, loc, partner, lead, worker, initials, birth_year, case_reference)
            + (rng.choice(SUMMARIES), rng.choice(HELP_WANTED), received, t["ack"], t["scheduled"], t["closed"])
            + (start + timedelta(days=1), start + timedelta(days=7), start + timedelta(days=14), t["paused"])
            + (next_step, start + timedelta(days=7) if worker else None, t["consultation"])
            + (rng.choice(("phone", "video", "in_person")) if t["consultation"] else None, "", outcome)
            + (rng.choice(OUTCOME_SUMMARIES) if outcome else "", received + timedelta(days=15) if overdue else None)
            + (None, received, last_change)
        )
        if self.events_for_all or loc == world.busy_locality:
            self._events(out, rid, status, t, partner, worker, next_step)
        if worker is not None and rng.random() < 0.10:
            for _ in range(rng.randint(1, 2)):
                due = (t["ack"] + timedelta(days=rng.uniform(1, 8))).date()
                kept = None
                if status is RequestStatus.CLOSED or rng.random() < 0.4:
                    kept = t["ack"] + timedelta(days=rng.uniform(0.5, 6))
                    kept = min(kept, now)
                out.promises.append(
                    (self.next_promise, rid, loc, worker, rng.choice(PROMISES), due, t["ack"], kept, None)
                )
                self.next_promise += 1
                self.made["promises"] += 1
        if rng.random() < 0.005:
            closed = status is RequestStatus.CLOSED
            raised = (t["closed"] if closed else received) + timedelta(days=rng.uniform(0.5, 3))
            raised = min(raised, now)
            answered = closed or rng.random() < 0.5
            out.escalations.append(
                (self.next_escalation, rid, "disagreement" if closed else "speak_to_manager", partner, raised)
                + ("We would like to talk this through with a manager.", manager if answered else None)
                + (min(raised + timedelta(days=1), now) if answered else None,)
                + ("I have read the request and called the school." if answered else "",)
            )
            self.next_escalation += 1
            self.made["escalations"] += 1

    def _events(
        self,
        out: Batch,
        rid: int,
        status: RequestStatus,
        t: dict[str, Any],
        partner: int | None,
        worker: int | None,
        step: str,
    ) -> None:
        rng, now = self.rng, self.now
        events: list[tuple[datetime, int | None, str, str]] = [(t["received"], partner, EventKind.SUBMITTED.value, "")]
        if t["ack"] is not None:
            events.append((t["ack"], worker, EventKind.ACKNOWLEDGED.value, step))
        if t["scheduled"] is not None:
            events.append((t["scheduled"], worker, EventKind.SCHEDULED.value, "Phone call."))
        if t["paused"] is not None:
            events.append(
                (t["paused"], worker, EventKind.WAITING.value, "Waiting for the school's attendance figures.")
            )
        end = t["closed"] or now
        if t["closed"] is not None:
            events.append((t["closed"], worker, EventKind.CLOSED.value, rng.choice(OUTCOME_SUMMARIES)))
        for _ in range(max(0, rng.randint(3, 6) - len(events))):
            at = t["received"] + (end - t["received"]) * rng.random()
            author = partner if rng.random() < 0.5 or worker is None else worker
            events.append((at, author, EventKind.MESSAGE.value, rng.choice(MESSAGES)))
        events.sort(key=lambda e: e[0])
        for at, actor, kind, words in events:
            out.events.append((self.next_event, rid, at, actor, kind, words))
            self.next_event += 1
        self.made["events"] += len(events)


def grow(app: Flask, maker: RequestMaker, count: int) -> float:
    """Add `count` requests (with their events, promises, escalations); returns the seconds taken."""
    start = time.perf_counter()
    with app.app_context(), db.engine.connect() as conn:
        loader = Loader(conn)
        done = 0
        while done < count:
            step = min(100_000, count - done)
            batch = maker.batch(step)
            with conn.begin():
                loader.insert(ConsultationRequest.__table__, REQUEST_COLUMNS, batch.requests)
                loader.insert(RequestEvent.__table__, EVENT_COLUMNS, batch.events)
                loader.insert(Promise.__table__, PROMISE_COLUMNS, batch.promises)
                loader.insert(Escalation.__table__, ESCALATION_COLUMNS, batch.escalations)
            done += step
        if loader.postgres:
            # The rows were given their ids: move the sequences past them, then gather the planner's
            # statistics as autovacuum would soon after a load this size.
            for name in ("consultation_request", "request_event", "promise", "escalation"):
                sequence = f"pg_get_serial_sequence('{name}', 'id')"
                conn.execute(text(f"SELECT setval({sequence}, coalesce(max(id), 1)) FROM {name}"))  # noqa: S608
            conn.execute(text("ANALYZE"))
            conn.commit()
    return time.perf_counter() - start


# --- measuring ----------------------------------------------------------------------------------------


def sign_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token on /sign-in"
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": match.group(1)})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def measure_page(
    client: FlaskClient, recorder: SQLRecorder, paths: Sequence[str], *, requests: int, expect: str
) -> dict[str, Any]:
    """GET each path in turn, `requests` times in all, after a short warm-up: time, CPU, SQL statements."""
    for path in paths[:5]:
        client.get(path)
    wall, cpu, sql_ms, counts = [], [], [], []
    per_path: dict[str, set[int]] = defaultdict(set)
    path_ms: dict[str, list[float]] = defaultdict(list)
    by_statement: dict[int, list[float]] = defaultdict(list)
    labels: dict[int, str] = {}
    example: list[Statement] = []
    for i in range(requests):
        path = paths[i % len(paths)]
        with recorder.record() as statements:
            ms, cpu_ms, response = timed_cpu(lambda path=path: client.get(path))
        assert response.status_code == 200, (path, response.status_code)
        assert expect in response.get_data(as_text=True), (path, expect)
        wall.append(ms)
        cpu.append(cpu_ms)
        sql_ms.append(sum(s.ms for s in statements))
        counts.append(len(statements))
        # An empty list loads nothing beside it: its statements are counted apart from a list with rows.
        empty = 'id="no-requests"' in response.get_data(as_text=True)
        per_path[path + (" (no rows)" if empty else "")].add(len(statements))
        path_ms[path].append(ms)
        if path == paths[0]:
            example = list(statements)
            for n, s in enumerate(statements):
                by_statement[n].append(s.ms)
                labels[n] = label_of(s.sql)
    return {
        **summarise_with_cpu(wall, cpu),
        "sql_median_ms": round(statistics.median(sql_ms), 3),
        "sql_p95_ms": round(sorted(sql_ms)[max(0, math.ceil(0.95 * len(sql_ms)) - 1)], 3),
        "statements": {"min": min(counts), "max": max(counts)},
        "statements_per_path": {p: sorted(n) for p, n in per_path.items()},
        "per_path_ms": {
            p: {"median": round(statistics.median(v), 3), "max": round(max(v), 3), "n": len(v)}
            for p, v in path_ms.items()
        },
        "statement_breakdown": [
            {"n": n + 1, "what": labels[n], "median_ms": round(statistics.median(v), 3)}
            for n, v in sorted(by_statement.items())
        ],
        "_example": example,
    }


def measure_service(app: Flask, user_id: int, *, calls: int, **kwargs: Any) -> dict[str, Any]:
    """services.list_requests() alone, in an app context, the session removed after each call."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.remove()  # the user stays loaded, detached: each call starts from an empty session
        services.list_requests(user, **kwargs)
        wall, cpu = [], []
        for _ in range(calls):
            ms, cpu_ms, listing = timed_cpu(lambda: services.list_requests(user, **kwargs))
            wall.append(ms)
            cpu.append(cpu_ms)
            db.session.remove()
        total, pages = listing.total, listing.pages
        db.session.remove()
    return {**summarise_with_cpu(wall, cpu), "total": total, "pages": pages}


def locality_figures(app: Flask, world: World) -> dict[str, int]:
    r = ConsultationRequest
    today = services.london_today()
    with app.app_context():
        loc = world.busy_locality
        all_rows = db.session.scalar(select(func.count()).where(r.locality_id == loc)) or 0
        open_rows = db.session.scalar(select(func.count()).where(r.locality_id == loc, r.status != "closed")) or 0
        overdue = db.session.scalar(select(func.count()).where(r.locality_id == loc, services.overdue_condition(today)))
        as_worker = db.session.scalar(select(func.count()).where(r.worker_id == world.practitioner_id)) or 0
        db.session.remove()
    return {"requests": all_rows, "open": open_rows, "overdue": overdue or 0, "practitioner_is_worker": as_worker}


def pick_pages(app: Flask, world: World, *, among: int, count: int = 20) -> list[int]:
    """The request pages measured at every size: every open request of the busy locality among the
    first rows (those exist at every size), then closed ones, `count` in all."""
    r = ConsultationRequest
    with app.app_context():
        rows = db.session.execute(
            select(r.id, r.status).where(r.locality_id == world.busy_locality, r.id <= among).order_by(r.id)
        ).all()
        db.session.remove()
    open_ids = [rid for rid, status in rows if status is not RequestStatus.CLOSED][: count // 2]
    closed_ids = [rid for rid, status in rows if status is RequestStatus.CLOSED][: count - len(open_ids)]
    return open_ids + closed_ids


def explain(app: Flask, statements: list[Statement], what: Sequence[str]) -> dict[str, str]:
    """The database's plan for the named statements of one page (EXPLAIN QUERY PLAN; on PostgreSQL,
    EXPLAIN ANALYZE with buffers)."""
    plans = {}
    with app.app_context(), db.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        prefix = "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " if postgres else "EXPLAIN QUERY PLAN "
        for s in statements:
            name = label_of(s.sql)
            if name not in what or name in plans:
                continue
            rows = conn.exec_driver_sql(prefix + s.sql, s.params).all()
            lines = [row[0] for row in rows] if postgres else [f"{'  ' * _depth(rows, row)}{row[-1]}" for row in rows]
            plans[name] = " ".join(s.sql.split()) + "\n\n" + "\n".join(lines)
        conn.rollback()
    return plans


def _depth(rows: Sequence[Any], row: Any) -> int:
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    while parent in parents:
        depth, parent = depth + 1, parents[parent]
    return depth


def measure_size(
    app: Flask,
    world: World,
    recorder: SQLRecorder,
    pages: list[int],
    *,
    requests: int,
    final: bool,
    filtered_paths: list[str],
) -> dict[str, Any]:
    client = sign_in(app, world.practitioner_email)
    queue = measure_page(client, recorder, ["/requests"], requests=requests, expect="Request queue")
    detail = measure_page(client, recorder, [f"/requests/{i}" for i in pages], requests=requests, expect="Timeline")
    service = measure_service(app, world.practitioner_id, calls=requests)
    last = service["pages"]
    extra_n = max(20, requests // 4)
    last_page = measure_page(client, recorder, [f"/requests?page={last}"], requests=extra_n, expect="Request queue")
    with_closed = measure_page(client, recorder, ["/requests?closed=1"], requests=extra_n, expect="Request queue")
    service_closed = measure_service(app, world.practitioner_id, calls=extra_n, show_closed=True)
    # The filters and the search (issue 13): each path's statement count must not grow with the data.
    filtered = measure_page(client, recorder, filtered_paths, requests=requests, expect="Request queue")
    plans, profile, proposed = {}, {}, {}
    if final:
        wanted = ("count(*) of the queue", "select consultation_request (the page)")
        plans["queue"] = explain(app, queue["_example"], wanted)
        plans["queue_with_closed"] = explain(app, with_closed["_example"], wanted)
        profile = profile_pages(client, {"queue": ["/requests"], "request_page": [f"/requests/{i}" for i in pages]})
        proposed = try_proposed_fix(app, queue["_example"])
    figures = {
        "queue": queue,
        "request_page": detail,
        "queue_last_page": {**last_page, "page": last},
        "queue_with_closed": with_closed,
        "queue_filtered": filtered,
        "service_list_requests": service,
        "service_list_requests_with_closed": service_closed,
    }
    for f in figures.values():
        f.pop("_example", None)
    return {**figures, "plans": plans, "profile": profile, "proposed_fix": proposed}


OPEN_LITERAL = "(" + ", ".join(f"'{s.value}'" for s in OPEN_STATUSES) + ")"
PROPOSED_INDEXES = (
    "CREATE INDEX ix_bench_worker_status ON consultation_request (worker_id, status)",
    "CREATE INDEX ix_bench_routed_unassigned ON consultation_request (routed_to_id, worker_id, status)",
)


def _open_only(statement: Statement) -> tuple[str, Any] | None:
    """The statement with `status != 'closed'` written as `status IN (the open statuses)`, or None."""
    sql, params = statement.sql, statement.params
    if isinstance(params, dict):  # PostgreSQL (psycopg): named parameters
        new = re.sub(
            r"consultation_request\.status != %\(\w+\)s", f"consultation_request.status IN {OPEN_LITERAL}", sql
        )
        return (new, params) if new != sql else None
    at = sql.find("consultation_request.status != ?")
    if at < 0:
        return None
    index = sql[:at].count("?")
    rest = sql[at:].replace("consultation_request.status != ?", f"consultation_request.status IN {OPEN_LITERAL}", 1)
    return sql[:at] + rest, tuple(params[:index]) + tuple(params[index + 1 :])


def try_proposed_fix(app: Flask, statements: list[Statement], *, repeats: int = 25) -> dict[str, Any]:
    """The queue's count and page statements as the app sent them, then with the proposed query shape,
    before and after creating the proposed indexes: SQL time only, median ms, on the same data."""
    wanted = {"count(*) of the queue": "count", "select consultation_request (the page)": "page"}
    chosen = {wanted[label_of(s.sql)]: s for s in statements if label_of(s.sql) in wanted}
    if len(chosen) < 2:
        return {"skipped": "the queue's count and page statements were not found"}
    rewritten = {name: _open_only(s) for name, s in chosen.items()}
    if any(v is None for v in rewritten.values()):
        return {"skipped": "the queue no longer filters with status != 'closed'; nothing to rewrite"}

    def median_ms(conn: Connection, name: str, sql: str, params: Any) -> list[float | int]:
        conn.exec_driver_sql(sql, params).all()
        samples, rows = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            rows = conn.exec_driver_sql(sql, params).all()
            samples.append((time.perf_counter() - start) * 1000)
        return [round(statistics.median(samples), 3), rows[0][0] if name == "count" else len(rows)]

    stages = (  # (what, rewritten?, create the proposed indexes first?)
        ("as the app sends it", False, False),
        ("status IN, current indexes", True, False),
        ("as sent, proposed indexes", False, True),
        ("status IN + proposed indexes (the fix)", True, False),
    )
    figures: dict[str, Any] = {"indexes": list(PROPOSED_INDEXES), "status_in": OPEN_LITERAL, "stages": {}}
    with app.app_context(), db.engine.connect() as conn:
        for stage, rewrite, create in stages:
            if create:
                for ddl in PROPOSED_INDEXES:
                    conn.exec_driver_sql(ddl)
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("ANALYZE consultation_request")
                conn.commit()
            figures["stages"][stage] = {
                name: median_ms(conn, name, *(rewritten[name] if rewrite else (s.sql, s.params)))  # type: ignore[misc]
                for name, s in chosen.items()
            }
        conn.rollback()
    return figures


def profile_pages(client: FlaskClient, paths: dict[str, list[str]], *, passes: int = 40) -> dict[str, str]:
    """cProfile of each page over `passes` GETs: where the server time goes besides the SQL."""
    out = {}
    for name, urls in paths.items():
        profiler = cProfile.Profile()
        for i in range(passes):
            profiler.runcall(client.get, urls[i % len(urls)])
        out[f"{name}_by_cumulative_time"] = profile_text(profiler, "cumulative", 30)
        out[f"{name}_by_own_time"] = profile_text(profiler, "tottime", 15)
    return out


# --- report -------------------------------------------------------------------------------------------


Section = tuple[str, list[str], list[list[Any]]]

# The request list's filters and search as people use them, each in turn; the searches look for a request of
# the busy locality among the first rows (it exists at every size): its reference, its child's initials, its case
# reference (pick_filtered_paths).
FILTERED = (
    "/requests?only=overdue",
    "/requests?worker=mine",
    "/requests?worker=unassigned",
    "/requests?kind=pod_invite&kind=query",
    "/requests?status=closed&received=90",
    "/requests?status=submitted&status=acknowledged&status=scheduled&status=waiting_on_partner&status=closed"
    "&only=escalated",
    "/requests?q=primary",
)


def pick_filtered_paths(app: Flask, world: World, *, among: int) -> list[str]:
    r = ConsultationRequest
    with app.app_context():
        base = select(r).where(r.locality_id == world.busy_locality, r.id <= among).order_by(r.id)
        initials = db.session.scalar(base.where(r.child_initials != "").limit(1))
        case = db.session.scalar(base.where(r.case_reference.is_not(None), r.case_reference != "").limit(1))
        paths = [*FILTERED, f"/requests?q={initials.child_initials}", f"/requests?q={initials.reference}"]
        paths.append(f"/requests?status=closed&status=submitted&status=acknowledged&q={case.case_reference}")
        db.session.remove()
    return paths


PAGES = (
    ("queue", "GET /requests (queue, page 1)"),
    ("queue_filtered", f"GET /requests?<filter> ({len(FILTERED) + 3} filters and searches)"),
    ("request_page", "GET /requests/<id> (20 requests)"),
    ("service_list_requests", "services.list_requests(), page 1"),
    ("queue_last_page", "GET /requests?page=<last>"),
    ("queue_with_closed", "GET /requests?closed=1"),
    ("service_list_requests_with_closed", "services.list_requests(show_closed)"),
)


def _statements(f: dict[str, Any]) -> str:
    if "statements" not in f:
        return "—"
    low, high = f["statements"]["min"], f["statements"]["max"]
    return str(low) if low == high else f"{low}–{high}"


def report_sections(r: dict[str, Any]) -> list[Section]:
    sizes = r["sizes"]
    rows = []
    for s in sizes:
        for key, label in PAGES:
            f = s[key]
            sql = (f.get("sql_median_ms", "—"), f.get("sql_p95_ms", "—"))
            rows.append(
                [
                    f"{s['rows']:,}",
                    label,
                    f["median_ms"],
                    f["p95_ms"],
                    *sql,
                    f["cpu_median_ms"],
                    _statements(f),
                    f["count"],
                ]
            )
    sections: list[Section] = [
        (
            f"Server time and SQL statements per page ({r['data']['database']}); "
            f"as the lead practitioner of the busiest locality",
            ["requests", "page", "median ms", "p95 ms", "SQL median ms", "SQL p95 ms", "CPU median", "SQL stmts", "n"],
            rows,
        ),
        (
            "Statements per page at each size (must not change with the size)",
            ["page", *(f"{s['rows']:,}" for s in sizes), "same at every size"],
            [
                [label, *(_statements(s[key]) for s in sizes), "yes" if r["same_statements"][key] else "NO"]
                for key, label in PAGES
                if "statements" in sizes[0][key]
            ],
        ),
        (
            "The busiest locality at each size, and the data load",
            [
                "requests",
                "locality's requests",
                "open",
                "overdue",
                "lead is worker of",
                "queue total",
                "load s",
                "rows/s",
            ],
            [
                [
                    f"{s['rows']:,}",
                    *(s["locality"][k] for k in ("requests", "open", "overdue", "practitioner_is_worker")),
                ]
                + [s["service_list_requests"]["total"], s["load_seconds"], s["load_rows_per_second"]]
                for s in sizes
            ],
        ),
    ]
    last = sizes[-1]
    breakdowns = (
        ("queue", "the queue, page 1"),
        ("queue_with_closed", "the queue with closed requests"),
        ("request_page", f"the request page (request {r['data']['measured_request_ids'][0]})"),
    )
    for key, label in breakdowns:
        sections.append(
            (
                f"Where {label} spends its SQL time at {last['rows']:,} requests (median ms per statement)",
                ["#", "statement", "median ms"],
                [[b["n"], b["what"], b["median_ms"]] for b in last[key]["statement_breakdown"]],
            )
        )
    sections.append(
        (
            f"Each filter and search of the list at {last['rows']:,} requests (server time, ms)",
            ["path", "median", "max", "n"],
            [[f"`{p}`", v["median"], v["max"], v["n"]] for p, v in last["queue_filtered"]["per_path_ms"].items()],
        )
    )
    fix = last.get("proposed_fix") or {}
    if fix:
        title = (
            f"Proposed fix, tried on the same data at {last['rows']:,} requests: the queue's count and page "
            "statements (SQL only, median ms, and what they return)"
        )
        if "stages" in fix:
            rows = [[stage, *v["count"], *v["page"]] for stage, v in fix["stages"].items()]
        else:
            rows = [[fix.get("skipped", "not tried"), "", "", "", ""]]
        sections.append((title, ["query shape and indexes", "count ms", "count", "page ms", "page rows"], rows))
    return sections


def write_markdown(r: dict[str, Any], path: Path) -> None:
    m, d = r["machine"], r["data"]
    lines = [
        "# Requests queue benchmark",
        "",
        f"Run {r['date']} on {m['cpu_count']} CPUs ({m['cpu_model'] or 'unknown model'}), Python {m['python']}, "
        f"{d['database_version']}, commit {m['git_commit'] or 'unknown'}; load average "
        f"{', '.join(str(x) for x in m['load_average_at_start'])} at the start and "
        f"{', '.join(str(x) for x in m['load_average_at_end'])} at the end; {r['seconds']} s in all. "
        f"`{r['command']}`; see bench/README.md for what each figure means.",
        "",
        f"Data: {d['localities']} localities, {d['organisations']:,} schools, {d['users']} users "
        f"({d['staff']} staff, {d['partners']} partners), {d['absences']} staff absences (built in "
        f"{d['world_seconds']} s); then requests grown to {', '.join(f'{s:,}' for s in d['steps'])} "
        f"({d['made'].get('closed', 0):,} closed, {d['open']:,} open of which {d['made'].get('overdue', 0):,} overdue; "
        f"{d['made'].get('events', 0):,} timeline events {d['events']}; {d['made'].get('promises', 0):,} promises; "
        f"{d['made'].get('escalations', 0):,} escalations) in {d['load_seconds']} s. "
        f"{d['statistics']}",
        "",
        "Measured sources: " + "; ".join(f"`{path}` {blob}" for path, blob in m["sources"].items()) + ".",
        "",
    ]
    for title, headers, rows in report_sections(r):
        lines += [f"## {title}", "", markdown_table(headers, rows), ""]
    plans = r["sizes"][-1]["plans"]
    if plans:
        lines += [f"## Query plans at {r['sizes'][-1]['rows']:,} requests", ""]
        for page, by_statement in plans.items():
            for name, plan in by_statement.items():
                lines += [f"### {page}: {name}", "", "```", plan, "```", ""]
    profile = r["sizes"][-1].get("profile")
    if profile:
        lines += [f"## Profile of the pages at {r['sizes'][-1]['rows']:,} requests (cProfile, 40 GETs each)", ""]
        for name, text in profile.items():
            lines += [f"### {name.replace('_', ' ')}", "", "```", text, "```", ""]
    path.write_text("\n".join(lines))


# --- main ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="requests at the last size")
    parser.add_argument("--postgres", action="store_true", help="run on a throwaway PostgreSQL cluster, not SQLite")
    parser.add_argument("--requests", type=int, default=200, help="timed GETs of each page at each size")
    parser.add_argument(
        "--events",
        choices=["all", "sample"],
        default="all",
        help="timelines for every request, or only the measured locality's",
    )
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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    machine = {**machine_info(), "sources": source_versions()}
    steps = sorted({s for s in STEPS if s < args.rows} | {args.rows})
    rng = random.Random(args.seed)
    now = datetime.now(UTC).replace(microsecond=0)
    args.output.mkdir(parents=True, exist_ok=True)
    name = "requests_queue" + ("_postgres" if args.postgres else "")
    with bench_database(args.postgres) as (url, database_version):
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
        print(f"Building localities, schools and users in {url.split(':', 1)[0]} …", flush=True)
        start = time.perf_counter()
        with app.app_context():
            db.create_all()
            with db.engine.begin() as conn:
                world = load_world(conn, rng, now, organisations=args.organisations, localities=args.localities)
        world_seconds = round(time.perf_counter() - start, 1)
        maker = RequestMaker(world, rng, now, events_for_all=args.events == "all")
        recorder = SQLRecorder()
        with app.app_context():
            recorder.attach(db.engine)
        sizes, pages, load_seconds = [], [], 0.0
        filtered_paths: list[str] = []
        for size in steps:
            print(f"Growing to {size:,} requests …", flush=True)
            seconds = grow(app, maker, size - (maker.next_id - 1))
            load_seconds += seconds
            if not pages:
                pages = pick_pages(app, world, among=size)
                filtered_paths = pick_filtered_paths(app, world, among=size)
            print(f"  loaded in {seconds:.1f} s; measuring …", flush=True)
            figures = measure_size(
                app,
                world,
                recorder,
                pages,
                requests=args.requests,
                final=size == steps[-1],
                filtered_paths=filtered_paths,
            )
            sizes.append(
                {
                    "rows": size,
                    "load_seconds": round(seconds, 1),
                    "load_rows_per_second": round((size - (sizes[-1]["rows"] if sizes else 0)) / seconds),
                    "locality": locality_figures(app, world),
                    **figures,
                }
            )
            q, p = figures["queue"], figures["request_page"]
            print(
                f"  queue {q['median_ms']} / {q['p95_ms']} ms ({_statements(q)} statements); "
                f"request page {p['median_ms']} / {p['p95_ms']} ms ({_statements(p)} statements)",
                flush=True,
            )
        with app.app_context():
            recorder.detach(db.engine)
            db.session.remove()
            db.engine.dispose()
    machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    same = {
        key: len({json.dumps(s[key]["statements_per_path"], sort_keys=True) for s in sizes}) == 1
        for key, _ in PAGES
        if "statements_per_path" in sizes[0][key] and key != "queue_last_page"
    }
    same["queue_last_page"] = len({json.dumps(s["queue_last_page"]["statements"]) for s in sizes}) == 1
    # The filters: a list with rows and an empty one load different things, so each path's count is compared with
    # its own at the other sizes, as a list with rows and as an empty one.
    by_path: dict[str, set[str]] = defaultdict(set)
    for s in sizes:
        for path, counts in s["queue_filtered"]["statements_per_path"].items():
            by_path[path].add(json.dumps(counts))
    same["queue_filtered"] = all(len(counts) == 1 for counts in by_path.values())
    made = dict(maker.made)
    result = {
        "benchmark": "requests_queue",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": ".venv/bin/python -m bench.requests_queue"
        + " ".join([""] + (argv if argv is not None else sys.argv[1:])),
        "machine": machine,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "data": {
            "database": "postgresql" if args.postgres else "sqlite",
            "database_version": database_version if args.postgres else f"SQLite {machine['sqlite']}",
            "localities": len(world.localities),
            "organisations": len(world.org_ids),
            "users": world.users,
            "staff": world.users - world.partners,
            "partners": world.partners,
            "absences": world.absences,
            "world_seconds": world_seconds,
            "steps": steps,
            "made": made,
            "open": sum(made.get(s.value, 0) for s in OPEN_STATUSES),
            "events": "for every request" if args.events == "all" else "for the measured locality's requests only",
            "statistics": "PostgreSQL: ANALYZE after each load, as autovacuum would."
            if args.postgres
            else "SQLite: no ANALYZE (no sqlite_stat1), as a database the portal creates has none.",
            "load_seconds": round(load_seconds, 1),
            "busy_locality": world.localities[world.busy_locality],
            "measured_request_ids": pages,
        },
        "same_statements": same,
        "sizes": sizes,
        "seconds": round(time.perf_counter() - began, 1),
    }
    (args.output / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    write_markdown(result, args.output / f"{name}.md")
    print()
    for title, headers, rows in report_sections(result):
        print(f"{title}\n{table(headers, rows)}\n")
    if not all(same.values()):
        print(
            "NOTE: the number of statements of a page changed with the size: "
            + ", ".join(k for k, v in same.items() if not v)
        )
    print(f"Written to {args.output / name}.json and .md in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
