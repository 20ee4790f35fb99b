"""A small HTTP load generator, used when `wrk` is not installed: threads with keep-alive connections.

    python -m bench.loadgen http://127.0.0.1:8000/bench-hello --connections 8 --duration 10
    python -m bench.loadgen http://127.0.0.1:8000/requests --header "Cookie: portal_session=…"

Prints one JSON object: requests, errors, requests per second, latency percentiles (ms) and how many
responses had each status code. `--header` (repeatable) is sent with every request. It runs
in its own process so that its work does not share a GIL with the server's. Being Python, it tops
out at a few thousand requests a second; wrk is preferred for the fast routes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import threading
import time
from collections import Counter
from urllib.parse import urlsplit


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def run(
    url: str, *, connections: int, duration: float, headers: dict[str, str] | None = None, timeout: float = 30.0
) -> dict[str, float | int | dict[str, int]]:
    parts = urlsplit(url)
    sent = {"Host": parts.netloc, "Connection": "keep-alive", **(headers or {})}
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.perf_counter() + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    non_2xx = [0] * connections
    statuses: list[Counter[int]] = [Counter() for _ in range(connections)]

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        mine = latencies[slot]
        while True:
            start = time.perf_counter()
            if start >= deadline:
                break
            try:
                conn.request("GET", path, headers=sent)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
                continue
            mine.append(time.perf_counter() - start)
            statuses[slot][response.status] += 1
            if not 200 <= response.status < 400:
                non_2xx[slot] += 1
        conn.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    done = sorted(x for per_slot in latencies for x in per_slot)
    return {
        "requests": len(done),
        "errors": sum(errors),
        "non_2xx": sum(non_2xx),
        "seconds": elapsed,
        "rps": len(done) / elapsed,
        "latency_p50_ms": percentile(done, 0.50) * 1000,
        "latency_p99_ms": percentile(done, 0.99) * 1000,
        "statuses": {str(code): n for code, n in sorted(sum(statuses, Counter()).items())},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--header", action="append", default=[], help="'Name: value', sent with every request")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a response")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {name.strip(): value.strip() for name, value in headers.items()}
    figures = run(args.url, connections=args.connections, duration=args.duration, headers=headers, timeout=args.timeout)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
