"""Checking reported observations against the plan, all at once, in DuckDB; then one write to the store.

:func:`validate` takes the cells read from one or more files (strings, see :mod:`meili.ingest.templates`) and
returns the clean table for :meth:`meili.store.Workspace.write_observations`, or raises :class:`ObservationError`
listing every issue (file, sheet, row, column, the value found, what was expected; Chinese and English).
The checks are SQL over the whole table, so a million rows cost seconds, not minutes.

Rules (docs/data.md):
- ``plan`` a plan id; ``region`` a code, retired code, name or group (resolved to the current code or group id)
  inside the plan's area; ``measure`` a measure id of that plan;
- ``year`` an integer from the plan's base year − 5 to its last milestone (ganzhou: 2015–2035);
- a numeric measure takes a number (a trailing % is allowed for % measures); a measure with a vocabulary takes one
  of its states (numeric measures with state targets, e.g. 21.2 基本消除, take either); values lie within the
  measure's plausible range (the plan's ``plausible`` hard limits; a % measure without one is a share, 0–100);
- ``unit`` empty (= the measure's unit) or equal to it (μg/m3, µg/m³ and ug/m3 are spellings of μg/m³);
- ``source`` is required; ``provisional`` is 是/否, yes/no, true/false, 1/0 or empty (= final);
- a key (plan, region, measure, year) appears once across the files of one import;
- a cell holding an Excel error (#DIV/0!, #REF!, #VALUE!, #N/A…) is an error wherever it is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from meili.errors import Text
from meili.ingest.issues import KINDS, ObservationError, ObservationIssue
from meili.ingest.templates import FIELDS, RawFile, read_file
from meili.ingest.text import EXPONENT, UNSIGNED_DECIMAL
from meili.observation import normalise_unit  # one spelling rule for reports and computations
from meili.plan import Plan, PlanError, Regions, load_plan, load_regions

#: Years accepted before a plan's base year (history for trends).
YEARS_BEFORE_BASE = 5
#: Issues materialised in an ObservationError (the total and the count per kind are always exact).
MAX_ISSUES = 1000
#: The longest text a cell may hold (characters); longer cells are refused (``text_too_long``).
MAX_CELL_CHARS = 2000
#: Characters no cell may hold: C0 controls (tab, CR and LF included), DEL, C1 controls (CSI ``\x9b`` is a
#: terminal escape), Unicode line/paragraph separators and the bidi embeddings, overrides and isolates.
CONTROL_CHARACTERS = r"[\x00-\x1f\x7f-\x9f\x{2028}\x{2029}\x{202a}-\x{202e}\x{2066}-\x{2069}]"
#: A number as a report may write it: plain decimal digits, optional sign, point and exponent (Excel shows
#: 0.00001 as 1E-05). No digit separators (``1_000``, ``1,000``), no ``nan``/``inf``, no hex.
PLAIN_NUMBER = rf"[+-]?{UNSIGNED_DECIMAL}{EXPONENT}?"
#: A year: digits (``2023``; ``2023.0`` as another system may export it).
PLAIN_YEAR = r"[0-9]+(\.0*)?"

FORMULA_ERRORS = ("#DIV/0!", "#REF!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                  "#GETTING_DATA")
_TRUE = ("是", "yes", "y", "true", "t", "1", "初步", "provisional")
_FALSE = ("否", "no", "n", "false", "f", "0", "正式", "final")
def _sql_list(values: Iterable[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _plan_tables(plan_ids: Iterable[str], plans: dict[str, Plan], regions: Regions):
    """Look-up tables of the plans named in the files: plans, measures, regions in each plan's area."""
    prow, mrows, arows = [], [], []
    for pid in plan_ids:
        plan = plans.get(pid)
        if plan is None:
            try:
                plan = load_plan(pid) if "/" not in pid and not pid.endswith((".yaml", ".yml")) else None
            except PlanError:
                plan = None
        if plan is None or plan.id != pid:
            continue
        prow.append({"plan": pid, "first_year": plan.base_year - YEARS_BEFORE_BASE,
                     "last_year": max(plan.milestones), "plan_region": plan.region,
                     "plan_region_name": regions.name(plan.region) if plan.region in regions.index else plan.region})
        for m in plan.measures:
            mrows.append({"plan": pid, "measure": m.id, "m_name": m.name or m.indicator, "m_unit": m.unit,
                          "m_unit_norm": normalise_unit(m.unit), "is_state": m.is_state,
                          "vocabulary": list(m.vocabulary or []), "pct": m.unit == "%",
                          **_limits(m)})
        area = _area(plan.region, regions)
        arows += [{"plan": pid, "code": c} for c in sorted(area)]
    plans_t = pa.Table.from_pylist(prow, schema=pa.schema([
        ("plan", pa.string()), ("first_year", pa.int32()), ("last_year", pa.int32()), ("plan_region", pa.string()),
        ("plan_region_name", pa.string())]))
    measures_t = pa.Table.from_pylist(mrows, schema=pa.schema([
        ("plan", pa.string()), ("measure", pa.string()), ("m_name", pa.string()), ("m_unit", pa.string()),
        ("m_unit_norm", pa.string()), ("is_state", pa.bool_()), ("vocabulary", pa.list_(pa.string())),
        ("pct", pa.bool_()), ("hard_min", pa.float64()), ("hard_max", pa.float64()), ("share", pa.bool_()),
        ("range_zh", pa.string()), ("range_en", pa.string()), ("soft_min", pa.float64()), ("soft_max", pa.float64()),
        ("soft_zh", pa.string()), ("soft_en", pa.string())]))
    area_t = pa.Table.from_pylist(arows, schema=pa.schema([("plan", pa.string()), ("code", pa.string())]))
    return plans_t, measures_t, area_t


