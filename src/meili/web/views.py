"""The portal's pages as view-models: plain dicts built from one release, rendered to HTML by the templates and
served as-is as each page's JSON twin.

A view-model holds what the page shows, with its words in the page's language: ``title``, ``lead`` (one or two
sentences), ``tables`` (each: ``id``, ``caption``, ``columns`` [{key, label, kind, unit}], ``rows``), ``charts``
(each: ``id``, ``alt``, ``table`` — the id of the table holding its data — and, for HTML only, ``svg``), links,
and the release it comes from. Numbers in rows are the release's stored values, unformatted; the templates format
them (``meili.web.format``) and keep the stored value in ``data-value``, so the golden test can compare the two.

Nothing here reads the store: everything comes from the :class:`~meili.app.releases.Release` and the plan.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from datetime import date, datetime
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from meili.errors import NotFoundError, Problem, Text
from meili.i18n import label
from meili.web import format as fmt

if TYPE_CHECKING:
    from meili.app import Meili
    from meili.app.releases import Release
    from meili.plan import Plan
    from meili.web.config import PortalConfig

LANGS = ("zh", "en")

#: Status order on every page, with the icon that goes with the word (never colour alone).
STATUS_ORDER = ("achieved", "on_track", "lagging", "regressing", "target_pending", "no_data", "not_applicable")
STATUS_ICONS = {"achieved": "✔", "on_track": "●", "lagging": "▲", "regressing": "▼", "target_pending": "○",
                "no_data": "—", "not_applicable": "·"}

AIR_METRICS = ("pm25", "pm10", "o3_8h_p90", "no2", "so2", "co_p95", "good_rate", "composite_index")
AIR_UNITS = {"pm25": "μg/m³", "pm10": "μg/m³", "o3_8h_p90": "μg/m³", "no2": "μg/m³", "so2": "μg/m³",
             "co_p95": "mg/m³", "good_rate": "%", "composite_index": ""}
AIR_NAMES = {
    "pm25": ("PM₂.₅", "PM2.5"), "pm10": ("PM₁₀", "PM10"), "o3_8h_p90": ("O₃ 日最大8小时第90百分位", "O3 MDA8 p90"),
    "no2": ("NO₂", "NO2"), "so2": ("SO₂", "SO2"), "co_p95": ("CO 日均值第95百分位", "CO daily p95"),
    "good_rate": ("优良天数比率", "Share of good days"), "composite_index": ("综合指数", "Composite index"),
    "valid_days": ("有效天数", "Valid days"), "rank": ("排名", "Rank"), "cwqi": ("水质指数 CWQI", "CWQI"),
    "cwqi_rank": ("排名", "Rank"), "class": ("水质类别", "Class"),
}
WATER_CLASSES = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}
#: 水质状况 words of 地表水环境质量评价办法（试行） §5, and their usual English.
WATER_STATUS_EN = {"优": "excellent", "良好": "good", "轻度污染": "slightly polluted", "中度污染": "moderately polluted",
                   "重度污染": "heavily polluted"}
#: Section groups by assessment level (国考/省考), as the water recorder names them.
WATER_LEVELS = {"national": ("国考断面", "National sections"), "provincial": ("省考断面", "Provincial sections")}


def strings() -> dict[str, dict[str, str]]:
    return _STRINGS


_STRINGS: dict[str, dict[str, str]] = yaml.safe_load(
    resources.files("meili.web").joinpath("strings.yaml").read_text(encoding="utf-8"))


def say(key: str, lang: str, **values: Any) -> str:
    """A page string in ``lang`` with its ``{placeholders}`` filled."""
    return _STRINGS[key][lang].format(**values)


def bi(zh: str, en: str | None, lang: str) -> str:
    return zh if lang == "zh" or not en else en


def col(key: str, lang: str, kind: str = "text", unit: str | None = None, text: tuple[str, str] | None = None) -> dict:
    """A table column: ``key`` in the rows, its header in ``lang`` (the shared label catalog unless ``text``)."""
    header = bi(*text, lang) if text else label("columns", key, lang)
    if lang == "en":
        header = header[:1].upper() + header[1:]
    return {"key": key, "label": header, "kind": kind, "unit": unit}


def paren(text: str, aside: str, lang: str) -> str:
    """``text（aside）`` in Chinese, ``text (aside)`` in English."""
    return f"{text}（{aside}）" if lang == "zh" else f"{text} ({aside})"


def not_found(what: str, value: str) -> NotFoundError:
    return NotFoundError(Problem("not_found", column=what, value=value, detail=Text(
        "本版数据中没有此项", "this release holds no such item")))


class Site:
    """The pages of one release: view-models built on demand and kept (a release never changes)."""

    def __init__(self, app: Meili, release: Release, config: PortalConfig):
        self.app, self.release, self.config = app, release, config
        self.plan: Plan = app.plan(config.plan)
        self._lock = threading.Lock()
        self._views: dict[tuple, dict] = {}

    # --- the release's tables, indexed once ----------------------------------------------------------------------

    @cached_property
    def number(self) -> int:
        return self.release.info.number

    @cached_property
    def measures(self) -> dict[str, Any]:
        return {m.id: m for m in self.plan.measures}

    @cached_property
    def categories(self) -> dict[str, Any]:
        return {c.id: c for c in self.plan.categories}

    @cached_property
    def evaluations(self) -> list[dict]:
        return [r for r in self.release.table("evaluations").to_pylist() if r["plan"] == self.plan.id]

    @cached_property
    def observations(self) -> list[dict]:
        return [r for r in self.release.table("observations").to_pylist() if r["plan"] == self.plan.id]

    @cached_property
    def rankings(self) -> list[dict]:
        return [r for r in self.release.table("rankings").to_pylist() if r["plan"] == self.plan.id]

    @cached_property
    def results(self) -> list[dict]:
        return self.release.table("results").to_pylist()

    @cached_property
    def revisions(self) -> list[dict]:
        return self.release.table("revisions").to_pylist()

    @cached_property
    def years(self) -> list[int]:
        return sorted({r["year"] for r in self.evaluations})

    @cached_property
    def year(self) -> int | None:
        """The latest year evaluated: what the pages show unless a page names a year."""
        return self.years[-1] if self.years else None

    def milestone_for(self, year: int) -> int:
        later = [m for m in self.plan.milestones if m >= year]
        return later[0] if later else self.plan.milestones[-1]

    @cached_property
    def eval_index(self) -> dict[tuple, dict]:
        return {(r["region"], r["measure"], r["year"], r["milestone"]): r for r in self.evaluations}

    @cached_property
    def obs_index(self) -> dict[tuple, list[dict]]:
        index: dict[tuple, list[dict]] = defaultdict(list)
        for r in self.observations:
            index[(r["region"], r["measure"])].append(r)
        for rows in index.values():
            rows.sort(key=lambda r: r["year"])
        return index

    def home_region(self, measure) -> str:
        """Where the plan's own value of a measure lives: its scope group (中心城区) or the plan's region."""
        return measure.scope_group or self.plan.region

    @cached_property
    def counties(self) -> list[str]:
        """The plan region's counties and zones, in adcode order (the order of every county list)."""
        return sorted(r.code for r in self.app.regions.children(self.plan.region))

    def region_name(self, code: str, lang: str) -> str:
        regions = self.app.regions
        if code in regions.index:
            key = regions.resolve(code)
            if regions.is_group(key):
                g = regions.group(key)
                return bi(g.name, g.name_en, lang)
            r = regions.get(key)
            return bi(r.name, r.name_en, lang)
        return code

    def measure_name(self, m, lang: str) -> str:
        name = bi(m.name or m.indicator, m.name_en or m.indicator_en, lang)
        return f"{name}（{m.scope}）" if m.scope and lang == "zh" else (f"{name} ({m.scope})" if m.scope else name)

    # --- the common frame --------------------------------------------------------------------------------------

    def view(self, page: str, lang: str, **params: Any) -> dict:
        """The view-model of ``page`` in ``lang`` (built once per release and kept)."""
        if lang not in LANGS:
            raise not_found("lang", lang)
        key = (page, lang, tuple(sorted(params.items())))
        with self._lock:
            cached = self._views.get(key)
        if cached is not None:
            return cached
        builder = getattr(self, f"_page_{page}", None)
        if builder is None:
            raise not_found("page", page)
        model = builder(lang, **params)
        model.setdefault("tables", [])
        model["charts"] = [c for c in model.get("charts", []) if c]
        model.update(page=page, lang=lang, release=self.release_meta(lang), site=self.site_meta(lang))
        with self._lock:
            if len(self._views) < 4096:  # search queries are the only unbounded key; keep memory bounded
                self._views[key] = model
        return model

    def release_meta(self, lang: str) -> dict:
        info = self.release.info
        return {"number": info.number, "created_at": fmt.day(info.created_at), "note": info.note,
                "digest": info.digest,
                "line": say("release_line", lang, n=info.number, date=fmt.day(info.created_at))}

    def site_meta(self, lang: str) -> dict:
        c = self.config
        return {"name": bi(c.site_name, c.site_name_en, lang), "plan": self.plan.id,
                "plan_title": bi(self.plan.title, self.plan.title_en, lang),
                "footer_marks": [m.model_dump() for m in c.footer_marks], "contact": c.contact}

    def status_cell(self, status: str | None, lang: str) -> dict:
        status = status or "no_data"
        return {"status": status, "icon": STATUS_ICONS.get(status, "?"), "text": label("status", status, lang)}

    # --- pages ---------------------------------------------------------------------------------------------------

    def _page_home(self, lang: str) -> dict:
        year = self.year
        model: dict = {"title": bi(self.plan.title, self.plan.title_en, lang),
                       "lead": bi("规划目标指标的现状、进展与县（市、区）评价，每个数字可追溯来源。",
                                  "Where each target of the plan stands, how the counties compare, and where every "
                                  "number comes from.", lang)}
        if year is None:
            model["lead"] += " — " + say("no_results", lang)
            return model
        milestone = self.milestone_for(year)
        counts = self._status_counts(year, milestone)
        rows = [{"status": self.status_cell(s, lang), "measures": counts.get(s, 0)} for s in STATUS_ORDER
                if counts.get(s)]
        model["tables"] = [{"id": "status", "caption": paren(say("status_summary", lang), f"{year} → {milestone}", lang),
                            "columns": [col("status", lang, "status"), col("measures", lang, "number",
                                                                           text=("测度数", "Measures"))],
                            "rows": rows}]
        model["status_year"], model["milestone"] = year, milestone
        model["headlines"] = self._headlines(lang)
        model["countdown"] = self._countdown(lang)
        ranking = self._ranking_rows(year, "efficacy")
        if ranking:
            model["tables"].append(self._map_table("county_scores", ranking, "score", lang, header=("得分", "Score"),
                                                   caption=(
                f"{year}年 {say('ranking_efficacy', 'zh')}", f"{year} {say('ranking_efficacy', 'en')}")))
            model.setdefault("charts", []).append(self._map_chart("county_scores", ranking, "score", "", lang,
                                                   (f"{year}年各县综合得分", f"County composite scores, {year}")))
        model["links"] = [{"href": f"/{lang}/{p}", "text": say(f"nav_{p}", lang)}
                          for p in ("plan", "progress", "regions", "rankings", "air", "water", "data")]
        return model

    def _status_counts(self, year: int, milestone: int) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for m in self.plan.measures:
            row = self.eval_index.get((self.home_region(m), m.id, year, milestone))
            counts[row["status"] if row else "no_data"] += 1
        return counts

    def _headlines(self, lang: str) -> list[dict]:
        out = []
        for domain, metric, scope_codes, title in (
                ("air", "pm25", ("city",), ("PM₂.₅ 年均浓度", "PM2.5 annual mean")),
                ("air", "good_rate", ("city",), ("优良天数比率", "Share of good days")),
                ("water", "share_class_1_3", ("all",), ("Ⅰ～Ⅲ类水质断面比例", "Sections in classes I–III"))):
            rows = [r for r in self.results if r["domain"] == domain and r["metric"] == metric
                    and r["scope"] in scope_codes and r["month"] is None]
            if not rows:
                continue
            latest = max(r["year"] for r in rows)
            now = next(r for r in rows if r["year"] == latest)
            before = next((r for r in rows if r["year"] == latest - 1 and r["code"] == now["code"]), None)
            change = None if before is None or now["value"] is None or before["value"] is None \
                else now["value"] - before["value"]
            out.append({"title": bi(*title, lang), "domain": domain, "metric": metric, "year": latest,
                        "region": now["name"], "value": now["value"], "unit": now["unit"] or "",
                        "change": change, "change_text": (say("no_previous_year", lang) if change is None else
                                                          f"{say('change_on_last_year', lang)} {fmt.signed(change)}")})
        return out

    def _countdown(self, lang: str) -> str:
        published = self.release.info.created_at
        today = published.date() if isinstance(published, datetime) else date.today()
        upcoming = [m for m in self.plan.milestones if date(m, 12, 31) >= today]
        if not upcoming:
            return say("milestone_passed", lang, year=self.plan.milestones[-1], next="—")
        end = date(upcoming[0], 12, 31)
        return say("days_to_milestone", lang, year=upcoming[0], days=(end - today).days)

    def _page_plan(self, lang: str) -> dict:
        year = self.year
        milestone = self.milestone_for(year) if year else None
        tables = []
        for c in self.plan.categories:
            rows = []
            for m in (m for m in self.plan.measures if m.category == c.id):
                row = self.eval_index.get((self.home_region(m), m.id, year, milestone)) if year else None
                rows.append(self._measure_row(m, row, lang))
            tables.append({"id": f"category-{c.id}", "caption": bi(c.name, c.name_en, lang),
                           "columns": self._measure_columns(lang), "rows": rows})
        return {"title": say("nav_plan", lang), "lead": bi(self.plan.title, self.plan.title_en, lang)
                + (f" — {year} → {milestone}" if year else ""), "tables": tables}

    def _measure_columns(self, lang: str) -> list[dict]:
        return [col("measure", lang, "link"), col("name", lang, text=("测度", "Measure")),
                col("unit", lang), col("baseline", lang, "number"), col("value", lang, "number"),
                col("target", lang), col("status", lang, "status")]

    def _measure_row(self, m, row: dict | None, lang: str) -> dict:
        return {"measure": {"href": f"/{lang}/measures/{m.id}", "text": m.id}, "name": self.measure_name(m, lang),
                "unit": m.unit or "", "baseline": row["baseline"] if row else m.baseline.value,
                "value": row["value"] if row else None,
                "target": self.target_text(m, row["milestone"] if row else self.plan.milestones[0], row, lang),
                "status": self.status_cell(row["status"] if row else None, lang)}

    def _page_progress(self, lang: str) -> dict:
        year = self.year
        if year is None:
            return {"title": say("nav_progress", lang), "lead": say("no_results", lang)}
        milestone = self.milestone_for(year)
        rows, chart_rows = [], []
        for c in self.plan.categories:
            counts: dict[str, int] = defaultdict(int)
            for m in (m for m in self.plan.measures if m.category == c.id):
                row = self.eval_index.get((self.home_region(m), m.id, year, milestone))
                counts[row["status"] if row else "no_data"] += 1
            rows.append({"category": bi(c.name, c.name_en, lang), **{s: counts.get(s, 0) for s in STATUS_ORDER},
                         "total": sum(counts.values())})
            chart_rows += [{"category": bi(c.name, c.name_en, lang), "status": s, "count": counts[s]}
                           for s in STATUS_ORDER if counts.get(s)]
        columns = [col("category", lang)] + [
            {"key": s, "label": f"{STATUS_ICONS[s]} {label('status', s, lang)}", "kind": "number", "unit": None}
            for s in STATUS_ORDER] + [col("total", lang, "number", text=("合计", "Total"))]
        chart = self._chart("status_bars", "progress", lang, rows=chart_rows)
        return {"title": say("nav_progress", lang), "lead": f"{year} → {milestone}",
                "tables": [{"id": "progress", "caption": say("status_summary", lang), "columns": columns,
                            "rows": rows}], "charts": [chart] if chart else []}

    def _page_measure(self, lang: str, id: str) -> dict:
        m = self.measures.get(id)
        if m is None:
            raise not_found("measure", id)
        region = self.home_region(m)
        year = self.year
        milestone = self.milestone_for(year) if year else self.plan.milestones[0]
        row = self.eval_index.get((region, m.id, year, milestone)) if year else None
        series = self.obs_index.get((region, m.id), [])
        model: dict = {"title": f"{m.id} {self.measure_name(m, lang)}", "measure": m.id, "region": region,
                       "region_name": self.region_name(region, lang), "year": year, "milestone": milestone,
                       "status": self.status_cell(row["status"] if row else None, lang),
                       "lead": self._explain(m, row, lang)}
        series_rows = [{"year": m.baseline.year, "value": m.baseline.value, "kind": bi("基期值", "baseline", lang),
                        "source": bi(self.plan.source, None, lang), "revision": None}] \
            if m.baseline.value is not None else []
        series_rows += [{"year": r["year"], "value": r["value"] if r["value"] is not None else r["state"],
                         "kind": bi("预计值", "provisional", lang) if r["provisional"] else bi("观测值", "observed", lang),
                         "source": r["source"] or "", "revision": r["revision"]} for r in series]
        series_rows.sort(key=lambda r: (r["year"], r["kind"] != bi("基期值", "baseline", lang)))
        model["tables"] = [{"id": "series", "caption": paren(say("series", lang), self.region_name(region, lang), lang),
                            "columns": [col("year", lang), col("value", lang, "number", m.unit),
                                        col("kind", lang, text=("类别", "Kind")), col("source", lang),
                                        col("revision", lang, "number")],
                            "rows": series_rows}]
        target_rows = []
        for ms in self.plan.milestones:
            t = m.targets.get(ms)
            ev = self.eval_index.get((region, m.id, year, ms)) if year else None
            if t is None:
                continue
            projection = self._plausible(m, ev["projection"]) if ev else None
            target_rows.append({"milestone": ms, "target": t.text, "kind": say(f"target_kind_{t.kind.value}", lang),
                                 "target_value": ev["target_value"] if ev else t.value,
                                 "document": (ev or {}).get("document") or "",
                                 "projection": projection,
                                 "status": self.status_cell(ev["status"] if ev else None, lang)})
        model["tables"].append({"id": "targets", "caption": say("targets", lang), "columns": [
            col("milestone", lang, text=("目标年", "Milestone")), col("target", lang),
            col("kind", lang, text=("目标类型", "Target kind")), col("target_value", lang, "number", m.unit),
            col("document", lang, text=("下达文件", "Assigning document")),
            col("projection", lang, "number", m.unit, text=("趋势外推值", "Projection")),
            col("status", lang, "status")], "rows": target_rows})
        chart = self._measure_chart(m, series_rows, target_rows, row, lang)
        if chart:
            model.setdefault("charts", []).append(chart)
        if m.county and year:
            county_rows = []
            for code in self.counties:
                ev = self.eval_index.get((code, m.id, year, milestone))
                if ev is None or ev["value"] is None:
                    continue
                county_rows.append({"adcode": code, "name": self.region_name(code, lang), "value": ev["value"],
                                    "status": self.status_cell(ev["status"], lang)})
            if county_rows:
                table = self._map_table("counties", county_rows, "value", lang, unit=m.unit, caption=(
                    f"{say('county_values', 'zh')}（{year}年）", f"{say('county_values', 'en')} ({year})"))
                table["columns"].append(col("status", lang, "status"))
                model["tables"].append(table)
                model.setdefault("charts", []).append(self._map_chart("counties", county_rows, "value", m.unit or "", lang, (
                    f"{m.id} {m.name}（{year}年）", f"{m.id} {m.name_en} ({year})")))
        model["metadata"] = self._metadata(m, lang)
        model["revisions"] = [r for r in self._revision_rows(lang) if r["measure"] == m.id]
        model["downloads"] = self._downloads(f"/{lang}/measures/{m.id}", lang,
                                             api=f"/api/v1/observations?measure={m.id}")
        return model

    @staticmethod
    def _plausible(m, value: float | None) -> float | None:
        """A projection inside the measure's hard plausible range, else None (a straight line through falling
        concentrations reaches below zero; the page says so rather than print it)."""
        bounds = m.plausible_range
        if value is None or bounds is None:
            return value
        low, high = bounds.hard
        return None if (low is not None and value < low) or (high is not None and value > high) else value

    def _explain(self, m, row: dict | None, lang: str) -> str:
        """One sentence: the status and the inputs that produced it."""
        if row is None or row["status"] == "no_data":
            return bi(f"本版数据中没有{m.id}的观测值，无法评估。", f"This release has no value of {m.id} to evaluate.", lang)
        status = label("status", row["status"], lang)
        value = fmt.number(row["value"]) if row["value"] is not None else "—"
        unit = m.unit or ""
        base = fmt.number(row["baseline"]) if row["baseline"] is not None else "—"
        if lang == "zh":
            text = (f"{row['value_year']}年值 {value}{unit}，基期值 {base}{unit}（{row['baseline_year']}年），"
                    f"{row['milestone']}年目标“{self.target_text(m, row['milestone'], row, lang)}”：{status}。")
            if row["progress"] is not None and row["expected_progress"] is not None:
                text += f"完成进度 {fmt.percent(row['progress'])}，序时进度 {fmt.percent(row['expected_progress'])}。"
        else:
            text = (f"The {row['value_year']} value is {value}{unit} against a baseline of {base}{unit} "
                    f"({row['baseline_year']}); {row['milestone']} target “{self.target_text(m, row['milestone'], row, lang)}”: "
                    f"{status}.")
            if row["progress"] is not None and row["expected_progress"] is not None:
                text += (f" Progress {fmt.percent(row['progress'])} against "
                         f"{fmt.percent(row['expected_progress'])} expected by now.")
        return text

    def _metadata(self, m, lang: str) -> list[dict]:
        items = [
            (("指标", "Indicator"), f"{m.no} {bi(m.indicator, m.indicator_en, lang)}"),
            (("领域", "Category"), bi(self.categories[m.category].name, self.categories[m.category].name_en, lang)),
            (("单位", "Unit"), m.unit or "—"),
            (("方向", "Direction"), bi("越高越好", "higher is better", lang) if m.direction.value == "higher"
             else bi("越低越好", "lower is better", lang)),
            (("范围", "Scope"), m.scope or self.region_name(self.plan.region, lang)),
            (("基期值（原文）", "Baseline (as written)"), m.baseline_text),
            *((( f"{y}年目标（原文）", f"{y} target (as written)"), t) for y, t in m.target_texts.items()),
            (("计算方法", "Computed by"), m.computed_by.computation if m.computed_by else
             bi("部门报送", "reported by departments", lang)),
            (("规划来源", "Plan source"), self.plan.source),
        ]
        if m.note:
            items.append((("说明", "Note"), m.note))
        return [{"label": bi(*k, lang), "value": v} for k, v in items]

    def _downloads(self, path: str, lang: str, *, csv: bool = True, api: str | None = None) -> list[dict]:
        out = [{"href": f"{path}.json", "text": say("download_json", lang), "type": "application/json"}]
        if csv:
            out.insert(0, {"href": f"{path}.csv", "text": say("download_csv", lang), "type": "text/csv"})
        if api:
            out.append({"href": api, "text": say("download_api", lang), "type": "application/json"})
        return out

    def _page_regions(self, lang: str) -> dict:
        year = self.year
        ranking = {r["region"]: r for r in self._ranking_rows(year, "efficacy")} if year else {}
        rows = [{"adcode": {"href": f"/{lang}/regions/{c}", "text": c}, "name": self.region_name(c, lang),
                 "score": ranking.get(c, {}).get("score"), "rank": ranking.get(c, {}).get("rank")}
                for c in self.counties]
        return {"title": say("nav_regions", lang), "lead": self.region_name(self.plan.region, lang),
                "tables": [{"id": "regions", "caption": say("nav_regions", lang), "columns": [
                    col("adcode", lang, "link", text=("区划代码", "Code")), col("region_name", lang),
                    col("score", lang, "number", text=(f"{year}年综合得分", f"Score {year}")),
                    col("rank", lang, "number")], "rows": [{**r, "region_name": r.pop("name")} for r in rows]}],
                "downloads": self._downloads(f"/{lang}/regions", lang, api="/api/v1/regions")}

    def _page_region(self, lang: str, adcode: str) -> dict:
        if adcode not in self.counties and adcode != self.plan.region:
            raise not_found("region", adcode)
        year = self.year
        milestone = self.milestone_for(year) if year else None
        rows = []
        for m in self.plan.measures:
            ev = self.eval_index.get((adcode, m.id, year, milestone)) if year else None
            if ev is None:
                continue
            previous = self.previous_value(adcode, m.id, year)
            arrow, arrow_text = self._arrow(m, ev["value"], previous, lang)
            rows.append({"measure": {"href": f"/{lang}/measures/{m.id}", "text": m.id},
                         "name": self.measure_name(m, lang), "unit": m.unit or "", "value": ev["value"],
                         "previous_value": previous, "arrow": {"icon": arrow, "text": arrow_text},
                         "target": self.target_text(m, milestone, ev, lang),
                         "status": self.status_cell(ev["status"], lang)})
        rank = next((r for r in self._ranking_rows(year, "efficacy") if r["region"] == adcode), None) if year else None
        lead = f"{self.region_name(adcode, lang)} — {year}"
        if rank:
            lead += bi(f"年综合得分 {fmt.number(rank['score'])}，第 {rank['rank']} 名",
                       f": composite score {fmt.number(rank['score'])}, rank {rank['rank']}", lang)
        return {"title": f"{self.region_name(adcode, lang)} {say('scorecard', lang)}", "region": adcode,
                "year": year, "milestone": milestone, "lead": lead, "ranking": rank,
                "tables": [{"id": "scorecard", "caption": paren(say("scorecard", lang), f"{year} → {milestone}", lang),
                            "columns": [col("measure", lang, "link"), col("name", lang, text=("测度", "Measure")),
                                        col("unit", lang), col("value", lang, "number"),
                                        col("previous_value", lang, "number", text=("上年值", "Previous year")),
                                        col("arrow", lang, "arrow", text=("变化", "Change")),
                                        col("target", lang), col("status", lang, "status")],
                            "rows": rows}],
                "downloads": self._downloads(f"/{lang}/regions/{adcode}", lang,
                                             api=f"/api/v1/evaluations?region={adcode}&year={year}")}

    def previous_value(self, region: str, measure: str, year: int) -> float | None:
        """The value observed for the year before ``year`` (what the scorecard's arrow compares with)."""
        row = next((r for r in self.obs_index.get((region, measure), []) if r["year"] == year - 1), None)
        return None if row is None else row["value"]

    def target_text(self, m, milestone: int, ev: dict | None, lang: str) -> str:
        """The target as the plan writes it; for a target a higher level assigns, the assigned value and its
        document, or 待下达 / pending."""
        t = m.targets.get(milestone)
        if t is None:
            return "—"
        if t.kind.value != "delegated":
            return t.text
        if ev is not None and ev.get("target_value") is not None:
            document = f"，{ev['document']}" if ev.get("document") and lang == "zh" else (
                f", {ev['document']}" if ev.get("document") else "")
            return f"{t.text}（{fmt.number(ev['target_value'])}{document}）" if lang == "zh" else \
                f"{t.text} ({fmt.number(ev['target_value'])}{document})"
        return f"{t.text}（待下达）" if lang == "zh" else f"{t.text} (pending)"

    @staticmethod
    def _arrow(m, now: float | None, before: float | None, lang: str) -> tuple[str, str]:
        if now is None or before is None:
            return "·", bi("无上年值", "no previous value", lang)
        if now == before:
            return "→", bi("持平", "unchanged", lang)
        better = (now > before) == (m.direction.value == "higher")
        icon = "↑" if now > before else "↓"
        return icon, (bi("改善", "better", lang) if better else bi("变差", "worse", lang))

    def _ranking_rows(self, year: int | None, method: str) -> list[dict]:
        rows = [r for r in self.rankings if r["year"] == year and r["method"] == method]
        return sorted(rows, key=lambda r: (r["rank"], r["region"]))

    def _page_rankings(self, lang: str, year: int | None = None) -> dict:
        year = year or self.year
        if year not in {r["year"] for r in self.rankings}:
            raise not_found("year", str(year))
        tables, charts = [], []
        for method, title in (("efficacy", "ranking_efficacy"), ("progress", "ranking_progress")):
            rows = self._ranking_rows(year, method)
            if not rows:
                continue
            ranks = [r["rank"] for r in rows]
            out = []
            for r in rows:
                shift = r["loo_max_shift"] or 0
                tie = ranks.count(r["rank"]) > 1
                out.append({"rank": r["rank"], "tie": bi("并列", "tie", lang) if tie else "",
                            "adcode": r["region"],
                            "region_name": {"href": f"/{lang}/regions/{r['region']}",
                                            "text": self.region_name(r["region"], lang)},
                            "score": r["score"], "rank_change": r["rank_change"],
                            "loo_range": f"{max(1, r['rank'] - shift)}–{min(len(rows), r['rank'] + shift)}",
                            "measures": r["measures"], "missing": r["missing"]})
            tables.append({"id": f"ranking-{method}", "caption": f"{year}年 {say(title, 'zh')}" if lang == "zh"
                           else f"{say(title, 'en')}, {year}", "columns": [
                               col("rank", lang, "number"), col("tie", lang, text=("并列", "Tie")),
                               col("region_name", lang, "link"), col("score", lang, "number"),
                               col("rank_change", lang, "signed", text=("名次变化", "Rank change")),
                               col("loo_range", lang, text=("留一区间", "Leave-one-out range")),
                               col("measures", lang, "number", text=("测度数", "Measures")),
                               col("missing", lang, "number", text=("缺失", "Missing"))], "rows": out})
            bars = [{"adcode": r["region"], "name": self.region_name(r["region"], lang), "value": r["score"]}
                    for r in rows]
            chart = self._chart("county_bars", f"ranking-{method}", lang, rows=bars, title=(
                f"{year}年{say(title, 'zh')}", f"{say(title, 'en')}, {year}"), unit="")
            if chart:
                charts.append(chart)
        years = sorted({r["year"] for r in self.rankings})
        return {"title": f"{say('nav_rankings', lang)} {year}", "year": year, "lead": say("ties_note", lang)
                + " " + say("loo_note", lang), "tables": tables, "charts": charts,
                "years": [{"href": f"/{lang}/rankings/{y}", "text": str(y), "current": y == year} for y in years],
                "downloads": self._downloads(f"/{lang}/rankings/{year}", lang,
                                             api=f"/api/v1/rankings?year={year}")}

    def _results(self, domain: str, **match: Any) -> list[dict]:
        return [r for r in self.results if r["domain"] == domain
                and all(r.get(k) == v for k, v in match.items())]

    def _pivot(self, rows: list[dict], metrics: tuple[str, ...]) -> list[dict]:
        """Long result rows → one row per (scope, code, year) with a column per metric."""
        out: dict[tuple, dict] = {}
        for r in rows:
            key = (r["scope"], r["code"], r["year"])
            row = out.setdefault(key, {"scope": r["scope"], "adcode": r["code"], "name": r["name"],
                                       "year": r["year"], "standard": r["standard"]})
            if r["metric"] in metrics or r["metric"] in ("valid_days", "complete", "rank"):
                row[r["metric"]] = r["text"] if r["value"] is None else r["value"]
        return sorted(out.values(), key=lambda r: (r["year"], r["scope"], r["adcode"]))

    def _page_air(self, lang: str) -> dict:
        rows = self._results("air", month=None)
        if not rows:
            return {"title": say("nav_air", lang), "lead": say("no_results", lang)}
        year = max(r["year"] for r in rows)
        pivot = self._pivot([r for r in rows if r["year"] == year], AIR_METRICS)
        for r in pivot:
            r["region_name"] = self._result_name(r, lang)
            r["complete"] = None if r.get("complete") is None else (
                bi("完整", "complete", lang) if r["complete"] else bi("不完整", "incomplete", lang))
        areas = [r for r in pivot if r["scope"] in ("city", "group", "county")]
        areas.sort(key=lambda r: ({"city": 0, "group": 1, "county": 2}[r["scope"]], r["adcode"]))
        stations = [r for r in pivot if r["scope"] == "station"]
        standards = sorted({r["standard"] for r in rows if r["year"] == year and r["standard"]})
        columns = [col("region_name", lang)] + [
            col(k, lang, "number", AIR_UNITS[k], text=AIR_NAMES[k]) for k in AIR_METRICS] + [
            col("rank", lang, "number", text=("综合指数排名", "Rank (composite index)")),
            col("valid_days", lang, "number", text=AIR_NAMES["valid_days"]),
            col("complete", lang, text=("数据完整性", "Data completeness"))]
        sep = "；" if lang == "zh" else "; "
        model = {"title": f"{say('nav_air', lang)} {year}", "year": year,
                 "lead": bi(f"评价标准：{sep.join(standards)}。数据完整性按 GB 3095 表4 与 HJ 663 判定：每年至少 324 个"
                            "有效日均值，且每月至少 27 个（二月至少 25 个）。",
                            f"Standards applied: {sep.join(standards)}. A year is complete, as GB 3095 Table 4 and "
                            "HJ 663 define it, with at least 324 valid daily means and at least 27 in every month "
                            "(25 in February).", lang),
                 "tables": [{"id": "air", "caption": bi(f"{year}年城市与县（市、区）空气质量",
                                                        f"Air quality of the city and counties, {year}", lang),
                             "columns": columns, "rows": areas}],
                 "downloads": self._downloads(f"/{lang}/air", lang, api=f"/api/v1/results?domain=air&year={year}")}
        if stations:
            model["tables"].append({"id": "stations", "caption": bi(f"{year}年国控站点", f"Stations, {year}", lang),
                                    "columns": columns, "rows": stations})
        counties = [r for r in areas if r["scope"] == "county" and r.get("composite_index") is not None]
        bars = [{"adcode": r["adcode"], "name": r["region_name"], "value": r["composite_index"]}
                for r in (counties or [r for r in stations if r.get("composite_index") is not None])]
        model["charts"] = [self._chart("county_bars", "air" if counties else "stations", lang, rows=bars, title=(
            f"{year}年环境空气质量综合指数（越小越好）", f"Air quality composite index, {year} (lower is better)"),
            unit="", descending=False, label=("综合指数", "composite index"))]
        return model

    def _result_name(self, r: dict, lang: str) -> str:
        """A result's place in ``lang``: the region's name where Meili knows the code, else the recorded name."""
        if r["scope"] in ("city", "county", "group") and r["adcode"] in self.app.regions.index:
            return self.region_name(r["adcode"], lang)
        return r.get("name") or r["adcode"]

    def _page_water(self, lang: str) -> dict:
        rows = self._results("water", month=None)
        if not rows:
            return {"title": say("nav_water", lang), "lead": say("no_results", lang)}
        year = max(r["year"] for r in rows)
        this_year = [r for r in rows if r["year"] == year]
        metrics = ("class", "main_pollutants", "status", "cwqi", "cwqi_rank", "cwqi_change_rate", "n_sections",
                   "share_class_1_3", "share_worse_than_5")
        pivot = self._pivot(this_year, metrics)
        sections = [r for r in pivot if r["scope"] == "section"]
        for r in sections:
            r["class_label"] = WATER_CLASSES.get(int(r["class"])) if isinstance(r.get("class"), float | int) else "—"
            r["section"] = r.pop("name")
        areas = [r for r in pivot if r["scope"] in ("all", "county", "group")]
        for r in areas:
            r["region_name"] = (bi("全市", "Whole city", lang) if r["scope"] == "all" else
                                bi(*WATER_LEVELS[r["adcode"]], lang) if r["adcode"] in WATER_LEVELS else
                                self._result_name(r, lang))
        if lang == "en":
            for r in sections + areas:
                r["status"] = WATER_STATUS_EN.get(r.get("status"), r.get("status"))
        areas.sort(key=lambda r: ({"all": 0, "group": 1}.get(r["scope"], 2), r.get("cwqi_rank") or 999, r["adcode"]))
        standards = sorted({s.strip() for r in this_year if r["standard"] for s in r["standard"].split(",")})
        sep = "；" if lang == "zh" else "; "
        model = {"title": f"{say('nav_water', lang)} {year}", "year": year,
                 "lead": bi(f"评价标准：{sep.join(standards)}。", f"Standards applied: {sep.join(standards)}.", lang),
                 "tables": [
                     {"id": "cwqi", "caption": say("water_cwqi", lang), "columns": [
                         col("region_name", lang), col("n_sections", lang, "number", text=("断面数", "Sections")),
                         col("share_class_1_3", lang, "number", "%", text=("Ⅰ～Ⅲ类比例", "Classes I–III")),
                         col("share_worse_than_5", lang, "number", "%", text=("劣Ⅴ类比例", "Worse than V")),
                         col("cwqi", lang, "number", text=AIR_NAMES["cwqi"]),
                         col("cwqi_change_rate", lang, "number", "%", text=("CWQI 同比变化", "CWQI change")),
                         col("cwqi_rank", lang, "number", text=AIR_NAMES["cwqi_rank"]),
                         col("status", lang, text=("水质状况", "Status"))], "rows": areas},
                     {"id": "sections", "caption": say("water_classes", lang), "columns": [
                         col("section", lang, text=("断面", "Section")),
                         col("class_label", lang, text=AIR_NAMES["class"]),
                         col("status", lang, text=("水质状况", "Status")),
                         col("main_pollutants", lang, text=("主要污染指标", "Main pollutants"))], "rows": sections}],
                 "downloads": self._downloads(f"/{lang}/water", lang,
                                              api=f"/api/v1/results?domain=water&year={year}")}
        counties = [r for r in areas if r["scope"] == "county" and r.get("cwqi") is not None]
        if counties:
            data = [{"adcode": r["adcode"], "name": r["region_name"], "value": r["cwqi"]} for r in counties]
            model["charts"] = [
                self._chart("county_bars", "cwqi", lang, rows=data, unit="", descending=False,
                            label=("CWQI", "CWQI"), title=(f"{year}年县（市、区）水质指数（越小越好）",
                                                           f"Water quality index by county, {year} (lower is better)")),
                self._chart("choropleth", "cwqi", lang, rows=data, unit="",
                            title=(f"{year}年县（市、区）水质指数", f"Water quality index by county, {year}"))]
        return model

    def _revision_rows(self, lang: str) -> list[dict]:
        out = []
        for r in self.revisions:
            key = r["key"] if isinstance(r["key"], dict) else json.loads(r["key"])
            out.append({"table": r["table"], "measure": key.get("measure", key.get("metric", "")),
                        "region": key.get("region", key.get("code", "")), "year": key.get("year"),
                        "old": r["old"], "new": r["new"], "reason": r["reason"] or "",
                        "date": fmt.day(r["date"]), "release": r.get("release") or self.number})
        return out

    def _page_revisions(self, lang: str) -> dict:
        rows = self._revision_rows(lang)
        for r in rows:
            r["region_name"] = self.region_name(r["region"], lang) if r["region"] else ""
        return {"title": say("nav_revisions", lang), "lead": say("no_revisions", lang) if not rows else
                bi(f"与上一版相比，{len(rows)} 个数值有修订。", f"{len(rows)} numbers changed since the previous release.", lang),
                "tables": [{"id": "revisions", "caption": say("nav_revisions", lang), "columns": [
                    col("measure", lang), col("region_name", lang), col("year", lang),
                    col("old", lang, "number", text=("原值", "Old")), col("new", lang, "number", text=("新值", "New")),
                    col("reason", lang, text=("原因", "Reason")), col("date", lang, text=("日期", "Date")),
                    col("release", lang, "number", text=("版本", "Release"))], "rows": rows}],
                "downloads": self._downloads(f"/{lang}/revisions", lang)}

    def _page_releases(self, lang: str) -> dict:
        rows = [{"number": {"href": f"/releases/{i.number}/{lang}/", "text": str(i.number)},
                 "created_at": fmt.day(i.created_at), "note": i.note or "", "digest": i.digest[:16],
                 "download": {"href": f"/downloads/meili-release-{i.number}.zip", "text": "zip"}}
                for i in self.app.releases() if i.number <= self.number]
        return {"title": say("nav_releases", lang), "lead": self.release_meta(lang)["line"],
                "tables": [{"id": "releases", "caption": say("nav_releases", lang), "columns": [
                    col("number", lang, "link", text=("版本", "Release")),
                    col("created_at", lang, text=("发布日期", "Published")), col("note", lang, text=("说明", "Note")),
                    col("digest", lang, text=("SHA-256（前16位）", "SHA-256 (first 16)")),
                    col("download", lang, "link", text=("下载", "Download"))], "rows": rows}]}

    def _page_data(self, lang: str) -> dict:
        info = self.release.info
        tables = [{"name": name, "rows": count} for name, count in sorted(info.counts.items())]
        return {"title": say("nav_data", lang), "lead": say("open_data_intro", lang),
                "zip": {"href": f"/downloads/meili-release-{info.number}.zip",
                        "text": f"meili-release-{info.number}.zip"},
                "tables": [{"id": "tables", "caption": bi("本版表格", "Tables of this release", lang), "columns": [
                    col("name", lang, text=("表", "Table")), col("rows", lang, "number", text=("行数", "Rows"))],
                    "rows": tables}],
                "licence": "CC BY 4.0", "citation": self.citation(lang)}

    def citation(self, lang: str) -> str:
        info = self.release.info
        return (f"{self.site_meta(lang)['name']}，第 {info.number} 版数据（{fmt.day(info.created_at)}），"
                f"SHA-256 {info.digest[:16]}。" if lang == "zh" else
                f"{self.site_meta(lang)['name']}, release {info.number} ({fmt.day(info.created_at)}), "
                f"SHA-256 {info.digest[:16]}.")

    def _page_search(self, lang: str, q: str = "") -> dict:
        q = q.strip()[:100]
        rows = [{"kind": bi("测度", "measure", lang), "code": {"href": f"/{lang}/measures/{m.id}", "text": m.id},
                 "name": self.measure_name(m, lang), "search": f"{m.id} {m.name} {m.name_en} {m.indicator} {m.scope}"}
                for m in self.plan.measures]
        rows += [{"kind": bi("区域", "region", lang), "code": {"href": f"/{lang}/regions/{c}", "text": c},
                  "name": self.region_name(c, lang),
                  "search": f"{c} {self.region_name(c, 'zh')} {self.region_name(c, 'en')}"} for c in self.counties]
        found = [r for r in rows if q.casefold() in r["search"].casefold()] if q else rows
        for r in found:
            r.pop("search", None)
        return {"title": say("nav_search", lang), "q": q,
                "lead": say("search_found", lang, q=q, n=len(found)) if q else say("search_all", lang),
                "tables": [{"id": "search", "caption": say("nav_search", lang), "columns": [
                    col("kind", lang, text=("类型", "Kind")), col("code", lang, "link", text=("编号", "Code")),
                    col("name", lang, text=("名称", "Name"))],
                    "rows": [{k: v for k, v in r.items() if k != "search"} for r in found]}]}

    def _page_methods(self, lang: str) -> dict:
        return {"title": say("nav_methods", lang), "lead": bi(
            "每个数字如何得来：测度状态、序时进度、趋势外推、功效系数法综合得分与排名、空气与水质的官方算法。",
            "How every number is made: measure status, expected progress, projections, composite scores and "
            "rankings, and the official air and water computations.", lang)}

    def _page_about(self, lang: str) -> dict:
        return {"title": say("nav_about", lang), "lead": bi(self.plan.title, self.plan.title_en, lang)}

    def _page_accessibility(self, lang: str) -> dict:
        return {"title": say("nav_accessibility", lang), "lead": bi(
            "本站按 WCAG 2.1 AA 与 GB/T 37668-2019 建设。", "This site follows WCAG 2.1 AA and GB/T 37668-2019.", lang)}

    # --- charts and maps -----------------------------------------------------------------------------------------

    def _map_table(self, table_id: str, rows: list[dict], value: str, lang: str, *, unit: str | None = None,
                   caption: tuple[str, str], header: tuple[str, str] | None = None) -> dict:
        by_code = {r.get("adcode", r.get("region")): r for r in rows}
        out = []
        for code in self.counties:
            r = by_code.get(code)
            if r is None:
                continue
            out.append({"adcode": code, "region_name": {"href": f"/{lang}/regions/{code}",
                                                        "text": self.region_name(code, lang)},
                        "value": r[value], **({"status": r["status"]} if "status" in r else {})})
        return {"id": table_id, "caption": bi(*caption, lang), "columns": [
            col("adcode", lang, text=("区划代码", "Code")), col("region_name", lang, "link"),
            col("value", lang, "number", unit, text=header)], "rows": out}

    def _map_chart(self, table_id: str, rows: list[dict], value: str, unit: str, lang: str,
                   title: tuple[str, str]) -> dict | None:
        data = [{"adcode": r.get("adcode", r.get("region")), "name": self.region_name(r.get("adcode", r.get("region")),
                                                                                       lang), "value": r[value]}
                for r in rows]
        return self._chart("choropleth", table_id, lang, rows=data, title=title, unit=unit)

    def _measure_chart(self, m, series_rows, target_rows, row, lang) -> dict | None:
        points = [{"year": r["year"], "value": r["value"], "provisional": r["kind"] == bi("预计值", "provisional", lang),
                   "baseline": r["kind"] == bi("基期值", "baseline", lang)}
                  for r in series_rows if isinstance(r["value"], int | float)]
        if not points:
            return None
        targets = []
        for t in target_rows:
            target = m.targets[t["milestone"]]
            targets.append({"year": t["milestone"], "kind": target.kind.value, "text": target.text, "op": target.op,
                            "value": t["target_value"], "low": target.low, "high": target.high,
                            "trend": target.trend, "state": target.state, "assigned_by": target.assigned_by,
                            "document": t["document"] or None})
        projection = None
        if row and self._plausible(m, row["projection"]) is not None:
            projection = {"year": row["milestone"], "value": row["projection"]}
        return self._chart("measure_chart", "series", lang, points=points, targets=targets, projection=projection,
                           unit=m.unit or "", title=(f"{m.id} {m.name}", f"{m.id} {m.name_en}"))

    def _chart(self, kind: str, table_id: str, lang: str, **args: Any) -> dict | None:
        """A chart of ``kind`` from :mod:`meili.charts`, rendered to SVG, with its alternative text; the data are
        already in table ``table_id`` of the page."""
        from meili.web.charts import render_chart

        if "rows" in args and kind in ("county_bars", "choropleth"):
            # a chart labels its bars and areas; the table beside it keeps the stored values
            args["rows"] = [{**r, "value": None if r["value"] is None else round(r["value"], 2)} for r in args["rows"]]
        return render_chart(self, kind, table_id, lang, **args)
