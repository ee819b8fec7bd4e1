"""Reporting units and cell ownership, as data."""

from meili.app.units import load_ownership, load_units, owner_of
from meili.plan import load_plan, load_regions


def test_units_are_the_20_counties_and_zones_and_the_departments():
    units = load_units()
    counties = [u for u in units.values() if u.kind in ("county", "zone")]
    assert len(counties) == 20 and {u.region for u in counties} == {
        r.code for r in load_regions().regions if r.level == "county"}
    assert units["dept-forestry"].name == "市林业局"
    assert [u.code for u in units.values() if u.kind == "city_bureau"] == ["dept-environment"]


def test_ownership_rules_name_known_measures():
    plan = load_plan("ganzhou")
    ids = {m.id for m in plan.measures}
    for rule in load_ownership().rules:
        assert rule.measures <= ids, rule


def test_owners():
    assert owner_of("ganzhou", "11.1", "360781") == "dept-forestry"      # 森林覆盖率, every county
    assert owner_of("ganzhou", "11.1", "360700") == "dept-forestry"
    assert owner_of("ganzhou", "27.3", "360700-01") == "360700-01"       # a zone reports its own cells
    assert owner_of("ganzhou", "27.3", "360700") == "dept-environment"   # the city's own cells
    assert owner_of("ganzhou", "11.1", "county_level_cities") is None    # groups are computed
    assert owner_of("jiangxi", "11.1", "360702") == "360702"             # the rule is Ganzhou's
