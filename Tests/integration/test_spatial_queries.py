"""/query/nearby, /query/nearest, /query/within and /analysis/impact against independent
references: pyproj.Geod (WGS84) for distances and bearings to points, an azimuthal
equidistant projection centred on the query point for distances to lines and polygons,
brute force for the k nearest, Shapely for inside/outside (boundaries and holes included)
and for buffered areas."""
from __future__ import annotations

import math
import re

import pytest
from shapely.geometry import Point, shape

from features_ref import (api_key, distance_m, from_local, geod_inv, geodesic_area_m2, qpath, ref_layer,
                          to_local)

PLACES = {
    "huacheng": (113.3150, 23.1220),
    "shamian": (113.2410, 23.1095),
    "longgang": (114.2050, 22.6880),
}
MIXED = ["poi", "shelters", "hospitals", "police", "fire_stations", "roads", "buildings"]


def tol(d, geom_type):
    """Agreement asked for: 0.1 % or 0.5 m for points, 1 % (or 0.5 m) for lines and polygons."""
    return max(0.5, (0.001 if geom_type == "Point" else 0.01) * d)


def ref_distances(lon, lat, layers):
    out = {}
    for layer in layers:
        for f in ref_layer(layer):
            if not f.source_valid:
                continue
            out[f"{layer}.{f.fid}"] = (distance_m(lon, lat, f.geom), f)
    return out


def query(http, path, **params):
    r = http.get(qpath(path, params))
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"].startswith("application/geo+json")
    return r.json()


def repaired_ids(layers):
    return {f"{l}.{f.fid}" for l in layers for f in ref_layer(l) if not f.source_valid}


# ----------------------------------------------------------------------------- nearby
@pytest.mark.parametrize("place,radius", [("huacheng", 150), ("huacheng", 600), ("shamian", 250), ("longgang", 1200)])
def test_nearby_matches_geodesic_reference(http, place, radius):
    lon, lat = PLACES[place]
    body = query(http, "/query/nearby", lon=lon, lat=lat, radius=radius, layers=",".join(MIXED), limit=5000)
    ref = ref_distances(lon, lat, MIXED)
    feats = [f for f in body["features"] if f["id"] not in repaired_ids(MIXED)]
    got = {f["id"]: f for f in feats}
    assert len(got) == len(feats), "a feature twice"
    must = {i for i, (d, f) in ref.items() if d <= radius - tol(d, f.geom.geom_type)}
    may = {i for i, (d, f) in ref.items() if d <= radius + tol(d, f.geom.geom_type)}
    assert must, "pick a place with features"
    assert must <= set(got), f"missing: {sorted(must - set(got))[:10]}"
    assert set(got) <= may, f"beyond the radius: {sorted(set(got) - may)[:10]}"
    # Distances and bearings, nearest first.
    ds = [f["distance_m"] for f in feats]
    assert ds == sorted(ds)
    for i, f in got.items():
        d_ref, rf = ref[i]
        assert f["layer"] == i.split(".")[0]
        assert abs(f["distance_m"] - d_ref) <= tol(d_ref, rf.geom.geom_type), (i, f["distance_m"], d_ref)
        if rf.geom.geom_type != "Point" and d_ref == 0:
            assert f["distance_m"] == 0, i
        if rf.geom.geom_type == "Point" and d_ref > 5:
            _, az = geod_inv(lon, lat, rf.geom.x, rf.geom.y)
            diff = abs((f["bearing_deg"] - az + 180) % 360 - 180)
            assert diff <= 0.15, (i, f["bearing_deg"], az)
        assert f["properties"] == rf.props


def test_nearby_zero_inside_polygons(http):
    """From a point inside 花城广场 the shelter site and the park are at distance 0."""
    lon, lat = 113.3190, 23.1225
    body = query(http, "/query/nearby", lon=lon, lat=lat, radius=20, layers="shelters,landuse")
    inside = {f"{l}.{f.fid}" for l in ("shelters", "landuse") for f in ref_layer(l) if f.geom.contains(Point(lon, lat))}
    assert inside
    zero = {f["id"] for f in body["features"] if f["distance_m"] == 0}
    assert zero == inside


