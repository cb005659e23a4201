"""OGC API - Features Part 4 (POST/PUT/PATCH/DELETE on thematic layers), POST /layers, and the
access policy (API keys, clearance, departments), on a second server started with `--keys` on
its own database (the `keyed` fixture). Each check compares with what was sent, decoded by our
own MVT reader, or pyproj — never with another answer of the server."""
from __future__ import annotations

import json

import pytest
from pyproj import Transformer
from shapely.geometry import shape

from features_ref import api_key, epsg_uri, layers_readable, qpath
from helpers import decode_tile_raw, layers_json, tile_for

CITY = api_key("cityplan_rw")
JSON = {"Content-Type": "application/json"}
GEOJSON = {"Content-Type": "application/geo+json"}
ALL_IDS = [l["id"] for l in layers_json()]

FIELDS = [
    {"name": "name", "type": "string", "required": True},
    {"name": "n", "type": "integer"},
    {"name": "ok", "type": "boolean"},
    {"name": "x", "type": "number"},
    {"name": "tags", "type": "array"},
]


def register(srv, layer_id, key=CITY, geometry="Point", access="public", fields=FIELDS, **extra):
    body = {"id": layer_id, "title": f"测试 {layer_id}", "geometryType": geometry, "fields": fields,
            "access": access, **extra}
    r = srv.request("POST", "/layers", key=key, json=body)
    assert r.status_code == 201, r.text[:500]
    return r


