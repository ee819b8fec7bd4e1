"""Rendering: Chinese text in the bundled font (never tofu), inline-safe SVG, same bytes every time, no network."""

from __future__ import annotations

import re

import altair as alt
import pytest
import vl_convert

from meili.charts import Chart, choropleth, county_bars, render
from tests.charts.png import ink

ROWS = [{"adcode": "360702", "name": "章贡区", "value": 31.0}, {"adcode": "360703", "name": "南康区", "value": 28.5}]


def _word(text: str) -> Chart:
    spec = alt.Chart(alt.Data(values=[{"t": text}])).mark_text(fontSize=40, color="black").encode(
        text="t:N").properties(width=200, height=60)
    return Chart(spec=spec, alt=text, table=[{"t": text}], columns=[("t", "text")])


def test_svg_names_the_font_and_carries_the_chinese_title():
    chart = county_bars(ROWS, title="各县（市、区）PM₂.₅ 年均浓度", unit="μg/m³", lang="zh")
    svg = render.svg(chart)
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert "各县（市、区）PM₂.₅ 年均浓度" in svg
    assert re.search(r'font-family="[^"]*Meili Sans', svg)
    assert 'role="img"' in svg
    labelled = re.search(r'aria-labelledby="([^"]+)"', svg)[1]
    title = re.search(rf'<title id="{labelled}">([^<]*)</title>', svg)[1]
    assert title == chart.alt and "南康区" in title


def test_two_charts_on_one_page_share_no_id():
    a = render.svg(choropleth(ROWS, unit="μg/m³", title="A", lang="zh"))
    b = render.svg(choropleth(ROWS[:1], unit="μg/m³", title="B", lang="zh"))
    ids_a, ids_b = set(re.findall(r'\bid="([^"]+)"', a)), set(re.findall(r'\bid="([^"]+)"', b))
    assert len(ids_a) >= 3  # the chart, its title, the legend's gradient
    assert not ids_a & ids_b
    for ref in re.findall(r"url\(#([^)]+)\)", a):  # every reference follows its renamed id
        assert ref in ids_a


def test_same_chart_same_bytes():
    chart = county_bars(ROWS, title="赣州", lang="zh")
    again = county_bars(ROWS, title="赣州", lang="zh")
    assert render.svg(chart) == render.svg(again)
    assert render.png(chart) == render.png(again)
    assert render.pdf(chart) == render.pdf(again)


def test_scale_multiplies_the_displayed_size_only():
    chart = county_bars(ROWS, title="赣州", lang="zh")
    one, two = render.svg(chart), render.svg(chart, scale=2)
    w1 = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)"', one)[1])
    w2 = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)"', two)[1])
    assert w2 == 2 * w1
    assert re.search(r'viewBox="[^"]+"', one)[0] == re.search(r'viewBox="[^"]+"', two)[0]


def test_chinese_is_drawn_with_real_glyphs_not_tofu():
    """Tofu draws every unknown character as the same box: 赣 and 州 would give the same image, and 赣州市 the
    same as three private-use characters that no font has."""
    gan, zhou = render.png(_word("赣"), scale=1), render.png(_word("州"), scale=1)
    assert gan != zhou
    city, unknown = render.png(_word("赣州市"), scale=1), render.png(_word("\ue000\ue001\ue002"), scale=1)
    assert city != unknown
    assert ink(city) > 1000  # three 40 px characters (measured: 1,437 dark pixels; 赣 alone 584, 州 427)
    assert ink(gan) != ink(zhou)


def test_pdf_embeds_the_bundled_font():
    pdf = render.pdf(county_bars(ROWS, title="赣州市", lang="zh"))
    assert pdf.startswith(b"%PDF")
    assert b"MeiliSans" in pdf


def test_remote_data_is_refused_not_fetched():
    spec = alt.Chart(alt.UrlData("https://example.com/ganzhou.csv")).mark_bar().encode(x="v:Q")
    with pytest.raises(ValueError, match="not allowed"):
        render.svg(Chart(spec=spec, alt="", table=[], columns=[]))


def test_vl_convert_is_called_with_no_base_urls(monkeypatch):
    seen = {}
    real = vl_convert.vegalite_to_svg

    def spy(spec, **kw):
        seen.update(kw)
        return real(spec, **kw)

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", spy)
    render.svg(county_bars(ROWS, title="t", lang="en"))
    assert seen["allowed_base_urls"] == []


def test_same_map_same_bytes_after_other_charts():
    """vl-convert numbers gradients with a counter that lives as long as the process; the SVG must not show it
    (a static build, made by another process, is compared byte for byte with the server's pages)."""
    rows = [{"adcode": "360702", "name": "章贡区", "value": 1.0}, {"adcode": "360703", "name": "南康区", "value": 2.0}]
    first = render.svg(choropleth(rows, title="甲"), id="m")
    for _ in range(2):  # other charts with gradients in between advance the counter
        render.svg(choropleth(rows, title="乙"))
    assert render.svg(choropleth(rows, title="甲"), id="m") == first
    assert 'id="m-0"' in first
