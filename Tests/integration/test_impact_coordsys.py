"""coordsys on POST /analysis/impact: a GCJ-02 (or BD-09) incident geometry is converted to
CGCS2000 on the way in, and every coordinate of the answer (the buffered area, the features
hit) comes back in the caller's system. Reference: the PyPI package coord-convert (the
published algorithm, written by others), applied to the answer for the same place given in
WGS84 — never the server's own conversion."""
from __future__ import annotations

import pytest

ct = pytest.importorskip("coord_convert.transform", reason="pip install coord-convert")

HUACHENG = (113.3190, 23.1214)
SHAMIAN_SQUARE = [[113.2380, 23.1085], [113.2420, 23.1085], [113.2420, 23.1110], [113.2380, 23.1110], [113.2380, 23.1085]]
LAYERS = "poi,buildings,roads"
TOL = 1e-6
FORWARD = {"gcj02": "wgs2gcj", "bd09": "wgs2bd"}


def convert_geometry(g, fn):
    """The GeoJSON geometry with every position converted by coord-convert's `fn`."""
    def walk(c):
        if c and isinstance(c[0], (int, float)):
            return list(getattr(ct, fn)(c[0], c[1]))
        return [walk(x) for x in c]
    return {"type": g["type"], "coordinates": walk(g["coordinates"])}


def positions(c):
    if c and isinstance(c[0], (int, float)):
        return [tuple(c[:2])]
    return [p for x in c for p in positions(x)]


def impact(http, body, params=None):
    r = http.request("POST", "/analysis/impact", json=body, params=params or {})
    assert r.status_code == 200, r.text[:400]
    return r.json()


def assert_same_analysis(plain, shifted):
    """Everything but coordinates is the same answer."""
    assert abs(plain["area"]["properties"]["area_m2"] - shifted["area"]["properties"]["area_m2"]) <= 1
    assert plain["area"]["properties"]["buffer_m"] == shifted["area"]["properties"]["buffer_m"]
    assert [(l["layer"], l["count"], l["featuresShown"]) for l in plain["layers"]] == \
        [(l["layer"], l["count"], l["featuresShown"]) for l in shifted["layers"]]
    for a, b in zip(plain["layers"], shifted["layers"]):
        assert [f["id"] for f in a["features"]] == [f["id"] for f in b["features"]]
        assert [f["properties"] for f in a["features"]] == [f["properties"] for f in b["features"]]
    assert plain["districts"] == shifted["districts"]
    assert plain["people"] == shifted["people"]


def assert_converted(plain, shifted, fn):
    """Every coordinate of `shifted` is coord-convert's `fn` of the same coordinate of `plain`."""
    pairs = [(plain["area"]["geometry"], shifted["area"]["geometry"])]
    for a, b in zip(plain["layers"], shifted["layers"]):
        pairs += [(f["geometry"], g["geometry"]) for f, g in zip(a["features"], b["features"])]
    checked = 0
    for g0, g1 in pairs:
        assert g0["type"] == g1["type"]
        p0, p1 = positions(g0["coordinates"]), positions(g1["coordinates"])
        assert len(p0) == len(p1)
        for (x0, y0), (x1, y1) in zip(p0, p1):
            ex, ey = getattr(ct, fn)(x0, y0)
            assert abs(x1 - ex) <= TOL and abs(y1 - ey) <= TOL, (g0["type"], x0, y0, x1, y1, ex, ey)
            checked += 1
    return checked


@pytest.mark.parametrize("cs", ["gcj02", "bd09"])
def test_point_incident_in_consumer_coordinates(http, cs):
    fn = FORWARD[cs]
    point = {"type": "Point", "coordinates": list(HUACHENG)}
    plain = impact(http, {"geometry": point, "buffer_m": 300, "layers": LAYERS})
    shifted = impact(http, {"geometry": convert_geometry(point, fn), "buffer_m": 300, "layers": LAYERS, "coordsys": cs})
    assert sum(l["count"] for l in plain["layers"]) > 20, plain["layers"]
    assert {f["geometry"]["type"] for l in plain["layers"] for f in l["features"]} >= {"Point", "LineString", "Polygon"}
    assert_same_analysis(plain, shifted)
    assert assert_converted(plain, shifted, fn) > 100


def test_polygon_incident_in_gcj02_and_the_url_parameter(http):
    poly = {"type": "Polygon", "coordinates": [SHAMIAN_SQUARE]}
    plain = impact(http, {"geometry": poly, "buffer_m": 50, "layers": LAYERS})
    gcj = convert_geometry(poly, "wgs2gcj")
    in_body = impact(http, {"geometry": gcj, "buffer_m": 50, "layers": LAYERS, "coordsys": "gcj02"})
    in_url = impact(http, {"geometry": gcj, "buffer_m": 50, "layers": LAYERS}, params={"coordsys": "GCJ02"})
    assert sum(l["count"] for l in plain["layers"]) > 10, plain["layers"]
    assert_same_analysis(plain, in_body)
    assert in_url == in_body
    assert assert_converted(plain, in_body, "wgs2gcj") > 50


def test_zero_buffer_area_is_the_input_in_gcj02(http):
    """With no buffer the area is the incident polygon itself: given in GCJ-02, answered in GCJ-02."""
    poly = {"type": "Polygon", "coordinates": [SHAMIAN_SQUARE]}
    gcj = convert_geometry(poly, "wgs2gcj")
    a = impact(http, {"geometry": gcj, "buffer_m": 0, "layers": "poi", "coordsys": "gcj02"})
    got = sorted(positions(a["area"]["geometry"]["coordinates"]))
    want = sorted(positions(gcj["coordinates"]))
    assert len(got) == len(want)
    for (x1, y1), (x0, y0) in zip(got, want):
        assert abs(x1 - x0) <= TOL and abs(y1 - y0) <= TOL


@pytest.mark.parametrize("cs", ["wgs84", "cgcs2000", "WGS84"])
def test_geodetic_coordsys_changes_nothing(http, cs):
    point = {"type": "Point", "coordinates": list(HUACHENG)}
    plain = impact(http, {"geometry": point, "buffer_m": 200, "layers": "poi,roads"})
    named = impact(http, {"geometry": point, "buffer_m": 200, "layers": "poi,roads", "coordsys": cs})
    assert named == plain


@pytest.mark.parametrize("body,params", [
    ({"coordsys": "mars"}, {}),
    ({"coordsys": ""}, {}),
    ({"coordsys": 5}, {}),
    ({"coordsys": ["gcj02"]}, {}),
    ({}, {"coordsys": "mars"}),
    ({"coordsys": "bd09"}, {"coordsys": "gcj02"}),
])
def test_bad_coordsys_is_400(http, body, params):
    base = {"geometry": {"type": "Point", "coordinates": list(HUACHENG)}, "buffer_m": 100, "layers": "poi"}
    r = http.request("POST", "/analysis/impact", json={**base, **body}, params=params)
    assert r.status_code == 400, (body, params, r.status_code, r.text[:200])
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert "coordsys" in r.json()["detail"]
    assert http.get("/health").status_code == 200