def test_nearby_limit_keeps_the_nearest(http):
    lon, lat = PLACES["shamian"]
    full = query(http, "/query/nearby", lon=lon, lat=lat, radius=400, layers="poi,buildings", limit=5000)["features"]
    five = query(http, "/query/nearby", lon=lon, lat=lat, radius=400, layers="poi,buildings", limit=5)["features"]
    assert len(full) > 5 and [f["id"] for f in five] == [f["id"] for f in full[:5]]


def test_nearby_with_cql2_filter(http):
    lon, lat = PLACES["huacheng"]
    body = query(http, "/query/nearby", lon=lon, lat=lat, radius=800, layers="poi", filter="category = 'food'")
    ref = ref_distances(lon, lat, ["poi"])
    want = {i for i, (d, f) in ref.items() if d <= 800 and f.props["category"] == "food"}
    assert {f["id"] for f in body["features"]} == want and want


# ----------------------------------------------------------------------------- nearest
@pytest.mark.parametrize("place,k,layers", [
    ("huacheng", 5, "poi,shelters"),
    ("shamian", 5, "poi,shelters"),
    ("longgang", 7, "poi,shelters,police"),
    ("huacheng", 100, "poi,hospitals,police,fire_stations"),
    ((113.2800, 23.1150), 3, "shelters,hospitals"),  # between the two Guangzhou areas
])
def test_nearest_is_the_true_k_nearest(http, place, k, layers):
    lon, lat = PLACES[place] if isinstance(place, str) else place
    names = layers.split(",")
    body = query(http, "/query/nearest", lon=lon, lat=lat, k=k, layers=layers)
    ref = ref_distances(lon, lat, names)
    ranked = sorted((d, i) for i, (d, f) in ref.items() if d <= 50000)
    feats = body["features"]
    assert len(feats) == min(k, len(ranked))
    got_d = [f["distance_m"] for f in feats]
    assert got_d == sorted(got_d)
    kth = ranked[len(feats) - 1][0]
    for f, (d_want, _) in zip(feats, ranked):
        d_ref, rf = ref[f["id"]]
        t = tol(d_ref, rf.geom.geom_type)
        assert abs(f["distance_m"] - d_ref) <= t, (f["id"], f["distance_m"], d_ref)
        assert abs(f["distance_m"] - d_want) <= t, "not the k-th nearest distance"
        assert d_ref <= kth + t, f"{f['id']} at {d_ref} is not among the {k} nearest (k-th: {kth})"
        if rf.geom.geom_type == "Point" and d_ref > 5:
            _, az = geod_inv(lon, lat, rf.geom.x, rf.geom.y)
            assert abs((f["bearing_deg"] - az + 180) % 360 - 180) <= 0.15


def test_nearest_with_filter_shelters_with_capacity(http):
    lon, lat = PLACES["huacheng"]
    body = query(http, "/query/nearest", lon=lon, lat=lat, k=3, layers="shelters", filter="capacity_persons >= 20000")
    ref = ref_distances(lon, lat, ["shelters"])
    ranked = sorted((d, i) for i, (d, f) in ref.items() if f.props["capacity_persons"] >= 20000 and d <= 50000)
    assert len(ranked) >= 2  # the third such site is in Longgang, beyond the 50 km search limit
    assert [f["id"] for f in body["features"]] == [i for _, i in ranked[:3]]
    for f in body["features"]:
        assert f["properties"]["capacity_persons"] >= 20000


def test_nearest_far_from_everything_is_empty(http):
    body = query(http, "/query/nearest", lon=110.0, lat=21.0, k=5, layers="poi,shelters")
    assert body["features"] == [] and body["numberReturned"] == 0


# ----------------------------------------------------------------------------- within (sample layers)
HOLED = {"type": "Polygon", "coordinates": [
    [[113.3115, 23.1200], [113.3200, 23.1200], [113.3200, 23.1245], [113.3115, 23.1245], [113.3115, 23.1200]],
    [[113.3140, 23.1212], [113.3170, 23.1212], [113.3170, 23.1232], [113.3140, 23.1232], [113.3140, 23.1212]],
]}
MULTI = {"type": "MultiPolygon", "coordinates": [
    [[[113.2380, 23.1080], [113.2410, 23.1080], [113.2410, 23.1100], [113.2380, 23.1080]]],
    [[[113.2420, 23.1090], [113.2445, 23.1090], [113.2445, 23.1115], [113.2420, 23.1115], [113.2420, 23.1090]]],
]}