def _limits(m) -> dict:
    """The measure's hard plausible limits (``Measure.plausible_range``; None = open) and whether they are those of
    a percentage share (0–100, reported as ``percent_out_of_range``)."""
    rng = m.plausible_range
    low, high = rng.hard if rng is not None else (None, None)
    zh = f"在 {low:g} 到 {high:g} 之间" if None not in (low, high) else (
        f"不小于 {low:g}" if low is not None else f"不大于 {high:g}" if high is not None else "")
    en = f"from {low:g} to {high:g}" if None not in (low, high) else (
        f"of at least {low:g}" if low is not None else f"of at most {high:g}" if high is not None else "")
    soft = rng.soft if rng is not None and rng.soft is not None else (None, None)
    return {"hard_min": low, "hard_max": high, "share": m.unit == "%" and (low, high) == (0, 100),
            "range_zh": zh, "range_en": en, "soft_min": soft[0], "soft_max": soft[1],
            "soft_zh": _range_text(*soft, "zh"), "soft_en": _range_text(*soft, "en")}


def _range_text(low, high, lang: str) -> str:
    if lang == "zh":
        return f"{low:g} 到 {high:g}" if None not in (low, high) else (
            f"不小于 {low:g}" if low is not None else f"不大于 {high:g}" if high is not None else "")
    return f"from {low:g} to {high:g}" if None not in (low, high) else (
        f"at least {low:g}" if low is not None else f"at most {high:g}" if high is not None else "")


def _area(root: str, regions: Regions) -> set[str]:
    """A plan region's code, every region under it and the groups whose parent is in it."""
    area, todo = {root}, [root]
    while todo:
        parent = todo.pop()
        kids = [r.code for r in regions.regions if r.parent == parent]
        area.update(kids)
        todo += kids
    area.update(g.id for g in regions.groups if g.parent in area)
    return area


# Each check: (kind, column SQL, value SQL, condition SQL, Chinese message SQL, English message SQL). They run over
# the table `c`, one pass each; the two messages become the issue's detail (a Text).
_MSG_YEAR = ("'应为 ' || p.first_year || '–' || p.last_year || ' 之间的整数年份（规划 ' || c.plan_s || '）'",
             "'expected an integer year from ' || p.first_year || ' to ' || p.last_year || ' (plan ' || c.plan_s || ')'")


