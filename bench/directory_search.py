"""Directory search at 25,000 schools: service time, page time, and requests per second under gunicorn.

    .venv/bin/python -m bench.directory_search            # SQLite in a temporary folder
    .venv/bin/python -m bench.directory_search --postgres postgresql://user@127.0.0.1:5432/empty_db

Measures, on invented schools (bench/schools.py):
 1. search_organisations(q) called directly in an app context, for a mix of queries as people type
    them: the first call (which builds the in-memory index) apart, then the timed calls.
 2. GET /schools?q=… through the whole Flask stack with the test client, beside GET / and a bare
    /bench-hello route.
 3. Requests per second of those three URLs served by gunicorn on loopback, driven by wrk (or by
    bench/loadgen.py when wrk is not installed) from another process.
Figures go to bench/results/directory_search.json and .md; see bench/README.md for what each means.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import insert, inspect

from bench.loadgen import percentile
from bench.schools import School, make_schools
from bench.wsgi import add_hello_route
from portal import create_app
from portal.config import ROOT
from portal.directory import services
from portal.directory.models import Locality, Organisation, OrganisationKind
from portal.directory.search import SearchIndex
from portal.extensions import db
from portal.models import Base

RESULTS = ROOT / "bench" / "results"
TARGET_P95_MS = 20.0


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    expect: str  # a substring of the first result's "name, town, postcode"; "" when no result is right


def make_queries(schools: list[School]) -> list[Query]:
    castle_rock = next(s for s in schools if s.name == "Castle Rock High School")
    return [
        Query("name as typed", "st clares", "St Clare's"),
        Query("name with apostrophe", "St Clare's", "St Clare's"),
        Query("name and town", "all saints coalville", "All Saints C of E Primary School, Coalville"),
        Query("name", "castle rock", "Castle Rock "),
        Query("partial word", "castle roc", "Castle Rock "),
        Query("partial word", "woodland gra", "Woodland Grange Primary School"),
        Query("common saint", "st marys", "St Mary's"),
        Query("dedication and town", "holy cross whitwick", "Holy Cross Catholic Voluntary Academy, Whitwick"),
        Query("founder", "robert smyth", "Robert Smyth Academy"),
        Query("URN", str(castle_rock.urn), "Castle Rock High School"),
        Query("postcode", castle_rock.postcode, "Castle Rock High School"),
        Query("postcode, lower case, no space", castle_rock.postcode.replace(" ", "").lower(), "Castle Rock High"),
        Query("outward postcode", "LE67", "LE67 "),
        Query("one typo", "all saints coalvile", "All Saints C of E Primary School, Coalville"),
        Query("one typo", "woodlnd grange", "Woodland Grange"),
        Query("only common words", "primary school", "Primary School"),
        Query("no match", "zebedee plover", ""),
    ]


# --- figures --------------------------------------------------------------------------------------


def summarise(samples_ms: list[float]) -> dict[str, float | int]:
    ordered = sorted(samples_ms)
    return {
        "count": len(ordered),
        "median_ms": round(percentile(ordered, 0.50), 3),
        "p95_ms": round(percentile(ordered, 0.95), 3),
        "p99_ms": round(percentile(ordered, 0.99), 3),
        "mean_ms": round(sum(ordered) / len(ordered), 3),
        "max_ms": round(ordered[-1], 3),
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return (time.perf_counter() - start) * 1000, value


def timed_cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU milliseconds of this thread: on a busy machine the wall time grows while
    the process waits for a CPU, and the CPU time shows the work itself."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    value = fn()
    return (time.perf_counter() - start) * 1000, (time.thread_time() - start_cpu) * 1000, value


def summarise_with_cpu(wall_ms: list[float], cpu_ms: list[float]) -> dict[str, float | int]:
    cpu = sorted(cpu_ms)
    return {
        **summarise(wall_ms),
        "cpu_median_ms": round(percentile(cpu, 0.50), 3),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 3),
    }


def git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=5, check=False)
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def source_versions() -> dict[str, str]:
    """The blob id of each measured source file, marked when it differs from the commit (read-only git)."""
    versions = {}
    for path in ("portal/directory/search.py", "portal/directory/services.py", "portal/directory/routes.py"):
        blob, committed = git("hash-object", path), git("rev-parse", f"HEAD:{path}")
        versions[path] = blob[:12] + ("" if blob == committed else " (uncommitted changes)")
    return versions


def machine_info() -> dict[str, Any]:
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for package in ("flask", "sqlalchemy", "rapidfuzz", "gunicorn", "psycopg"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": versions,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "sources": source_versions(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# --- data -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(postgres_url: str | None) -> Iterator[str]:
    """A fresh SQLite file in a temporary folder, or the given PostgreSQL database (which must not hold
    the portal's tables yet; they are dropped again afterwards)."""
    if postgres_url is None:
        with tempfile.TemporaryDirectory(prefix="portal-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=postgres_url)
    with app.app_context():
        clash = set(inspect(db.engine).get_table_names()) & set(Base.metadata.tables)
        if clash:
            tables = ", ".join(sorted(clash))
            raise SystemExit(f"{postgres_url} already has portal tables ({tables}); give it an empty database")
    try:
        yield postgres_url
    finally:
        with app.app_context():
            db.session.remove()
            Base.metadata.drop_all(db.engine)
            db.engine.dispose()


def load_schools(app: Flask, schools: list[School]) -> float:
    """Create the tables and insert the localities and schools; returns the seconds taken."""
    start = time.perf_counter()
    with app.app_context():
        db.create_all()
        localities = {
            name: Locality(name=name, front_door_phone="0116 496 0000", front_door_email="frontdoor@example.org")
            for name in sorted({s.locality for s in schools})
        }
        db.session.add_all(localities.values())
        db.session.flush()
        db.session.execute(
            insert(Organisation),
            [
                {
                    "name": s.name,
                    "kind": OrganisationKind.SCHOOL,
                    "urn": s.urn,
                    "phase": s.phase,
                    "establishment_type": s.establishment_type,
                    "postcode": s.postcode,
                    "town": s.town,
                    "district": s.district,
                    "locality_id": localities[s.locality].id,
                }
                for s in schools
            ],
        )
        db.session.commit()
        db.session.remove()
    return time.perf_counter() - start


# --- 1. the service -------------------------------------------------------------------------------


def measure_index_build(app: Flask, queries: list[Query]) -> dict[str, Any]:
    """The first search builds the index; then the same work taken apart (loading rows, building)."""
    with app.app_context():
        cold_ms, _ = timed(lambda: services.search_organisations(queries[0].text))
        db.session.remove()
        load_ms, rows = timed(services._index_rows)
        db.session.remove()
        builds = [timed(lambda: SearchIndex.build(rows)) for _ in range(3)]
        index = builds[-1][1]
    return {
        "first_search_ms": round(cold_ms, 1),
        "load_rows_ms": round(load_ms, 1),
        "build_ms": round(sorted(ms for ms, _ in builds)[1], 1),
        "entries": len(index.entries),
        "vocabulary": len(index.vocabulary),
    }


def describe(org: Organisation) -> str:
    return f"{org.name}, {org.town}, {org.postcode}"


def measure_service(app: Flask, queries: list[Query], *, calls: int, seed: int) -> dict[str, Any]:
    """Timed calls of search_organisations over the shuffled mix; the session is removed after each
    call, as at the end of a request, so no call finds another's objects already loaded."""
    order = [queries[i % len(queries)] for i in range(calls)]
    random.Random(seed).shuffle(order)
    per_query: dict[str, list[float]] = {q.text: [] for q in queries}
    per_query_cpu: dict[str, list[float]] = {q.text: [] for q in queries}
    checks: dict[str, dict[str, Any]] = {}
    with app.app_context():
        for q in queries:  # warm-up: each query once, and what it finds
            found = services.search_organisations(q.text)
            top = describe(found[0]) if found else ""
            ok = (q.expect in top) if q.expect else not found
            checks[q.text] = {"results": len(found), "top": top, "as_expected": ok}
            db.session.remove()
        for q in order:
            ms, cpu_ms, _ = timed_cpu(lambda q=q: services.search_organisations(q.text))
            per_query[q.text].append(ms)
            per_query_cpu[q.text].append(cpu_ms)
            db.session.remove()
    every = [ms for samples in per_query.values() for ms in samples]
    every_cpu = [ms for samples in per_query_cpu.values() for ms in samples]
    return {
        **summarise_with_cpu(every, every_cpu),
        "per_query": [
            {"kind": q.kind, "query": q.text, **summarise_with_cpu(per_query[q.text], per_query_cpu[q.text])}
            | checks[q.text]
            for q in queries
        ],
    }


def measure_breakdown(app: Flask, queries: list[Query], *, repeats: int) -> list[dict[str, Any]]:
    """Where a search's time goes: the fingerprint query (search_index), matching in memory
    (SearchIndex.search) and the rest of search_organisations (loading the rows found)."""
    out = []
    with app.app_context():
        for q in queries:
            fingerprint, match, total = [], [], []
            for _ in range(repeats):
                ms_index, index = timed(services.search_index)
                ms_match, _ = timed(lambda q=q, index=index: index.search(q.text))
                db.session.remove()
                ms_total, _ = timed(lambda q=q: services.search_organisations(q.text))
                db.session.remove()
                fingerprint.append(ms_index)
                match.append(ms_match)
                total.append(ms_total)
            f, m, t = (percentile(sorted(x), 0.5) for x in (fingerprint, match, total))
            out.append(
                {
                    "query": q.text,
                    "fingerprint_ms": round(f, 3),
                    "match_ms": round(m, 3),
                    "fetch_ms": round(max(t - f - m, 0.0), 3),
                    "total_ms": round(t, 3),
                }
            )
    return out


# --- 2. the Flask stack ---------------------------------------------------------------------------


def measure_pages(app: Flask, queries: list[Query], *, requests: int, seed: int) -> dict[str, Any]:
    """GET /schools?q=… through the test client (every hook, the form, the template), beside GET / and
    GET /bench-hello; each figure is time.perf_counter around client.get."""
    client = app.test_client()
    order = [queries[i % len(queries)] for i in range(requests)]
    random.Random(seed).shuffle(order)
    for q in queries:  # warm-up: compiles the templates
        assert client.get("/schools", query_string={"q": q.text}).status_code == 200
    for path in ("/", "/bench-hello"):
        assert client.get(path).status_code == 200
    search_ms, search_cpu, per_query = [], [], {q.text: [] for q in queries}
    for q in order:
        ms, cpu_ms, response = timed_cpu(lambda q=q: client.get("/schools", query_string={"q": q.text}))
        assert response.status_code == 200, (q.text, response.status_code)
        search_ms.append(ms)
        search_cpu.append(cpu_ms)
        per_query[q.text].append(ms)
    others = {}
    for name, path in (("home", "/"), ("hello", "/bench-hello")):
        samples, samples_cpu = [], []
        for _ in range(max(requests // 4, 50)):
            ms, cpu_ms, response = timed_cpu(lambda path=path: client.get(path))
            assert response.status_code == 200
            samples.append(ms)
            samples_cpu.append(cpu_ms)
        others[name] = summarise_with_cpu(samples, samples_cpu)
    return {
        "search": {
            **summarise_with_cpu(search_ms, search_cpu),
            "per_query": [{"query": q.text, **summarise(per_query[q.text])} for q in queries],
        },
        **others,
    }


# --- 3. requests per second under gunicorn --------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(
    database_url: str,
    *,
    workers: int,
    threads: int,
    log: Path,
    environment: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
    probe_headers: Mapping[str, str] | None = None,
) -> Iterator[tuple[str, int]]:
    """bench/wsgi.py under gunicorn on a free loopback port; yields its base URL and the master's pid.
    `environment` adds to (or replaces) the server's variables, `extra_args` adds gunicorn options (the
    command line's win over a `-c` file's), and `probe_headers` go with the readiness probe's GET."""
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_ENV": "development",  # plain http; production's Talisman would redirect to https
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "BENCH_WARM_INDEX": "1",
        **(environment or {}),
    }
    cmd = [sys.executable, "-m", "gunicorn", "bench.wsgi:make_app()", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "5"]
    cmd += ["--log-level", "warning", *extra_args]
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as log_file:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"gunicorn stopped (exit {proc.returncode}):\n{log.read_text()}")
                try:
                    probe = urllib.request.Request(f"{base}/bench-hello", headers=dict(probe_headers or {}))  # noqa: S310
                    with urllib.request.urlopen(probe, timeout=2) as response:  # noqa: S310 (loopback)
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{log.read_text()}")
                time.sleep(0.2)
            yield base, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


WRK_STATUSES = Path(__file__).with_name("wrk_statuses.lua")


def run_wrk(
    url: str,
    *,
    connections: int,
    duration: float,
    headers: Mapping[str, str] | None = None,
    count_statuses: bool = False,
    timeout: float | None = None,
) -> dict[str, Any]:
    """wrk's figures for `url`; with `count_statuses`, also every response's status code (bench/wrk_statuses.lua:
    wrk itself counts only codes outside 2xx and 3xx). `timeout`: seconds before wrk gives up on a response
    (its default is 2 s; a timed-out request counts as a socket error and leaves the latency figures)."""
    threads = max(1, min(2, connections))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
    if timeout is not None:
        cmd.append(f"--timeout={timeout:g}s")
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if count_statuses:
        cmd += ["-s", str(WRK_STATUSES)]
    out = subprocess.run(
        [*cmd, url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.MULTILINE))
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+),", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if total is None or not {"50", "99"} <= latency.keys():
        raise RuntimeError(f"could not read wrk's report:\n{out}")
    result: dict[str, Any] = {
        "requests": int(total.group(1)),
        "errors": sum(int(x) for x in socket_errors.groups()) if socket_errors else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "seconds": _wrk_ms(total.group(2) + total.group(3)) / 1000,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "latency_p50_ms": _wrk_ms(latency["50"]),
        "latency_p99_ms": _wrk_ms(latency["99"]),
    }
    statuses = re.search(r"^Statuses:(.*)$", out, re.MULTILINE)
    if statuses is not None:
        result["statuses"] = {int(code): int(n) for code, n in re.findall(r"(\d+)=(\d+)", statuses.group(1))}
    return result


