"""Bad input to every query endpoint: a clear 4xx application/problem+json naming what is
wrong, never a 5xx or a hang, and the server healthy afterwards."""
from __future__ import annotations

import json
import re

import pytest

from features_ref import qpath

OK = {"lon": "113.315", "lat": "23.122"}
SQUARE = {"type": "Polygon", "coordinates": [[[113.31, 23.12], [113.32, 23.12], [113.32, 23.13],
                                              [113.31, 23.13], [113.31, 23.12]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[113.31, 23.12], [113.32, 23.13], [113.32, 23.12],
                                              [113.31, 23.13], [113.31, 23.12]]]}


def check_problem(r, codes, mention=None):
    assert r.status_code in codes, (r.status_code, r.text[:300])
    assert r.headers.get("Content-Type", "").startswith("application/problem+json"), r.headers.get("Content-Type")
    p = r.json()
    assert p.get("status") == r.status_code and p.get("title") and p.get("detail")
    if mention:
        text = (p["detail"] + " " + str(p.get("parameter", ""))).lower()
        assert any(m in text for m in mention), (mention, p)
    return p


GET_CASES = [
    # nearby: lon/lat
    ("/query/nearby", {"lat": "23.12", "radius": "100", "layers": "poi"}, ["lon"]),
    ("/query/nearby", {"lon": "", "lat": "23.12", "radius": "100", "layers": "poi"}, ["lon"]),
    ("/query/nearby", {"lon": "abc", "lat": "23.12", "radius": "100", "layers": "poi"}, ["lon"]),
    ("/query/nearby", {"lon": "113.3", "radius": "100", "layers": "poi"}, ["lat"]),
    ("/query/nearby", {"lon": "113.3", "lat": "91", "radius": "100", "layers": "poi"}, ["lat"]),
    ("/query/nearby", {"lon": "113.3", "lat": "-90.5", "radius": "100", "layers": "poi"}, ["lat"]),
    ("/query/nearby", {"lon": "181", "lat": "23", "radius": "100", "layers": "poi"}, ["lon"]),
    ("/query/nearby", {"lon": "NaN", "lat": "23", "radius": "100", "layers": "poi"}, ["lon"]),
    ("/query/nearby", {"lon": "113", "lat": "inf", "radius": "100", "layers": "poi"}, ["lat"]),
    ("/query/nearby", {"lon": "113,3", "lat": "23", "radius": "100", "layers": "poi"}, ["lon"]),
    # nearby: radius
    ("/query/nearby", {**OK, "layers": "poi"}, ["radius"]),
    ("/query/nearby", {**OK, "radius": "0", "layers": "poi"}, ["radius"]),
    ("/query/nearby", {**OK, "radius": "-1", "layers": "poi"}, ["radius"]),
    ("/query/nearby", {**OK, "radius": "1e9", "layers": "poi"}, ["radius"]),
    ("/query/nearby", {**OK, "radius": "50001", "layers": "poi"}, ["radius"]),
    ("/query/nearby", {**OK, "radius": "NaN", "layers": "poi"}, ["radius"]),
    ("/query/nearby", {**OK, "radius": "Infinity", "layers": "poi"}, ["radius"]),
    ("/query/nearby", {**OK, "radius": "ten", "layers": "poi"}, ["radius"]),
    # nearby: layers, limit, filter, unknown parameters
    ("/query/nearby", {**OK, "radius": "100"}, ["layers"]),
    ("/query/nearby", {**OK, "radius": "100", "layers": ""}, ["layers"]),
    ("/query/nearby", {**OK, "radius": "100", "layers": "poi", "limit": "0"}, ["limit"]),
    ("/query/nearby", {**OK, "radius": "100", "layers": "poi", "limit": "-5"}, ["limit"]),
    ("/query/nearby", {**OK, "radius": "100", "layers": "poi", "limit": "many"}, ["limit"]),
    ("/query/nearby", {**OK, "radius": "100", "layers": "poi", "filter": "name ="}, ["filter"]),
    ("/query/nearby", {**OK, "radius": "100", "layers": "poi", "filter": "nosuch = 1"}, ["nosuch"]),
    ("/query/nearby", {**OK, "radius": "100", "layers": "poi", "filter-lang": "sql", "filter": "1=1"}, ["filter-lang"]),
    ("/query/nearby", {**OK, "radius": "100", "layers": "poi", "k": "5"}, ["k"]),
    ("/query/nearby", {**OK, "radius": "100", "layers": "poi", "radus": "5"}, ["radus"]),
    # nearest
    ("/query/nearest", {"lat": "23.12", "k": "5", "layers": "poi"}, ["lon"]),
    ("/query/nearest", {"lon": "abc", "lat": "23.12", "k": "5", "layers": "poi"}, ["lon"]),
    ("/query/nearest", {"lon": "113", "lat": "91", "k": "5", "layers": "poi"}, ["lat"]),
    ("/query/nearest", {**OK, "k": "0", "layers": "poi"}, ["k"]),
    ("/query/nearest", {**OK, "k": "-1", "layers": "poi"}, ["k"]),
    ("/query/nearest", {**OK, "k": "101", "layers": "poi"}, ["k"]),
    ("/query/nearest", {**OK, "k": "1000000000000", "layers": "poi"}, ["k"]),
    ("/query/nearest", {**OK, "k": "abc", "layers": "poi"}, ["k"]),
    ("/query/nearest", {**OK, "k": "2.5", "layers": "poi"}, ["k"]),
    ("/query/nearest", {**OK, "k": "5"}, ["layers"]),
    ("/query/nearest", {**OK, "k": "5", "layers": "poi", "filter": "name LIKE"}, ["filter"]),
    ("/query/nearest", {**OK, "k": "5", "layers": "poi,shelters", "filter": "capacity_persons >= 500"},
     ["capacity_persons"]),  # poi has no such property
    ("/query/nearest", {**OK, "k": "5", "layers": "poi", "radius": "100"}, ["radius"]),
]