@pytest.mark.parametrize("area", [HOLED, MULTI], ids=["holed", "multi"])
@pytest.mark.parametrize("relation", ["intersects", "within"])
def test_within_sample_layers_agrees_with_shapely(http, area, relation):
    layers = ["poi", "buildings", "roads", "shelters", "landuse", "water"]
    r = http.request("POST", "/query/within", json={"geometry": area, "layers": layers, "relation": relation,
                                                    "limit": 5000})
    assert r.status_code == 200, r.text[:300]
    g = shape(area)
    skip = repaired_ids(layers)
    want = {f"{l}.{f.fid}" for l in layers for f in ref_layer(l)
            if (f.geom.intersects(g) if relation == "intersects" else f.geom.within(g))} - skip
    got = [f["id"] for f in r.json()["features"] if f["id"] not in skip]
    assert len(got) == len(set(got))
    assert set(got) == want, f"extra {sorted(set(got) - want)[:10]} missing {sorted(want - set(got))[:10]}"
    assert want


def test_within_with_filter(http):
    r = http.request("POST", "/query/within", json={
        "geometry": HOLED, "layers": "poi",
        "filter": {"op": "in", "args": [{"property": "category"}, ["food", "finance"]]}})
    assert r.status_code == 200, r.text[:300]
    g = shape(HOLED)
    want = {f"poi.{f.fid}" for f in ref_layer("poi") if f.geom.intersects(g) and f.props["category"] in ("food", "finance")}
    assert {f["id"] for f in r.json()["features"]} == want and want
    r = http.request("POST", "/query/within", json={"geometry": HOLED, "layers": "poi", "filter": "category = 'food'"})
    assert {f["id"] for f in r.json()["features"]} == {
        f"poi.{f.fid}" for f in ref_layer("poi") if f.geom.intersects(g) and f.props["category"] == "food"}


# ----------------------------------------------------------------------------- within (crafted points)
OUTER = [[113.300, 23.100], [113.310, 23.100], [113.310, 23.110], [113.305, 23.115], [113.300, 23.110], [113.300, 23.100]]
HOLE = [[113.303, 23.103], [113.307, 23.103], [113.307, 23.107], [113.303, 23.107], [113.303, 23.103]]
CRAFT_AREA = {"type": "Polygon", "coordinates": [OUTER, HOLE]}
CRAFTED = [
    ("interior", {"type": "Point", "coordinates": [113.301, 23.101]}),
    ("interior near peak", {"type": "Point", "coordinates": [113.305, 23.114]}),
    ("in the hole", {"type": "Point", "coordinates": [113.305, 23.105]}),
    ("on outer edge", {"type": "Point", "coordinates": [113.305, 23.100]}),
    ("on outer vertex", {"type": "Point", "coordinates": [113.310, 23.100]}),
    ("on the peak", {"type": "Point", "coordinates": [113.305, 23.115]}),
    ("on left edge", {"type": "Point", "coordinates": [113.300, 23.105]}),
    ("on hole edge", {"type": "Point", "coordinates": [113.305, 23.103]}),
    ("on hole vertex", {"type": "Point", "coordinates": [113.307, 23.107]}),
    ("on slanted edge", {"type": "Point", "coordinates": [113.3075, 23.1125]}),
    ("just outside bottom", {"type": "Point", "coordinates": [113.305, 23.0999999]}),
    ("just inside bottom", {"type": "Point", "coordinates": [113.305, 23.1000001]}),
    ("just inside hole", {"type": "Point", "coordinates": [113.305, 23.1030001]}),
    ("just outside hole", {"type": "Point", "coordinates": [113.305, 23.1029999]}),
    ("outside right", {"type": "Point", "coordinates": [113.311, 23.105]}),
    ("outside above peak", {"type": "Point", "coordinates": [113.305, 23.1151]}),
    ("outside beside peak", {"type": "Point", "coordinates": [113.309, 23.113]}),
    ("line along outer edge", {"type": "LineString", "coordinates": [[113.301, 23.100], [113.309, 23.100]]}),
    ("line inside hole", {"type": "LineString", "coordinates": [[113.304, 23.104], [113.306, 23.106]]}),
    ("line crossing hole", {"type": "LineString", "coordinates": [[113.301, 23.105], [113.309, 23.105]]}),
    ("line touching from outside", {"type": "LineString", "coordinates": [[113.305, 23.090], [113.305, 23.100]]}),
    ("line inside", {"type": "LineString", "coordinates": [[113.301, 23.101], [113.302, 23.109]]}),
    ("polygon = hole", {"type": "Polygon", "coordinates": [HOLE]}),
    ("polygon inside touching hole", {"type": "Polygon", "coordinates": [[[113.301, 23.103], [113.303, 23.103],
                                                                          [113.303, 23.105], [113.301, 23.103]]]}),
    ("polygon inside", {"type": "Polygon", "coordinates": [[[113.301, 23.101], [113.302, 23.101],
                                                            [113.302, 23.102], [113.301, 23.101]]]}),
    ("polygon overlapping", {"type": "Polygon", "coordinates": [[[113.309, 23.101], [113.312, 23.101],
                                                                 [113.312, 23.102], [113.309, 23.101]]]}),
    ("polygon outside", {"type": "Polygon", "coordinates": [[[113.311, 23.101], [113.312, 23.101],
                                                             [113.312, 23.102], [113.311, 23.101]]]}),
]


