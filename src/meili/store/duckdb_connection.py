"""Within a process: one DuckDB connection per store file, a cursor per operation, one writer at a time.

:func:`shared_database` returns the process's :class:`SharedDatabase` for a file (a registry keyed by the resolved
path, guarded by a lock). Every operation borrows a cursor (``con.cursor()``: its own transaction) from the one
connection:

- **reads** open the file *read-only* when nothing in the process writes, so several processes can read at once
  (``meili data list`` while ``meili evaluate`` runs); when the process already has it open read-write, a read
  simply takes a cursor of that connection and sees the last committed state (DuckDB's MVCC) while a write runs;
- **writes** queue in arrival order (FIFO, one at a time). A read-only connection cannot write and DuckDB forbids a
  read-only and a read-write connection to one file in one process, so the first write *upgrades*: new reads wait,
  reads in flight finish, the read-only connection is closed, and the file is opened read-write (waiting for other
  processes if needed). Reads then go on through the read-write connection, during the write too.
- the connection (and the cross-process lock, :mod:`meili.store.locking`) is closed when the last operation of the
  process ends, so a long-running process does not hold the file between requests.

Rejected: always read-write (simpler, but two processes could never read at the same time), and a read-only
connection beside a read-write one (DuckDB refuses it within one process).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from meili.errors import Problem, Text
from meili.store.locking import OnWait, SidecarLock, busy_error, command_line
from meili.store.model import StoreError, os_user

#: ``prepare(connection, read_only, path)`` checks (and, read-write, migrates) the schema of a newly opened file:
#: "ready", "empty" (no tables yet) or "migrate" (an older schema that a read-only connection cannot upgrade).
#: ``path`` is the file, for its error messages.
Prepare = Callable[[duckdb.DuckDBPyConnection, bool, Path], str]

_registry: dict[Path, SharedDatabase] = {}
_registry_lock = threading.Lock()


def shared_database(path: Path, prepare: Prepare) -> SharedDatabase:
    """The process's one :class:`SharedDatabase` for the file at ``path``."""
    key = Path(os.path.abspath(path)).resolve()
    with _registry_lock:
        db = _registry.get(key)
        if db is None:
            db = _registry[key] = SharedDatabase(key, prepare)
        return db


def _forget_after_fork() -> None:
    # A forked child must not use its parent's DuckDB connections or locks: it starts with an empty registry.
    global _registry_lock
    _registry.clear()
    _registry_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def _is_lock_conflict(e: duckdb.Error) -> bool:
    text = str(e)
    return "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text)


