"""A small HTTP load generator, used when `wrk` is not installed: threads with keep-alive connections.

    python -m bench.loadgen http://127.0.0.1:8000/bench-hello --connections 8 --duration 10

Prints one JSON object: requests, errors, requests per second and latency percentiles (ms). It runs
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
from urllib.parse import urlsplit


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def run(url: str, *, connections: int, duration: float) -> dict[str, float | int]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.perf_counter() + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    non_2xx = [0] * connections

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine = latencies[slot]
        while True:
            start = time.perf_counter()
            if start >= deadline:
                break
            try:
                conn.request("GET", path, headers={"Host": parts.netloc, "Connection": "keep-alive"})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
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
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.url, connections=args.connections, duration=args.duration)))


if __name__ == "__main__":
    main()