def _checks() -> list[tuple[str, str, str, str, str, str]]:
    checks = []
    for col in FIELDS:
        checks.append(("formula_error", f"'{col}'", f"c.{col}_s", f"c.{col}_xe", "'Excel 公式错误，请填写数值或文字'",
                       "'an Excel error value; expected a value, not a failed formula'"))
        checks.append(("control_character", f"'{col}'", f"c.{col}_s", f"c.{col}_cc AND NOT c.{col}_xe",
                       "'单元格含控制字符或双向文本控制符（位置 ' || c." + col + "_ccpos || '），请删除后重新填写'",
                       "'the cell holds a control character or a bidi control (at character ' || c." + col
                       + "_ccpos || '); remove it'"))
        checks.append(("text_too_long", f"'{col}'", f"left(c.{col}_s, 60) || '…'",
                       f"c.{col}_long AND NOT c.{col}_cc AND NOT c.{col}_xe",
                       f"'单元格有 ' || length(c.{col}_s) || ' 个字符，最多 {MAX_CELL_CHARS} 个'",
                       f"'the cell holds ' || length(c.{col}_s) || ' characters; at most {MAX_CELL_CHARS}'"))
    required = {"plan": ("规划编号，如 ganzhou", "a plan id such as ganzhou"),
                "region": ("区域代码或名称，如 360702 或 章贡区", "a region code or name such as 360702 or 章贡区"),
                "measure": ("测度编号，如 16.1", "a measure id such as 16.1"),
                "year": ("年份，如 2023", "a year such as 2023"),
                "source": ("数据来源（填报单位）", "the source: who reported the value")}
    for col, (zh, en) in required.items():
        checks.append(("empty_cell", f"'{col}'", "NULL", f"c.{col}_s IS NULL AND NOT c.{col}_fe",
                       f"'应填写{zh}'", f"'expected {en}'"))
    checks += [
        ("empty_cell", "'value'", "NULL",
         "c.value_s IS NULL AND c.state_s IS NULL AND NOT c.value_fe AND NOT c.state_fe AND NOT c._template",
         "'应填写数值或状态'", "'expected a value (a number, or a state for a qualitative measure)'"),
        ("unknown_plan", "'plan'", "c.plan_s", "c.plan_s IS NOT NULL AND NOT c.plan_fe AND p.plan IS NULL",
         "'应为规划编号：' || $known_plans", "'expected a plan id: ' || $known_plans"),
        ("unknown_region", "'region'", "c.region_s",
         "c.region_s IS NOT NULL AND NOT c.region_fe AND rk.code IS NULL",
         "'应为区划代码（如 360702）、名称（如 章贡区）或区域组（如 中心城区 / central_urban）'",
         "'expected a GB/T 2260 code (e.g. 360702), a name (e.g. 章贡区) or a group (e.g. 中心城区)'"),
        ("region_outside_plan", "'region'", "c.region_s",
         "rk.code IS NOT NULL AND p.plan IS NOT NULL AND pa.code IS NULL",
         "'区域 ' || rk.code || ' 不在规划 ' || c.plan_s || ' 的范围（' || p.plan_region_name || ' 及其下辖区域）内'",
         "'region ' || rk.code || ' is outside plan ' || c.plan_s || ' (' || p.plan_region || ' and the regions in it)'"),
        ("unknown_measure", "'measure'", "c.measure_s",
         "p.plan IS NOT NULL AND c.measure_s IS NOT NULL AND NOT c.measure_fe AND m.measure IS NULL",
         "'规划 ' || c.plan_s || ' 中无此测度，应为测度编号如 16.1（见 meili plan show ' || c.plan_s || '）'",
         "'plan ' || c.plan_s || ' has no such measure; expected a measure id such as 16.1'"),
        ("year_outside_plan", "'year'", "c.year_s",
         "p.plan IS NOT NULL AND c.year_s IS NOT NULL AND NOT c.year_fe AND (c.year_d IS NULL OR "
         "c.year_d <> floor(c.year_d) OR c.year_d < p.first_year OR c.year_d > p.last_year)", *_MSG_YEAR),
        ("value_and_state", "'state'", "c.state_s",
         "m.measure IS NOT NULL AND c.value_s IS NOT NULL AND c.state_s IS NOT NULL AND NOT c.value_fe "
         "AND NOT c.state_fe",
         "'数值与状态只能填一个（数值为 ' || c.value_s || '）'",
         "'fill either value or state, not both (value is ' || c.value_s || ')'"),
        ("state_not_in_vocabulary", "c.answer_col", "c.answer",
         "m.measure IS NOT NULL AND c.single AND m.is_state AND NOT list_contains(m.vocabulary, c.answer)",
         "'测度 ' || m.measure || '（' || m.m_name || '）应填以下状态之一：' || array_to_string(m.vocabulary, '、')",
         "'measure ' || m.measure || ' takes one of the states: ' || array_to_string(m.vocabulary, ', ')"),
        ("non_numeric", "c.answer_col", "c.answer",
         "m.measure IS NOT NULL AND c.single AND NOT m.is_state AND NOT list_contains(m.vocabulary, c.answer) "
         "AND (c.number IS NULL OR isnan(c.number) OR isinf(c.number))",
         "'测度 ' || m.measure || '（' || m.m_name || '）应填数值' || coalesce('（单位 ' || m.m_unit || '）', '')"
         " || CASE WHEN len(m.vocabulary) > 0 THEN '或状态：' || array_to_string(m.vocabulary, '、') ELSE '' END",
         "'measure ' || m.measure || ' takes a number' || coalesce(' in ' || m.m_unit, '')"
         " || CASE WHEN len(m.vocabulary) > 0 THEN ' or the state ' || array_to_string(m.vocabulary, ', ') "
         "ELSE '' END"),
        # Plausible ranges come from the measure's meaning (the plan's ``plausible``; a % measure without one is a
        # share, 0–100): a share outside 0–100 is ``percent_out_of_range``, any other hard limit ``implausible_value``.
        ("percent_out_of_range", "c.answer_col", "c.answer",
         "m.measure IS NOT NULL AND c.single AND m.share AND NOT list_contains(m.vocabulary, c.answer) "
         "AND NOT isnan(c.number) AND NOT isinf(c.number) AND (c.number < 0 OR c.number > 100)",
         "'百分比应在 0 到 100 之间（测度 ' || m.measure || '，单位 %）'",
         "'a percentage must lie between 0 and 100 (measure ' || m.measure || ', unit %)'"),
        ("implausible_value", "c.answer_col", "c.answer",
         "m.measure IS NOT NULL AND c.single AND NOT m.share AND NOT list_contains(m.vocabulary, c.answer) "
         "AND NOT isnan(c.number) AND NOT isinf(c.number) "
         "AND (c.number < m.hard_min OR c.number > m.hard_max)",
         "'测度 ' || m.measure || '（' || m.m_name || '）的数值应' || m.range_zh "
         "|| coalesce('（单位 ' || m.m_unit || '，规划给出的合理范围）', '（规划给出的合理范围）')",
         "'measure ' || m.measure || ' takes values ' || m.range_en || coalesce(' ' || m.m_unit, '') "
         "|| ' (the plausible range the plan gives)'"),
        ("unit_mismatch", "'unit'", "c.unit_s",
         "m.measure IS NOT NULL AND c.unit_s IS NOT NULL AND NOT c.unit_fe AND u.norm <> m.m_unit_norm",
         "CASE WHEN m.m_unit IS NULL THEN '测度 ' || m.measure || ' 为定性测度，单位应留空' "
         "ELSE '测度 ' || m.measure || ' 的单位是 ' || m.m_unit || '（可留空）' END",
         "CASE WHEN m.m_unit IS NULL THEN 'measure ' || m.measure || ' is qualitative; leave the unit empty' "
         "ELSE 'measure ' || m.measure || ' is in ' || m.m_unit || ' (or leave the unit empty)' END"),
        ("invalid_flag", "'provisional'", "c.provisional_s",
         f"c.provisional_s IS NOT NULL AND NOT c.provisional_fe AND lower(c.provisional_s) NOT IN "
         f"{_sql_list(_TRUE + _FALSE)}",
         "'应为 是/否（yes/no、true/false、1/0），留空表示正式数据'",
         "'expected 是/否 (yes/no, true/false, 1/0); empty means final'"),
        ("duplicate_key", "'region'", "c.region_s", "d.dup_rank > 1",
         "'与 ' || d.first_file || ' 第 ' || d.first_row || ' 行的键（' || c.plan_s || ', ' || rk.code || ', ' || "
         "c.measure_s || ', ' || c.year_s || '）重复'",
         "'the key (plan, region, measure, year) repeats ' || d.first_file || ' row ' || d.first_row"),
    ]
    return checks


