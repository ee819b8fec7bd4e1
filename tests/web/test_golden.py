"""Golden test: every number on the measure pages and the county scorecards is the release's stored value, and is
shown as :func:`meili.web.format.number` shows it."""

from __future__ import annotations

import pytest

from meili.web import format as fmt
from tests.helpers.html import parse_page, table


def _shown(cell, stored):
    assert cell.data_value == ("" if stored is None else repr(float(stored))), (cell, stored)
    assert cell.text.split(" ")[0] == fmt.number(stored), (cell, stored)


def test_every_measure_page_shows_the_stored_values(client, site, release):
    observations = {(r["region"], r["measure"], r["year"]): r for r in release.table("observations").to_pylist()
                    if r["plan"] == site.plan.id}
    evaluations = {(r["region"], r["measure"], r["year"], r["milestone"]): r
                   for r in release.table("evaluations").to_pylist() if r["plan"] == site.plan.id}
    checked = 0
    for m in site.plan.measures:
        page = parse_page(client.get(f"/zh/measures/{m.id}").text)
        region = m.scope_group or site.plan.region
        series = table(page, "series")
        year_col, value_col, kind_col = series.column("年份"), series.column("现状值"), series.column("类别")
        for row in series.rows:
            year = int(row[year_col].text)
            if row[kind_col].text == "基期值":
                stored = m.baseline.value
            else:
                obs = observations[(region, m.id, year)]
                stored = obs["value"]
                if stored is None:  # a state measure: the state word is shown
                    assert row[value_col].text == obs["state"]
                    continue
            _shown(row[value_col], stored)
            checked += 1
        targets = table(page, "targets")
        for row in targets.rows:
            milestone = int(row[targets.column("目标年")].text)
            ev = evaluations.get((region, m.id, site.year, milestone))
            if ev is not None:
                _shown(row[targets.column("目标值")], ev["target_value"])
                checked += 1
        if any(t.id == "table-counties" for t in page.tables):
            counties = table(page, "counties")
            for row in counties.rows:
                ev = evaluations[(row[0].text, m.id, site.year, site.milestone_for(site.year))]
                _shown(row[counties.column("现状值")], ev["value"])
                checked += 1
    assert checked > 500  # the demo has values for most measures, years and counties


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_scorecard_shows_the_stored_values(client, site, release, lang):
    milestone = site.milestone_for(site.year)
    observations = {(r["region"], r["measure"], r["year"]): r for r in release.table("observations").to_pylist()
                    if r["plan"] == site.plan.id}
    evaluations = {(r["region"], r["measure"]): r for r in release.table("evaluations").to_pylist()
                   if r["plan"] == site.plan.id and r["year"] == site.year and r["milestone"] == milestone}
    checked = 0
    for code in site.counties:
        page = parse_page(client.get(f"/{lang}/regions/{code}").text)
        card = table(page, "scorecard")
        rows = [r for r in card.rows if len(r) == len(card.headers)]  # not the "no results" line of a zone
        assert len(rows) == len({m for (c, m) in evaluations if c == code}), code
        for row in rows:
            ev = evaluations[(code, row[0].text)]
            _shown(row[3], ev["value"])
            before = observations.get((code, row[0].text, site.year - 1))
            _shown(row[4], None if before is None else before["value"])
            checked += 2
    assert checked >= 18 * 2 * 30
