"""The audit log for the front doors: verify the chain, export it — both for an ``auditor`` only
(:data:`meili.app.policy.Action.read_audit`); a refusal is itself audited. The log and its checks are
:mod:`meili.store.audit`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from meili.app.outputs import TABLE_SUFFIXES, check_output, write_table
from meili.app.policy import Action, Forbidden, User, authorize

if TYPE_CHECKING:
    from meili.store import Workspace
    from meili.store.audit import VerifyResult

__all__ = ["EXPORT_SUFFIXES", "export_audit", "verify_audit"]

EXPORT_SUFFIXES = {**TABLE_SUFFIXES, ".jsonl": "jsonl"}


def _authorize(ws: Workspace, actor: User | None, action: str, source_ip: str | None) -> None:
    from meili.store import audit

    try:
        authorize(actor, Action.read_audit)
    except Forbidden as e:
        with ws.store.transaction() as con:
            audit.append(con, actor=actor.name if actor else "—", action=action, result="refused",
                         reason=e.render("en"), source_ip=source_ip)
        raise


def verify_audit(ws: Workspace, actor: User | None, source_ip: str | None = None) -> VerifyResult:
    """Recompute the audit chain and the audited value rows (:func:`meili.store.audit.verify`)."""
    from meili.store import audit

    _authorize(ws, actor, "audit.verify", source_ip)
    with ws.store.reading() as con:
        return audit.verify(con)


def export_audit(ws: Workspace, path: Path | str, actor: User | None, source_ip: str | None = None) -> int:
    """Write the whole audit log to ``path``: JSON Lines (``.jsonl``, one canonical row per line, as hashed) or a
    table (``.csv``, ``.xlsx``, ``.parquet``); returns the rows written. The export itself is audited."""
    import pyarrow as pa

    from meili.store import audit

    _authorize(ws, actor, "audit.export", source_ip)
    fmt = check_output(path, EXPORT_SUFFIXES)
    with ws.store.transaction() as con:
        if fmt == "jsonl":
            n = audit.export(con, path)
        else:
            rows = audit.read(con)
            n = write_table(pa.Table.from_pylist(rows) if rows else pa.table(
                {c: pa.array([], pa.string()) for c in audit.COLUMNS}), path)
        audit.append(con, actor=actor.name, action="audit.export", target=str(path), after={"rows": n},
                     source_ip=source_ip)
    return n
