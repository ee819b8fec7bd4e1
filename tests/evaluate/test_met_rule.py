"""The plan model's ``Target.met_by`` and the evaluation engine's rule (``rules._met``) agree on every numeric
target kind: bounds (strict and not), cumulative changes and ranges, including values beyond a range on either side
(docs/methodology.md §4.1–4.2)."""

from __future__ import annotations

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from meili.evaluate.params import status_params
from meili.evaluate.rules import _met
from meili.evaluate.tables import _target_row
from meili.plan import Direction, parse_target

TEXTS = ["≥10", "<3.5", ">2", "≤25.5", "35", "25.5", "3~5", "[22.01]", "0.5~1.5"]
values = st.floats(min_value=-5, max_value=50, allow_nan=False).map(lambda x: round(x, 2))
cases = st.lists(st.tuples(st.sampled_from(TEXTS), st.sampled_from(list(Direction)), values), min_size=1,
                 max_size=40)


class _Measure:  # the one attribute _target_row reads for numeric targets
    is_state = False


def test_range_beyond_the_better_side_counts_only_with_a_direction():
    t = parse_target("3~5", Direction.HIGHER)
    assert t.met_by(6, Direction.HIGHER) and not t.met_by(6, Direction.LOWER) and not t.met_by(6)
    assert t.met_by(2, Direction.LOWER) and not t.met_by(2, Direction.HIGHER)
    assert t.met_by(3) and t.met_by(5) and t.met_by(4, Direction.LOWER)


@settings(max_examples=25, deadline=None)
@given(cases)
def test_met_by_agrees_with_the_evaluation_rule(rows):
    params = status_params()
    records = []
    for text, direction, v in rows:
        target = parse_target(text, direction)
        row = _target_row(_Measure(), target, params)  # type: ignore[arg-type]
        records.append({"eval_kind": row["eval_kind"], "cmp": row["cmp"], "target_value": row["target_value"],
                        "low": row["low"], "high": row["high"], "d": 1 if direction == Direction.HIGHER else -1,
                        "v": v, "expected": target.met_by(v, direction)})
    schema = pa.schema([("eval_kind", pa.string()), ("cmp", pa.string()), ("target_value", pa.float64()),
                        ("low", pa.float64()), ("high", pa.float64()), ("d", pa.int64()), ("v", pa.float64()),
                        ("expected", pa.bool_())])
    t = ibis.memtable(pa.Table.from_pylist(records, schema=schema))
    got = t.select(met=_met(t.v, t), expected=t.expected).to_pyarrow()
    assert got.column("met").to_pylist() == got.column("expected").to_pylist()
