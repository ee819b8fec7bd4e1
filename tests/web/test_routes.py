"""Page addresses: the parser and its inverse agree, and nothing else is a page."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meili.web.build import file_for
from meili.web.routes import SIMPLE_PAGES, PageRef, parse

refs = st.builds(
    PageRef,
    page=st.sampled_from(["home", *SIMPLE_PAGES, "measure", "region", "rankings"]),
    lang=st.sampled_from(["zh", "en"]),
    format=st.sampled_from(["html", "json", "csv"]),
).flatmap(lambda r: st.just(r) if r.page not in ("measure", "region", "rankings") else st.builds(
    PageRef, page=st.just(r.page), lang=st.just(r.lang), format=st.just(r.format),
    params=st.fixed_dictionaries({"measure": {"id": st.sampled_from(["1", "16.1", "27.3"])},
                                  "region": {"adcode": st.sampled_from(["360702", "360700-01"])},
                                  "rankings": {"year": st.integers(2000, 2099)}}[r.page])))


@given(refs)
def test_parse_inverts_path(ref):
    assert parse(ref.path()) == ref


@pytest.mark.parametrize(("path", "expected"), [
    ("/zh/", PageRef("home", "zh")),
    ("/en/index.json", PageRef("home", "en", {}, "json")),
    ("/zh/measures/16.1", PageRef("measure", "zh", {"id": "16.1"})),
    ("/zh/measures/16.1.csv", PageRef("measure", "zh", {"id": "16.1"}, "csv")),
    ("/en/rankings/2024.json", PageRef("rankings", "en", {"year": 2024}, "json")),
    ("/zh/rankings", PageRef("rankings", "zh")),
])
def test_parse_known_paths(path, expected):
    assert parse(path) == expected
    assert expected.path() == path


@pytest.mark.parametrize("path", ["/", "/fr/", "/zh/nothing", "/zh/measures", "/zh/rankings/24", "/zh/a/b/c",
                                  "/zh/index.html", "/api/v1/measures"])
def test_parse_refuses_other_paths(path):
    assert parse(path) is None


@pytest.mark.parametrize(("path", "file"), [
    ("/zh/", "zh/index.html"), ("/zh/measures/16.1", "zh/measures/16.1/index.html"),
    ("/zh/measures/16.1.json", "zh/measures/16.1.json"), ("/en/index.csv", "en/index.csv"),
    ("/zh/plan", "zh/plan/index.html"),
])
def test_static_file_for_path(path, file):
    assert file_for(path) == file