@pytest.fixture(scope="module")
def crafted_layer(keyed_server):
    srv = keyed_server
    key = api_key("cityplan_rw")
    lid = "wq_crafted"
    r = srv.request("POST", "/layers", key=key, json={
        "id": lid, "title": "crafted", "geometryType": "Geometry", "access": "public",
        "fields": [{"name": "name", "type": "string", "required": True}]})
    assert r.status_code == 201, r.text[:300]
    for name, geom in CRAFTED:
        r = srv.request("POST", f"/collections/{lid}/items", key=key,
                        json={"type": "Feature", "geometry": geom, "properties": {"name": name}})
        assert r.status_code == 201, (name, r.text[:300])
    return lid


def test_crafted_coordinates_round_trip_exactly(keyed, crafted_layer):
    r = keyed.request("GET", f"/collections/{crafted_layer}/items?limit=1000")
    got = {f["properties"]["name"]: f["geometry"] for f in r.json()["features"]}
    for name, geom in CRAFTED:
        assert shape(got[name]).equals_exact(shape(geom), 0), name


@pytest.mark.parametrize("relation", ["intersects", "within"])
def test_within_boundaries_and_holes_agree_with_shapely(keyed, crafted_layer, relation):
    g = shape(CRAFT_AREA)
    want = {name for name, geom in CRAFTED
            if (shape(geom).intersects(g) if relation == "intersects" else shape(geom).within(g))}
    r = keyed.request("POST", "/query/within", json={"geometry": CRAFT_AREA, "layers": crafted_layer,
                                                     "relation": relation})
    assert r.status_code == 200, r.text[:300]
    got = {f["properties"]["name"] for f in r.json()["features"]}
    assert got == want, f"extra {sorted(got - want)}, missing {sorted(want - got)}"
    # The cases do distinguish: holes and boundaries decide some of them.
    assert "in the hole" not in want and "just inside hole" not in want
    if relation == "intersects":
        assert {"on outer edge", "on hole edge", "on hole vertex", "polygon = hole"} <= want
    else:
        assert not ({"on outer edge", "on hole edge", "line along outer edge"} & want)
        assert {"interior", "line inside", "polygon inside", "just inside bottom"} <= want


