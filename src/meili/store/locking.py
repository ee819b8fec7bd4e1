"""Between processes: a sidecar lock file beside the store (``meili.duckdb.lock``) that says who holds the store.

A process that reads holds a shared ``flock`` on the sidecar, a process that writes an exclusive one; several
readers coexist, a writer excludes everybody — the same rule DuckDB applies to the database file itself
(several read-only processes, or one read-write process). Taking the sidecar lock first lets a process *wait*
(bounded: ``MEILI_LOCK_TIMEOUT`` seconds, default 60) instead of failing at once, and lets it say whom it waits for.

The sidecar holds one JSON line per holder (pid, user, host, command, since, mode). A writer replaces the content
with its own line; a reader appends its line (once per process); the last reader out, and every writer on
release, empties the file. A line of a process that no longer runs (same host) is ignored. The lock itself is the
kernel's: a killed holder releases it, whatever the file still says. Where ``flock`` does not exist (Windows) or
the sidecar cannot be opened, a process still waits, for DuckDB's own lock on the file, but cannot name the holder.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from meili.errors import Problem, Text
from meili.store.model import StoreBusyError, StoreError, os_user

try:
    import fcntl
except ImportError:  # Windows: no flock; DuckDB's own lock is waited for instead (without the holder's details)
    fcntl = None

#: Seconds a process waits for a store held by another process, unless ``MEILI_LOCK_TIMEOUT`` says otherwise.
DEFAULT_TIMEOUT = 60.0
TIMEOUT_ENV = "MEILI_LOCK_TIMEOUT"
LOCK_SUFFIX = ".lock"

OnWait = Callable[[str], None]


def lock_timeout(timeout: float | None = None) -> float:
    """``timeout`` if given, else ``$MEILI_LOCK_TIMEOUT`` (seconds), else 60."""
    if timeout is not None:
        return float(timeout)
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise StoreError(Problem("store", value=raw, detail=Text(
            f"环境变量 {TIMEOUT_ENV} 应为非负秒数", f"the environment variable {TIMEOUT_ENV} must be a number of "
            "seconds, 0 or more")))
    return value


def lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + LOCK_SUFFIX)


def command_line() -> str:
    """This process's command, as a person would type it (``meili data import a.csv``), at most 200 characters."""
    argv = list(sys.argv) or ["python"]
    head = argv[0]
    if head.endswith(("meili", os.path.join("meili", "__main__.py"))):
        head = "meili"
    elif head in ("-c", "-m", ""):
        head = f"python {head}".strip()
    else:
        head = os.path.basename(head) or "python"
    text = " ".join([head, shlex.join(argv[1:])]).strip()
    return text if len(text) <= 200 else text[:199] + "…"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno == errno.EPERM
    return True


def describe_holders(holders: list[dict]) -> Text:
    """Who holds the store, in both languages: pid, user, command, since when, reading or writing."""
    if not holders:
        return Text("另一个进程（未留下身份信息）", "another process (which left no details)")
    zh, en = [], []
    for h in holders:
        mode_zh, mode_en = ("写入", "writing") if h.get("mode") == "write" else ("读取", "reading")
        host = h.get("host")
        where = f"@{host}" if host and host != socket.gethostname() else ""
        zh.append(f"进程 {h.get('pid')}{where}（用户 {h.get('user')}，命令 {h.get('command')!r}，"
                  f"自 {h.get('since')} 起{mode_zh}）")
        en.append(f"process {h.get('pid')}{where} (user {h.get('user')}, command {h.get('command')!r}, "
                  f"{mode_en} since {h.get('since')})")
    return Text("、".join(zh), "; ".join(en))


