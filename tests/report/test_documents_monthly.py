"""The monthly 通报 on the demo workspace (Ganzhou's counties, June 2019) and on January 2019 of Jiangxi's 11 cities
recorded from the real CNEMC files."""

from __future__ import annotations

import pytest

from meili.report.documents import build_monthly, value_of
from meili.report.model import Paragraph, Ref, Table

GANZHOU_UNITS = ["章贡区", "南康区", "赣县区", "信丰县", "大余县", "上犹县", "崇义县", "安远县", "定南县", "全南县",
                 "宁都县", "于都县", "兴国县", "会昌县", "寻乌县", "石城县", "瑞金市", "龙南市", "赣州经开区", "蓉江新区"]


def text(block) -> str:
    return "".join(str(r) for r in block.runs)


def tables(doc) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


@pytest.fixture(scope="module")
def june(demo_app):
    return build_monthly(demo_app, year=2019, month=6)


@pytest.fixture(scope="module")
def january(jiangxi_app):
    return build_monthly(jiangxi_app, year=2019, month=1, region="江西省")


def test_every_number_is_the_release_value(june, january, demo_app, jiangxi_app):
    for doc, app in ((june, demo_app), (january, jiangxi_app)):
        release = app.release(doc.release)
        numbers = doc.numbers()
        assert numbers
        for n in numbers:
            assert n.ref is not None or n.inputs or (n.value is None and n.text == "—"), n
            if n.ref is not None:
                assert value_of(release, n.ref) == n.value, n
            for ref in n.inputs:
                value_of(release, ref)  # every input names a row that exists


def test_june_names_every_county_and_says_which_have_no_station(june):
    county = tables(june)[-1]
    assert county.header == ["县（市、区）", "PM2.5（μg/m³）", "同比（%）", "排名", "优良天数比率（%）", "同比（个百分点）",
                             "排名", "综合指数", "排名"]
    assert [row[0] for row in county.rows] == GANZHOU_UNITS
    cells = {row[0]: row for row in county.rows}
    # the demo records the four national stations of 中心城区, all in 章贡区 (examples/air/ganzhou-stations.csv)
    assert str(cells["章贡区"][1]) == "21" and str(cells["章贡区"][8]) == "1"
    for name in GANZHOU_UNITS[1:]:
        assert cells[name][1] == "无监测站点"
    said = [text(b) for b in june.blocks if isinstance(b, Paragraph) and "无监测站点" in text(b)]
    assert said and all(name in said[0] for name in GANZHOU_UNITS[1:])
    assert any("并列" in note for note in county.notes)


def test_june_city_values_from_the_real_2019_data(june, demo_app):
    headline = text(june.blocks[1])
    assert headline.startswith("2019年6月，赣州市环境空气质量优良天数比率为100.0%")
    assert "PM2.5平均浓度为21微克/立方米" in headline
    city = tables(june)[0]
    assert [str(c) for c in city.rows[0][:2]] == ["PM2.5（μg/m³）", "21"]
    # 1–6月累计优良天数比率 = Σ优良天数 / Σ有效天数 over the six recorded months
    rel = demo_app.release()
    rows = [r for r in rel.table("results").to_pylist() if r["scope"] == "city" and r["year"] == 2019
            and r["month"] in range(1, 7) and r["metric"] in ("good_days", "valid_days")]
    good = sum(r["value"] for r in rows if r["metric"] == "good_days")
    valid = sum(r["value"] for r in rows if r["metric"] == "valid_days")
    assert str(city.rows[6][3]) == f"{good / valid * 100:.1f}"
    assert any("2018年6月" in text(b) and "同比" in text(b) for b in june.blocks if isinstance(b, Paragraph))


def test_january_ranks_jiangxis_cities_by_composite_index_with_yoy_empty(january, jiangxi_app):
    table = tables(january)[0]
    by_rank = sorted(table.rows, key=lambda r: (r[8].value, r[0]))
    # 综合指数 of January 2019 (HJ 663 from the CNEMC files): 景德镇 3.68 … 九江 5.82
    assert [(r[0], str(r[7])) for r in by_rank] == [
        ("景德镇市", "3.68"), ("赣州市", "4.19"), ("抚州市", "4.42"), ("鹰潭市", "4.44"), ("上饶市", "4.47"),
        ("吉安市", "4.68"), ("新余市", "4.74"), ("宜春市", "4.91"), ("南昌市", "5.10"), ("萍乡市", "5.61"),
        ("九江市", "5.82")]
    assert [r[8].value for r in by_rank] == list(range(1, 12))
    # the document's ranks are the recorded 综合指数 ranks
    release = jiangxi_app.release(january.release)
    for r in table.rows:
        recorded = value_of(release, Ref(release.number, "results", {**r[7].ref.key, "metric": "rank"}, "value"))
        assert r[8].value == recorded
    # 同比 is empty (no 2018 data) and a sentence says why
    assert all(str(r[2]) == "—" and str(r[5]) == "—" for r in table.rows)
    assert any("2018年1月" in text(b) and "不作同比比较" in text(b) for b in january.blocks if isinstance(b, Paragraph))
    # PM2.5 ties: 鹰潭 and 抚州 both 54 → 并列第7, the next is 9th (南昌 56)
    pm = {r[0]: str(r[3]) for r in table.rows}
    assert pm["鹰潭市"] == pm["抚州市"] == "7（并列）" and pm["南昌市"] == "9"


def test_first_and_last_lists_include_ties(jiangxi_app):
    doc = build_monthly(jiangxi_app, year=2019, month=1, region="江西省", rule="good_rate_pm25", top_n=3)
    lists = [text(b) for b in doc.blocks if isinstance(b, Paragraph) and "出现并列一并列入" in text(b)]
    # by 优良天数比例 then PM2.5: 赣州 93.5, 上饶 87.5, 景德镇 86.2 …; last: 萍乡 63.3, 九江 64.3, 南昌 77.4
    assert lists[0].endswith("赣州市（第1名）、上饶市（第2名）、景德镇市（第3名）。")
    assert lists[1].endswith("萍乡市（第11名）、九江市（第10名）、南昌市（第9名）。")


def test_a_month_without_results_is_an_error(demo_app):
    from meili.errors import RequestError

    with pytest.raises(RequestError, match="2018"):
        build_monthly(demo_app, year=2018, month=6)
    with pytest.raises(RequestError):
        build_monthly(demo_app, year=2019, month=13)
