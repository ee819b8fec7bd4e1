"""The bureau's documents built from a release: ``build_<kind>(app, *, year, …) -> Document``.

- :func:`build_evaluation` — 规划实施评估报告 (annual, midterm or final; ``meili report evaluation``);
- :func:`build_monthly` — 环境空气质量月度通报 of a city's counties or a province's cities (``meili report monthly``);
- :func:`build_bulletin` — 生态环境状况公报 (``meili report bulletin``);
- :func:`build_assessment` — 考核评分 of the counties (``meili report assessment``).

Every number is a :class:`meili.report.model.Number` with a :class:`~meili.report.model.Ref` to the release row it
was read from (or, for changes and ranks computed in the document, the refs it was computed from); wording and
rounding are :mod:`meili.report.wording`'s; configuration is ``meili/data/report/*.yaml``
(:mod:`meili.report.documents.config`). See docs/reports.md, "Documents".
"""

from meili.report.documents._common import KEYS, value_of
from meili.report.documents.assessment import build_assessment
from meili.report.documents.bulletin import build_bulletin
from meili.report.documents.evaluation import build_evaluation, status_word
from meili.report.documents.monthly import build_monthly

BUILDERS = {"evaluation": build_evaluation, "monthly": build_monthly, "bulletin": build_bulletin,
            "assessment": build_assessment}

__all__ = ["BUILDERS", "KEYS", "build_assessment", "build_bulletin", "build_evaluation", "build_monthly",
           "status_word", "value_of"]