@pytest.mark.parametrize("path,params,mention", GET_CASES,
                         ids=[f"{c[0].rsplit('/', 1)[1]}-{'&'.join(f'{k}={v}' for k, v in c[1].items())}" for c in GET_CASES])
def test_bad_query_parameters(http, path, params, mention):
    r = http.get(qpath(path, params))
    check_problem(r, (400,), mention)


@pytest.mark.parametrize("layers", ["nosuchlayer", "poi,nosuchlayer", "hazards", "poi,risk_points", "rescue_teams",
                                    "reserves", "POI", "poi;roads"])
def test_unknown_or_forbidden_layers_are_404(http, layers):
    for path, params in [("/query/nearby", {**OK, "radius": "100", "layers": layers}),
                         ("/query/nearest", {**OK, "k": "3", "layers": layers})]:
        check_problem(http.get(qpath(path, params)), (404, 400))
    for path, extra in [("/query/within", {}), ("/analysis/impact", {"buffer_m": 100})]:
        r = http.request("POST", path, json={"geometry": SQUARE, "layers": layers, **extra})
        check_problem(r, (404, 400))


def test_forbidden_layer_error_is_the_unknown_layer_error(http):
    a = http.get(qpath("/query/nearby", {**OK, "radius": "100", "layers": "hazards"})).json()["detail"]
    b = http.get(qpath("/query/nearby", {**OK, "radius": "100", "layers": "nosuchlay"})).json()["detail"]
    assert a.replace("hazards", "X") == b.replace("nosuchlay", "X")


LINE = {"type": "LineString", "coordinates": [[113.31, 23.12], [113.32, 23.13]]}
POINT = {"type": "Point", "coordinates": [113.31, 23.12]}

