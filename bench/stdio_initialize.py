"""Benchmark of ``zikra-mcp-stdio`` start-up: time from spawning it to its answer to ``initialize``,
and to its answer to the first ``tools/list`` (which waits for the MCP SDK to load).

Codex sends its first model request about 1.2 s after spawning a stdio server and does not wait
for it; SPEC §8's target is ``initialize`` answered in ≤ 0.5 s at p95 on our 2 cores. Spawns are
sequential; the load average is printed, because a busy machine slows the SDK import most.
Needs no running server (no tool is called). Asserts nothing.

    .venv/bin/python bench/stdio_initialize.py --spawns 20
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

STDIO = Path(sys.executable).parent / "zikra-mcp-stdio"
INITIALIZE = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "codex-mcp-client", "version": "1"}}}
LIST = [{"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}]


def line(message: dict) -> bytes:
    return json.dumps(message).encode() + b"\n"


def one_start() -> tuple[float, float]:
    """Seconds from spawn to the initialize answer, and to the tools/list answer."""
    env = {"PATH": os.environ["PATH"], "ZIKRA_URL": "http://127.0.0.1:9"}
    started = time.perf_counter()
    with subprocess.Popen([str(STDIO)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=env) as process:
        process.stdin.write(line(INITIALIZE))
        process.stdin.flush()
        assert json.loads(process.stdout.readline())["id"] == 0
        initialized = time.perf_counter() - started
        process.stdin.write(b"".join(line(message) for message in LIST))
        process.stdin.flush()
        assert json.loads(process.stdout.readline())["result"]["tools"]
        listed = time.perf_counter() - started
        process.stdin.close()
        process.wait(30)
    return initialized, listed


def summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"{name:<22} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spawns", type=int, default=20)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    times = [one_start() for _ in range(args.spawns)]
    print(f"{args.spawns} spawns of {STDIO}")
    print(summary("initialize answered", [t[0] for t in times]))
    print(summary("tools/list answered", [t[1] for t in times]))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
