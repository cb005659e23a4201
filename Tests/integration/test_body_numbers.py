"""Numbers in JSON bodies are range-checked before use: huge, negative, fractional or
non-numeric values are a 400, never a crash (a 1e300 limit once killed the server)."""
from __future__ import annotations

import pytest

AREA = {"type": "Polygon", "coordinates": [[[113.31, 23.11], [113.33, 23.11], [113.33, 23.13], [113.31, 23.11]]]}


@pytest.mark.parametrize("limit", [1e300, -1e300, 2.5, 0, -1, "x", [1], {"a": 1}, True])
def test_within_limit_garbage(server, limit):
    import requests
    r = requests.post(server.url("/query/within"), json={"geometry": AREA, "layers": "shelters", "limit": limit}, timeout=30)
    assert r.status_code == 400, r.text[:200]
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert "limit" in r.json()["detail"]
    assert server.get("/health").status_code == 200


@pytest.mark.parametrize("field,value", [("buffer_m", "far"), ("buffer_m", 1e300), ("buffer_m", -5), ("relation", 3)])
def test_impact_and_within_fields_garbage(server, field, value):
    import requests
    path = "/analysis/impact" if field == "buffer_m" else "/query/within"
    body = {"geometry": AREA, "layers": "shelters", field: value}
    r = requests.post(server.url(path), json=body, timeout=30)
    assert r.status_code == 400, r.text[:200]
    assert field in r.json()["detail"]
    assert server.get("/health").status_code == 200