def busy_error(store_path: Path, waited: float, holders: list[dict], note: str | None = None) -> StoreBusyError:
    who = describe_holders(holders)
    extra_zh = f"（{note}）" if note else ""
    extra_en = f" ({note})" if note else ""
    detail = Text(
        f"等待 {waited:g} 秒后，工作区仍被{who.zh}占用{extra_zh}。请等它结束后再试；若该进程已无响应，可结束它；"
        f"也可用环境变量 {TIMEOUT_ENV} 延长等待秒数",
        f"still held after waiting {waited:g} s by {who.en}{extra_en}. Try again when it has finished, end that "
        f"process if it hangs, or wait longer by setting {TIMEOUT_ENV} (seconds)")
    return StoreBusyError(Problem("store_busy", file=str(store_path), detail=detail), holders=holders)


class SidecarLock:
    """This process's hold on one store's sidecar lock: none, shared (``"read"``) or exclusive (``"write"``).

    Not thread-safe on its own: the per-process connection registry calls it under its own lock.
    """

    def __init__(self, store_path: Path):
        self.store_path = store_path
        self.path = lock_path(store_path)
        self.fd: int | None = None
        self.mode: str | None = None
        self.writable = False

    def holders(self) -> list[dict]:
        """Who the sidecar says holds the store (stale lines of dead processes on this host left out)."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        out, seen, host = [], set(), socket.gethostname()
        for line in text.splitlines():
            try:
                h = json.loads(line)
                pid = int(h["pid"])
            except (ValueError, KeyError, TypeError):
                continue
            if pid == os.getpid() or (pid, h.get("mode")) in seen:
                continue
            if h.get("host") in (None, host) and not _alive(pid):
                continue
            seen.add((pid, h.get("mode")))
            out.append(h)
        return out

    def _open(self) -> int | None:
        if fcntl is None:
            return None
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o666)
            self.writable = True
            return fd
        except PermissionError:
            pass
        try:  # a folder others own, opened to read: lock without leaving details
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            self.writable = False
            return fd
        except OSError:
            return None  # no sidecar at all: DuckDB's own lock still protects the file

    def acquire(self, mode: str, deadline: float, timeout: float, on_wait: OnWait | None = None) -> None:
        """Take the lock in ``mode`` ("read" or "write"), waiting until ``deadline`` (time.monotonic())."""
        assert self.fd is None, "the sidecar lock is already held by this process"
        fd = self._open()
        if fd is None:
            self.mode = mode
            return
        op = fcntl.LOCK_SH if mode == "read" else fcntl.LOCK_EX
        shown, pause = None, 0.02
        while True:
            try:
                fcntl.flock(fd, op | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            except OSError as e:
                os.close(fd)
                raise StoreError(Problem("store", file=str(self.path), detail=Text(
                    f"无法锁定：{e}", f"cannot lock: {e}"))) from None
            holders = self.holders()
            now = time.monotonic()
            if now >= deadline:
                os.close(fd)
                raise busy_error(self.store_path, timeout, holders)
            if on_wait is not None:
                who = describe_holders(holders)
                if who != shown:
                    shown = who
                    on_wait(f"等待 / waiting for {self.store_path} ({timeout:g} s): {who}")
            time.sleep(min(pause, max(deadline - now, 0.0)))
            pause = min(pause * 2, 0.2)
        self.fd, self.mode = fd, mode
        self._record()

    def _record(self) -> None:
        if not self.writable:
            return
        line = json.dumps({"pid": os.getpid(), "user": os_user(), "host": socket.gethostname(),
                           "command": command_line(), "since": datetime.now().astimezone().isoformat(
                               timespec="seconds"), "mode": self.mode}, ensure_ascii=False) + "\n"
        try:
            if self.mode == "write":
                os.ftruncate(self.fd, 0)
            elif f'"pid": {os.getpid()},' in self.path.read_text(encoding="utf-8", errors="replace"):
                return  # this process is already named (an earlier read); one line per process
            os.write(self.fd, line.encode())
        except OSError:
            pass  # details are a courtesy; the lock is what counts

    def release(self) -> None:
        fd, self.fd, self.mode = self.fd, None, None
        if fd is None:
            return
        try:
            if self.writable:
                try:  # the last one out (a writer always is) leaves the sidecar empty
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    os.ftruncate(fd, 0)
                except OSError:
                    pass
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
