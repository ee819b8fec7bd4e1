"""``meili portal build``: a static build whose pages and JSON equal the served ones."""

from __future__ import annotations

import pytest

from meili.errors import OutputError
from meili.web.build import build, file_for, page_refs


@pytest.fixture(scope="module")
def built(meili, tmp_path_factory):
    return build(meili, tmp_path_factory.mktemp("static") / "site")


def test_static_build_equals_served(built, client, site):
    refs = list(page_refs(site))
    assert len(refs) > 200
    for ref in refs:
        served = client.get(ref.path())
        assert served.status_code == 200, ref.path()
        assert (built.directory / file_for(ref.path())).read_bytes() == served.content, ref.path()
    n = built.release
    assert (built.directory / f"downloads/meili-release-{n}.zip").read_bytes() == \
        client.get(f"/downloads/meili-release-{n}.zip").content
    assert (built.directory / "static/fonts/MeiliSans-Regular.woff2").is_file()


def test_build_refuses_a_foreign_folder(meili, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputError):
        build(meili, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_rebuild_replaces_a_previous_build(meili, built):
    again = build(meili, built.directory)
    assert again.files == built.files
