"""Every page of the demo's release, through the application in-process: status, twins, headers, caching."""

from __future__ import annotations

import csv
import io
import json

import pytest

from meili.web.routes import TABLE_PAGES, PageRef
from tests.helpers.html import parse_page, table

PAGES = ["/{lang}/", "/{lang}/plan", "/{lang}/progress", "/{lang}/regions", "/{lang}/regions/360702",
         "/{lang}/measures/16.1", "/{lang}/measures/1", "/{lang}/measures/15.2", "/{lang}/air", "/{lang}/water",
         "/{lang}/data", "/{lang}/methods", "/{lang}/search", "/{lang}/about", "/{lang}/accessibility",
         "/{lang}/releases", "/{lang}/revisions", "/{lang}/rankings"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_page_and_twins(client, path, lang):
    path = path.format(lang=lang)
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    page = parse_page(response.text)
    assert page.lang == ("zh-CN" if lang == "zh" else "en")
    assert "Content-Security-Policy" in response.headers
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    # the JSON twin is the page's view-model: its title and tables are the page's
    twin = client.get(path.rstrip("/") + ("/index" if path.endswith("/") else "") + ".json")
    assert twin.status_code == 200
    model = twin.json()
    assert model["lang"] == lang and model["release"]["number"] >= 1
    assert f"<h1>{model['title']}</h1>".replace("&", "&amp;") in response.text or model["title"] in response.text
    assert [f"table-{t['id']}" for t in model["tables"]] == [t.id for t in page.tables]
    assert all("svg" not in c for c in model["charts"])
    assert f'href="{model["self"]["json"]}"' in response.text  # <link rel="alternate"> to the twin


def test_csv_twin_is_the_first_table(client):
    model = client.get("/zh/regions/360702.json").json()
    response = client.get("/zh/regions/360702.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    first = model["tables"][0]
    assert rows[0][0] == first["columns"][0]["label"]
    assert len(rows) - 1 == len(first["rows"])
    value_col = [c["key"] for c in first["columns"]].index("value")
    for row, data in zip(rows[1:], first["rows"], strict=True):
        assert row[value_col] == ("" if data["value"] is None else str(data["value"]))


def test_unknown_things_are_404_pages_not_errors(client):
    for path in ("/zh/measures/99.9", "/zh/regions/110000", "/zh/rankings/1999", "/fr/", "/zh/nothing",
                 "/zh/measures/16.1.xml", "/releases/99/zh/", "/static/../../etc/passwd"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text


def test_latest_has_etag_and_revalidates(client):
    response = client.get("/zh/measures/16.1")
    etag = response.headers["etag"]
    assert response.headers["cache-control"] == "public, max-age=0, must-revalidate"
    again = client.get("/zh/measures/16.1", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_versioned_path_is_immutable_and_equal_to_latest(client, release):
    n = release.info.number
    latest = client.get("/zh/measures/16.1.json").json()
    pinned = client.get(f"/releases/{n}/zh/measures/16.1.json")
    assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
    model = pinned.json()
    assert model["tables"] == latest["tables"] and model["release"] == latest["release"]
    assert model["self"]["html"] == f"/releases/{n}/zh/measures/16.1"
    html = client.get(f"/releases/{n}/zh/measures/16.1").text
    assert f'href="/releases/{n}/zh/plan"' in html  # links stay inside the release


def test_root_redirects_to_chinese(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/zh/"


def test_search_filters_by_chinese_substring(client, site):
    page = parse_page(client.get("/zh/search", params={"q": "赣县"}).text)
    names = [r[2].text for r in table(page, "search").rows]
    assert names == ["赣县区"]
    page = parse_page(client.get("/zh/search", params={"q": "PM2.5"}).text)
    codes = {r[1].text for r in table(page, "search").rows}
    assert codes == {m.id for m in site.plan.measures if "PM2.5" in f"{m.name} {m.name_en}"}
    everything = parse_page(client.get("/zh/search").text)
    assert len(table(everything, "search").rows) == len(site.plan.measures) + len(site.counties)


def test_status_is_never_colour_only(client):
    html = client.get("/zh/plan").text
    assert 'class="status status-' in html and 'class="icon" aria-hidden="true"' in html


def test_static_font_is_served_from_the_installation(client):
    response = client.get("/static/fonts/MeiliSans-Regular.woff2")
    assert response.status_code == 200 and response.content[:4] == b"wOF2"
    css = client.get("/static/meili.css").text
    assert "http" not in css.replace("http-equiv", "")  # no outside URL in the style sheet


def test_every_table_page_has_csv(client, site):
    for ref in [PageRef("plan", "zh"), PageRef("rankings", "en", {"year": site.year})]:
        assert ref.page in TABLE_PAGES
        assert client.get(PageRef(ref.page, ref.lang, ref.params, "csv").path()).status_code == 200


def test_pages_link_only_inside_the_site(client):
    for path in ("/zh/", "/en/measures/16.1", "/zh/regions/360702"):
        page = parse_page(client.get(path).text)
        outside = [h for h in page.links if h.startswith(("http:", "https:", "//"))]
        assert outside == []


def test_json_twin_explains_the_status(client, site):
    model = client.get("/zh/measures/16.1.json").json()
    row = site.eval_index[(model["region"], "16.1", model["year"], model["milestone"])]
    assert model["status"]["status"] == row["status"]
    target = site.measures["16.1"].targets[model["milestone"]].text
    assert str(row["value_year"]) in model["lead"] and f"目标“{target}”" in model["lead"]
    json.dumps(model)  # plain JSON all the way down


def test_kept_pages_are_sent_compressed_to_who_accepts_it(client):
    client.get("/zh/plan")  # rendered and kept
    plain = client.get("/zh/plan", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    packed = client.get("/zh/plan", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # the client decoded it: the same page
    assert packed.headers["etag"] != plain.headers["etag"]
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    head = client.head("/zh/plan", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""


def test_the_server_never_writes_to_the_workspace(demo_workspace):
    """A fresh server answering pages, twins, the API, downloads and errors leaves every file of the workspace as
    it was (it opens the store read-only and keeps what it renders in memory)."""
    import hashlib

    from fastapi.testclient import TestClient

    from meili.app import Meili
    from meili.web.server import create_app

    def snapshot():
        return {p.relative_to(demo_workspace): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(demo_workspace.rglob("*")) if p.is_file()}

    before = snapshot()
    with TestClient(create_app(app=Meili(demo_workspace)), base_url="http://127.0.0.1") as c:
        for path in ("/zh/", "/en/measures/16.1.csv", "/api/v1/observations?limit=5", "/downloads/meili-release-1.zip",
                     "/zh/nothing", "/api/v1/releases", "/releases/1/zh/regions/360702.json"):
            c.get(path)
    assert snapshot() == before
