"""Daily values, validity edges, the 2026 switch, percentiles, period statistics and ranking."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa

from meili.standards.air.annual import annual_table, percentile, period_statistics
from meili.standards.air.aqi import not_measured_by_design
from meili.standards.air.daily import daily_aqi, group_daily, o3_daily_max_8h, station_daily, station_keys
from meili.standards.air.hourly import hourly_aqi

POLL = ("so2", "no2", "co", "o3", "pm10", "pm25")


def hourly_table(rows):
    """rows: (station, end-label datetime, dict of concentrations)."""
    data = {"station": [], "time": [], "label": [], **{p: [] for p in POLL}}
    for station, time, values in rows:
        data["station"].append(station)
        data["time"].append(time)
        data["label"].append(time)
        for p in POLL:
            data[p].append(values.get(p))
    schema = {"station": "string", "time": "timestamp", "label": "timestamp", **{p: "float64" for p in POLL}}
    return ibis.memtable(data, schema=schema)


def day_hours(day: dt.date, hours=range(1, 25)):
    start = dt.datetime.combine(day, dt.time())
    return [start + dt.timedelta(hours=h) for h in hours]


FULL = {"so2": 10, "no2": 20, "co": 1.0, "o3": 50, "pm10": 60, "pm25": 40}


def one_station_day(n_hours, day=dt.date(2019, 1, 10), values=FULL, station="S1"):
    return hourly_table([(station, t, values) for t in day_hours(day)[:n_hours]])


def test_daily_mean_needs_20_hours():
    assert station_daily(one_station_day(20)).to_pyarrow().column("pm25").to_pylist() == [40.0]
    assert station_daily(one_station_day(19)).to_pyarrow().column("pm25").to_pylist() == [None]


def test_natural_day_of_end_labels():
    # labels 01:00 … 24:00 (= next day's 00:00) make one natural day
    out = station_daily(one_station_day(24)).to_pyarrow()
    assert out.column("date").to_pylist() == [dt.date(2019, 1, 10)]
    assert out.column("hours_pm25").to_pylist() == [24]


def test_mda8_window_needs_6_hours_and_day_needs_14_windows():
    day = dt.date(2019, 6, 1)
    times = day_hours(day)
    # hours 1..24 with O3 = hour number: the window ending at 24 averages 17..24 = 20.5
    rows = [("S1", t, {"o3": float(h)}) for h, t in enumerate(times, start=1)]
    out = o3_daily_max_8h(hourly_table(rows)).to_pyarrow().to_pylist()[0]
    assert out["o3_8h_windows"] == 17 and out["o3_8h_max"] == 20.5
    # keep hours 1..21 only: windows ending 8..21 are valid (14), 22 has 6 of 8 → 15 valid windows
    rows15 = rows[:20]  # hours 1..20: windows ending 8..20 → 13, 21 (7/8), 22 (6/8) → 15 … check by count
    out = o3_daily_max_8h(hourly_table(rows15)).to_pyarrow().to_pylist()[0]
    assert out["o3_8h_windows"] == 15 and out["o3_8h_max"] is not None


def test_mda8_with_13_windows_is_invalid_unless_over_the_limit():
    day = dt.date(2019, 6, 1)
    times = day_hours(day)
    # hours 1..18 present: windows ending 8..18 (11) + 19 (7/8) + 20 (6/8) = 13 valid windows
    low = [("S1", t, {"o3": 100.0}) for t in times[:18]]
    out = o3_daily_max_8h(hourly_table(low)).to_pyarrow().to_pylist()[0]
    assert out["o3_8h_windows"] == 13 and out["o3_8h_max"] is None
    high = [("S1", t, {"o3": 170.0}) for t in times[:18]]
    out = o3_daily_max_8h(hourly_table(high)).to_pyarrow().to_pylist()[0]
    assert out["o3_8h_windows"] == 13 and out["o3_8h_max"] == 170.0  # > 160: valid with fewer windows
    # exactly 14 windows: hours 1..19
    ok = [("S1", t, {"o3": 100.0}) for t in times[:19]]
    assert o3_daily_max_8h(hourly_table(ok)).to_pyarrow().to_pylist()[0]["o3_8h_max"] == 100.0


def test_day_crossing_the_2026_switch():
    # same concentrations on 2026-02-28 and 2026-03-01: PM2.5 75 is IAQI 100 (2012) then 114 (2026)
    values = {**FULL, "pm25": 75.0}
    rows = [("S1", t, values) for d in (dt.date(2026, 2, 28), dt.date(2026, 3, 1)) for t in day_hours(d)]
    daily = daily_aqi(station_daily(hourly_table(rows))).order_by("date").to_pyarrow().to_pylist()
    assert [(r["date"], r["regime"], r["iaqi_pm25"], r["aqi"]) for r in daily] == [
        (dt.date(2026, 2, 28), "2012", 100, 100),
        (dt.date(2026, 3, 1), "2026", 114, 114),
    ]
    assert daily[0]["iaqi_o3_1h"] is not None and daily[1]["iaqi_o3_1h"] is None
    # the hour labelled 2026-03-01 00:00 closes 2026-02-28: still the 2012 rules
    hourly = hourly_aqi(hourly_table(rows)).to_pyarrow().to_pylist()
    by_time = {r["time"]: r for r in hourly}
    assert by_time["2026-03-01 00:00"]["regime"] == "2012" and by_time["2026-03-01 00:00"]["aqi"] == 100
    assert by_time["2026-03-01 01:00"]["regime"] == "2026" and by_time["2026-03-01 01:00"]["aqi"] == 114
    # --standard forces one regime for every day
    forced = daily_aqi(station_daily(hourly_table(rows)), standard="2012").to_pyarrow()
    assert set(forced.column("iaqi_pm25").to_pylist()) == {100}


def test_2026_missing_pollutant_rule():
    low = {"so2": 10, "no2": 20, "co": 1.0, "o3": 50, "pm10": 60}  # no PM2.5
    high = {**low, "pm10": 300}
    day = dt.date(2026, 5, 1)
    for values, expected in ((low, None), (high, 175)):
        d = daily_aqi(station_daily(one_station_day(24, day, values))).to_pyarrow().to_pylist()[0]
        assert d["aqi"] == expected
    # under 2012 a missing indicator leaves the day without AQI [U]
    d = daily_aqi(station_daily(one_station_day(24, dt.date(2019, 5, 1), high))).to_pyarrow().to_pylist()[0]
    assert d["aqi"] is None


def _registry(not_measured: dict[str, str], groups: dict[str, str] | None = None):
    stations = sorted(not_measured)
    n = len(stations)
    return pa.table({"station": stations, "name": stations, "city_code": ["C"] * n, "city": ["C"] * n,
                     "region_code": ["R"] * n, "lon": [None] * n, "lat": [None] * n, "kind": ["assessment"] * n,
                     "groups": [(groups or {}).get(s, "") for s in stations],
                     "not_measured": [not_measured[s] for s in stations]})


def test_2026_pollutant_not_measured_by_design_does_not_block_the_aqi():
    """HJ 633-2026 §5.3.2: a station that does not measure CO by design gets its AQI ≤ 100 published; a station that
    measures CO but lost it that day does not (§5.3.1). 2012 days keep the 2012 reading [U]: all 7 needed."""
    # HJ 633-2026 表3: PM2.5 40 → 50 + 50·5/25 = 60; PM10 60 → 50 + 50·10/70 = 57.1… → 58: AQI 60
    no_co = {"so2": 10, "no2": 20, "o3": 50, "pm10": 60, "pm25": 40}
    day = dt.date(2026, 5, 1)
    rows = [(s, t, no_co) for s in ("DESIGN", "LOST") for t in day_hours(day)]
    registry = _registry({"DESIGN": "co", "LOST": ""})
    nm = not_measured_by_design(registry)
    sd = station_daily(hourly_table(rows)).rename(key="station")
    got = {r["key"]: r["aqi"] for r in daily_aqi(sd, not_measured=nm).to_pyarrow().to_pylist()}
    assert got == {"DESIGN": 60, "LOST": None}
    assert {r["key"]: r["aqi"] for r in daily_aqi(sd).to_pyarrow().to_pylist()} == {"DESIGN": None, "LOST": None}
    # hourly (real-time): the same rule per station-hour; PM2.5 1-h 40 → 60 on the 日平均 breakpoints
    hourly = hourly_aqi(hourly_table(rows), not_measured=nm).to_pyarrow().to_pylist()
    assert {r["aqi"] for r in hourly if r["station"] == "DESIGN"} == {60}
    assert {r["aqi"] for r in hourly if r["station"] == "LOST"} == {None}
    # a 2019 day: the 2012 rules, no §5.3.2
    old = [(s, t, no_co) for s in ("DESIGN",) for t in day_hours(dt.date(2019, 5, 1))]
    d = daily_aqi(station_daily(hourly_table(old)).rename(key="station"), not_measured=nm).to_pyarrow()
    assert d.column("aqi").to_pylist() == [None]


def test_not_measured_by_design_for_a_group_needs_every_station():
    """A group (city, region, 中心城区…) does not measure a pollutant by design only when none of its stations
    does [U]; then its AQI ≤ 100 is published without it."""
    no_co = {"so2": 10, "no2": 20, "o3": 50, "pm10": 60, "pm25": 40}
    day = dt.date(2026, 5, 1)
    rows = [(s, t, no_co) for s in ("A", "B", "C") for t in day_hours(day)]
    registry = _registry({"A": "co", "B": "co;pm10", "C": ""}, groups={"A": "g1;g2", "B": "g1", "C": "g2"})
    keys = station_keys(registry, "group")
    nm = not_measured_by_design(registry, keys).to_pyarrow().to_pylist()
    assert {r["_nm_key"]: (r["_nm_co"], r["_nm_pm10"]) for r in nm} == {"g1": (True, False), "g2": (False, False)}
    daily = daily_aqi(group_daily(station_daily(hourly_table(rows)), keys),
                      not_measured=not_measured_by_design(registry, keys))
    assert {r["key"]: r["aqi"] for r in daily.to_pyarrow().to_pylist()} == {"g1": 60, "g2": None}
    assert not_measured_by_design(_registry({"A": "", "B": ""})) is None  # nothing declared: no join at all


def test_city_mean_of_valid_assessment_stations_excludes_background():
    registry = pa.table({"station": ["A", "B", "BG"], "name": ["a", "b", "bg"], "city_code": ["C"] * 3,
                         "city": ["C"] * 3, "region_code": ["R"] * 3, "lon": [None] * 3, "lat": [None] * 3,
                         "kind": ["assessment", "assessment", "background"], "groups": ["g1", "g1;g2", "g1"]})
    day = dt.date(2019, 3, 1)
    rows = [("A", t, {**FULL, "pm25": 30.0}) for t in day_hours(day)]
    rows += [("B", t, {**FULL, "pm25": 41.0}) for t in day_hours(day)]
    rows += [("BG", t, {**FULL, "pm25": 1.0}) for t in day_hours(day)]
    sd = station_daily(hourly_table(rows))
    city = group_daily(sd, station_keys(registry, "city")).to_pyarrow().to_pylist()
    assert [(r["key"], r["pm25"], r["stations"]) for r in city] == [("C", 35.5, 2)]
    aqi = daily_aqi(group_daily(sd, station_keys(registry, "city")), key="key").to_pyarrow().to_pylist()[0]
    assert aqi["r_pm25"] == 36.0 and aqi["iaqi_pm25"] == 52  # 35.5 → 36 (half-even) → 51.25 → 52
    groups = group_daily(sd, station_keys(registry, "group")).order_by("key").to_pyarrow().to_pylist()
    assert [(r["key"], r["pm25"]) for r in groups] == [("g1", 35.5), ("g2", 41.0)]


def test_percentile_formula_standard_example():
    t = ibis.memtable({"x": [3.0, 4, 8, 2, 5, 4]})
    assert t.aggregate(q=percentile(t.x, 90)).to_pyarrow().column("q")[0].as_py() == 6.5
    # k = 1 + 5·0.5 = 3.5 → X(3) + 0.5·(X(4) − X(3)) = 4 + 0 = 4
    assert t.aggregate(q=percentile(t.x, 50)).to_pyarrow().column("q")[0].as_py() == 4.0


def _daily_rows(key, dates, aqi, **values):
    return {"key": [key] * len(dates), "date": dates, "aqi": [aqi] * len(dates),
            "level": [2 if aqi > 50 else 1] * len(dates), **{k: [v] * len(dates) for k, v in values.items()}}


def _days(year, month, n):
    return [dt.date(year, month, d) for d in range(1, n + 1)]


BASE = {"so2": 6.0, "no2": 4.0, "co": 0.4, "pm10": 7.0, "pm25": 3.5, "o3_8h_max": 16.0}


def _frame(parts):
    data = {k: [] for k in parts[0]}
    for p in parts:
        for k in data:
            data[k] += p[k]
    return ibis.memtable(data, schema={"key": "string", "date": "date", "aqi": "int64", "level": "int64",
                                       **{k: "float64" for k in BASE}})


def test_monthly_validity_edges_27_and_25_in_february():
    ok = _frame([_daily_rows("K", _days(2019, 1, 27), 40, **BASE)])
    short = _frame([_daily_rows("K", _days(2019, 1, 26), 40, **BASE)])
    feb = _frame([_daily_rows("K", _days(2019, 2, 25), 40, **BASE)])
    feb_short = _frame([_daily_rows("K", _days(2019, 2, 24), 40, **BASE)])
    got = [period_statistics(t, period="month").to_pyarrow().column("complete")[0].as_py()
           for t in (ok, short, feb, feb_short)]
    assert got == [True, False, True, False]


def test_annual_needs_324_days():
    # 27 days in each month = 324 days: complete; drop one day: 323 → not complete
    days = [d for m in range(1, 13) for d in _days(2019, m, 27)]
    full = period_statistics(_frame([_daily_rows("K", days, 40, **BASE)]), period="year").to_pyarrow().to_pylist()[0]
    assert full["complete"] is True and full["valid_days"] == 324
    less = period_statistics(_frame([_daily_rows("K", days[1:], 40, **BASE)]),
                             period="year").to_pyarrow().to_pylist()[0]
    # 达标 is judged on the values there are, flagged provisional (issue 15 #22)
    assert less["complete"] is False and less["attained"] is True and less["attained_provisional"] is True
    assert full["attained"] is True and full["attained_provisional"] is False


def test_statistics_good_rate_attainment_and_composite_index():
    days = [d for m in range(1, 13) for d in _days(2019, m, 28)]
    rows = _daily_rows("K", days, 40, **BASE)
    rows["aqi"][:36] = [120] * 36  # 36 of 336 days not good
    rows["level"][:36] = [3] * 36
    s = period_statistics(_frame([rows]), period="year").to_pyarrow().to_pylist()[0]
    assert s["good_rate"] == round(300 / 336 * 100, 1) == 89.3
    assert s["days_level_3"] == 36 and s["days_level_1"] == 300
    # I = 6/60 + 4/40 + 7/70 + 3.5→4 (half-even) /35 + 0.4/4 + 16/160 = 0.1·5 + 4/35 = 0.614… → 0.61
    assert s["pm25"] == 4.0 and s["composite_index"] == 0.61
    assert s["attained"] is True


def test_ranking_ties_share_a_rank_and_change_rate():
    days19 = [d for m in range(1, 13) for d in _days(2019, m, 28)]
    days18 = [d for m in range(1, 13) for d in _days(2018, m, 28)]
    parts = [
        _daily_rows("A", days19, 40, **BASE),
        _daily_rows("B", days19, 40, **BASE),  # same index as A: tied
        _daily_rows("C", days19, 40, **{**BASE, "pm25": 70.0}),
        _daily_rows("A", days18, 40, **{**BASE, "so2": 12.0}),
    ]
    out = annual_table(_frame(parts), year=2019).to_pyarrow().to_pylist()
    assert [(r["key"], r["rank"]) for r in out] == [("A", 1), ("B", 1), ("C", 3)]
    a = out[0]
    # 2018: 12/60 + 0.1·4 + 4/35 = 0.714… → 0.71; 2019: 0.61 → (0.61 − 0.71)/0.71 = −14.08 %
    assert a["change_rate"] == -14.08
    assert out[1]["change_rate"] is None
    # only the year just before counts: B has 2017 but not 2018, so no 变化率
    days17 = [d for m in range(1, 13) for d in _days(2017, m, 28)]
    gap = annual_table(_frame([*parts, _daily_rows("B", days17, 40, **{**BASE, "so2": 12.0})])).to_pyarrow()
    rates = {(r["key"], r["period"]): r["change_rate"] for r in gap.to_pylist()}
    assert rates == {("A", "2018"): None, ("A", "2019"): -14.08, ("B", "2017"): None, ("B", "2019"): None,
                     ("C", "2019"): None}


def test_half_year_periods_labels_completeness_and_change_rate():
    # H1 = January–June: every month needs ≥ 27 valid days (25 in February); June 30 is H1, July 1 is H2
    h1 = [d for m in range(1, 7) for d in _days(2019, m, 25 if m == 2 else 27)]
    stats = period_statistics(_frame([_daily_rows("K", [*h1, dt.date(2019, 7, 1)], 40, **BASE)]),
                              period="half").to_pyarrow().to_pylist()
    got = {r["period"]: (r["valid_days"], r["complete"]) for r in stats}
    assert got == {"2019-H1": (len(h1), True), "2019-H2": (1, False)}
    assert len(h1) == 5 * 27 + 25 == 160
    # one month short of its minimum (26 days in March): H1 not complete, so 达标 is judged provisionally
    short = [d for d in h1 if d != dt.date(2019, 3, 1)]
    s = period_statistics(_frame([_daily_rows("K", short, 40, **BASE)]), period="half").to_pyarrow().to_pylist()[0]
    assert (s["complete"], s["attained"], s["attained_provisional"]) == (False, True, True)
    # ranked per half-year, 变化率 against the same half a year before: 2018-H1 I = 0.71, 2019-H1 I = 0.61
    h1_2018 = [d for m in range(1, 7) for d in _days(2018, m, 27)]
    out = annual_table(_frame([_daily_rows("A", h1, 40, **BASE),
                               _daily_rows("A", h1_2018, 40, **{**BASE, "so2": 12.0})]),
                         period="half", year=2019).to_pyarrow().to_pylist()
    assert [(r["period"], r["composite_index"], r["rank"], r["change_rate"]) for r in out] == [
        ("2019-H1", 0.61, 1, -14.08)]


def test_defect_22_attainment_judged_on_incomplete_data_is_provisional():
    # 300 days (25 a month: short of 27): not complete, yet 达标 is judged on the values there are, flagged
    days = [d for m in range(1, 13) for d in _days(2019, m, 25)]
    clean = period_statistics(_frame([_daily_rows("K", days, 40, **BASE)]), period="year").to_pyarrow().to_pylist()[0]
    assert (clean["complete"], clean["attained"], clean["attained_provisional"]) == (False, True, True)
    # PM2.5 36 μg/m³ > 35 (Class 2 annual limit): not attained, still provisional
    dirty = period_statistics(_frame([_daily_rows("K", days, 40, **{**BASE, "pm25": 36.0})]),
                              period="year").to_pyarrow().to_pylist()[0]
    assert (dirty["complete"], dirty["attained"], dirty["attained_provisional"]) == (False, False, True)
    # an item without any value (no O3 at all): 达标 cannot be judged — NULL, and nothing to flag
    none = period_statistics(_frame([_daily_rows("K", days, 40, **{**BASE, "o3_8h_max": None})]),
                             period="year").to_pyarrow().to_pylist()[0]
    assert (none["attained"], none["attained_provisional"]) == (None, False)