POST_CASES = [
    # within
    ("/query/within", {"layers": "poi"}, ["geometry"]),
    ("/query/within", {"geometry": None, "layers": "poi"}, ["geometry"]),
    ("/query/within", {"geometry": SQUARE}, ["layers"]),
    ("/query/within", {"geometry": SQUARE, "layers": ""}, ["layers"]),
    ("/query/within", {"geometry": SQUARE, "layers": []}, ["layers"]),
    ("/query/within", {"geometry": BOWTIE, "layers": "poi"}, ["self-intersect", "invalid"]),
    ("/query/within", {"geometry": POINT, "layers": "poi"}, ["polygon"]),
    ("/query/within", {"geometry": LINE, "layers": "poi"}, ["polygon"]),
    ("/query/within", {"geometry": {"type": "GeometryCollection", "geometries": [SQUARE]}, "layers": "poi"}, ["polygon", "geometry"]),
    ("/query/within", {"geometry": {"type": "Polygon", "coordinates": [[[113.31, 23.12], [113.32, 23.12], [113.32, 23.13]]]},
                       "layers": "poi"}, ["geometry", "ring", "closed"]),
    ("/query/within", {"geometry": {"type": "Polygon", "coordinates": []}, "layers": "poi"}, ["geometry", "empty"]),
    ("/query/within", {"geometry": {"type": "Polygon", "coordinates": "abc"}, "layers": "poi"}, ["geometry", "coordinates"]),
    ("/query/within", {"geometry": {"type": "Polygon"}, "layers": "poi"}, ["geometry", "coordinates"]),
    ("/query/within", {"geometry": {"type": "Blob", "coordinates": []}, "layers": "poi"}, ["geometry", "type"]),
    ("/query/within", {"geometry": {"type": "Polygon", "coordinates": [[[200, 23], [201, 23], [201, 24], [200, 23]]]},
                       "layers": "poi"}, ["geometry", "longitude", "range"]),
    ("/query/within", {"geometry": SQUARE, "layers": "poi", "relation": "touches"}, ["relation"]),
    ("/query/within", {"geometry": SQUARE, "layers": "poi", "limit": 0}, ["limit"]),
    ("/query/within", {"geometry": SQUARE, "layers": "poi", "limit": -3}, ["limit"]),
    ("/query/within", {"geometry": SQUARE, "layers": "poi", "limit": "abc"}, ["limit"]),
    ("/query/within", {"geometry": SQUARE, "layers": "poi", "filter": "name ="}, ["filter"]),
    ("/query/within", {"geometry": SQUARE, "layers": "poi", "filter": {"op": "=", "args": [{"property": "nosuch"}, 1]}}, ["nosuch"]),
    ("/query/within", {"geometry": SQUARE, "layers": "poi", "filter": 5}, ["filter"]),
    ("/query/within", [SQUARE], ["object", "geometry", "body"]),
    ("/query/within", "just a string", ["object", "geometry", "body"]),
    # impact
    ("/analysis/impact", {"buffer_m": 100, "layers": "poi"}, ["geometry"]),
    ("/analysis/impact", {"geometry": BOWTIE, "buffer_m": 100, "layers": "poi"}, ["self-intersect", "invalid"]),
    ("/analysis/impact", {"geometry": SQUARE, "buffer_m": -1, "layers": "poi"}, ["buffer"]),
    ("/analysis/impact", {"geometry": SQUARE, "buffer_m": 20001, "layers": "poi"}, ["buffer"]),
    ("/analysis/impact", {"geometry": SQUARE, "buffer_m": 1e9, "layers": "poi"}, ["buffer"]),
    ("/analysis/impact", {"geometry": SQUARE, "buffer_m": "100", "layers": "poi"}, ["buffer"]),
    ("/analysis/impact", {"geometry": SQUARE, "buffer_m": "NaN", "layers": "poi"}, ["buffer"]),
    ("/analysis/impact", {"geometry": SQUARE, "buffer_m": 100}, ["layers"]),
    ("/analysis/impact", {"geometry": {"type": "Point", "coordinates": [113.31]}, "buffer_m": 100, "layers": "poi"}, ["geometry"]),
    ("/analysis/impact", {"geometry": {"type": "Point", "coordinates": [113.31, 95]}, "buffer_m": 100, "layers": "poi"}, ["geometry", "latitude"]),
]


def _label(body):
    if not isinstance(body, dict):
        return type(body).__name__
    out = []
    for k, v in body.items():
        if k == "geometry" and isinstance(v, dict):
            v = "bowtie" if v is BOWTIE else v.get("type")
        out.append(f"{k}={v}")
    return ",".join(out)[:70]


