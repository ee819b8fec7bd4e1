"""A second release after a corrected value: the revisions page lists it (old, new, reason, date), release 1 stays
as it was at its own addresses, and the unversioned pages follow the new release."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers.html import parse_page, table


@pytest.fixture(scope="module")
def republished(demo_workspace, tmp_path_factory):
    from fastapi.testclient import TestClient

    from meili.app import Meili
    from meili.web.server import create_app

    folder = tmp_path_factory.mktemp("republish") / "ws"
    shutil.copytree(demo_workspace, folder)
    app = Meili(folder)
    before = next(r for r in app.current(region="360702", measure="2").to_pylist() if r["year"] == 2024)
    fix = folder / "fix.csv"
    fix.write_text("plan,region,measure,year,value,unit,source,note\n"
                   f"ganzhou,360702,2,2024,{before['value'] + 1.5},%,县林业局更正,更正录入错误\n", encoding="utf-8")
    app.import_files([fix])
    info = app.publish(note="更正章贡区自然保护地比例")
    with TestClient(create_app(app=Meili(folder)), base_url="http://127.0.0.1") as client:
        yield client, before["value"], info.number


def test_revisions_page_lists_the_change(republished):
    client, old, number = republished
    page = parse_page(client.get("/zh/revisions").text)
    rows = table(page, "revisions").rows
    assert len(rows) == 1
    row = rows[0]
    assert [c.text for c in row[:3]] == ["2", "章贡区", "2024"]
    assert float(row[3].data_value) == old and float(row[4].data_value) == pytest.approx(old + 1.5)
    assert row[7].text == str(number)
    measure = client.get("/zh/measures/2.json").json()
    assert [r["year"] for r in measure["revisions"]] == [2024]


def test_the_first_release_is_unchanged_at_its_address(republished):
    client, old, number = republished
    first = client.get("/releases/1/zh/regions/360702.json").json()
    latest = client.get("/zh/regions/360702.json").json()
    value = {r["measure"]["text"]: r["value"] for r in first["tables"][0]["rows"]}
    assert value["2"] == old
    assert {r["measure"]["text"]: r["value"] for r in latest["tables"][0]["rows"]}["2"] == pytest.approx(old + 1.5)
    assert latest["release"]["number"] == number == 2
