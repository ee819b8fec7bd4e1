"""Several users of one store: threads of one process, and processes (the real CLI) that wait for each other."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from meili.errors import MeiliError
from meili.ingest.observations import import_files
from meili.store import Origin, StoreBusyError, StoreError, init_workspace, open_workspace
from meili.store.duckdb_connection import shared_database
from meili.store.duckdb_store import DuckDBStore, _prepare
from tests.helpers import REPO

SRC = REPO / "src"
EXAMPLE = REPO / "examples" / "ganzhou" / "observations_2020_2024.csv"
ENV = {**os.environ, "PYTHONPATH": str(SRC)}
HEADER = "plan,region,measure,year,value,state,unit,source,note\n"


def obs(n: int, value: float = 1.0, start: int = 0) -> pa.Table:
    """``n`` observations of measure 2 in 360700, one per (fictitious) year ``1000 + start + i``."""
    years = [1000 + start + i for i in range(n)]
    return pa.table({
        "plan": ["ganzhou"] * n, "region": ["360700"] * n, "measure": ["2"] * n,
        "year": pa.array(years, pa.int32()), "value": pa.array([value + i for i in range(n)], pa.float64()),
        "state": pa.nulls(n, pa.string()), "unit": ["%"] * n, "source": ["test"] * n,
        "note": pa.nulls(n, pa.string()),
    })


def content(ws) -> tuple[list, list]:
    """The store's current values (without the import time) and its imports (without time, producer, actor)."""
    cur = ws.current_observations().drop_columns(["imported_at"]).to_pylist()
    imps = [{k: v for k, v in r.items() if k not in ("time", "producer", "actor")} for r in ws.imports().to_pylist()]
    return cur, imps


def csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def holder(ws_root: Path, mode: str = "read") -> subprocess.Popen:
    """A process holding the store ("read" or "write") until it reads a line (or is killed); it prints "held" once
    it holds."""
    script = textwrap.dedent(f"""
        import sys
        from meili.store import open_workspace
        store = open_workspace({str(ws_root)!r}).store
        with (store.reading() if {mode!r} == "read" else store.writing()) as cur:
            cur.execute("SELECT count(*) FROM observations").fetchone()
            print("held", flush=True)
            sys.stdin.readline()
        print("released", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def cli_import(ws_root: Path, *files: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "meili", "data", "import", *map(str, files), "-w", str(ws_root)],
                            env=env or ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(condition, timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


# --- threads of one process ----------------------------------------------------------------------------------
def test_reads_during_a_write_see_the_before_or_the_after_state(tmp_path, monkeypatch):
    ws = init_workspace(tmp_path / "ws")
    ws.write_observations(obs(300), origin=Origin(file="first.csv"))
    before_cur, before_hist = ws.current_observations(), ws.history()

    inside = threading.Event()
    original = DuckDBStore._insert_observations

    def slow_insert(con, import_id):  # the write's transaction stays open for a while after its inserts
        original(con, import_id)
        inside.set()
        time.sleep(0.6)

    monkeypatch.setattr(DuckDBStore, "_insert_observations", staticmethod(slow_insert))
    change = obs(400, value=5.0)  # 300 revised, 100 new
    done, errors, seen = threading.Event(), [], []

    def write():
        try:
            ws.write_observations(change, origin=Origin(file="second.csv"))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            done.set()

    def read():
        try:
            while True:
                finished = done.is_set()
                during = inside.is_set() and not finished
                cur, hist = ws.current_observations(), ws.history()
                seen.append((during, cur, hist))
                if finished:
                    return
        except BaseException as e:
            errors.append(e)

    readers = [threading.Thread(target=read) for _ in range(8)]
    for t in readers:
        t.start()
    writer = threading.Thread(target=write)
    writer.start()
    for t in [writer, *readers]:
        t.join(60)
    assert errors == []
    after_cur, after_hist = ws.current_observations(), ws.history()
    assert after_cur.num_rows == 400 and after_hist.num_rows == 700
    for _, cur, hist in seen:  # each read is one snapshot (the two reads of a loop may straddle the commit)
        assert cur.equals(before_cur) or cur.equals(after_cur)
        assert hist.equals(before_hist) or hist.equals(after_hist)
    assert {cur.num_rows for _, cur, _ in seen} == {300, 400}
    # reads went on inside the write's transaction and saw the state before it
    during = [(cur, hist) for d, cur, hist in seen if d]
    assert during and any(cur.equals(before_cur) for cur, _ in during)

    sequential = init_workspace(tmp_path / "seq")
    sequential.write_observations(obs(300), origin=Origin(file="first.csv"))
    sequential.write_observations(change, origin=Origin(file="second.csv"))
    assert content(ws) == content(sequential)


def test_writes_of_several_threads_run_one_at_a_time_in_order(tmp_path):
    ws = init_workspace(tmp_path)
    results, errors = {}, []

    def write(k):
        try:
            results[k] = ws.write_observations(obs(50, start=100 * k), origin=Origin(file=f"t{k}.csv"))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(r.import_id for r in results.values()) == [1, 2, 3, 4]
    assert all((r.new, r.revised, r.unchanged) == (50, 0, 0) for r in results.values())
    imps = ws.imports().to_pylist()
    assert [(i["id"], i["file"]) for i in imps] == sorted((r.import_id, [f"t{k}.csv"]) for k, r in results.items())
    assert ws.store.counts() == {"imports": 4, "observations": 200, "results": 0, "releases": 0}


def test_a_write_upgrades_the_read_only_connection_after_reads_finish(tmp_path):
    ws = init_workspace(tmp_path)
    ws.write_observations(obs(3), origin=Origin(file="a.csv"))
    db = shared_database(ws.db_path, _prepare)
    order, reading = [], threading.Event()

    def long_read():
        with ws.store.reading() as cur:
            assert db.mode == "read"  # a pure read opens the file read-only
            reading.set()
            # the write must be waiting for this read (not merely slower than a sleep): it has asked reads to drain
            assert wait_until(lambda: db.upgrading), "the write never waited for the read"
            order.append(("read", cur.execute("SELECT count(*) FROM observations").fetchone()[0]))

    t = threading.Thread(target=long_read)
    t.start()
    reading.wait(10)
    r = ws.write_observations(obs(3, value=9.0), origin=Origin(file="b.csv"))
    order.append(("write", r.revised))
    t.join(10)
    assert order == [("read", 3), ("write", 3)]
    assert db.con is None and db.mode is None and db.users == 0  # closed when the last user left
    assert not (tmp_path / "meili.duckdb.lock").read_text()  # nobody named as holder any more


def test_a_write_inside_a_read_of_the_same_thread_is_refused_not_deadlocked(tmp_path):
    ws = init_workspace(tmp_path)
    with ws.store.reading(), pytest.raises(StoreError, match="same thread"):
        ws.write_observations(obs(1), origin=Origin(file="a.csv"))
    assert ws.imports().num_rows == 0


# --- processes ---------------------------------------------------------------------------------------------
def test_two_imports_started_together_both_succeed(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    small = csv(tmp_path / "small.csv", ["ganzhou,中心城区,16.1,2022,30,,μg/m³,某局,", "ganzhou,360700,2,2019,1.5,,%,某局,"])
    a, b = cli_import(ws.root, EXAMPLE), cli_import(ws.root, small)
    outs = [p.communicate(timeout=120) for p in (a, b)]
    assert [a.returncode, b.returncode] == [0, 0], outs
    imps = ws.imports().to_pylist()
    assert len(imps) == 2
    order = [Path(i["file"][0]) for i in imps]  # whichever got the store first is import 1
    assert sorted(map(str, order)) == sorted([str(EXAMPLE), str(small)])

    sequential = init_workspace(tmp_path / "seq")
    for f in order:
        import_files(sequential, [f])
    assert content(ws) == content(sequential)
    assert ws.current_observations().num_rows == 3881


def test_an_import_waits_for_a_process_that_reads(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    first = csv(tmp_path / "a.csv", ["ganzhou,中心城区,16.1,2022,21,,μg/m³,某局,"])
    import_files(ws, [first])
    held = holder(ws.root, "read")
    # several processes may read at once: this one does not wait
    assert open_workspace(ws.root, timeout=0).current_observations().num_rows == 1
    second = csv(tmp_path / "b.csv", ["ganzhou,中心城区,16.1,2022,22,,μg/m³,某局,"])
    proc = cli_import(ws.root, second)
    for line in proc.stderr:  # the import has checked the file, is about to write, and says whom it waits for…
        if "waiting for" in line:
            break
    assert proc.poll() is None  # … and waits for the reader
    assert open_workspace(ws.root, timeout=0).imports().num_rows == 1
    assert held.communicate("\n", timeout=30)[0].strip() == "released"
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "import #2" in out and "修订 revised 1" in out, err

    sequential = init_workspace(tmp_path / "seq")
    import_files(sequential, [first])
    import_files(sequential, [second])
    assert content(ws) == content(sequential)


def test_an_import_during_evaluations_in_other_processes_succeeds_and_equals_the_sequential_store(tmp_path):
    """Issue 14's Must show: `meili evaluate` and `meili rank` run in other processes while an import starts;
    every command succeeds, the evaluation equals the one of the store before the import (it reads 2023, the
    import revises 2024 only), and the store equals the sequential result."""
    ws = init_workspace(tmp_path / "ws")
    import_files(ws, [EXAMPLE])
    revision = csv(tmp_path / "rev.csv", ["ganzhou,360702,11.1,2024,80,,%,林业局,"])
    command = [sys.executable, "-m", "meili"]
    expected = subprocess.run([*command, "evaluate", "-y", "2023", "-f", "csv", "-w", str(ws.root)], env=ENV,
                              capture_output=True, text=True, timeout=120).stdout
    readers = [subprocess.Popen([*command, *args, "-y", "2023", "-f", "csv", "-w", str(ws.root)], env=ENV,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for args in (["evaluate"], ["rank"], ["evaluate"])]
    importer = cli_import(ws.root, revision)
    outs = [p.communicate(timeout=180) for p in (*readers, importer)]
    assert [p.returncode for p in (*readers, importer)] == [0, 0, 0, 0], outs
    assert outs[0][0] == outs[2][0] == expected
    sequential = init_workspace(tmp_path / "seq")
    import_files(sequential, [EXAMPLE])
    import_files(sequential, [revision])
    assert content(ws) == content(sequential)


def test_an_import_gives_up_after_the_timeout_and_names_the_holder(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    import_files(ws, [csv(tmp_path / "a.csv", ["ganzhou,中心城区,16.1,2022,21,,μg/m³,某局,"])])
    before = content(ws)
    held = holder(ws.root, "write")
    try:
        t0 = time.monotonic()
        proc = cli_import(ws.root, csv(tmp_path / "b.csv", ["ganzhou,中心城区,16.1,2022,99,,μg/m³,某局,"]),
                          env={**ENV, "MEILI_LOCK_TIMEOUT": "1"})
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, (out, err)
        message = " ".join((out + err).split())  # rich may wrap long lines
        assert f"process {held.pid}" in message and f"进程 {held.pid}" in message
        assert "MEILI_LOCK_TIMEOUT" in message
        assert "waiting for" in message  # it did wait (the start-up alone may take a second)
        assert time.monotonic() - t0 >= 1
    finally:
        held.kill()
        held.wait()
    assert content(ws) == before


def test_waiting_is_reported_and_the_error_is_structured(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    held = holder(ws.root, "write")
    heard: list[str] = []
    try:
        busy = open_workspace(ws.root, on_wait=heard.append, timeout=0.5)
        t0 = time.monotonic()
        with pytest.raises(StoreBusyError) as e:
            busy.current_observations()  # a read waits for a writer, too
        assert time.monotonic() - t0 >= 0.5  # for the whole timeout
    finally:
        held.kill()
        held.wait()
    err = e.value
    assert isinstance(err, MeiliError) and isinstance(err, StoreError) and isinstance(err, RuntimeError)
    assert err.kind == "store_busy" and err.problems[0].kind == "store_busy"
    [h] = err.holders
    assert (h["pid"], h["mode"], h["command"].split()[0]) == (held.pid, "write", "python")
    assert len(heard) == 1 and f"process {held.pid}" in heard[0] and "waiting" in heard[0]
    assert err.to_dict("en")["problems"][0]["title"] == "the workspace is busy"
    # the holder was killed: the kernel released its lock, the store opens at once, the stale line is ignored
    assert open_workspace(ws.root, timeout=0).current_observations().num_rows == 0


def test_a_process_that_opens_the_file_without_meili_is_waited_for_too(tmp_path):
    """DuckDB's own lock (a duckdb shell, an older Meili): waited for with the same deadline, then named."""
    ws = init_workspace(tmp_path / "ws")
    script = (f"import duckdb, time; c = duckdb.connect({str(ws.db_path)!r}); print('held', flush=True); "
              "time.sleep(float(input()))")
    raw = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert raw.stdout.readline().strip() == "held"
    with pytest.raises(StoreBusyError, match="Conflicting lock"):
        open_workspace(ws.root, timeout=0.3).current_observations()
    raw.stdin.write("1\n")
    raw.stdin.flush()
    t0 = time.monotonic()
    assert open_workspace(ws.root, timeout=30).current_observations().num_rows == 0  # waits, then reads
    assert time.monotonic() - t0 > 0.2
    raw.wait(30)


def test_lock_timeout_from_the_environment(tmp_path, monkeypatch):
    from meili.store.locking import lock_timeout

    monkeypatch.setenv("MEILI_LOCK_TIMEOUT", "2.5")
    assert lock_timeout() == 2.5 and lock_timeout(7) == 7
    monkeypatch.delenv("MEILI_LOCK_TIMEOUT")
    assert lock_timeout() == 60
    monkeypatch.setenv("MEILI_LOCK_TIMEOUT", "soon")
    with pytest.raises(StoreError, match="MEILI_LOCK_TIMEOUT"):
        lock_timeout()
