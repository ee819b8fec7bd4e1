"""Recording computed plan indicators (the measures a plan binds to an air or water computation) in a workspace.

The computations (``meili.standards``) return tidy rows of :data:`meili.observation.OBSERVATION_SCHEMA` whose
``state`` column is the quality flag :class:`meili.observation.Quality`: ``measured``, ``incomplete`` (the validity
rules of the standard were not all met: the value is kept, marked provisional) or ``missing`` (nothing could be
computed: not written). Before
they reach the store they pass the same validation as a reported file, so a computed value can never carry a unit,
region or year that a county's report could not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from meili.ingest.issues import ObservationError
from meili.ingest.observations import validate
from meili.ingest.templates import FIELDS
from meili.observation import Quality

QUALITY_NOTE = {Quality.INCOMPLETE: "有效性不足（暂定值）/ validity rules not all met (provisional)"}


def file_digest(paths: Iterable[Path]) -> str:
    """sha256 over the input files' bytes, in the given order (one digest for a multi-file computation)."""
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def observations_from_computed(rows: pa.Table, file_label: str) -> tuple[pa.Table, pa.Table]:
    """Split computed rows into (validated rows for the store, rows that could not be computed).

    Raises :class:`~meili.ingest.issues.ObservationError` if a computed row would not pass an import's checks.
    """
    has_value = pc.invert(pc.is_null(rows["value"]))
    kept, missing = rows.filter(has_value), rows.filter(pc.invert(has_value))
    flag = kept["state"].to_pylist()
    notes = [" · ".join(x for x in (note, QUALITY_NOTE.get(q)) if x) or None
             for note, q in zip(kept["note"].to_pylist(), flag, strict=True)]
    raw = {f: pa.array([None if v is None else str(v) for v in kept[f].to_pylist()], pa.string())
           for f in ("plan", "region", "measure", "year", "value", "unit", "source")}
    raw["state"] = pa.nulls(kept.num_rows, pa.string())
    raw["note"] = pa.array(notes, pa.string())
    raw["provisional"] = pa.array([str(q == Quality.INCOMPLETE).lower() for q in flag], pa.string())
    table = pa.table({f: raw[f] for f in FIELDS} | {
        "_file": pa.array([file_label] * kept.num_rows, pa.string()),
        "_file_no": pa.array([0] * kept.num_rows, pa.int32()),
        "_sheet": pa.nulls(kept.num_rows, pa.string()),
        "_row": pa.array(range(1, kept.num_rows + 1), pa.int64()),
        "_template": pa.array([False] * kept.num_rows, pa.bool_()),
    })
    clean, issues, total, counts, _ = validate(table)
    if total:
        raise ObservationError(issues, total, counts)
    return clean, missing


def record_computed(workspace, rows: pa.Table, inputs: list[Path], producer: str, dry_run: bool = False):
    """Validate computed indicator rows and write them to ``workspace`` in one transaction.

    Returns (ImportResult, rows that could not be computed). Provenance: the input files (names and one sha256 over
    them, in order) and the producing command.
    """
    from meili.store import Origin

    label = ",".join(p.name for p in inputs)
    clean, missing = observations_from_computed(rows, label)
    origin = Origin(files=tuple(p.name for p in inputs), sha256s=tuple(file_digest([p]) for p in inputs),
                    producer=producer)
    return workspace.write_observations(clean, origin=origin, dry_run=dry_run), missing
