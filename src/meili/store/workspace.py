"""A workspace: a folder with ``meili.toml`` (what it is, which engine) and the store file (``meili.duckdb``).

Several processes and threads may use one workspace at once (see :mod:`meili.store.duckdb_connection`): reads run
side by side, writes one at a time; a process that finds the store held by another waits (``MEILI_LOCK_TIMEOUT``
seconds, default 60; ``on_wait`` hears about it), then raises :class:`meili.store.model.StoreBusyError`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from meili.errors import Problem, Text
from meili.store.duckdb_store import DuckDBStore
from meili.store.model import ImportResult, Origin, StoreError
from meili.store.protocol import Store

CONFIG_FILE = "meili.toml"
DEFAULT_DB = "meili.duckdb"
ENGINES = {"duckdb": DuckDBStore}

_CONFIG_TEMPLATE = """\
# Meili 工作区 / Meili workspace. Created {created} by `meili init`.
[workspace]
format = 1

[store]
engine = "duckdb"       # the only engine so far
path = "{db}"  # relative to this folder
"""


class Workspace:
    """One workspace folder. Every method borrows the process's connection to the store for its work; the file is
    closed when no operation of the process uses it (nothing is held between calls).

    ``timeout`` (seconds; None: ``$MEILI_LOCK_TIMEOUT``, else 60) bounds the wait for another process;
    ``on_wait(message)`` is called when a wait starts, so a front door can say whom it waits for.
    """

    store: Store

    def __init__(self, root: Path, config: dict, on_wait: Callable[[str], None] | None = None,
                 timeout: float | None = None):
        self.root = root
        self.config = config
        store = config.get("store", {})
        engine = store.get("engine", "duckdb")
        if engine not in ENGINES:
            raise StoreError(Problem("store", file=str(root / CONFIG_FILE), value=str(engine), detail=Text(
                "未知存储引擎", "unknown store engine"), expected=", ".join(ENGINES)))
        self.db_path = root / store.get("path", DEFAULT_DB)
        self.store = ENGINES[engine](self.db_path, timeout=timeout, on_wait=on_wait)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    def write_observations(self, table: pa.Table, origin: Origin, dry_run: bool = False) -> ImportResult:
        """Write validated observations in one transaction; unchanged rows add nothing, changed ones a revision.

        ``table`` has columns plan, region, measure, year, value, state, unit, source, note (+ optional
        provisional, sheet, row, file). ``dry_run`` computes the counts and writes nothing.
        """
        return self.store.write(table, origin, dry_run=dry_run)

    def current_observations(self, plan: str | None = None, region: str | None = None,
                             measure: str | None = None, year: int | None = None) -> pa.Table:
        """The latest revision per (plan, region, measure, year); ``region`` may be a code, name or group."""
        return self.store.current(plan=plan, region=_region_key(region), measure=measure, year=year)

    def history(self, plan: str | None = None, region: str | None = None, measure: str | None = None,
                year: int | None = None) -> pa.Table:
        """Every revision, oldest first per key."""
        return self.store.history(plan=plan, region=_region_key(region), measure=measure, year=year)

    def imports(self) -> pa.Table:
        """One row per write: id, file (list), sha256 (list), producer, actor, state, time, rows, new, revised,
        unchanged."""
        return self.store.imports()

    def write_results(self, table: pa.Table, origin: Origin, dry_run: bool = False) -> ImportResult:
        """Record computed air/water results in one transaction (:mod:`meili.store.results`)."""
        return self.store.write_results(table, origin, dry_run=dry_run)

    def current_results(self, domain: str | None = None, scope: str | None = None, code: str | None = None,
                        year: int | None = None) -> pa.Table:
        """The latest revision of each recorded result."""
        return self.store.current_results(domain=domain, scope=scope, code=code, year=year)

    def history_results(self, domain: str | None = None, scope: str | None = None, code: str | None = None,
                        year: int | None = None) -> pa.Table:
        """Every revision of each recorded result, oldest first per key."""
        return self.store.history_results(domain=domain, scope=scope, code=code, year=year)

    def query(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        """A read-only SQL query over ``observations``, ``imports`` and ``current_observations`` (one snapshot)."""
        return self.store.query(sql, params)


def _region_key(region: str | None) -> str | None:
    """A region filter as stored: names and retired codes resolve to the current code; unknown keys stay."""
    if region is None:
        return None
    from meili.plan import UnknownRegionError, load_regions

    try:
        return load_regions().resolve(region)
    except UnknownRegionError:
        return str(region)


def init_workspace(path: str | Path) -> Workspace:
    """Create a workspace in ``path`` (created if missing): ``meili.toml`` and an empty ``meili.duckdb``."""
    root = Path(path).expanduser().resolve()
    if (root / CONFIG_FILE).exists():
        raise StoreError(Problem("store", file=str(root / CONFIG_FILE), detail=Text(
            "已经是工作区（该文件已存在）", "already a workspace (this file exists)")))
    if (root / DEFAULT_DB).exists():
        raise StoreError(Problem("store", file=str(root / DEFAULT_DB), detail=Text(
            "文件已存在，不会覆盖", "the file already exists; refusing to overwrite it")))
    if root.exists() and not root.is_dir():
        raise StoreError(Problem("store", file=str(root), detail=Text("不是目录", "not a folder")))
    root.mkdir(parents=True, exist_ok=True)
    text = _CONFIG_TEMPLATE.format(created=datetime.now(UTC).isoformat(timespec="seconds"), db=DEFAULT_DB)
    ws = Workspace(root, tomllib.loads(text))  # the config just written, not read back from disk
    ws.store.create()  # the store first: a failure leaves no meili.toml behind
    (root / CONFIG_FILE).write_text(text, encoding="utf-8")
    return ws


def open_workspace(path: str | Path | None = None, on_wait: Callable[[str], None] | None = None,
                   timeout: float | None = None) -> Workspace:
    """Open the workspace at ``path``; None means $MEILI_WORKSPACE, else the current folder.

    ``on_wait`` and ``timeout``: see :class:`Workspace`. Opening reads only ``meili.toml``; the store is opened by
    the first operation (and a store of an older schema migrated then)."""
    if path is None:
        path = os.environ.get("MEILI_WORKSPACE") or Path.cwd()
    root = Path(path).expanduser().resolve()
    cfg = root / CONFIG_FILE
    if not cfg.is_file():
        raise StoreError(Problem("not_a_workspace", file=str(root), detail=Text(
            f"不是 Meili 工作区（没有 {CONFIG_FILE}）；请先在此创建工作区，或指定另一个工作区目录",
            f"not a Meili workspace (no {CONFIG_FILE}); create a workspace here first, or name another "
            "workspace folder")))
    try:
        config = tomllib.loads(cfg.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise StoreError(Problem("store", file=str(cfg), detail=Text(f"无法读取：{e}", f"cannot read: {e}"))) from None
    ws = Workspace(root, config, on_wait=on_wait, timeout=timeout)
    if not ws.db_path.is_file():
        raise StoreError(Problem("store", file=str(cfg), detail=Text(
            f"数据库文件 {ws.db_path} 不存在", f"the store file {ws.db_path} is missing")))
    return ws
