"""GET /reverse (issue 4, item 4, first part): every district polygon's interior point is
answered with that district's code and its city and province (reference: Shapely on
SampleData/admin.geojson); the nearest road agrees with Shapely + pyproj; bad input is a 400."""
from __future__ import annotations

import json

import pytest
from pyproj import Geod, Transformer
from shapely.geometry import Point, shape
import numpy as np
import shapely
from shapely.ops import nearest_points

from helpers import SAMPLE

GEOD = Geod(ellps="WGS84")


def admin_units():
    return [f for f in json.loads((SAMPLE / "admin.geojson").read_text())["features"]]


def test_every_district_interior_point_gets_its_district(http):
    units = admin_units()
    districts = [f for f in units if f["properties"]["level"] == "district"]
    assert len(districts) == 124
    wrong = []
    for f in districts:
        g = shape(f["geometry"])
        p = g.representative_point()
        assert g.contains(p)
        r = http.get("/reverse", params={"lon": p.x, "lat": p.y})
        assert r.status_code == 200, r.text[:200]
        chain = {a["level"]: a["adcode"] for a in r.json()["admin"]}
        props = f["properties"]
        if chain.get("district") != props["adcode"] or chain.get("province") != "440000" \
                or chain.get("city") != props["parent_adcode"]:
            wrong.append((props["name"], props["adcode"], chain))
    assert not wrong, wrong[:5]


def test_formatted_line_starts_with_the_chain(http):
    r = http.get("/reverse", params={"lon": 113.3190, "lat": 23.1214}).json()
    assert r["formatted"].startswith("广东省广州市天河区")
    assert [a["adcode"] for a in r["admin"]] == ["440000", "440100", "440106"]


def test_nearest_road_agrees_with_shapely_and_pyproj(http):
    lon, lat = 113.3150, 23.1220
    roads = [f for f in json.loads((SAMPLE / "roads.geojson").read_text())["features"] if f["properties"]["name"]]
    to_m = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84", always_xy=True)
    origin = Point(0, 0)
    def metres(g):
        return shapely.transform(g, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))
    best = min(roads, key=lambda f: metres(shape(f["geometry"])).distance(origin))
    g = shape(best["geometry"])
    q = nearest_points(g, Point(lon, lat))[0]
    _, _, expected = GEOD.inv(lon, lat, q.x, q.y)
    r = http.get("/reverse", params={"lon": lon, "lat": lat}).json()
    assert r["road"]["properties"]["name"] == best["properties"]["name"]
    assert abs(r["road"]["distance_m"] - expected) <= max(0.5, expected * 0.01)
    ds = [p["distance_m"] for p in r["pois"]]
    assert ds == sorted(ds)


def test_gcj02_input_gives_the_same_place(http):
    ct = pytest.importorskip("coord_convert.transform")
    glon, glat = ct.wgs2gcj(113.3190, 23.1214)
    a = http.get("/reverse", params={"lon": 113.3190, "lat": 23.1214}).json()
    b = http.get("/reverse", params={"lon": glon, "lat": glat, "coordsys": "gcj02"}).json()
    assert a["admin"] == b["admin"] and a["formatted"] == b["formatted"]


@pytest.mark.parametrize("params", [
    {}, {"lon": "113.3"}, {"lon": "abc", "lat": "23"}, {"lon": "181", "lat": "23"}, {"lon": "113", "lat": "-91"},
    {"lon": "nan", "lat": "23"}, {"lon": "113", "lat": "23", "coordsys": "mars"}, {"lon": "113", "lat": "23", "x": "1"},
    {"lon": "113'; DROP TABLE layer_admin; --", "lat": "23"},
])
def test_bad_input_is_400(http, params):
    r = http.get("/reverse", params=params)
    assert r.status_code == 400, (params, r.status_code)
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert http.get("/health").status_code == 200


def test_far_from_data_is_answered_without_inventing(http):
    r = http.get("/reverse", params={"lon": 0.0, "lat": 0.0})
    assert r.status_code == 200
    d = r.json()
    assert d["admin"] == [] and d["road"] is None and d["pois"] == [] and d["formatted"] == ""