def validate(raw: pa.Table, plans: dict[str, Plan] | None = None, regions: Regions | None = None,
             max_issues: int = MAX_ISSUES) -> tuple[pa.Table, list[ObservationIssue], int, dict[str, int], int]:
    """Check the cells of reported files.

    ``raw`` has the string columns of :data:`~meili.ingest.templates.FIELDS`, ``_file``, ``_file_no``, ``_sheet``,
    ``_row`` and ``_template`` (bool). ``plans`` adds plans beyond the built-in ones (id → Plan).
    Returns (clean table for the store, issues (at most ``max_issues``), total issues, count per kind, rows skipped).
    """
    regions = regions or load_regions()
    plans = plans or {}
    con = _scratch().cursor()  # its own temporary views and tables, dropped when it closes
    con.execute("SET enable_progress_bar = false")
    try:
        con.register("raw", raw)
        trimmed = ", ".join(f"nullif(trim({f}), '') AS {f}_s" for f in FIELDS)
        con.execute(f"CREATE TEMP VIEW r_all AS SELECT _file, _file_no, _sheet, _row, _template, {trimmed} FROM raw")
        # Rows with nothing in them, and template rows whose value was left empty, are not reports.
        skip = """(value_s IS NULL AND state_s IS NULL AND _template)
                  OR (plan_s IS NULL AND region_s IS NULL AND measure_s IS NULL AND year_s IS NULL
                      AND value_s IS NULL AND state_s IS NULL)"""
        con.execute(f"CREATE TEMP VIEW r AS SELECT * FROM r_all WHERE NOT ({skip})")
        skipped = con.execute(f"SELECT count(*) FROM r_all WHERE {skip}").fetchone()[0]

        plan_ids = [r[0] for r in con.execute("SELECT DISTINCT plan_s FROM r WHERE plan_s IS NOT NULL").fetchall()]
        plans_t, measures_t, area_t = _plan_tables(plan_ids, plans, regions)
        keys = pa.table({"key": list(regions.index), "code": list(regions.index.values())})
        units = [u[0] for u in con.execute("SELECT DISTINCT unit_s FROM r WHERE unit_s IS NOT NULL").fetchall()]
        units_t = pa.table({"raw": pa.array(units, pa.string()),
                            "norm": pa.array([normalise_unit(u) for u in units], pa.string())})
        for name, t in (("plans_t", plans_t), ("measures_t", measures_t), ("area_t", area_t), ("region_keys", keys),
                        ("units_t", units_t)):
            con.register(name, t)

        # Per cell: _xe an Excel error value, _cc a control character (_ccpos: where), _long too long; _fe: the
        # cell is already reported by one of these, so the checks that read it are skipped.
        flags = ", ".join(
            f"coalesce(upper(r.{f}_s) IN {_sql_list(FORMULA_ERRORS)}, false) AS {f}_xe, "
            f"coalesce(regexp_matches(r.{f}_s, '{CONTROL_CHARACTERS}'), false) AS {f}_cc, "
            f"coalesce(length(r.{f}_s) > {MAX_CELL_CHARS}, false) AS {f}_long" for f in FIELDS)
        fe = ", ".join(f"{f}_xe OR {f}_cc OR {f}_long AS {f}_fe, "
                       f"CASE WHEN {f}_cc THEN length(regexp_extract({f}_s, '^[^{CONTROL_CHARACTERS[1:-1]}]*')) + 1 END"
                       f" AS {f}_ccpos" for f in FIELDS)
        con.execute(f"CREATE TEMP VIEW f0 AS SELECT r.*, {flags} FROM r")
        con.execute(f"""
            CREATE TEMP VIEW c0 AS
            SELECT r.*, {fe},
                   CASE WHEN regexp_full_match(r.year_s, '{PLAIN_YEAR}') THEN TRY_CAST(r.year_s AS DOUBLE) END AS year_d,
                   coalesce(r.value_s, r.state_s) AS answer,
                   CASE WHEN r.value_s IS NULL THEN 'state' ELSE 'value' END AS answer_col
            FROM f0 AS r""")
        # Every look-up joined once (one materialised table); each check is then one filtered scan of `j`.
        con.execute((r"""
            CREATE TEMP TABLE j AS
            SELECT c0.*, rk.code AS region_code,
                   (c0.value_s IS NULL) <> (c0.state_s IS NULL) AND NOT c0.value_fe AND NOT c0.state_fe AS single,
                   CASE WHEN regexp_full_match($answer_n, '""" + PLAIN_NUMBER + r"""')
                        THEN TRY_CAST($answer_n AS DOUBLE) END AS number,
                   p.plan IS NOT NULL AND rk.code IS NOT NULL AND pa.code IS NOT NULL AND m.measure IS NOT NULL
                     AND NOT c0.year_fe AND c0.year_d = floor(c0.year_d)
                     AND c0.year_d BETWEEN p.first_year AND p.last_year AS key_ok,
                   p.plan AS p_plan, p.first_year AS p_first_year, p.last_year AS p_last_year,
                   p.plan_region AS p_plan_region, p.plan_region_name AS p_plan_region_name, rk.code AS rk_code,
                   pa.code AS pa_code, m.measure AS m_measure, m.m_name AS m_m_name, m.m_unit AS m_m_unit,
                   m.m_unit_norm AS m_m_unit_norm, m.is_state AS m_is_state, m.vocabulary AS m_vocabulary,
                   m.pct AS m_pct, m.hard_min AS m_hard_min, m.hard_max AS m_hard_max, m.share AS m_share,
                   m.range_zh AS m_range_zh, m.range_en AS m_range_en, m.soft_min AS m_soft_min,
                   m.soft_max AS m_soft_max, m.soft_zh AS m_soft_zh, m.soft_en AS m_soft_en,
                   u.norm AS u_norm
            FROM c0
            LEFT JOIN plans_t p ON p.plan = c0.plan_s AND NOT c0.plan_fe
            LEFT JOIN region_keys rk ON rk.key = c0.region_s AND NOT c0.region_fe
            LEFT JOIN area_t pa ON pa.plan = p.plan AND pa.code = rk.code
            LEFT JOIN measures_t m ON m.plan = p.plan AND m.measure = c0.measure_s AND NOT c0.measure_fe
            LEFT JOIN units_t u ON u.raw = c0.unit_s
        """).replace("$answer_n", r"CASE WHEN m.pct THEN regexp_replace(c0.answer, '\s*%$', '') ELSE c0.answer END"))
        # Duplicates: find repeated keys by aggregation, then rank only the rows of those keys.
        con.execute("""
            CREATE TEMP VIEW jd AS
            WITH k AS (SELECT plan_s, region_code, measure_s, year_d FROM j WHERE key_ok
                       GROUP BY ALL HAVING count(*) > 1)
            SELECT j.*, row_number() OVER w AS d_dup_rank, first_value(_file) OVER w AS d_first_file,
                   first_value(_row) OVER w AS d_first_row
            FROM j SEMI JOIN k USING (plan_s, region_code, measure_s, year_d)
            WHERE j.key_ok
            WINDOW w AS (PARTITION BY plan_s, region_code, measure_s, year_d ORDER BY _file_no, _sheet, _row)
        """)
        known = ", ".join(sorted(set(plans) | set(_builtin_plan_ids())))
        con.execute(_issues_sql(known))
        total = con.execute("SELECT count(*) FROM issues").fetchone()[0]
        counts = dict(con.execute("SELECT kind, count(*) FROM issues GROUP BY kind").fetchall())
        rows = con.execute(f"""SELECT kind, file, sheet, "row", "column", value, message_zh, message_en FROM issues
                               ORDER BY _file_no, sheet NULLS FIRST, "row", check_no LIMIT {int(max_issues)}""").fetchall()
        issues = [ObservationIssue(kind, file=file, sheet=sheet, row=row, column=column, value=value,
                                   detail=Text(zh, en))
                  for kind, file, sheet, row, column, value, zh, en in rows]
        clean = con.sql(f"""
            SELECT plan_s AS plan, region_code AS region, measure_s AS measure, CAST(year_d AS INTEGER) AS year,
                   CASE WHEN m_is_state OR list_contains(m_vocabulary, answer) THEN NULL ELSE number END AS value,
                   CASE WHEN m_is_state OR list_contains(m_vocabulary, answer) THEN answer END AS state,
                   m_m_unit AS unit, source_s AS source, note_s AS note,
                   coalesce(lower(provisional_s) IN {_sql_list(_TRUE)}, false) AS provisional,
                   _sheet AS sheet, _row AS "row", _file AS file
            FROM j WHERE key_ok AND single
            ORDER BY _file_no, _sheet, _row
        """).to_arrow_table() if total == 0 else None
        # Soft plausible limits: possible but unusual values are written, with a warning for each.
        warnings = [ObservationIssue(
            "unusual_value", file=file, sheet=sheet, row=row, column=column, value=value,
            detail=Text(f"测度 {mid}（{name}）的数值通常在 {zh}{'（单位 ' + unit + '）' if unit else ''}之间，请核实",
                        f"measure {mid} usually lies {en}{' ' + unit if unit else ''}; please check the value"))
            for file, sheet, row, column, value, mid, name, unit, zh, en in con.execute(f"""
                SELECT _file, _sheet, _row, answer_col, answer, m_measure, m_m_name, m_m_unit, m_soft_zh, m_soft_en
                FROM j WHERE key_ok AND single AND number IS NOT NULL AND NOT m_is_state
                  AND NOT list_contains(m_vocabulary, answer) AND (number < m_soft_min OR number > m_soft_max)
                ORDER BY _file_no, _sheet, _row LIMIT {int(max_issues)}""").fetchall()] if total == 0 else []
    finally:
        con.close()
    return Validation((clean, issues, total, counts, skipped), warnings)


