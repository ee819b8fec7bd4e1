"""The portal in a real browser (Debian's Chromium driven by Playwright), every outside request failed:
each page in zh and en loads with its chart, table and map; the keyboard reaches every link; axe-core finds no
serious or critical violation; screenshots of the home, a measure and a scorecard page are kept, their Chinese
drawn with real glyphs (not tofu)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/{lang}/", "plan": "/{lang}/plan", "progress": "/{lang}/progress", "regions": "/{lang}/regions",
    "scorecard": "/{lang}/regions/360702", "measure": "/{lang}/measures/16.1", "measure_county": "/{lang}/measures/2",
    "measure_state": "/{lang}/measures/15.2", "rankings": "/{lang}/rankings", "air": "/{lang}/air",
    "water": "/{lang}/water", "data": "/{lang}/data", "methods": "/{lang}/methods", "search": "/{lang}/search",
    "about": "/{lang}/about", "accessibility": "/{lang}/accessibility", "releases": "/{lang}/releases",
    "revisions": "/{lang}/revisions",
}
#: What each page must show: charts (inline SVG in a figure), tables, maps (a choropleth figure).
EXPECT = {"home": {"chart", "table", "map"}, "measure": {"chart", "table"}, "measure_county": {"chart", "table", "map"},
          "scorecard": {"table"}, "rankings": {"chart", "table"}, "progress": {"chart", "table"},
          "plan": {"table"}, "regions": {"table"}, "air": {"table"}, "water": {"table"}}


def _axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_browser(page, name, lang, artefacts):
    url = page.base_url + PAGES[name].format(lang=lang)
    response = page.goto(url)
    assert response is not None and response.status == 200
    assert page.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
    expect = EXPECT.get(name, set())
    if "table" in expect:
        assert page.locator("main table caption").count() >= 1
    if "chart" in expect:
        charts = page.locator("figure.chart svg")
        assert charts.count() >= 1
        assert charts.first.bounding_box()["height"] > 50
        # every chart names the table holding its data
        for link in page.locator("figure.chart figcaption a").all():
            target = link.get_attribute("href")
            assert page.locator(target).count() == 1
    if "map" in expect:
        assert page.locator("figure.chart .map-caption").count() >= 1
    # the keyboard reaches every link of the page, in order, from the top
    links = page.evaluate("""() => Array.from(document.querySelectorAll('a[href]'))
        .filter(a => a.offsetParent !== null || a.classList.contains('skip')).map(a => a.href)""")
    reached = set()
    for _ in range(len(links) + 60):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement && document.activeElement.href")
        if href:
            reached.add(href)
        if reached >= set(links):
            break
    assert set(links) - reached == set()
    # axe-core: no serious or critical violation
    page.evaluate(_axe_source())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == []
    assert page.outside_requests == []
    if name in ("home", "measure", "scorecard"):
        page.screenshot(path=str(artefacts / f"{name}-{lang}.png"), full_page=True)


def test_chinese_is_drawn_with_real_glyphs(page, artefacts):
    """Tofu boxes of different characters look alike; real glyphs do not. Each character of the page's title is
    drawn alone and the images compared; the bundled font must be the one used."""
    page.goto(page.base_url + "/zh/regions/360702")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Meili Sans\"', '赣州章贡区')")
    shots = []
    for ch in "章贡记分":
        page.evaluate("""ch => { const s = document.createElement('span'); s.id = 'glyph'; s.textContent = ch;
            s.style.fontSize = '64px'; document.querySelector('main').prepend(s); }""", ch)
        shots.append(page.locator("#glyph").screenshot())
        page.evaluate("document.getElementById('glyph').remove()")
    assert len(set(shots)) == len(shots)
    page.screenshot(path=str(artefacts / "scorecard-glyphs.png"))


def test_pages_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(live_server.url + "/zh/search?q=%E8%B5%A3")  # 赣
    assert pg.locator("table#table-search tbody tr").count() >= 2
    assert pg.locator("#contrast-toggle").is_hidden()  # the JavaScript-only switch is not offered
    context.close()


def test_contrast_mode_enlarges_text(page):
    page.goto(page.base_url + "/zh/")
    before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.click("#contrast-toggle")
    after = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert after >= before * 1.2
    page.reload()
    assert page.evaluate("document.documentElement.classList.contains('contrast')")