def feature(lon, lat, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def post(srv, layer, body, key=CITY, headers=GEOJSON):
    return srv.request("POST", f"/collections/{layer}/items", key=key, data=json.dumps(body), headers=headers)


def items(srv, layer, key=CITY, **params):
    r = srv.request("GET", qpath(f"/collections/{layer}/items", {"limit": 10000, **params}), key=key)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def data_version(srv, layer, key=CITY):
    r = srv.request("GET", "/layers", key=key)
    return {l["id"]: l for l in r.json()["layers"]}[layer]["dataVersion"]


def is_problem(r, *codes):
    assert r.status_code in codes, (r.status_code, r.text[:300])
    assert r.headers.get("Content-Type", "").startswith("application/problem+json"), r.headers
    assert r.json().get("detail")


def tile(srv, layer, z, x, y, key=None, etag=None):
    h = {"Accept-Encoding": "identity"}
    if etag:
        h["If-None-Match"] = etag
    return srv.request("GET", f"/tiles/{layer}/{z}/{x}/{y}.mvt", key=key, headers=h)


def tile_features(r, layer):
    layers = decode_tile_raw(r.content)
    return layers[layer].features if layer in layers else []


# ----------------------------------------------------------------------------- life cycle
def test_write_lifecycle_visible_in_items_and_tiles(keyed):
    lid = "wt_life"
    register(keyed, lid)
    lon, lat = 113.3150, 23.1220
    z = 16
    tx, ty = tile_for(lon, lat, z)
    for key in (None, CITY):  # anonymous (cached fast path) and with a key
        r0 = tile(keyed, lid, z, tx, ty, key=key)
        assert r0.status_code == 200 and tile_features(r0, lid) == []
    e0 = r0.headers["ETag"]
    v0 = data_version(keyed, lid)

    # POST
    r = post(keyed, lid, feature(lon, lat, name="甲站", n=3, ok=True, x=1.5, tags=["a", "b"]))
    assert r.status_code == 201, r.text[:300]
    loc = r.headers["Location"]
    path = loc[loc.index("/collections/"):]
    got = keyed.request("GET", path, key=CITY)
    assert got.status_code == 200
    f = got.json()
    assert f["properties"] == {"name": "甲站", "n": 3, "ok": True, "x": 1.5, "tags": ["a", "b"]}
    assert f["geometry"]["coordinates"] == [lon, lat]
    fid = f["id"]
    assert items(keyed, lid)["numberMatched"] == 1
    v1 = data_version(keyed, lid)
    assert v1 > v0

    def tile_now(prev_etag, key=None):
        r = tile(keyed, lid, z, tx, ty, key=key, etag=prev_etag)
        assert r.status_code == 200, f"stale tile: {r.status_code} for the ETag of before the write"
        assert r.headers["ETag"] != prev_etag
        return r

    for key in (None, CITY):
        r1 = tile_now(e0, key)
        feats = tile_features(r1, lid)
        assert len(feats) == 1 and feats[0].properties["name"] == "甲站" and feats[0].properties["n"] == 3
    e1 = r1.headers["ETag"]
    assert tile(keyed, lid, z, tx, ty, etag=e1).status_code == 304

    # PATCH (merge patch: change n, drop x)
    r = keyed.request("PATCH", path, key=CITY, data=json.dumps({"properties": {"n": 7, "x": None}}),
                      headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code in (200, 204), r.text[:300]
    f = keyed.request("GET", path, key=CITY).json()
    assert f["properties"] == {"name": "甲站", "n": 7, "ok": True, "tags": ["a", "b"]}
    assert f["geometry"]["coordinates"] == [lon, lat]
    v2 = data_version(keyed, lid)
    assert v2 > v1
    for key in (None, CITY):
        r2 = tile_now(e1, key)
        feats = tile_features(r2, lid)
        assert len(feats) == 1 and feats[0].properties["n"] == 7 and "x" not in feats[0].properties
    e2 = r2.headers["ETag"]

    # PUT (new geometry in the same tile, new properties)
    lon2, lat2 = lon + 0.0005, lat + 0.0003
    assert tile_for(lon2, lat2, z) == (tx, ty)
    r = keyed.request("PUT", path, key=CITY, data=json.dumps(feature(lon2, lat2, name="乙站", ok=False)),
                      headers=GEOJSON)
    assert r.status_code in (200, 204), r.text[:300]
    f = keyed.request("GET", path, key=CITY).json()
    assert f["properties"] == {"name": "乙站", "ok": False}
    assert f["geometry"]["coordinates"] == [lon2, lat2]
    for key in (None, CITY):
        r3 = tile_now(e2, key)
        feats = tile_features(r3, lid)
        assert len(feats) == 1 and feats[0].properties == {"name": "乙站", "ok": False}
    e3 = r3.headers["ETag"]

    # DELETE
    r = keyed.request("DELETE", path, key=CITY)
    assert r.status_code in (200, 204), r.text[:300]
    assert keyed.request("GET", path, key=CITY).status_code == 404
    assert items(keyed, lid)["numberMatched"] == 0
    for key in (None, CITY):
        r4 = tile_now(e3, key)
        assert tile_features(r4, lid) == []
    assert keyed.request("DELETE", path, key=CITY).status_code == 404
    assert data_version(keyed, lid) > v2
    assert fid == int(path.rsplit("/", 1)[1])


def test_write_visible_in_queries(keyed):
    lid = "wt_query"
    register(keyed, lid)
    r = post(keyed, lid, feature(113.2420, 23.1095, name="沙面点"))
    assert r.status_code == 201
    r = keyed.request("GET", qpath("/query/nearby", {"lon": 113.2420, "lat": 23.1096, "radius": 50, "layers": lid}))
    assert r.status_code == 200
    feats = r.json()["features"]
    assert [f["properties"]["name"] for f in feats] == ["沙面点"]


# ----------------------------------------------------------------------------- validation
BAD_POINT_BODIES = [
    ("unknown property", feature(113.31, 23.12, name="a", colour="red")),
    ("integer as string", feature(113.31, 23.12, name="a", n="3")),
    ("integer as fraction", feature(113.31, 23.12, name="a", n=3.5)),
    ("boolean as string", feature(113.31, 23.12, name="a", ok="yes")),
    ("number as string", feature(113.31, 23.12, name="a", x="1.5")),
    ("array as string", feature(113.31, 23.12, name="a", tags="a,b")),
    ("string as number", feature(113.31, 23.12, name=5)),
    ("missing required", feature(113.31, 23.12, n=1)),
    ("required is null", feature(113.31, 23.12, name=None)),
    ("wrong geometry type", {"type": "Feature", "properties": {"name": "a"},
                             "geometry": {"type": "LineString", "coordinates": [[113.31, 23.12], [113.32, 23.13]]}}),
    ("no geometry", {"type": "Feature", "properties": {"name": "a"}, "geometry": None}),
    ("not a feature", {"type": "Point", "coordinates": [113.31, 23.12]}),
    ("feature collection", {"type": "FeatureCollection", "features": [feature(113.31, 23.12, name="a")]}),
    ("latitude out of range", feature(23.12, 113.31, name="a")),
    ("garbage coordinates", {"type": "Feature", "properties": {"name": "a"},
                             "geometry": {"type": "Point", "coordinates": ["x", "y"]}}),
    ("one coordinate", {"type": "Feature", "properties": {"name": "a"},
                        "geometry": {"type": "Point", "coordinates": [113.31]}}),
    ("properties not an object", {"type": "Feature", "properties": [1, 2],
                                  "geometry": {"type": "Point", "coordinates": [113.31, 23.12]}}),
    ("array body", [feature(113.31, 23.12, name="a")]),
]

BOWTIE = {"type": "Polygon", "coordinates": [[[113.30, 23.10], [113.31, 23.11], [113.31, 23.10],
                                              [113.30, 23.11], [113.30, 23.10]]]}
UNCLOSED = {"type": "Polygon", "coordinates": [[[113.30, 23.10], [113.31, 23.10], [113.31, 23.11],
                                                [113.30, 23.11]]]}
SQUARE = {"type": "Polygon", "coordinates": [[[113.30, 23.10], [113.31, 23.10], [113.31, 23.11],
                                              [113.30, 23.11], [113.30, 23.10]]]}
BAD_POLYGON_GEOMETRIES = [
    ("self-intersecting", BOWTIE),
    ("unclosed ring", UNCLOSED),
    ("too few points", {"type": "Polygon", "coordinates": [[[113.30, 23.10], [113.31, 23.10], [113.30, 23.10]]]}),
    ("hole outside shell", {"type": "Polygon", "coordinates": SQUARE["coordinates"] + [
        [[113.32, 23.10], [113.33, 23.10], [113.33, 23.11], [113.32, 23.10]]]}),
    ("point on polygon layer", {"type": "Point", "coordinates": [113.30, 23.10]}),
    ("empty", {"type": "Polygon", "coordinates": []}),
]


def test_invalid_posts_write_nothing(keyed):
    lid = "wt_valid"
    register(keyed, lid)
    v0 = data_version(keyed, lid)
    for what, body in BAD_POINT_BODIES:
        r = post(keyed, lid, body)
        assert r.status_code == 400, (what, r.status_code, r.text[:300])
        is_problem(r, 400)
    assert items(keyed, lid)["numberMatched"] == 0
    assert data_version(keyed, lid) == v0


def test_invalid_polygons_write_nothing(keyed):
    lid = "wt_polys"
    register(keyed, lid, geometry="Polygon", fields=[{"name": "name", "type": "string"}])
    v0 = data_version(keyed, lid)
    for what, geom in BAD_POLYGON_GEOMETRIES:
        r = post(keyed, lid, {"type": "Feature", "geometry": geom, "properties": {"name": what}})
        assert r.status_code == 400, (what, r.status_code, r.text[:300])
        is_problem(r, 400)
    assert items(keyed, lid)["numberMatched"] == 0
    assert data_version(keyed, lid) == v0
    r = post(keyed, lid, {"type": "Feature", "geometry": SQUARE, "properties": {"name": "ok"}})
    assert r.status_code == 201
    got = items(keyed, lid)["features"]
    assert len(got) == 1 and shape(got[0]["geometry"]).equals(shape(SQUARE))


def test_invalid_put_and_patch_leave_the_feature_unchanged(keyed):
    lid = "wt_noharm"
    register(keyed, lid)
    r = post(keyed, lid, feature(113.3130, 23.1215, name="原样", n=1, ok=True))
    loc = r.headers["Location"]
    path = loc[loc.index("/collections/"):]
    before = keyed.request("GET", path, key=CITY).json()
    v0 = data_version(keyed, lid)
    for what, body in BAD_POINT_BODIES:
        r = keyed.request("PUT", path, key=CITY, data=json.dumps(body), headers=GEOJSON)
        assert r.status_code == 400, ("PUT", what, r.status_code, r.text[:200])
    for what, patch in [
        ("unknown property", {"properties": {"colour": "red"}}),
        ("wrong type", {"properties": {"n": "many"}}),
        ("drop required", {"properties": {"name": None}}),
        ("wrong geometry type", {"geometry": {"type": "LineString", "coordinates": [[113.31, 23.12], [113.32, 23.13]]}}),
        ("bad geometry", {"geometry": {"type": "Point", "coordinates": [500, 23.12]}}),
        ("good props, bad geometry", {"properties": {"n": 99}, "geometry": {"type": "Point", "coordinates": ["a", 1]}}),
        ("good geometry, bad props", {"properties": {"n": "x"}, "geometry": {"type": "Point", "coordinates": [113.2, 23.1]}}),
        ("not an object", [1, 2]),
        ("properties not an object", {"properties": "n=1"}),
    ]:
        r = keyed.request("PATCH", path, key=CITY, data=json.dumps(patch),
                          headers={"Content-Type": "application/merge-patch+json"})
        assert r.status_code == 400, ("PATCH", what, r.status_code, r.text[:200])
    after = keyed.request("GET", path, key=CITY).json()
    assert after["properties"] == before["properties"] and after["geometry"] == before["geometry"]
    assert data_version(keyed, lid) == v0
    # Writes to a feature that does not exist: 404, nothing created.
    for method, body in [("PUT", feature(113.31, 23.12, name="x")), ("PATCH", {"properties": {"n": 1}}), ("DELETE", None)]:
        r = keyed.request(method, f"/collections/{lid}/items/999999", key=CITY,
                          data=None if body is None else json.dumps(body), headers=JSON)
        is_problem(r, 404)
    assert items(keyed, lid)["numberMatched"] == 1


def test_content_crs_of_the_body(keyed):
    """Content-Crs EPSG:4326 bodies are latitude first; projected CRSs are transformed (checked
    with pyproj in the CRS's authority axis order)."""
    lid = "wt_crs"
    register(keyed, lid)
    lon, lat = 113.3171234, 23.1192345
    r = post(keyed, lid, feature(lat, lon, name="lat-first"),
             headers={**GEOJSON, "Content-Crs": f"<{epsg_uri(4326)}>"})
    assert r.status_code == 201, r.text[:300]
    cases = {"lat-first": (lon, lat)}
    for code in (3857, 4547):
        t = Transformer.from_crs("EPSG:4490", f"EPSG:{code}", always_xy=False)
        a, b = t.transform(lat, lon)
        name = f"epsg{code}"
        r = post(keyed, lid, feature(a, b, name=name), headers={**GEOJSON, "Content-Crs": f"<{epsg_uri(code)}>"})
        assert r.status_code == 201, (code, r.text[:300])
        cases[name] = (lon, lat)
    r = post(keyed, lid, feature(lon, lat, name="crs84"), headers={**GEOJSON, "Content-Crs": "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"})
    assert r.status_code == 201
    cases["crs84"] = (lon, lat)
    got = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in items(keyed, lid)["features"]}
    assert set(got) == set(cases)
    for name, (x, y) in cases.items():
        assert abs(got[name][0] - x) < 1e-8 and abs(got[name][1] - y) < 1e-8, (name, got[name])
    r = post(keyed, lid, feature(lon, lat, name="bad"), headers={**GEOJSON, "Content-Crs": "<urn:nonsense>"})
    is_problem(r, 400)
    assert len(items(keyed, lid)["features"]) == len(cases)


def test_media_type_and_size_limits(keyed):
    lid = "wt_limits"
    register(keyed, lid)
    body = json.dumps(feature(113.31, 23.12, name="a"))
    for ctype in ["text/plain", "application/x-www-form-urlencoded", "application/xml"]:
        r = keyed.request("POST", f"/collections/{lid}/items", key=CITY, data=body, headers={"Content-Type": ctype})
        is_problem(r, 415)
    big = ('{"type":"Feature","geometry":{"type":"Point","coordinates":[113.31,23.12]},"properties":{"name":"'
           + "a" * (17 << 20) + '"}}').encode()
    r = keyed.request("POST", f"/collections/{lid}/items", key=CITY, data=big, headers=JSON, timeout=60)
    is_problem(r, 413)
    r = keyed.request("POST", f"/collections/{lid}/items", key=CITY, data=b'{"type":"Feature",', headers=JSON)
    is_problem(r, 400)
    assert items(keyed, lid)["numberMatched"] == 0
    assert keyed.request("GET", "/health").status_code == 200


# ----------------------------------------------------------------------------- POST /layers
def test_register_layer_errors(keyed):
    ok = {"id": "wt_reg", "title": "t", "geometryType": "Point", "fields": [{"name": "a", "type": "string"}]}
    cases = [
        ({**ok, "id": "Upper"}, CITY, 400),
        ({**ok, "id": "1abc"}, CITY, 400),
        ({**ok, "id": "a" * 64}, CITY, 400),
        ({**ok, "id": "x'; DROP TABLE onemap_layers; --"}, CITY, 400),
        ({**ok, "id": "a b"}, CITY, 400),
        ({**ok, "geometryType": "Circle"}, CITY, 400),
        ({**ok, "fields": [{"name": "a", "type": "blob"}]}, CITY, 400),
        ({**ok, "fields": [{"name": "fid", "type": "string"}]}, CITY, 400),
        ({**ok, "fields": [{"name": "a"}, {"name": "a"}]}, CITY, 400),
        ({**ok, "access": "secret"}, CITY, 400),
        ({**ok, "access": "restricted"}, CITY, 403),  # above the key's clearance (internal)
        ({**ok, "owner": "water"}, CITY, 403),  # someone else's department
        ({**ok, "id": "roads"}, CITY, 409),  # taken
        (ok, None, (401, 403)),  # anonymous
        (ok, api_key("cityplan_ro"), 403),  # read-only key
        (ok, "no-such-key-000000000000", 401),
    ]
    for body, key, code in cases:
        r = keyed.request("POST", "/layers", key=key, json=body)
        codes = code if isinstance(code, tuple) else (code,)
        assert r.status_code in codes, (body, key, r.status_code, r.text[:300])
        is_problem(r, *codes)
    r = keyed.request("GET", "/collections", key=api_key("restricted"))
    assert "wt_reg" not in {c["id"] for c in r.json()["collections"]}
    register(keyed, "wt_reg", fields=ok["fields"])
    r = keyed.request("POST", "/layers", key=CITY, json=ok)
    is_problem(r, 409)


# ----------------------------------------------------------------------------- access
def collections(srv, key=None):
    r = srv.request("GET", "/collections", key=key)
    assert r.status_code == 200, r.text[:300]
    return {c["id"] for c in r.json()["collections"]}


@pytest.mark.parametrize("who,clearance", [(None, "public"), ("public", "public"), ("internal", "internal"),
                                           ("restricted", "restricted"), ("cityplan_ro", "internal")])
def test_catalogue_follows_clearance(keyed, who, clearance):
    key = api_key(who) if who else None
    seen = collections(keyed, key) & set(ALL_IDS)
    assert seen == layers_readable(clearance)
    r = keyed.request("GET", "/layers", key=key)
    assert {l["id"] for l in r.json()["layers"]} & set(ALL_IDS) == layers_readable(clearance)


def hidden_paths(layer):
    z, (x, y) = 14, tile_for(113.2420, 23.1095, 14)
    return [
        ("GET", f"/collections/{layer}", None),
        ("GET", f"/collections/{layer}/items", None),
        ("GET", f"/collections/{layer}/items/1", None),
        ("GET", f"/collections/{layer}/queryables", None),
        ("GET", f"/tiles/{layer}/{z}/{x}/{y}.mvt", None),
        ("GET", f"/tiles/roads,{layer}/{z}/{x}/{y}.mvt", None),
        ("GET", f"/tiles/{layer}.json", None),
        ("GET", qpath("/query/nearby", {"lon": 113.2420, "lat": 23.1095, "radius": 5000, "layers": layer}), None),
        ("GET", qpath("/query/nearest", {"lon": 113.2420, "lat": 23.1095, "k": 3, "layers": f"poi,{layer}"}), None),
        ("POST", "/query/within", {"geometry": {"type": "Polygon", "coordinates": [[[113.2, 23.0], [113.4, 23.0],
                                                                                      [113.4, 23.2], [113.2, 23.0]]]},
                                   "layers": [layer]}),
        ("POST", "/analysis/impact", {"geometry": {"type": "Point", "coordinates": [113.2420, 23.1095]},
                                      "buffer_m": 500, "layers": ["poi", layer]}),
    ]


@pytest.mark.parametrize("who,layers", [
    (None, ["rescue_teams", "reserves", "hazards", "risk_points"]),
    ("public", ["rescue_teams", "hazards"]),
    ("internal", ["hazards", "risk_points"]),
    ("cityplan_ro", ["hazards"]),
])
def test_layers_above_clearance_are_404_everywhere(keyed, who, layers):
    key = api_key(who) if who else None
    for layer in layers:
        for method, path, body in hidden_paths(layer):
            r = keyed.request(method, path, key=key, json=body)
            assert r.status_code == 404, (who, method, path, r.status_code, r.text[:200])
            assert layer in r.json()["detail"] or "no " in r.json()["detail"]


def test_readable_layers_are_served_with_the_key(keyed):
    for who, layer in [("internal", "rescue_teams"), ("restricted", "hazards"), ("restricted", "risk_points")]:
        key = api_key(who)
        for method, path, body in hidden_paths(layer):
            r = keyed.request(method, path, key=key, json=body)
            assert r.status_code == 200, (who, method, path, r.status_code, r.text[:200])


def test_hidden_layer_detail_does_not_leak(keyed):
    """A layer the caller may not read is indistinguishable from one that does not exist."""
    a = keyed.request("GET", "/collections/hazards/items")
    b = keyed.request("GET", "/collections/no_such_layer/items")
    assert a.status_code == b.status_code == 404
    assert a.json()["detail"].replace("hazards", "X") == b.json()["detail"].replace("no_such_layer", "X")


def test_unknown_key_is_401_everywhere(keyed):
    bad = "no-such-key-000000000000"
    for method, path, body in hidden_paths("poi") + [("GET", "/collections", None), ("GET", "/layers", None)]:
        for headers in ({"Authorization": f"Bearer {bad}"}, {"X-API-Key": bad}):
            r = keyed.request(method, path, json=body, headers=headers)
            assert r.status_code == 401, (method, path, headers, r.status_code)
            assert r.headers["Content-Type"].startswith("application/problem+json")


def test_x_api_key_header_works_like_bearer(keyed):
    assert "hazards" in {c["id"] for c in keyed.request(
        "GET", "/collections", headers={"X-API-Key": api_key("restricted")}).json()["collections"]}


def test_department_ownership_of_writes(keyed):
    lid = "wt_owned"
    register(keyed, lid, access="internal")
    body = feature(113.3130, 23.1215, name="部门")
    # Other departments, read-only keys, anonymous: no write, nothing written.
    for who, codes in [("water_rw", (403,)), ("cityplan_ro", (403,)), ("internal", (403,)), (None, (404,))]:
        r = post(keyed, lid, body, key=api_key(who) if who else None)
        assert r.status_code in codes, (who, r.status_code, r.text[:200])
    # An internal layer is invisible to anonymous callers (404, even for writes).
    assert keyed.request("GET", f"/collections/{lid}/items").status_code == 404
    r = post(keyed, lid, body)
    assert r.status_code == 201
    loc = r.headers["Location"]
    path = loc[loc.index("/collections/"):]
    for method in ("PUT", "PATCH", "DELETE"):
        payload = body if method == "PUT" else {"properties": {"name": "改"}}
        r = keyed.request(method, path, key=api_key("water_rw"), data=json.dumps(payload), headers=JSON)
        assert r.status_code == 403, (method, r.status_code)
    assert items(keyed, lid)["features"][0]["properties"] == {"name": "部门"}
    # A write key of another department with restricted clearance may write (ops_rw).
    r = keyed.request("PATCH", path, key=api_key("ops_rw"), data=json.dumps({"properties": {"n": 2}}), headers=JSON)
    assert r.status_code in (200, 204), r.text[:200]


def test_base_and_emergency_layers_are_read_only(keyed):
    body = feature(113.3130, 23.1215, name="x")
    for layer in ["roads", "poi", "shelters", "hazards"]:
        r = post(keyed, layer, body, key=api_key("ops_rw"))
        is_problem(r, 403)
        r = keyed.request("DELETE", f"/collections/{layer}/items/1", key=api_key("ops_rw"))
        is_problem(r, 403)
        r = keyed.request("PATCH", f"/collections/{layer}/items/1", key=api_key("ops_rw"),
                          data=json.dumps({"properties": {"name": "x"}}), headers=JSON)
        is_problem(r, 403)
    r = keyed.request("GET", "/collections/roads/items/1", key=api_key("ops_rw"))
    assert r.json()["properties"]["name"] != "x"


@pytest.mark.parametrize("layer,who", [("rescue_teams", "internal"), ("reserves", "internal"),
                                       ("hazards", "restricted"), ("risk_points", "restricted")])
def test_non_public_layers_read_with_a_key_match_the_sample(keyed, layer, who):
    from helpers import sample_features
    ref = sample_features(layer)
    body = items(keyed, layer, key=api_key(who))
    assert body["numberMatched"] == len(ref)
    assert [f["properties"] for f in body["features"]] == [f["properties"] for f in ref]
    for g, f in zip(body["features"], ref):
        assert shape(g["geometry"]).equals_exact(shape(f["geometry"]), 1e-7)