class Validation(tuple):
    """What :func:`validate` returns: (clean table, issues, total, count per kind, rows skipped) — a 5-tuple as
    before — and ``.warnings``: the ``unusual_value`` problems of values outside a measure's soft limits (the
    rows are written; the warning asks to check them)."""

    warnings: list[ObservationIssue]

    def __new__(cls, items, warnings):
        obj = super().__new__(cls, items)
        obj.warnings = list(warnings)
        return obj


@functools.cache
def _scratch() -> duckdb.DuckDBPyConnection:
    """One in-memory database per process for the validation's temporary tables: a new database costs about 25 ms,
    a cursor on this one (a connection of its own, with its own temporary objects) well under 1 ms."""
    return duckdb.connect()


_ALIAS = re.compile(r"\b(p|m|rk|pa|u|d)\.(\w+)")
_C = re.compile(r"\bc\.(\w+)")


@functools.lru_cache(maxsize=16)
def _issues_sql(known: str) -> str:
    """The statement that collects every check's issues from `j` (and `jd`); ``known``: the plan ids to name."""
    parts = []
    for i, check in enumerate(_checks()):
        kind, col, val, cond, zh, en = (_on_j(x).replace("$known_plans", "'" + known + "'") for x in check)
        parts.append(f"""SELECT '{kind}' AS kind, _file AS file, _sheet AS sheet, _row AS "row",
                                {col} AS "column", {val} AS value, {zh} AS message_zh, {en} AS message_en,
                                _file_no, {i} AS check_no
                         FROM {"jd" if kind == "duplicate_key" else "j"} WHERE {cond}""")
    return "CREATE TEMP TABLE issues AS " + "\nUNION ALL\n".join(parts)


