"""Bad tile requests: each a 4xx application/problem+json {type,title,status,detail},
never a 500 or a hang, and the server stays healthy afterwards."""
from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"

# (path, expected status or None for "any 4xx")
CASES = [
    ("/tiles/roads/25/0/0.mvt", 400),                      # z > 24
    ("/tiles/roads/30/0/0.mvt", 400),
    ("/tiles/roads/99999999999999999999/0/0.mvt", 400),   # overflows every integer type
    ("/tiles/roads/14/16384/7109.mvt", 400),               # x = 2^z
    ("/tiles/roads/14/13348/16384.mvt", 400),              # y = 2^z
    ("/tiles/roads/0/1/0.mvt", 400),
    ("/tiles/roads/0/0/1.mvt", 400),
    ("/tiles/roads/14/-1/7109.mvt", 400),                  # negative
    ("/tiles/roads/14/13348/-1.mvt", 400),
    ("/tiles/roads/-1/0/0.mvt", 400),
    ("/tiles/roads/abc/0/0.mvt", 400),                     # non-numeric
    ("/tiles/roads/14/abc/7109.mvt", 400),
    ("/tiles/roads/14/13348/abc.mvt", 400),
    ("/tiles/roads/14/1.5/7109.mvt", 400),
    ("/tiles/roads/1.5/0/0.mvt", 400),
    ("/tiles/roads/14/13348/%27%20OR%201=1.mvt", 400),
    ("/tiles/roads/14/13348/7109%27%20OR%201=1.mvt", 400),
    ("/tiles/roads/14/0x10/7109.mvt", 400),
    ("/tiles/roads/14/%2013348/7109.mvt", 400),
    ("/tiles/nosuchlayer/14/13348/7109.mvt", 404),         # unknown layer
    ("/tiles/roads,nosuchlayer/14/13348/7109.mvt", 404),   # known + unknown
    ("/tiles/nosuch%27%3B%20DROP%20TABLE%20roads/14/13348/7109.mvt", 404),
    ("/tiles/roads/14/13348/7109.png", None),              # wrong extension
    ("/tiles/roads/14/13348/7109.pbf.exe", None),
    ("/tiles/roads/14/13348/7109", None),                  # no extension
    ("/tiles//14/13348/7109.mvt", None),                   # empty layer list
    ("/tiles/,/14/13348/7109.mvt", None),
    ("/tiles/roads,,buildings/14/13348/7109.mvt", None),
    ("/tiles/roads/14/13348.mvt", None),                   # missing part
    ("/tiles/nosuchlayer.json", 404),                      # TileJSON of an unknown layer
]


def check_problem(r, expected):
    assert 400 <= r.status_code < 500, f"status {r.status_code}: {r.text[:300]}"
    if expected is not None:
        assert r.status_code == expected, f"status {r.status_code}, want {expected}: {r.text[:300]}"
    ctype = r.headers.get("Content-Type", "").split(";")[0].strip()
    assert ctype == PROBLEM, f"Content-Type {ctype!r}, body {r.text[:200]!r}"
    body = r.json()
    for k in ("type", "title", "status", "detail"):
        assert k in body, f"problem+json without {k}: {body}"
    assert body["status"] == r.status_code
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.mark.parametrize("path,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_tile_request(http, path, expected):
    r = http.get(path, headers={"Accept-Encoding": "identity"})
    check_problem(r, expected)


def test_unknown_layer_detail_names_it(http):
    r = http.get("/tiles/roads,nosuchlayer/14/13348/7109.mvt")
    body = check_problem(r, 404)
    assert "nosuchlayer" in body["detail"], body


def test_zoom_error_detail_is_actionable(http):
    body = check_problem(http.get("/tiles/roads/25/0/0.mvt"), 400)
    assert "24" in body["detail"] or "z" in body["detail"].lower(), body


def test_unknown_route_is_problem_json(http):
    check_problem(http.get("/no/such/route"), 404)


def test_duplicate_layer_ids(http):
    """An MVT tile cannot hold two layers of one name: either 400 or one layer per id."""
    r = http.get("/tiles/roads,roads/14/13348/7109.mvt", headers={"Accept-Encoding": "identity"})
    if r.status_code == 200:
        from helpers import decode_tile_raw
        assert list(decode_tile_raw(r.content)) == ["roads"]
    else:
        check_problem(r, 400)


def test_very_many_layer_ids(http):
    r = http.get("/tiles/" + ",".join(["roads"] * 2000) + "/14/13348/7109.mvt")
    check_problem(r, None)


def test_very_long_path(http):
    r = http.get("/tiles/" + "a" * 100_000 + "/14/13348/7109.mvt")
    assert 400 <= r.status_code < 500, r.status_code
    assert http.get("/health").status_code == 200


def test_server_still_healthy_after_bad_input(http):
    for path, _ in CASES:
        http.get(path)
    r = http.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    r = http.get("/tiles/buildings,roads/14/13348/7109.mvt")
    assert r.status_code == 200 and r.content
    assert http.alive()