@pytest.mark.parametrize("path,body,mention", POST_CASES,
                         ids=[f"{c[0].rsplit('/', 1)[1]}-{i}-{_label(c[1])}" for i, c in enumerate(POST_CASES)])
def test_bad_query_bodies(http, path, body, mention):
    r = http.request("POST", path, json=body)
    check_problem(r, (400,), mention)


@pytest.mark.parametrize("path", ["/query/within", "/analysis/impact"])
def test_malformed_json_reports_position(http, path):
    good = json.dumps({"geometry": SQUARE, "layers": "poi", "buffer_m": 10})
    for text in [good[:57], good.replace('"layers"', "'layers'"), good[:-1] + ",}", good.replace(":", "", 1),
                 "{\"geometry\": undefined}", ""]:
        try:
            json.loads(text)
            raise AssertionError(f"{text!r} is valid JSON")
        except json.JSONDecodeError as e:
            pos = e.pos
        r = http.request("POST", path, data=text.encode(), headers={"Content-Type": "application/json"})
        p = check_problem(r, (400,))
        if text:
            nums = [int(n) for n in re.findall(r"\d+", p["detail"])]
            assert any(abs(n - pos) <= 1 for n in nums), (text[-30:], pos, p["detail"])


@pytest.mark.parametrize("path", ["/query/within", "/analysis/impact"])
def test_wrong_media_type_and_huge_body(http, path):
    body = json.dumps({"geometry": SQUARE, "layers": "poi"})
    r = http.request("POST", path, data=body, headers={"Content-Type": "text/plain"})
    check_problem(r, (415,))
    # A 17 MB polygon: over the 16 MB body limit.
    ring = [[113.31 + i * 1e-9, 23.12] for i in range(700_000)]
    huge = json.dumps({"geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]}, "layers": "poi"})
    assert len(huge) > 16 << 20
    r = http.request("POST", path, data=huge.encode(), headers={"Content-Type": "application/json"}, timeout=60)
    check_problem(r, (413,))


def test_large_valid_polygon_is_answered(http):
    """A large but legal query polygon (a 20 000-vertex circle, ~1 MB) is answered, not refused."""
    import math
    ring = [[113.3150 + 0.004 * math.cos(2 * math.pi * i / 20000), 23.1220 + 0.003 * math.sin(2 * math.pi * i / 20000)]
            for i in range(20000)]
    ring.append(ring[0])
    r = http.request("POST", "/query/within", json={"geometry": {"type": "Polygon", "coordinates": [ring]},
                                                    "layers": "poi"})
    assert r.status_code == 200, r.text[:300]
    from shapely.geometry import Polygon
    from features_ref import ref_layer
    g = Polygon(ring)
    assert {f["id"] for f in r.json()["features"]} == {f"poi.{f.fid}" for f in ref_layer("poi") if f.geom.intersects(g)}


@pytest.mark.parametrize("limit", [1e300, -1e300])
def test_huge_within_limit_does_not_crash(sample_db, start_server, limit):
    """A limit far beyond any count must be clamped or refused, not bring the server down.
    (Its own server: a crash must not take the session server with it.)"""
    import time

    import requests
    srv = start_server(sample_db)
    try:
        r = requests.post(srv.url("/query/within"), timeout=30,
                          json={"geometry": SQUARE, "layers": "poi", "limit": limit})
    except requests.ConnectionError as e:
        r = e
    time.sleep(0.3)
    if srv.proc.poll() is not None:
        log = srv.stderr_path.read_text(errors="replace").splitlines()
        fatal = [l for l in log if "Fatal error" in l or "crashed" in l][:2]
        pytest.fail(f"limit={limit} crashed the server: {fatal}")
    assert not isinstance(r, Exception), r
    assert r.status_code in (200, 400), r.text[:300]
    assert requests.get(srv.url("/health"), timeout=10).status_code == 200


def test_server_healthy_after_bad_queries(http):
    assert http.get("/health").status_code == 200
    r = http.get(qpath("/query/nearest", {**OK, "k": "1", "layers": "poi"}))
    assert r.status_code == 200 and r.json()["numberReturned"] == 1
