"""Validation issues of reported observations: each names file, sheet, row, column, the value and what was expected.

An issue is a :class:`meili.errors.Problem` (``ObservationIssue`` is the same class); its kind is a key of the
catalog's ``problems`` section (``src/meili/data/labels.yaml``) and its ``detail`` a :class:`~meili.errors.Text`
in Chinese and English. :class:`ObservationError` is the :class:`~meili.errors.InputError` an import raises.
"""

from __future__ import annotations

from meili.errors import InputError, Problem, Text, title
from meili.i18n import Lang

#: An issue of a reported file is a Problem (the name kept for the readers and tests that use it).
ObservationIssue = Problem

#: The kinds of issue the importer reports (docs/data.md has an example of each), in the catalog's order.
OBSERVATION_KINDS: tuple[str, ...] = (
    "unreadable_file", "missing_column", "malformed_row", "csv_separator", "hidden_sheet", "hidden_rows",
    "formula_without_value", "control_character", "text_too_long", "empty_cell", "formula_error", "unknown_plan",
    "unknown_region", "region_outside_plan", "unknown_measure", "year_outside_plan", "non_numeric",
    "state_not_in_vocabulary", "value_and_state", "percent_out_of_range", "implausible_value", "unit_mismatch",
    "invalid_flag", "duplicate_key",
)

#: Each kind with its bilingual title, from the catalog ("未知区域 / unknown region").
KINDS: dict[str, str] = {k: title(k) for k in OBSERVATION_KINDS}
#: The kinds of warning an import gives (the rows are written; the warning asks to check them).
WARNING_KINDS: tuple[str, ...] = ("unusual_value",)


class ObservationError(InputError, ValueError):
    """Reported observations that cannot be imported; ``issues`` holds every issue (up to the importer's limit).

    ``total`` counts every issue found and ``counts`` the issues per kind; the message lists every kept issue
    and ends with the count per kind ("共 N 个问题，未写入任何数据 / N issues, nothing written (…)").
    """

    #: An import lists every issue it kept (the importer keeps at most 1,000).
    shown = 1_000_000

    def __init__(self, issues: list[Problem], total: int | None = None, counts: dict[str, int] | None = None):
        super().__init__(*issues, total=total, counts=counts)

    @property
    def issues(self) -> list[Problem]:
        return self.problems

    def render(self, lang: Lang = "both", shown: int | None = None) -> str:
        body = super().render(lang, shown)
        by_kind = ", ".join(f"{title(k, lang)} {n}" for k, n in sorted(self.counts.items()))
        last = Text(f"共 {self.total} 个问题，未写入任何数据（{by_kind}）",
                    f"{self.total} issues, nothing written ({by_kind})")
        if lang == "both":  # one parenthesis of titles, already in both languages
            last = f"共 {self.total} 个问题，未写入任何数据 / {self.total} issues, nothing written ({by_kind})"
        else:
            last = last.render(lang)
        return f"{body}\n{last}" if body else last
