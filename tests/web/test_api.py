"""The open API: envelope and paging, filters, errors with messages, CORS — and schemathesis over the OpenAPI
document (in-process): no 500, every response matching its schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings


def test_envelope_and_paging(client, release):
    first = client.get("/api/v1/observations", params={"limit": 10, "page": 1}).json()
    assert first["meta"] == {"page": 1, "limit": 10, "found": first["meta"]["found"],
                             "release": release.info.number}
    stored = release.table("observations").to_pylist()
    assert first["meta"]["found"] == len([r for r in stored if r["plan"] == "ganzhou"])
    second = client.get("/api/v1/observations", params={"limit": 10, "page": 2}).json()
    assert len(first["results"]) == len(second["results"]) == 10
    assert first["results"] != second["results"]
    last_page = -(-first["meta"]["found"] // 1000)
    tail = client.get("/api/v1/observations", params={"limit": 1000, "page": last_page}).json()
    assert len(tail["results"]) == first["meta"]["found"] - 1000 * (last_page - 1)


def test_observation_filters(client, release):
    body = client.get("/api/v1/observations", params={"measure": "16.1", "region": "central_urban",
                                                      "year_from": 2021, "year_to": 2023}).json()
    expected = sorted(r["value"] for r in release.table("observations").to_pylist()
                      if r["measure"] == "16.1" and r["region"] == "central_urban" and 2021 <= r["year"] <= 2023)
    assert sorted(r["value"] for r in body["results"]) == expected and len(expected) == 3


def test_evaluations_of_a_region_and_year(client, site):
    body = client.get("/api/v1/evaluations", params={"year": site.year, "region": "360702", "limit": 1000}).json()
    assert body["meta"]["found"] == len([r for r in site.evaluations
                                         if r["year"] == site.year and r["region"] == "360702"])
    assert {r["status"] for r in body["results"]} <= {"achieved", "on_track", "lagging", "regressing", "no_data",
                                                     "target_pending", "not_applicable"}


def test_errors_have_messages(client):
    too_many = client.get("/api/v1/observations", params={"limit": 1001})
    assert too_many.status_code == 422
    assert "limit" in too_many.json()["message"]["en"] and too_many.json()["message"]["zh"]
    missing = client.get("/api/v1/measures/99.9")
    assert missing.status_code == 404 and "99.9" in missing.json()["message"]["en"]
    assert client.get("/api/v1/observations", params={"release": 999}).status_code == 404
    assert client.get("/api/v1/observations", params={"year": "abc"}).status_code == 422


def test_cors_and_headers(client):
    response = client.get("/api/v1/measures")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_docs_are_self_hosted(client):
    html = client.get("/api/docs").text
    assert "/api/v1/observations" in html and "cdn" not in html.lower() and "https://" not in html


@pytest.fixture(scope="session")
def api_schema(portal):
    return schemathesis.openapi.from_asgi("/api/openapi.json", portal)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis(case):
    """Every operation of the OpenAPI document, with generated parameters (in-process): no 500, status codes and
    bodies as documented."""
    case.call_and_validate()
