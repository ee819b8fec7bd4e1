"""A workspace: a folder with ``meili.toml`` (what it is, which engine) and the store file (``meili.duckdb``)."""

from __future__ import annotations

import os
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from meili.store.duckdb_store import DuckDBStore
from meili.store.model import ImportResult, Origin, StoreError

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
    """One workspace folder; every method opens the store, does its work and closes it again."""

    def __init__(self, root: Path, config: dict):
        self.root = root
        self.config = config
        store = config.get("store", {})
        engine = store.get("engine", "duckdb")
        if engine not in ENGINES:
            raise StoreError(f"{root / CONFIG_FILE}: 未知存储引擎 / unknown store engine {engine!r}; "
                             f"expected one of {', '.join(ENGINES)}")
        self.db_path = root / store.get("path", DEFAULT_DB)
        self.store = ENGINES[engine](self.db_path)

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
        """One row per write: id, file, sha256, producer, time, rows, new, revised, unchanged."""
        return self.store.imports()


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
        raise StoreError(f"已经是工作区 / already a workspace: {root / CONFIG_FILE} exists")
    if (root / DEFAULT_DB).exists():
        raise StoreError(f"文件已存在 / {root / DEFAULT_DB} already exists; refusing to overwrite it")
    if root.exists() and not root.is_dir():
        raise StoreError(f"不是目录 / not a folder: {root}")
    root.mkdir(parents=True, exist_ok=True)
    DuckDBStore(root / DEFAULT_DB).create()
    text = _CONFIG_TEMPLATE.format(created=datetime.now(UTC).isoformat(timespec="seconds"), db=DEFAULT_DB)
    (root / CONFIG_FILE).write_text(text, encoding="utf-8")
    return open_workspace(root)


def open_workspace(path: str | Path | None = None) -> Workspace:
    """Open the workspace at ``path``; None means $MEILI_WORKSPACE, else the current folder."""
    if path is None:
        path = os.environ.get("MEILI_WORKSPACE") or Path.cwd()
    root = Path(path).expanduser().resolve()
    cfg = root / CONFIG_FILE
    if not cfg.is_file():
        raise StoreError(f"不是 Meili 工作区 / not a Meili workspace: {root} has no {CONFIG_FILE}; "
                         f"create one with `meili init {root}` or pass --workspace DIR")
    try:
        config = tomllib.loads(cfg.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise StoreError(f"{cfg}: 无法读取 / cannot read: {e}") from None
    ws = Workspace(root, config)
    if not ws.db_path.is_file():
        raise StoreError(f"{cfg}: 数据库文件不存在 / the store file {ws.db_path} is missing")
    return ws
