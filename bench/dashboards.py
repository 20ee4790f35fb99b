"""The manager's dashboard and the quarterly report at 10,000, 100,000 and 1,000,000 requests.

    .venv/bin/python -m bench.dashboards                    # SQLite in a temporary folder, up to 1,000,000
    .venv/bin/python -m bench.dashboards --rows 100000 --postgres   # a throwaway PostgreSQL cluster

Builds the world of bench/requests_queue.py (150 localities, 25,000 schools, a lead, a practitioner and a
manager a locality) and grows one database to each size in turn with its request generator (about 95%
closed over six years, 5% open). For every new request it records the step timings the request
services would have recorded (portal.requests.timings, the same function), and adds one feedback
entry for every five requests (200,000 at 1,000,000; a fifth anonymous, half with comments, spread over
the same six years in proportion to each locality's requests) and a pulse answer for one closed request
in ten. At each size it signs in as the manager of the busiest locality and measures, through the
whole Flask stack with the test client, each page `--requests` times after a warm-up:
 1. the dashboard for the last full quarter, for the last full financial year, and for the quarter
    filtered to one practitioner;
 2. the quarterly report page and its CSV (and the tagged PDF, fewer times: WeasyPrint's layout is
    the cost there, not the database);
 3. signed in as a senior leader (issue 16), the all-localities report (every locality side by side and the
    whole) and its CSV;
timing each request (wall and CPU) and counting its SQL statements, which must not grow with the data.
The time span is the same six years at every size, so the busy locality's requests in a quarter grow
with the data (printed as "rows in the quarter"): the queries read only those, through the indexes.
Figures go to bench/results/dashboards.json and .md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from bench.directory_search import machine_info, markdown_table, summarise_with_cpu, table, timed_cpu
from bench.requests_queue import (
    PASSWORD,
    Loader,
    RequestMaker,
    SQLRecorder,
    World,
    bench_database,
    grow,
    load_world,
    sign_in,
)
from portal import create_app
from portal.common.periods import financial_year, quarter
from portal.config import ROOT
from portal.dashboards.services import utc_bounds
from portal.extensions import db
from portal.feedback.models import Feedback, PulseResponse, Theme
from portal.requests.models import ConsultationRequest, StepTiming
from portal.requests.timings import consulted_at, measure

RESULTS = ROOT / "bench" / "results"
STEPS = (10_000, 100_000, 1_000_000)
FEEDBACK_PER_REQUEST = 0.2
PULSE_SHARE = 0.1
SPAN_DAYS = 6 * 365
TARGET_MS = 200
COMMENTS = [
    "The call back came when promised.",
    "We did not hear what happened next.",
    "A really helpful consultation; thank you.",
    "Hard to reach anyone during the holidays.",
    "Clear advice and a quick answer.",
]
TIMING_COLUMNS = ("request_id", "step", "locality_id", "worker_id", "done_at", "working_days", "on_time")
FEEDBACK_COLUMNS = ("id", "theme", "rating", "text", "anonymous", "author_id", "organisation_id")
FEEDBACK_COLUMNS += ("organisation_kind", "locality_id", "request_id", "created_at")
PULSE_COLUMNS = ("id", "request_id", "locality_id", "helpful", "knew_what_next", "responded_by_id", "created_at")


def add_measures(
    app: Flask, world: World, rng: random.Random, *, first_id: int, last_id: int, counters: dict[str, int]
) -> float:
    """Step timings for requests first_id..last_id (as the services record them), feedback and pulse."""
    start = time.perf_counter()
    r = ConsultationRequest.__table__.c
    themes = list(Theme)
    with app.app_context(), db.engine.connect() as conn:
        loader = Loader(conn)
        for low in range(first_id, last_id + 1, 100_000):
            high = min(low + 100_000 - 1, last_id)
            rows = conn.execute(
                select(
                    r.id, r.locality_id, r.worker_id, r.organisation_id, r.received_at, r.acknowledged_at,
                    r.consultation_at, r.closed_at, r.acknowledge_due, r.consult_due, r.outcome_due,
                ).where(r.id.between(low, high), r.acknowledged_at.is_not(None))
            ).all()  # fmt: skip
            timings, pulses = [], []
            for rid, loc, worker, _, received, ack, consultation, closed, ack_due, consult_due, outcome_due in rows:
                steps = [("acknowledge", ack, ack_due)]
                if closed is not None:
                    steps += [
                        ("consult", consulted_at(consultation, closed), consult_due),
                        ("outcome", closed, outcome_due),
                    ]
                    if rng.random() < PULSE_SHARE:
                        counters["pulse"] += 1
                        pulses.append(
                            (counters["pulse"], rid, loc, rng.random() < 0.8, rng.random() < 0.7, None)
                            + (closed + timedelta(days=1),)
                        )
                for step, done, due in steps:
                    days, on_time = measure(received, done, due, [])
                    timings.append((rid, step, loc, worker, done, days, on_time))
            feedback = []
            now = datetime.now(UTC)
            orgs = rng.choices(
                world.org_ids, cum_weights=world.org_cum_weights, k=round((high - low + 1) * FEEDBACK_PER_REQUEST)
            )
            for org in orgs:
                counters["feedback"] += 1
                anonymous = rng.random() < 0.2
                author = world.partner_of.get(org)
                feedback.append(
                    (counters["feedback"], rng.choice(themes).value, rng.randint(1, 5))
                    + (rng.choice(COMMENTS) if rng.random() < 0.5 else "", anonymous)
                    + ((None, None) if anonymous else (author, org))
                    + ("school", world.org_locality[org], None, now - timedelta(days=rng.uniform(0, SPAN_DAYS)))
                )
            loader.insert(StepTiming.__table__, TIMING_COLUMNS, timings)
            loader.insert(Feedback.__table__, FEEDBACK_COLUMNS, feedback)
            loader.insert(PulseResponse.__table__, PULSE_COLUMNS, pulses)
            conn.commit()
        if loader.postgres:
            for name in ("feedback", "pulse_response"):
                sequence = f"pg_get_serial_sequence('{name}', 'id')"
                conn.execute(text(f"SELECT setval({sequence}, coalesce(max(id), 1)) FROM {name}"))  # noqa: S608
            conn.execute(text("ANALYZE"))
            conn.commit()
    return time.perf_counter() - start


def measure_path(client: FlaskClient, recorder: SQLRecorder, path: str, *, requests: int) -> dict[str, Any]:
    for _ in range(3):
        client.get(path)
    wall, cpu, sql_ms, counts = [], [], [], []
    for _ in range(requests):
        with recorder.record() as statements:
            ms, cpu_ms, response = timed_cpu(lambda: client.get(path))
        assert response.status_code == 200, (path, response.status_code)
        wall.append(ms)
        cpu.append(cpu_ms)
        sql_ms.append(sum(s.ms for s in statements))
        counts.append(len(statements))
    return {
        **summarise_with_cpu(wall, cpu),
        "sql_median_ms": round(statistics.median(sql_ms), 3),
        "statements": {"min": min(counts), "max": max(counts)},
    }


def busy_quarter_rows(app: Flask, world: World, period: Any) -> dict[str, int]:
    start, end = utc_bounds(period)
    r, t, f = ConsultationRequest, StepTiming, Feedback
    with app.app_context():
        loc = world.busy_locality
        out = {
            "requests": db.session.scalar(
                select(func.count()).where(r.locality_id == loc, r.received_at >= start, r.received_at < end)
            ),
            "step_timings": db.session.scalar(
                select(func.count()).where(t.locality_id == loc, t.done_at >= start, t.done_at < end)
            ),
            "feedback": db.session.scalar(
                select(func.count()).where(f.locality_id == loc, f.created_at >= start, f.created_at < end)
            ),
        }
        db.session.remove()
    return {k: int(v or 0) for k, v in out.items()}


def write_markdown(result: dict[str, Any], path: Path) -> tuple[list[str], list[list[Any]], list[list[Any]]]:
    """The results as markdown: wall-clock median / p95 and CPU median / p95 (this thread) per page and size."""
    sizes = result["sizes"]
    labels = list(sizes[0]["pages"])
    headers = ["page", *(f"{s['rows']:,}: wall median / p95, CPU median / p95 ms (statements)" for s in sizes)]

    def cell(page: dict[str, Any]) -> str:
        return (
            f"{page['median_ms']:.0f} / {page['p95_ms']:.0f}, {page['cpu_median_ms']:.0f} / {page['cpu_p95_ms']:.0f}"
            f" ({page['statements']['max']})"
        )

    rows = [[label, *(cell(s["pages"][label]) for s in sizes)] for label in labels]
    quarter_rows = [s["busy_locality_in_last_quarter"] for s in sizes]
    data_rows = [
        ["feedback entries", *(f"{s['feedback']:,}" for s in sizes)],
        ["pulse answers", *(f"{s['pulse']:,}" for s in sizes)],
        ["busy locality's requests received in the quarter", *(f"{q['requests']:,}" for q in quarter_rows)],
        ["its step timings done in the quarter", *(f"{q['step_timings']:,}" for q in quarter_rows)],
        ["its feedback in the quarter", *(f"{q['feedback']:,}" for q in quarter_rows)],
    ]
    periods = result["periods"]
    md = [
        f"# Dashboards benchmark ({result['database']})",
        "",
        f"Run {result['date']} with `{result['command']}`; {result['machine']['cpus_usable']} CPUs "
        f"({result['machine']['cpu_model']}), load average at the end {result.get('load_average', '?')}. "
        f"Signed in as the manager of the busiest locality ({result['busy_locality']}); quarter "
        f"{periods['quarter']}, financial year {periods['financial_year']}. Server time through the whole Flask "
        "stack (test client): wall clock, and the CPU time of the serving thread (which a busy machine does not "
        f"inflate); target {result['target_ms']} ms for each dashboard page.",
        "",
        markdown_table(headers, rows),
        "",
        markdown_table(["data", *(f"{s['rows']:,}" for s in sizes)], data_rows),
        "",
        f"Total run {result['seconds']} s.",
    ]
    path.write_text("\n".join(md) + "\n")
    return headers, rows, data_rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="requests at the last size")
    parser.add_argument("--postgres", action="store_true", help="run on a throwaway PostgreSQL cluster, not SQLite")
    parser.add_argument("--requests", type=int, default=60, help="timed GETs of each page at each size")
    parser.add_argument("--pdf-requests", type=int, default=10, help="timed GETs of the PDF at each size")
    parser.add_argument("--organisations", type=int, default=25_000)
    parser.add_argument("--localities", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--keep", type=Path, default=None, help="SQLite: build the database in this folder and leave it there"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    steps = sorted({s for s in STEPS if s < args.rows} | {args.rows})
    rng = random.Random(args.seed)
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    last_quarter = quarter(today).previous()
    last_year = financial_year(today).previous()
    name = "dashboards" + ("_postgres" if args.postgres else "")
    args.output.mkdir(parents=True, exist_ok=True)
    sizes: list[dict[str, Any]] = []
    counters = {"feedback": 0, "pulse": 0}
    with bench_database(args.postgres, args.keep) as (url, database_version):
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
        with app.app_context():
            db.create_all()
            with db.engine.begin() as conn:
                world = load_world(conn, rng, now, organisations=args.organisations, localities=args.localities)
                if args.postgres:
                    # The world's users were given their ids: move the sequence past them before adding one.
                    sequence = "pg_get_serial_sequence('user_account', 'id')"
                    conn.execute(text(f"SELECT setval({sequence}, max(id)) FROM user_account"))  # noqa: S608
        lead, _, manager = world.staff[world.busy_locality]
        with app.app_context():
            from portal.accounts.models import User
            from portal.common.roles import Role
            from portal.common.security import hash_password

            manager_email = db.session.get(User, manager).email  # type: ignore[union-attr]
            # A senior leader (issue 16) reads every locality's report: the all-localities report.
            senior_email = "bench-senior@example.org"
            db.session.add(
                User(
                    email=senior_email,
                    name="Bench Senior",
                    role=Role.SENIOR,
                    password_hash=hash_password(PASSWORD),
                )
            )
            db.session.commit()
            db.session.remove()
        maker = RequestMaker(world, rng, now, events_for_all=False)
        recorder = SQLRecorder()
        with app.app_context():
            recorder.attach(db.engine)
        q, y = last_quarter.key, last_year.key
        paths = {
            "dashboard, last quarter": f"/dashboards?period={q}",
            "dashboard, last financial year": f"/dashboards?period={y}",
            "dashboard, quarter, one practitioner": f"/dashboards?period={q}&practitioner={lead}",
            "quarterly report page": f"/dashboards/report?period={q}",
            "quarterly report CSV": f"/dashboards/report.csv?period={q}",
            "quarterly report PDF": f"/dashboards/report.pdf?period={q}",
        }
        senior_paths = {
            "all-localities report page (senior leader)": f"/dashboards/report?period={q}",
            "all-localities report CSV (senior leader)": f"/dashboards/report.csv?period={q}",
        }
        for size in steps:
            first = maker.next_id
            print(f"Growing to {size:,} requests …", flush=True)
            load = grow(app, maker, size - (first - 1))
            extra = add_measures(app, world, rng, first_id=first, last_id=size, counters=counters)
            print(f"  loaded in {load:.1f} s, timings and feedback in {extra:.1f} s; measuring …", flush=True)
            client = sign_in(app, manager_email)
            senior = sign_in(app, senior_email)
            # As each gunicorn worker does once it has built the app (gunicorn.conf.py, post_worker_init): what
            # the process holds is frozen out of the collector's full collections, which would otherwise walk it
            # on whichever measured request triggers one (about 90 ms).
            gc.collect()
            gc.freeze()
            measured = {}
            for label, path in [*paths.items(), *senior_paths.items()]:
                n = args.pdf_requests if path.endswith(".pdf") else args.requests
                who = senior if label in senior_paths else client
                measured[label] = measure_path(who, recorder, path, requests=n)
                m = measured[label]
                print(
                    f"  {label}: {m['median_ms']} / {m['p95_ms']} ms, {m['statements']['max']} statements", flush=True
                )
            sizes.append(
                {
                    "rows": size,
                    "feedback": counters["feedback"],
                    "pulse": counters["pulse"],
                    "busy_locality_in_last_quarter": busy_quarter_rows(app, world, last_quarter),
                    "pages": measured,
                }
            )
        with app.app_context():
            recorder.detach(db.engine)
            db.session.remove()
            db.engine.dispose()
    result = {
        "benchmark": "dashboards",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": ".venv/bin/python -m bench.dashboards"
        + " ".join([""] + (argv if argv is not None else sys.argv[1:])),
        "machine": machine_info(),
        "database": database_version if args.postgres else "SQLite",
        "periods": {"quarter": last_quarter.label, "financial_year": last_year.label},
        "busy_locality": world.localities[world.busy_locality],
        "target_ms": TARGET_MS,
        "sizes": sizes,
        "seconds": round(time.perf_counter() - began, 1),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    (args.output / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    headers, rows, data_rows = write_markdown(result, args.output / f"{name}.md")
    print()
    print(table(headers, rows))
    print()
    print(table(["data", *(f"{s['rows']:,}" for s in sizes)], data_rows))
    print(f"Written to {args.output / name}.json and .md in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