def test_within_crafted_filter_and_multipolygon(keyed, crafted_layer):
    parts = {"type": "MultiPolygon", "coordinates": [
        [[[113.2995, 23.0995], [113.3025, 23.0995], [113.3025, 23.1025], [113.2995, 23.1025], [113.2995, 23.0995]]],
        [[[113.3045, 23.1045], [113.3055, 23.1045], [113.3055, 23.1055], [113.3045, 23.1055], [113.3045, 23.1045]]],
    ]}
    g = shape(parts)
    for relation, pred in [("intersects", lambda s: s.intersects(g)), ("within", lambda s: s.within(g))]:
        r = keyed.request("POST", "/query/within", json={"geometry": parts, "layers": [crafted_layer],
                                                         "relation": relation, "filter": "name LIKE '%inside%'"})
        assert r.status_code == 200, r.text[:300]
        want = {n for n, geom in CRAFTED if "inside" in n and pred(shape(geom))}
        assert {f["properties"]["name"] for f in r.json()["features"]} == want


# ----------------------------------------------------------------------------- impact
def sagitta(buffer_m):
    # GEOS approximates a buffer's round parts with 8 segments per quadrant: the polygon's
    # edges lie up to r·(1 − cos(π/32)) inside the true circle.
    return buffer_m * (1 - math.cos(math.pi / 32))


def impact_reference(geom, buffer_m, layers):
    """Per layer: (must, may) sets of fids: features within buffer_m of geom (distance in an
    azimuthal equidistant projection centred on the geometry), with 1 m (plus the polygon
    approximation of the buffer's arcs) of slack at the edge either way."""
    c = geom.centroid
    lon0, lat0 = c.x, c.y
    local = to_local(geom, lon0, lat0)
    t = 1.0 + sagitta(buffer_m)
    out = {}
    for layer in layers:
        must, may = set(), set()
        for f in ref_layer(layer):
            d = to_local(f.geom, lon0, lat0).distance(local)
            if buffer_m == 0:
                if f.geom.intersects(geom):
                    must.add(f.fid)
                    may.add(f.fid)
                continue
            if d <= buffer_m - t and f.source_valid:
                must.add(f.fid)
            if d <= buffer_m + t or not f.source_valid:
                may.add(f.fid)
        out[layer] = (must, may)
    return out, (lon0, lat0), local


def storeys(p):
    if p.get("levels") is not None and p["levels"] >= 1:
        return float(p["levels"])
    if p.get("height") is not None and p["height"] > 0:
        return max(1.0, math.floor(p["height"] / 3.0 + 0.5))
    return 1.0


IMPACT_CASES = [
    ("point-huacheng", {"type": "Point", "coordinates": [113.3150, 23.1220]}, 150,
     ["poi", "buildings", "shelters", "roads", "landuse"]),
    ("polygon-shamian", {"type": "Polygon", "coordinates": [[[113.2395, 23.1085], [113.2425, 23.1085],
                                                             [113.2425, 23.1100], [113.2395, 23.1100],
                                                             [113.2395, 23.1085]]]}, 100,
     ["poi", "buildings", "roads", "hospitals", "police", "fire_stations", "shelters"]),
    ("line-huacheng", {"type": "LineString", "coordinates": [[113.3125, 23.1210], [113.3185, 23.1232]]}, 60,
     ["poi", "buildings", "roads"]),
    ("polygon-longgang-nobuffer", {"type": "Polygon", "coordinates": [[[114.200, 22.680], [114.215, 22.680],
                                                                       [114.215, 22.695], [114.200, 22.695],
                                                                       [114.200, 22.680]]]}, 0,
     ["poi", "buildings", "roads", "shelters"]),
]


