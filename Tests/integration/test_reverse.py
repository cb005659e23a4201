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


# ----------------------------------------------------------------------------- the chain, in full
RANK = {"province": 0, "city": 1, "district": 2}


def reference_chain(lon, lat, units=None):
    """What the admin layer says of a point: every province / city / district whose outline
    holds it (edge included), province first, then by code — from Shapely on the sample file."""
    p = Point(lon, lat)
    hits = [f["properties"] for f in (units or admin_units())
            if f["properties"]["level"] in RANK and shape(f["geometry"]).intersects(p)]
    hits.sort(key=lambda q: (RANK[q["level"]], q["adcode"]))
    return [{"level": q["level"], "adcode": q["adcode"], "name": q["name"]} for q in hits]


def test_every_district_interior_point_gets_the_whole_chain_with_names(http):
    units = admin_units()
    by_code = {(f["properties"]["level"], f["properties"]["adcode"]): f["properties"] for f in units}
    wrong = []
    for f in units:
        props = f["properties"]
        if props["level"] != "district":
            continue
        p = shape(f["geometry"]).representative_point()
        city = by_code[("city", props["parent_adcode"])]
        want = [{"level": "province", "adcode": "440000", "name": "广东省"},
                {"level": "city", "adcode": city["adcode"], "name": city["name"]},
                {"level": "district", "adcode": props["adcode"], "name": props["name"]}]
        d = http.get("/reverse", params={"lon": p.x, "lat": p.y}).json()
        line = "".join(n for i, n in enumerate(a["name"] for a in want) if i == 0 or n != want[i - 1]["name"])
        if d["admin"] != want or not d["formatted"].startswith(line):
            wrong.append((props["name"], d["admin"], d["formatted"]))
    assert not wrong, wrong[:3]


@pytest.mark.parametrize("code,name", [("441900", "东莞市"), ("442000", "中山市")])
def test_cities_without_districts_are_city_and_county_level(http, code, name):
    f = next(f for f in admin_units() if f["properties"]["level"] == "district" and f["properties"]["adcode"] == code)
    p = shape(f["geometry"]).representative_point()
    d = http.get("/reverse", params={"lon": p.x, "lat": p.y}).json()
    assert d["admin"] == [{"level": "province", "adcode": "440000", "name": "广东省"},
                          {"level": "city", "adcode": code, "name": name},
                          {"level": "district", "adcode": code, "name": name}]
    assert d["formatted"].startswith("广东省" + name) and not d["formatted"].startswith("广东省" + name + name)


