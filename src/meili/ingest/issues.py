"""Validation issues of reported observations: each names file, sheet, row, column, the value and what was expected."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

#: Every kind of issue the importer reports, with its bilingual title (docs/data.md has an example of each).
KINDS: dict[str, str] = {
    "unreadable_file": "无法读取文件 / unreadable file",
    "missing_column": "缺少列 / missing column",
    "malformed_row": "行格式错误 / malformed row",
    "empty_cell": "必填单元格为空 / empty required cell",
    "formula_error": "公式错误单元格 / formula error cell",
    "unknown_plan": "未知规划 / unknown plan",
    "unknown_region": "未知区域 / unknown region",
    "region_outside_plan": "区域不在规划范围内 / region outside the plan",
    "unknown_measure": "未知测度 / unknown measure",
    "year_outside_plan": "年份超出规划范围 / year outside the plan",
    "non_numeric": "不是数值 / not a number",
    "state_not_in_vocabulary": "状态不在词表中 / state not in the vocabulary",
    "value_and_state": "数值与状态同时填写 / both value and state",
    "percent_out_of_range": "百分比超出 0–100 / percentage outside 0–100",
    "unit_mismatch": "单位不符 / unit differs from the measure's",
    "invalid_flag": "无法识别的是/否 / not a yes/no flag",
    "duplicate_key": "重复的键 / duplicate key",
}


@dataclass(frozen=True)
class ObservationIssue:
    """One mistake in a reported file. ``row`` is the row number a spreadsheet shows (header = 1)."""

    kind: str
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"工作表 sheet {self.sheet}")
        if self.row is not None:
            where.append(f"第 {self.row} 行 row {self.row}")
        if self.column:
            where.append(f"列 column {self.column}")
        found = "" if self.value is None else f" — 值 found {self.value!r}"
        return f"{', '.join(where)}{found}: {KINDS[self.kind]}: {self.message}"


class ObservationError(ValueError):
    """Reported observations that cannot be imported; ``issues`` holds every issue (up to ``shown``)."""

    def __init__(self, issues: list[ObservationIssue], total: int | None = None,
                 counts: dict[str, int] | None = None):
        self.issues = issues
        self.total = total if total is not None else len(issues)
        self.counts = counts if counts is not None else dict(Counter(i.kind for i in issues))
        lines = [str(i) for i in issues]
        if self.total > len(issues):
            lines.append(f"… 另有 {self.total - len(issues)} 个问题 / and {self.total - len(issues)} more issues")
        by_kind = ", ".join(f"{KINDS[k]} {n}" for k, n in sorted(self.counts.items()))
        lines.append(f"共 {self.total} 个问题，未写入任何数据 / {self.total} issues, nothing written ({by_kind})")
        super().__init__("\n".join(lines))