def _on_j(sql: str) -> str:
    """A check written against the aliases (c, p, m, rk, pa, u, d) rewritten for the joined table `j`."""
    return _C.sub(r"\1", _ALIAS.sub(r"\1_\2", sql))


def _builtin_plan_ids() -> list[str]:
    from meili.plan import builtin_plans

    return list(builtin_plans())


def read_files(paths: Iterable[str | Path], progress: Callable[[str], None] | None = None) -> list[RawFile]:
    files = []
    for p in paths:
        f = read_file(p)
        if progress:
            n = f.table.num_rows if f.table is not None else 0
            progress(f"读取 / read {p}: {n:,} 行 rows" + (f", {len(f.issues)} 个问题 issues" if f.issues else ""))
        files.append(f)
    return files


def combine(files: list[RawFile]) -> pa.Table:
    """The rows of all files in one table with ``_file``, ``_file_no`` and ``_template`` columns."""
    tables = []
    for i, f in enumerate(files):
        if f.table is None:
            continue
        n = f.table.num_rows
        tables.append(f.table.append_column("_file", pa.array([str(f.path)] * n, pa.string()))
                      .append_column("_file_no", pa.array([i] * n, pa.int32()))
                      .append_column("_template", pa.array([f.template] * n, pa.bool_())))
    if not tables:
        schema = pa.schema([(k, pa.string()) for k in FIELDS] + [
            ("_row", pa.int64()), ("_sheet", pa.string()), ("_file", pa.string()), ("_file_no", pa.int32()),
            ("_template", pa.bool_())])
        return schema.empty_table()
    return pa.concat_tables(tables)