@pytest.mark.parametrize("case", IMPACT_CASES, ids=[c[0] for c in IMPACT_CASES])
def test_impact_counts_districts_and_people(http, case):
    _, geometry, buffer_m, layers = case
    r = http.request("POST", "/analysis/impact", json={"geometry": geometry, "buffer_m": buffer_m, "layers": layers})
    assert r.status_code == 200, r.text[:500]
    body = r.json()
    geom = shape(geometry)
    ref, (lon0, lat0), local = impact_reference(geom, buffer_m, layers)

    # Area: the buffered geometry (true area from a fine buffer in the local projection).
    true_area_local = local.buffer(buffer_m, quad_segs=64) if buffer_m > 0 else local
    true_area = from_local(true_area_local, lon0, lat0)
    a = body["area"]["properties"]["area_m2"]
    assert abs(a - geodesic_area_m2(true_area)) <= 0.01 * geodesic_area_m2(true_area) + 1, a
    served_area = shape(body["area"]["geometry"])
    assert served_area.symmetric_difference(true_area).area <= 0.015 * true_area.area

    # Per layer: the count and the features.
    by_layer = {l["layer"]: l for l in body["layers"]}
    assert set(by_layer) == set(layers)
    for layer in layers:
        must, may = ref[layer]
        entry = by_layer[layer]
        got = {int(f["id"].split(".")[1]) for f in entry["features"]}
        assert len(got) == len(entry["features"]) == entry["count"] == entry["featuresShown"]
        assert must <= got, (layer, "missing", sorted(must - got)[:10])
        assert got <= may, (layer, "outside", sorted(got - may)[:10])

    # Districts: every district (level=district) the area meets, with per-layer counts by the
    # district holding each feature's representative point.
    districts = [f for f in ref_layer("admin") if f.props["level"] == "district"]
    want_codes = {d.props["adcode"] for d in districts if d.geom.intersects(true_area)}
    got_codes = {d["adcode"] for d in body["districts"]}
    assert got_codes == want_codes
    for d in body["districts"]:
        dgeom = next(x.geom for x in districts if x.props["adcode"] == d["adcode"])
        assert d["name"] == next(x.props["name"] for x in districts if x.props["adcode"] == d["adcode"])
        for layer in layers:
            must, may = ref[layer]
            feats = {f.fid: f for f in ref_layer(layer)}
            lo = sum(1 for fid in must if dgeom.intersects(feats[fid].geom.representative_point()))
            hi = sum(1 for fid in may if dgeom.intersects(feats[fid].geom.representative_point()))
            n = d["counts"].get(layer, 0)
            assert lo <= n <= hi, (d["adcode"], layer, n, lo, hi)

    # People: the stated method, recomputed from the sample's buildings.
    people = body["people"]
    method = people["method"]
    m = re.search(r"÷\s*([\d.]+)\s*m²", method)
    assert m, method
    per_person = float(m.group(1))
    assert "footprint" in method and "storeys" in method
    assert people["estimate"] == round(people["floor_area_m2"] / per_person) or \
        abs(people["estimate"] - people["floor_area_m2"] / per_person) <= 1
    if "buildings" in layers:
        must, may = ref["buildings"]
        feats = {f.fid: f for f in ref_layer("buildings")}
        floor = {fid: geodesic_area_m2(feats[fid].geom) * storeys(feats[fid].props) for fid in may}
        lo, hi = sum(floor[f] for f in must), sum(floor.values())
        assert lo * 0.995 <= people["floor_area_m2"] <= hi * 1.005 + 1, (people, lo, hi)
        assert len(must) <= people["buildings"] <= len(may)
        assert people["buildings"] == by_layer["buildings"]["count"]


def test_impact_people_without_buildings_layer_in_request(http):
    """The estimate uses the buildings layer even when the caller lists other layers."""
    g = {"type": "Point", "coordinates": [113.3150, 23.1220]}
    r = http.request("POST", "/analysis/impact", json={"geometry": g, "buffer_m": 150, "layers": ["poi"]})
    assert r.status_code == 200
    with_b = http.request("POST", "/analysis/impact", json={"geometry": g, "buffer_m": 150,
                                                            "layers": ["poi", "buildings"]}).json()
    assert r.json()["people"]["estimate"] == with_b["people"]["estimate"] > 0


def test_impact_on_keyed_server_respects_access(keyed):
    g = {"type": "Point", "coordinates": [113.3150, 23.1220]}
    body = {"geometry": g, "buffer_m": 500, "layers": ["poi", "hazards"]}
    assert keyed.request("POST", "/analysis/impact", json=body).status_code == 404
    r = keyed.request("POST", "/analysis/impact", json=body, key=api_key("restricted"))
    assert r.status_code == 200
    hz = next(l for l in r.json()["layers"] if l["layer"] == "hazards")
    ref, _, _ = impact_reference(shape(g), 500, ["hazards"])
    must, may = ref["hazards"]
    assert must <= {int(f["id"].split(".")[1]) for f in hz["features"]} <= may