def server_cpu_seconds(master: int) -> float | None:
    """CPU seconds used so far by gunicorn's master and its workers (Linux /proc), or None elsewhere."""
    ticks = 0
    try:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                pid, rest = stat.read_text().split(" (", 1)
                fields = rest.rsplit(") ", 1)[1].split()  # after the command name, which may hold spaces
                if int(pid) == master or int(fields[1]) == master:
                    ticks += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def run_loadgen(
    url: str,
    *,
    connections: int,
    duration: float,
    headers: Mapping[str, str] | None = None,
    count_statuses: bool = False,
    timeout: float | None = None,
) -> dict[str, Any]:
    """bench/loadgen.py's figures for `url`, in its own process (it always counts the status codes)."""
    cmd = [sys.executable, "-m", "bench.loadgen", url, "--connections", str(connections), "--duration", str(duration)]
    if timeout is not None:
        cmd += ["--timeout", str(timeout)]
    for name, value in (headers or {}).items():
        cmd += ["--header", f"{name}: {value}"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    result = dict(json.loads(out))
    result["statuses"] = {int(code): n for code, n in result.get("statuses", {}).items()}
    return result


def measure_http(database_url: str, args: argparse.Namespace, log: Path) -> dict[str, Any]:
    use_wrk = args.load_generator == "wrk" or (args.load_generator == "auto" and shutil.which("wrk"))
    drive = run_wrk if use_wrk else run_loadgen
    tool = "wrk" if use_wrk else "bench.loadgen (Python threads, keep-alive)"
    if use_wrk:
        version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        tool = (version.stdout or version.stderr).split("[")[0].strip() or "wrk"
    routes = {"hello": "/bench-hello", "home": "/", "search": "/schools?q=castle+rock"}
    figures: dict[str, Any] = {}
    with gunicorn(database_url, workers=args.workers, threads=args.threads, log=log) as (base, pid):
        for name, path in routes.items():
            drive(base + path, connections=args.connections, duration=args.warmup)
            cpu_before = server_cpu_seconds(pid)
            result = drive(base + path, connections=args.connections, duration=args.duration)
            cpu_after = server_cpu_seconds(pid)
            if cpu_before is not None and cpu_after is not None and result["requests"]:
                result["server_cpu_ms_per_request"] = (cpu_after - cpu_before) * 1000 / result["requests"]
            figures[name] = {"path": path, **{k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}}
    cpu = {name: f.get("server_cpu_ms_per_request") for name, f in figures.items()}
    return {
        "tool": tool,
        "server": f"gunicorn, {args.workers} workers × {args.threads} threads (gthread), 127.0.0.1",
        "connections": args.connections,
        "duration_s": args.duration,
        "routes": figures,
        "search_to_hello": round(figures["search"]["rps"] / figures["hello"]["rps"], 3),
        "home_to_hello": round(figures["home"]["rps"] / figures["hello"]["rps"], 3),
        "search_cpu_to_hello_cpu": round(cpu["search"] / cpu["hello"], 1) if cpu["search"] and cpu["hello"] else None,
    }


# --- profile --------------------------------------------------------------------------------------


def profile_text(profiler: cProfile.Profile, sort: str, lines: int) -> str:
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.strip_dirs().sort_stats(sort).print_stats(lines)
    text = stream.getvalue()
    return text[text.find("   ncalls") :].rstrip() if "   ncalls" in text else text.rstrip()


def profile_search(app: Flask, queries: list[Query], *, passes: int) -> dict[str, str]:
    """cProfile of the service and of the page, over `passes` rounds of the query mix."""
    service, page = cProfile.Profile(), cProfile.Profile()
    with app.app_context():
        for _ in range(passes):
            for q in queries:
                service.runcall(services.search_organisations, q.text)
                db.session.remove()
    client = app.test_client()
    for _ in range(passes):
        for q in queries:
            page.runcall(client.get, "/schools", query_string={"q": q.text})
    return {
        "service_by_own_time": profile_text(service, "tottime", 18),
        "service_by_cumulative_time": profile_text(service, "cumulative", 25),
        "page_by_own_time": profile_text(page, "tottime", 18),
    }


# --- report ---------------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]])


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    def line(row: list[Any]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"

    return "\n".join([line(headers), line(["---"] * len(headers))] + [line(r) for r in rows])


Section = tuple[str, list[str], list[list[Any]]]  # title, headers, rows


def _timing_row(label: str, f: dict[str, Any], target: str) -> list[Any]:
    keys = ("median_ms", "p95_ms", "p99_ms", "max_ms", "cpu_median_ms", "cpu_p95_ms", "count")
    return [label, *(f[k] for k in keys), target]


def _query_row(q: dict[str, Any], breakdown: dict[str, Any], page: dict[str, Any]) -> list[Any]:
    parts = (breakdown["fingerprint_ms"], breakdown["match_ms"], breakdown["fetch_ms"])
    found = (q["results"], q["top"][:55] or "—", "yes" if q["as_expected"] else "NO")
    times = (q["median_ms"], q["p95_ms"], q["cpu_median_ms"])
    return [f"'{q['query']}'", q["kind"], *times, *parts, page["p95_ms"], *found]


def _http_row(route: dict[str, Any], hello_rps: float) -> list[Any]:
    latency = (route["latency_p50_ms"], route["latency_p99_ms"])
    counts = (route["requests"], route["errors"], route["non_2xx"])
    cpu = route.get("server_cpu_ms_per_request", "—")
    return [route["path"], round(route["rps"], 1), round(route["rps"] / hello_rps, 3), cpu, *latency, *counts]


def report_sections(r: dict[str, Any]) -> list[Section]:
    """Every table, shared by the console and the markdown summary."""
    service, pages, index = r["service"], r["pages"], r["index"]
    verdict = {True: "met", False: "MISSED"}
    data = r["data"]
    sections: list[Section] = [
        (
            f"Search at {data['schools']:,} schools ({data['database']}); target p95 < {TARGET_P95_MS:g} ms",
            ["measure", "median ms", "p95 ms", "p99 ms", "max ms", "CPU median", "CPU p95", "n", "p95 target"],
            [
                _timing_row("1. search_organisations(q), direct", service, verdict[r["target"]["service_met"]]),
                _timing_row("2. GET /schools?q=…, test client", pages["search"], verdict[r["target"]["page_met"]]),
                _timing_row("   GET / (home), test client", pages["home"], ""),
                _timing_row("   GET /bench-hello, test client", pages["hello"], ""),
            ],
        ),
        (
            "Index build (once per process, and again whenever an organisation changes)",
            ["first search ms", "load rows ms", "build ms", "entries", "words"],
            [[index[k] for k in ("first_search_ms", "load_rows_ms", "build_ms", "entries", "vocabulary")]],
        ),
    ]
    breakdown = {b["query"]: b for b in r["breakdown"]}
    page = {p["query"]: p for p in pages["search"]["per_query"]}
    sections.append(
        (
            "Per query (ms): service median, p95 and CPU median; where the median goes; page p95; what it finds",
            ["query", "kind", "median", "p95", "CPU", "fingerprint", "match", "fetch", "page p95", "n", "top", "ok"],
            [_query_row(q, breakdown[q["query"]], page[q["query"]]) for q in service["per_query"]],
        )
    )
    if r.get("http"):
        http = r["http"]
        hello_rps = http["routes"]["hello"]["rps"]
        sections.append(
            (
                f"Requests per second: {http['server']}; {http['tool']}, {http['connections']} connections, "
                f"{http['duration_s']:g} s a route",
                ["route", "req/s", "vs hello", "CPU ms/req", "p50 ms", "p99 ms", "requests", "errors", "non-2xx"],
                [_http_row(route, hello_rps) for route in http["routes"].values()],
            )
        )
    return sections


def write_markdown(r: dict[str, Any], path: Path) -> None:
    m = r["machine"]
    lines = [
        "# Directory search benchmark",
        "",
        f"Run {r['date']} on {m['cpu_count']} CPUs ({m['cpu_model'] or 'unknown model'}), Python {m['python']}, "
        f"SQLite {m['sqlite']}, commit {m['git_commit'] or 'unknown'}; load average "
        f"{', '.join(str(x) for x in m['load_average_at_start'])} at the start and "
        f"{', '.join(str(x) for x in m['load_average_at_end'])} at the end. "
        f"Data: {r['data']['schools']:,} invented schools over {r['data']['localities']} localities "
        f"and {r['data']['towns']} towns, loaded in {r['data']['load_seconds']:.1f} s. "
        "`.venv/bin/python -m bench.directory_search`; see bench/README.md for what each figure means.",
        "",
        "Measured sources: " + "; ".join(f"`{path}` {blob}" for path, blob in m["sources"].items()) + ".",
        "",
    ]
    for title, headers, rows in report_sections(r):
        lines += [f"## {title}", "", markdown_table(headers, rows), ""]
    if r.get("profile"):
        lines += ["## Profile (cProfile)", ""]
        for name, text in r["profile"].items():
            lines += [f"### {name.replace('_', ' ')}", "", "```", text, "```", ""]
    path.write_text("\n".join(lines))


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database to use instead of SQLite")
    parser.add_argument("--schools", type=int, default=25_000)
    parser.add_argument("--localities", type=int, default=150)
    parser.add_argument("--calls", type=int, default=2_000, help="timed calls of search_organisations")
    parser.add_argument("--requests", type=int, default=1_000, help="timed GET /schools through the test client")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per route under gunicorn")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before each measured run")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--load-generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--skip-http", action="store_true", help="leave out the gunicorn requests-per-second part")
    parser.add_argument("--profile", action="store_true", help="profile even when the target is met")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--output", type=Path, default=RESULTS, help="folder for the JSON and markdown results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    machine = machine_info()
    schools = make_schools(args.schools, localities=args.localities, seed=args.seed)
    queries = make_queries(schools)
    args.output.mkdir(parents=True, exist_ok=True)
    with bench_database(args.postgres) as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        add_hello_route(app)
        print(f"Loading {len(schools):,} schools into {url.split(':', 1)[0]} …", flush=True)
        load_seconds = load_schools(app, schools)
        print("1. index build and search_organisations …", flush=True)
        index = measure_index_build(app, queries)
        service = measure_service(app, queries, calls=args.calls, seed=args.seed)
        breakdown = measure_breakdown(app, queries, repeats=15)
        print("2. pages through the test client …", flush=True)
        pages = measure_pages(app, queries, requests=args.requests, seed=args.seed)
        service_met = service["p95_ms"] < TARGET_P95_MS
        page_met = pages["search"]["p95_ms"] < TARGET_P95_MS
        profile = None
        if args.profile or not (service_met and page_met):
            print("   target missed: profiling …" if not (service_met and page_met) else "   profiling …", flush=True)
            profile = profile_search(app, queries, passes=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        http = None
        if not args.skip_http:
            print(f"3. gunicorn under load, {args.duration:g} s a route …", flush=True)
            http = measure_http(url, args, args.output / "directory_search.gunicorn.log.tmp")
    machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "benchmark": "directory_search",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "postgres"},
        "target": {"p95_ms": TARGET_P95_MS, "service_met": service_met, "page_met": page_met},
        "data": {
            "schools": len(schools),
            "localities": len({s.locality for s in schools}),
            "towns": len({s.town for s in schools}),
            "database": "postgresql" if args.postgres else "sqlite",
            "load_seconds": round(load_seconds, 2),
        },
        "index": index,
        "service": service,
        "breakdown": breakdown,
        "pages": pages,
        "http": http,
        "profile": profile,
        "seconds": round(time.perf_counter() - began, 1),
    }
    (args.output / "directory_search.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    write_markdown(result, args.output / "directory_search.md")
    print()
    for title, headers, rows in report_sections(result):
        print(f"{title}\n{table(headers, rows)}\n")
    if profile:
        print(f"Profile of search_organisations, by own time:\n{profile['service_by_own_time']}\n")
    print(f"Written to {args.output / 'directory_search.json'} and .md in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