class SharedDatabase:
    """One store file in this process: its connection (None, read-only or read-write), users and writer queue."""

    def __init__(self, path: Path, prepare: Prepare):
        self.path = path
        self.prepare = prepare
        self.cond = threading.Condition()
        self.con: duckdb.DuckDBPyConnection | None = None
        self.mode: str | None = None  # "read" | "write" while open
        self.opened_at: str | None = None
        self.users = 0
        self.upgrading = False
        self.writers: deque[object] = deque()
        self.sidecar = SidecarLock(path)
        self._local = threading.local()

    # --- what callers use ------------------------------------------------------------------------------------
    @contextmanager
    def reading(self, timeout: float, on_wait: OnWait | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor that sees the committed state; the file is held (at least read-only) until it is closed."""
        deadline = time.monotonic() + timeout
        nested = self._held() > 0
        with self.cond:
            while not nested and self.upgrading:  # a writer is waiting for reads to drain: it goes first
                self._wait(deadline, timeout)
            if self.con is None:
                self._open("read", deadline, timeout, on_wait)
            cur = self._borrow()
        yield from self._cursor(cur, kind="reads")

    @contextmanager
    def writing(self, timeout: float, on_wait: OnWait | None = None,
                create: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the read-write connection, once this write's turn has come (FIFO within the process)."""
        if self._held():
            raise StoreError(Problem("store", file=str(self.path), detail=Text(
                "同一线程在读取或写入进行中又开始写入（会死锁）",
                "a write started inside a read or write of the same thread (it would wait for itself)")))
        deadline = time.monotonic() + timeout
        ticket = object()
        upgrading = False  # set by this write (another writer's flag is not ours to clear)
        with self.cond:
            self.writers.append(ticket)
            try:
                while self.writers[0] is not ticket:
                    self._wait(deadline, timeout)
                if self.mode == "read":
                    self.upgrading = upgrading = True
                    while self.users:
                        self._wait(deadline, timeout)
                    self._close()
                if self.con is None:
                    self._open("write", deadline, timeout, on_wait, create=create)
                cur = self._borrow()
            except BaseException:
                self.writers.remove(ticket)
                raise
            finally:
                if upgrading:
                    self.upgrading = False
                self.cond.notify_all()
        try:
            yield from self._cursor(cur, kind="writes")
        finally:
            with self.cond:
                self.writers.remove(ticket)
                self.cond.notify_all()

    # --- internals ---------------------------------------------------------------------------------------
    def _held(self) -> int:
        return getattr(self._local, "reads", 0) + getattr(self._local, "writes", 0)

    def _borrow(self) -> duckdb.DuckDBPyConnection:
        """A new cursor of the open connection, counted as a user (the caller holds ``cond``)."""
        try:
            cur = self.con.cursor()
        except BaseException:
            if self.users == 0:
                self._close()
            raise
        self.users += 1
        return cur

    def _cursor(self, cur: duckdb.DuckDBPyConnection, kind: str) -> Iterator[duckdb.DuckDBPyConnection]:
        setattr(self._local, kind, getattr(self._local, kind, 0) + 1)
        try:
            try:
                cur.execute("SET enable_progress_bar = false")
                yield cur
            finally:
                cur.close()
        finally:
            setattr(self._local, kind, getattr(self._local, kind) - 1)
            with self.cond:
                self.users -= 1
                if self.users == 0:
                    self._close()
                self.cond.notify_all()

    def _wait(self, deadline: float, timeout: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (not self.cond.wait(remaining) and time.monotonic() >= deadline):
            me = {"pid": os.getpid(), "user": os_user(), "command": command_line(),
                  "since": self.opened_at or "—", "mode": self.mode or "write"}
            raise busy_error(self.path, timeout, [me], note="本进程的其他操作 / other operations of this process")

    def _close(self) -> None:
        con, self.con, self.mode, self.opened_at = self.con, None, None, None
        try:
            if con is not None:
                con.close()
        finally:
            self.sidecar.release()

    def _open(self, mode: str, deadline: float, timeout: float, on_wait: OnWait | None,
              create: bool = False) -> None:
        """Open the file in ``mode`` (the caller holds ``cond``), first migrating an older schema if needed."""
        while True:
            self.sidecar.acquire(mode, deadline, timeout, on_wait)
            try:  # from here on, _close() undoes whatever was opened (the connection, the sidecar lock)
                self.con = self._connect(mode, deadline, timeout)
                state = self.prepare(self.con, mode == "read", self.path)
                if state == "empty" and not create:
                    raise StoreError(Problem("store", file=str(self.path), detail=Text(
                        "不是 Meili 数据库（没有表）", "not a Meili store (it has no tables)")))
            except BaseException:
                self._close()
                raise
            if state == "migrate":  # read-only cannot migrate: once read-write, then read-only again
                self._close()
                self._open("write", deadline, timeout, on_wait)
                self._close()
                continue
            self.mode = mode
            self.opened_at = datetime.now().astimezone().isoformat(timespec="seconds")
            return

    def _connect(self, mode: str, deadline: float, timeout: float) -> duckdb.DuckDBPyConnection:
        # The sidecar lock is held, so DuckDB's own lock conflicts only with a process that does not use it
        # (an older Meili, the duckdb shell…): wait for it too, with the same deadline.
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=mode == "read")
                con.execute("SET enable_progress_bar = false")
                return con
            except duckdb.Error as e:
                if not _is_lock_conflict(e):
                    raise StoreError(Problem("store", file=str(self.path), detail=Text(
                        f"无法打开数据库：{e}", f"cannot open the store: {e}"))) from None
                if time.monotonic() >= deadline:
                    raise busy_error(self.path, timeout, [], note=str(e)) from None
                time.sleep(0.1)
