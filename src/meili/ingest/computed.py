"""Recording computed plan indicators (the measures a plan binds to an air or water computation) in a workspace.

The computations (``meili.standards``) return tidy rows of :data:`meili.observation.OBSERVATION_SCHEMA` whose
``state`` column is the quality flag :class:`meili.observation.Quality`: ``measured``, ``incomplete`` (the validity
rules of the standard were not all met: the value is kept, marked provisional) or ``missing`` (nothing could be
computed: not written). Before
they reach the store they pass the same validation as a reported file, so a computed value can never carry a unit,
region or year that a county's report could not. :func:`importable_rows` is the one conversion from a computation's
rows to a report's columns (the flag becomes ``provisional`` and a note): the store gets those rows, and a command
that also saves the rows to a file saves them, so its output can be imported as it is.
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


#: The columns of a report (``meili data import``): what a computed table becomes before it is written or saved.
IMPORT_COLUMNS = ("plan", "region", "measure", "year", "value", "state", "unit", "source", "note", "provisional")
IMPORT_SCHEMA = pa.schema([("plan", pa.string()), ("region", pa.string()), ("measure", pa.string()),
                           ("year", pa.int32()), ("value", pa.float64()), ("state", pa.string()),
                           ("unit", pa.string()), ("source", pa.string()), ("note", pa.string()),
                           ("provisional", pa.bool_())])


def split_computed(rows: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(importable rows, rows that could not be computed) of a computation's rows.

    The importable rows have the columns of a report (:data:`IMPORT_COLUMNS`), so the table can be imported as
    it is: the quality flag of ``state`` becomes ``provisional`` (``incomplete`` → true, ``measured`` → false) and
    a sentence in ``note``; ``state`` is left empty (numeric measures carry a value, not a state). Rows flagged
    ``missing`` (no value) are the second table, unchanged: a report has no row for a value nobody has.
    """
    has_value = pc.invert(pc.is_null(rows["value"]))
    kept, missing = rows.filter(has_value), rows.filter(pc.invert(has_value))
    flag = kept["state"].to_pylist()
    notes = [" · ".join(x for x in (note, QUALITY_NOTE.get(q)) if x) or None
             for note, q in zip(kept["note"].to_pylist(), flag, strict=True)]
    table = pa.table({
        "plan": kept["plan"].cast(pa.string()),
        "region": kept["region"].cast(pa.string()),
        "measure": kept["measure"].cast(pa.string()),
        "year": kept["year"].cast(pa.int32()),
        "value": kept["value"].cast(pa.float64()),
        "state": pa.nulls(kept.num_rows, pa.string()),
        "unit": kept["unit"].cast(pa.string()),
        "source": kept["source"].cast(pa.string()),
        "note": pa.array(notes, pa.string()),
        "provisional": pa.array([q == Quality.INCOMPLETE for q in flag], pa.bool_()),
    }, schema=IMPORT_SCHEMA)
    return table, missing


def importable_rows(rows: pa.Table) -> pa.Table:
    """The rows of a computation as a report carries them (:func:`split_computed`'s first table): what a command
    that writes observations saves to a file, so that ``meili data import`` takes the file as it is."""
    return split_computed(rows)[0]


def observations_from_computed(rows: pa.Table, file_label: str) -> tuple[pa.Table, pa.Table]:
    """Split computed rows into (validated rows for the store, rows that could not be computed).

    The rows are first made importable (:func:`split_computed`), then checked as a report's cells are (as text),
    so a computed value can never carry what a report could not. Raises
    :class:`~meili.ingest.issues.ObservationError` if a computed row would not pass an import's checks.
    """
    kept, missing = split_computed(rows)
    raw = {f: pa.array([None if v is None else _text(v) for v in kept[f].to_pylist()], pa.string())
           for f in IMPORT_COLUMNS}
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


def _text(value) -> str:
    """A cell as a report's text: booleans as ``true``/``false``, numbers as Python writes them."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def record_computed(workspace, rows: pa.Table, inputs: list[Path], producer: str, dry_run: bool = False,
                    actor: str | None = None):
    """Validate computed indicator rows and write them to ``workspace`` in one transaction.

    Returns (ImportResult, rows that could not be computed). Provenance: the input files (names and one sha256 over
    them, in order) and the producing command.
    """
    from meili.store import Origin

    label = ",".join(p.name for p in inputs)
    clean, missing = observations_from_computed(rows, label)
    origin = Origin(files=tuple(p.name for p in inputs), sha256s=tuple(file_digest([p]) for p in inputs),
                    producer=producer, **({"actor": actor} if actor else {}))
    return workspace.write_observations(clean, origin=origin, dry_run=dry_run), missing
