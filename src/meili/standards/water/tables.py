"""The parameters GB 3838-2002 and the evaluation rules fix, loaded from the CSV files shipped in ``tables/``.

Every row of those files cites its clause; nothing here restates a limit.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv

_TABLE_TYPES: dict[str, dict[str, pa.DataType]] = {
    "items": {"table1_no": pa.int32(), "priority": pa.int32()},
    "limits": {"class_rank": pa.int32(), "lower": pa.float64(), "upper": pa.float64()},
    "classes": {"class_rank": pa.int32()},
    "trophic": {"r": pa.float64(), "a": pa.float64(), "b": pa.float64()},
    "trophic_grades": {"grade_rank": pa.int32(), "upper": pa.float64(), "upper_inclusive": pa.bool_()},
    "body_status": {
        "status_rank": pa.int32(),
        "min_share_i_iii": pa.float64(),
        "max_share_worse_than_v": pa.float64(),
    },
}


@cache
def load_table(name: str) -> pa.Table:
    """Read ``tables/<name>.csv`` (UTF-8) as an Arrow table with typed numeric columns."""
    path = resources.files("meili.standards.water").joinpath("tables", f"{name}.csv")
    with path.open("rb") as fh:
        return pacsv.read_csv(
            fh,
            convert_options=pacsv.ConvertOptions(
                column_types=_TABLE_TYPES.get(name, {}), strings_can_be_null=True
            ),
        )


def table(name: str) -> ibis.Table:
    """The shipped table ``name`` as an Ibis table expression."""
    return ibis.memtable(load_table(name))


def evaluated_items() -> list[str]:
    """The 21 evaluation items of 环办〔2011〕22号 (GB 3838 Table 1 minus water temperature, TN, fecal coliform)."""
    items = load_table("items")
    return [i for i, role in zip(items["item"].to_pylist(), items["role"].to_pylist(), strict=True)
            if role == "evaluated"]


def all_items() -> list[str]:
    """Every GB 3838-2002 Table 1 item Meili reads (evaluation and reference items), in table order."""
    return load_table("items")["item"].to_pylist()


def class_names() -> dict[int, str]:
    """Class rank (1 = Ⅰ … 6 = 劣Ⅴ) → the numeral bulletins print, from ``tables/classes.csv``."""
    classes = load_table("classes")
    return dict(zip(classes["class_rank"].to_pylist(), classes["class"].to_pylist(), strict=True))


def class_rank_of(name: str) -> int | None:
    """The rank of a class written ``Ⅲ``, ``III``, ``3`` or ``劣Ⅴ``/``劣V``; None when it is no class."""
    text = name.strip().replace("类", "")
    classes = load_table("classes")
    for rank, numeral, ascii_ in zip(classes["class_rank"].to_pylist(), classes["class"].to_pylist(),
                                     classes["class_ascii"].to_pylist(), strict=True):
        if text in (numeral, ascii_, str(rank)) or (rank == 6 and text in ("劣V", "劣5")):
            return rank
    return None
