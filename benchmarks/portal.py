"""Portal latency and throughput on loopback (issue #16), and the time of ``meili publish`` on the demo workspace.

    python benchmarks/portal.py [--duration 10] [--workers 1] [--workspace DIR]

Builds the demo workspace (``meili demo``) unless ``--workspace`` names one, times ``meili publish`` on it, starts
``meili serve`` in its own process, warms every URL once, then drives it with ``wrk`` (Debian package ``wrk``, a C
load generator; a Lua hook prints the percentiles) at 1, 10 and 100 concurrent connections for: the home page, a
measure page, its JSON twin, an API list call (each request with ``Accept-Encoding: gzip``, as browsers
send it) — and a static file served by the same server, which measures the
load generator's and the HTTP stack's own cost in the same run. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

URLS = {
    "static file (/static/meili.css)": "/static/meili.css",
    "home page (/zh/)": "/zh/",
    "measure page (/zh/measures/16.1)": "/zh/measures/16.1",
    "its JSON twin (/zh/measures/16.1.json)": "/zh/measures/16.1.json",
    "API list (/api/v1/observations?measure=16.1)": "/api/v1/observations?measure=16.1",
}
LUA = """
done = function(summary, latency, requests)
  io.write(string.format('{"p50": %f, "p95": %f, "p99": %f, "requests": %d, "seconds": %f, "errors": %d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout))
end
"""


def meili(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "meili", *args], capture_output=True, text=True, cwd=cwd, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per (URL, concurrency) run")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--workspace", type=Path, help="a workspace with a release (default: a fresh demo)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    tmp = Path(tempfile.mkdtemp(prefix="meili-portal-bench-"))
    workspace = args.workspace
    if workspace is None:
        workspace = tmp / "meili-demo"
        started = time.perf_counter()
        meili("demo", "-w", str(workspace))
        print(f"meili demo: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    publish = []
    for _ in range(3):
        started = time.perf_counter()
        meili("publish", "-w", str(workspace), "--note", "benchmark")
        publish.append(time.perf_counter() - started)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "meili", "serve", "-w", str(workspace), "--port", str(port),
                               "--workers", str(args.workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/static/meili.css", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("the server did not start")
                time.sleep(0.2)
        for path in URLS.values():  # warm: the first request of a page renders it
            for _ in range(args.workers * 4):
                urllib.request.urlopen(base + path, timeout=60).read()
        script = tmp / "report.lua"
        script.write_text(LUA)
        rows = []
        for name, path in URLS.items():
            for clients in (1, 10, 100):
                out = subprocess.run(["wrk", "-H", "Accept-Encoding: gzip", "-t", "1" if clients == 1 else "2",
                                      "-c", str(clients), "-d", f"{args.duration}s", "-s", str(script),
                                      "--timeout", "10s", base + path],
                                     capture_output=True, text=True, check=True).stdout
                stats = json.loads(out.strip().splitlines()[-1])
                rows.append((name, clients, stats))
                print(f"{name} c={clients}: {stats}", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n`meili publish` on the demo workspace (3 runs): {', '.join(f'{t:.2f}' for t in publish)} s\n")
    print(f"Server: `meili serve --workers {args.workers}`; load: wrk, {args.duration} s per row; "
          f"{os.cpu_count()} cores shared by both.\n")
    print("| URL | clients | p50 ms | p95 ms | p99 ms | requests/s | errors |")
    print("|---|---|---|---|---|---|---|")
    for name, clients, s in rows:
        print(f"| {name} | {clients} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | "
              f"{s['requests'] / s['seconds']:.0f} | {s['errors']} |")


if __name__ == "__main__":
    main()
