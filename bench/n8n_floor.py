"""Latency floor of an n8n webhook: N sequential POSTs on one keep-alive connection.

Usage (n8n running with bench/workflows/ imported and published; see docs/n8n-runtime.md):

    python bench/n8n_floor.py [--url URL] [-n 300] [--warmup 20] [--new-connections]

Prints min / median / p95 / max in milliseconds and a coarse histogram, so a bimodal
distribution (two clusters) is visible at a glance.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import requests

DEFAULT_URL = "http://127.0.0.1:5678/webhook/zikra-trivial"
BUCKETS_MS = (5, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 200)


def measure(url: str, n: int, warmup: int, new_connections: bool) -> list[float]:
    """POST ``{"command": "search"}`` n times (after warm-up); return each time in ms.

    Raises:
        RuntimeError: a reply was not HTTP 200.
    """
    session = requests.Session()
    times: list[float] = []
    for i in range(warmup + n):
        if new_connections:
            session.close()
        started = time.perf_counter()
        reply = session.post(url, json={"command": "search", "query": "floor"}, timeout=10)
        elapsed = (time.perf_counter() - started) * 1000
        if reply.status_code != 200:
            raise RuntimeError(f"request {i}: HTTP {reply.status_code}: {reply.text[:200]}")
        if i >= warmup:
            times.append(elapsed)
    session.close()
    return times


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of values (fraction in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def histogram(values: list[float]) -> str:
    """One line per bucket: upper bound in ms and a count."""
    lines, low = [], 0.0
    for high in (*BUCKETS_MS, float("inf")):
        count = sum(1 for v in values if low <= v < high)
        if count:
            label = f"<{high:g}" if high != float("inf") else f">={low:g}"
            lines.append(f"  {label:>6} ms {count:4d} {'#' * max(1, count * 60 // len(values))}")
        low = high
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Entry point: measure and print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--new-connections", action="store_true", help="no keep-alive: a new TCP connection each time")
    parser.add_argument("--quiet", action="store_true", help="one summary line, no histogram")
    args = parser.parse_args(argv)
    try:
        times = measure(args.url, args.n, args.warmup, args.new_connections)
    except (RuntimeError, requests.RequestException) as exc:
        sys.exit(f"error: {exc}")
    print(f"n={len(times)} min={min(times):.1f} median={statistics.median(times):.1f} "
          f"p95={percentile(times, 0.95):.1f} max={max(times):.1f} ms")
    if not args.quiet:
        print(histogram(times))


if __name__ == "__main__":
    main()