def test_chain_matches_shapely_at_random_points_and_on_boundaries(http):
    """Points anywhere around Guangdong (sea, neighbours, the province) and vertices of district
    outlines (on the line between two districts both are listed): the chain is every unit whose
    outline holds the point."""
    import random
    rng = random.Random(11)
    units = admin_units()
    points = [(rng.uniform(109.0, 118.0), rng.uniform(20.0, 26.0)) for _ in range(150)]
    for f in units:
        if f["properties"]["parent_adcode"] == "440100":  # Guangzhou's districts: shared edges
            g = shape(f["geometry"])
            ring = list((g.geoms[0] if g.geom_type == "MultiPolygon" else g).exterior.coords)
            points += ring[:: max(1, len(ring) // 3)][:3]
    wrong = []
    for lon, lat in points:
        want = reference_chain(lon, lat, units)
        got = http.get("/reverse", params={"lon": repr(lon), "lat": repr(lat)}).json()["admin"]
        if got != want:
            wrong.append(((lon, lat), got, want))
    assert not wrong, wrong[:3]
    assert sum(1 for lon, lat in points if len(reference_chain(lon, lat, units)) > 3) >= 3  # some on two districts


# ----------------------------------------------------------------------------- addresses and POIs
def geodesic_m(lon, lat, geometry):
    """Distance from a point to a geometry: 0 inside, else to its nearest point in an
    azimuthal equidistant projection around the point, measured on the ellipsoid."""
    g = shape(geometry)
    p = Point(lon, lat)
    if g.geom_type == "Point":
        return GEOD.inv(lon, lat, g.x, g.y)[2]
    if g.intersects(p):
        return 0.0
    to_m = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84", always_xy=True)
    back = Transformer.from_crs(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84", "EPSG:4326", always_xy=True)
    gm = shapely.transform(g, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))
    q = nearest_points(gm, Point(0, 0))[0]
    qlon, qlat = back.transform(q.x, q.y)
    return GEOD.inv(lon, lat, qlon, qlat)[2]


def nearest_reference(lon, lat, files, key, k):
    out = []
    for layer in files:
        for f in json.loads((SAMPLE / f"{layer}.geojson").read_text())["features"]:
            if f["properties"].get(key) is None:
                continue
            d = geodesic_m(lon, lat, f["geometry"])
            if d <= 1000:
                out.append((d, layer, f["properties"]["osm_id"]))
    out.sort()
    return out[:k + 1]


@pytest.mark.parametrize("lon,lat", [(113.3190, 23.1214), (113.3150, 23.1220), (113.2420, 23.1095),
                                     (113.2380, 23.1080), (114.2500, 22.7000), (113.3300, 23.1300)])
def test_addresses_and_pois_are_the_nearest_by_shapely_and_pyproj(http, lon, lat):
    d = http.get("/reverse", params={"lon": lon, "lat": lat}).json()
    for got, files, key, k in [(d["pois"], ["poi"], "name", 5),
                               (d["addresses"], ["buildings", "poi"], "addr_street", 3)]:
        ref = nearest_reference(lon, lat, files, key, k)
        assert len(got) == min(k, len(ref))
        for i, f in enumerate(got):
            rd, layer, osm = ref[i]
            assert f["layer"] == layer and f["properties"][key] is not None
            assert abs(f["distance_m"] - rd) <= max(0.5, rd * 0.01), (f["properties"]["osm_id"], f["distance_m"], ref[i])
            # Same feature, unless the reference has a near tie there.
            ties = [r for r in ref if abs(r[0] - rd) <= max(0.5, rd * 0.01)]
            assert f["properties"]["osm_id"] == osm or len(ties) > 1, (f["properties"]["osm_id"], ref[i])
        ds = [f["distance_m"] for f in got]
        assert ds == sorted(ds)


# ----------------------------------------------------------------------------- the admin layer changes
def test_a_new_admin_layer_is_used_without_a_restart(start_server, tmp_path):
    """The district locator is kept in memory: when the admin layer is imported again (its data
    version moves on) the next answers follow the new outlines."""
    from helpers import run_cli
    db = tmp_path / "sample.sqlite"
    r = run_cli(["build-sample", "--db", db], timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    srv = start_server(db)
    tianhe, yuexiu = (113.3190, 23.1214), None
    units = admin_units()
    f = next(f for f in units if f["properties"]["adcode"] == "440104")
    p = shape(f["geometry"]).representative_point()
    yuexiu = (p.x, p.y)
    before = srv.get("/reverse", params={"lon": tianhe[0], "lat": tianhe[1]}).json()["admin"]
    assert [a["adcode"] for a in before] == ["440000", "440100", "440106"]
    # Without 天河区: the point lies in no county-level unit, only in the city and the province.
    fewer = {"type": "FeatureCollection", "features": [f for f in units if f["properties"]["adcode"] != "440106"]}
    path = tmp_path / "admin-without-tianhe.geojson"
    path.write_text(json.dumps(fewer, ensure_ascii=False))
    r = run_cli(["import", path, "--layer", "admin", "--db", db, "--kind", "base"], timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    want = reference_chain(*tianhe, fewer["features"])
    assert [a["adcode"] for a in want] == ["440000", "440100"]
    import time
    deadline = time.time() + 15
    while True:
        got = srv.get("/reverse", params={"lon": tianhe[0], "lat": tianhe[1]}).json()["admin"]
        if got == want or time.time() > deadline:
            break
        time.sleep(0.3)
    assert got == want
    assert [a["adcode"] for a in srv.get("/reverse", params={"lon": yuexiu[0], "lat": yuexiu[1]}).json()["admin"]] == \
        ["440000", "440100", "440104"]


def test_new_poi_data_is_used_without_a_restart(start_server, tmp_path):
    """POIs and addresses are searched in an in-memory copy of the layer: a new import (a new
    data version) is answered from at once, never from the old copy."""
    from helpers import run_cli
    import time
    db = tmp_path / "sample.sqlite"
    r = run_cli(["build-sample", "--db", db], timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    srv = start_server(db)
    lon, lat = 113.3190, 23.1214
    for _ in range(20):  # the first answers come from the store while the copy is made
        first = srv.get("/reverse", params={"lon": lon, "lat": lat}).json()
        time.sleep(0.05)
    nearest = first["pois"][0]["properties"]["osm_id"]
    feats = json.loads((SAMPLE / "poi.geojson").read_text())["features"]
    fewer = {"type": "FeatureCollection", "features": [f for f in feats if f["properties"]["osm_id"] != nearest]}
    path = tmp_path / "poi-without-one.geojson"
    path.write_text(json.dumps(fewer, ensure_ascii=False))
    r = run_cli(["import", path, "--layer", "poi", "--db", db, "--kind", "poi"], timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    want = [x[2] for x in nearest_reference(lon, lat, ["poi"], "name", 5)
            if x[2] != nearest][:4]  # the reference without the removed POI (one fewer to be safe about ties)
    deadline = time.time() + 15
    while True:
        got = srv.get("/reverse", params={"lon": lon, "lat": lat}).json()
        ids = [p["properties"]["osm_id"] for p in got["pois"]]
        if nearest not in ids or time.time() > deadline:
            break
        time.sleep(0.3)
    assert nearest not in ids
    assert ids[:4] == want
    for _ in range(10):  # and stays so once the new copy is in use
        again = srv.get("/reverse", params={"lon": lon, "lat": lat}).json()
        assert [p["properties"]["osm_id"] for p in again["pois"]] == ids
        time.sleep(0.05)