def check_files(paths: Iterable[str | Path], plans: dict[str, Plan] | None = None,
                progress: Callable[[str], None] | None = None) -> tuple[pa.Table, list[RawFile], int]:
    """Read and validate files; return (clean table, the files read, rows skipped) or raise ObservationError.

    The result is a 3-tuple with ``.warnings`` (``unusual_value`` problems, see :class:`Validation`)."""
    files = read_files(paths, progress)
    file_issues = [i for f in files for i in f.issues]
    raw = combine(files)
    if progress:
        progress(f"校验 / validating {raw.num_rows:,} 行 rows")
    checked = validate(raw, plans=plans)
    clean, issues, total, counts, skipped = checked
    if file_issues or total:
        for i in file_issues:
            counts[i.kind] = counts.get(i.kind, 0) + 1
        # File-level issues first, in file order; then the row issues (already ordered).
        order = {str(f.path): n for n, f in enumerate(files)}
        merged = sorted(file_issues, key=lambda i: (order[i.file], i.row or 0)) + issues
        raise ObservationError(merged[:MAX_ISSUES], total + len(file_issues), counts)
    return Validation((clean, files, skipped), checked.warnings)


def import_files(workspace, paths: Iterable[str | Path], dry_run: bool = False, producer: str = "meili data import",
                 plans: dict[str, Plan] | None = None, progress: Callable[[str], None] | None = None,
                 actor: str | None = None):
    """Validate reporting files (CSV long format or Excel) and write them in one transaction.

    Any issue in any file raises :class:`ObservationError` and nothing is written. Returns an ImportResult whose
    ``warnings`` hold the values outside a measure's soft plausible limits (written, and to be checked).
    """
    from dataclasses import replace

    from meili.store import Origin

    paths = list(paths)
    checked = check_files(paths, plans=plans, progress=progress)
    clean, files, skipped = checked
    origin = Origin(files=tuple(str(f.path) for f in files), sha256s=tuple(f.sha256 for f in files),
                    producer=producer, **({"actor": actor} if actor else {}))
    if progress:
        progress(f"写入 / writing {clean.num_rows:,} 行 rows" + (" (试运行 / dry run)" if dry_run else ""))
    result = workspace.write_observations(clean, origin=origin, dry_run=dry_run)
    return replace(result, skipped=skipped, warnings=tuple(checked.warnings))


__all__ = ["KINDS", "ObservationError", "ObservationIssue", "check_files", "import_files", "normalise_unit",
           "validate"]
