"""Load on the desk (issue #18): the 20 county-level units saving their entry forms at once, on loopback.

    python benchmarks/desk_load.py [--workspace DIR] [--seconds 60] [--writers-per-unit 2]

Builds a copy of the demo workspace (``meili demo``) unless ``--workspace`` names one (it is copied, never
changed), adds a reporter per unit and opens 2025's period, then starts ``meili serve --desk`` as its own
process. Each unit signs in once (its
own session); ``--writers-per-unit`` threads per unit share that session — two clerks of one county — and each
loops for ``--seconds``: read the form (``GET /desk/2025/UNIT``: the version in its hidden field), change one cell
to a value of its own, ``POST`` the whole form back with that version; on ``409`` it reads the form again and
retries. At the end it asserts that no update was lost: for every unit, the accepted saves' versions are exactly
0 … n−1 (every version written once), and the value the store holds is the value of the save accepted last (the
highest version). Prints p50/p95/max save latency, saves per second, conflicts, and a Markdown row for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

PASSWORD = "Meili-desk-load-passphrase"
YEAR = 2025
INPUT = re.compile(r'<input id="[^"]*" name="(value:[^"]+)" value="([^"]*)"')
SELECT = re.compile(r'<select id="[^"]*" name="(value:[^"]+)"[^>]*>(.*?)</select>', re.S)
SELECTED = re.compile(r"<option selected>([^<]*)</option>")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(workspace: Path | None, tmp: Path) -> tuple[Path, list[str]]:
    from meili.app import Meili
    from meili.app.accounts import Accounts

    ws = tmp / "ws"
    if workspace is None:
        subprocess.run([sys.executable, "-m", "meili", "demo", "-w", str(ws)], check=True,
                       stdout=subprocess.DEVNULL)
    else:
        shutil.copytree(workspace, ws)
    app = Meili(ws)
    units = app.workflow.peer_units()
    acc = Accounts(app.workspace)
    admin = acc.add_user("admin", ["user_admin"], password=PASSWORD, admin=True, actor=None)
    acc.add_user("pub", ["publisher"], password=PASSWORD, actor=admin)
    for unit in units:
        acc.add_user(f"rep-{unit}", ["reporter"], [unit], password=PASSWORD, actor=admin)
    app.workflow.open_period(acc.user("pub"), YEAR, closes=date.today() + timedelta(days=30))
    return ws, units


def start_server(ws: Path, port: int) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "meili", "serve", "--desk", "-w", str(ws), "--host", "127.0.0.1",
           "--port", str(port)]
    how = "meili serve --desk"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, how
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "the server stopped") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start in 60 s")


def sign_in(base: str, unit: str):
    import httpx

    # The cookie is __Host- (Secure): httpx keeps it only for https, so it is carried by hand over loopback http.
    c = httpx.Client(base_url=base, timeout=60)
    r = c.get("/api/desk/session")
    token = r.json()["csrf_token"]
    r = c.post("/api/desk/session", json={"name": f"rep-{unit}", "password": PASSWORD},
               headers={"X-CSRF-Token": token, "Cookie": _cookie(r)})
    r.raise_for_status()
    c.headers["Cookie"] = _cookie(r)
    return c


def _cookie(response) -> str:
    raw = response.headers.get("set-cookie", "")
    return raw.split(";", 1)[0]


def read_form(c, unit: str) -> tuple[int, str, dict[str, str]]:
    page = c.get(f"/desk/{YEAR}/{unit}").text
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    fields = {name: html.unescape(value) for name, value in INPUT.findall(page)}
    for name, options in SELECT.findall(page):
        chosen = SELECTED.search(options)
        fields[name] = html.unescape(chosen.group(1)) if chosen else ""
    return version, token, fields


class Writer(threading.Thread):
    def __init__(self, c, unit: str, cell: str, base_value: float, tag: int, until: float):
        super().__init__(daemon=True)
        self.c, self.unit, self.cell, self.base, self.tag, self.until = c, unit, cell, base_value, tag, until
        self.latencies: list[float] = []
        self.accepted: list[tuple[int, str]] = []  # (version posted, value)
        self.conflicts = 0
        self.errors: list[str] = []

    def run(self) -> None:
        n = 0
        while time.monotonic() < self.until:
            version, token, fields = read_form(self.c, self.unit)
            n += 1
            # a value of this writer's own: base × (1 + small step), tagged in the last digits
            value = f"{self.base * (1 + (n % 7) / 1000):.2f}{self.tag}{n % 9 + 1}"
            fields[self.cell] = value
            t0 = time.perf_counter()
            r = self.c.post(f"/desk/{YEAR}/{self.unit}", data={**fields, "csrf_token": token,
                                                                "version": str(version)})
            self.latencies.append(time.perf_counter() - t0)
            if r.status_code == 303:
                self.accepted.append((version, value))
            elif r.status_code == 409:
                self.conflicts += 1
            else:
                self.errors.append(f"{r.status_code}: {r.text[:200]}")


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))] if s else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--writers-per-unit", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="meili-desk-load-"))
    ws, units = prepare(args.workspace, tmp)
    port = free_port()
    proc, how = start_server(ws, port)
    base = f"http://127.0.0.1:{port}"
    try:
        clients = {u: sign_in(base, u) for u in units}
        cells = {}
        for u in units:
            _v, _t, fields = read_form(clients[u], u)
            numeric = [k for k, v in fields.items() if re.fullmatch(r"\d+(\.\d+)?", v or "")] or list(fields)
            name = numeric[0]
            cells[u] = (name, float(fields[name] or 50) or 50.0)
        until = time.monotonic() + args.seconds
        started = time.monotonic()
        writers = [Writer(clients[u], u, cells[u][0], cells[u][1], w + 1, until)
                   for u in units for w in range(args.writers_per_unit)]
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        elapsed = time.monotonic() - started
        # no lost update: versions 0 … n−1 each accepted once; the store holds the last accepted value
        lost = []
        for u in units:
            accepted = sorted(a for w in writers if w.unit == u for a in w.accepted)
            versions = [v for v, _ in accepted]
            version, _token, fields = read_form(clients[u], u)
            if versions != list(range(len(versions))) or version != len(versions):
                lost.append(f"{u}: accepted versions {versions[:5]}… n={len(versions)}, stored version {version}")
            elif accepted and fields[cells[u][0]] != accepted[-1][1]:
                lost.append(f"{u}: stored {fields[cells[u][0]]!r}, last accepted {accepted[-1][1]!r}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    latencies = [x for w in writers for x in w.latencies]
    saves = sum(len(w.accepted) for w in writers)
    conflicts = sum(w.conflicts for w in writers)
    errors = [e for w in writers for e in w.errors]
    print(f"server: {how}; {len(units)} units × {args.writers_per_unit} writers, {elapsed:.1f} s on loopback")
    print(f"save requests: {len(latencies)}; accepted {saves} ({saves / elapsed:.1f}/s); conflicts (409) "
          f"{conflicts}; other errors {len(errors)}")
    print(f"save latency: p50 {pct(latencies, 50) * 1000:.0f} ms, p95 {pct(latencies, 95) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms")
    print(f"lost updates: {len(lost)}")
    print(f"| {len(units)} × {args.writers_per_unit} | {elapsed:.0f} s | {len(latencies)} | {saves / elapsed:.1f} | "
          f"{conflicts} | {pct(latencies, 50) * 1000:.0f} | {pct(latencies, 95) * 1000:.0f} | "
          f"{max(latencies) * 1000:.0f} | {len(lost)} |")
    for line in (errors[:5] + lost[:5]):
        print("  ", line)
    shutil.rmtree(tmp, ignore_errors=True)
    assert not lost, "lost updates"
    assert not errors, "errors other than 409"
    sys.exit(0)


if __name__ == "__main__":
    main()
