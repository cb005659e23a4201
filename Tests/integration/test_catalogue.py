"""Catalogue: /health, /layers and TileJSON 3.0.0."""
from __future__ import annotations

import re

import pytest

from helpers import BASE_IDS, GUANGDONG_BBOX, decode_tile_raw, layers_json, sample_features

# The properties the contract lists per base layer (docs/CONTRACT.md).
CONTRACT_FIELDS = {
    "admin": ["name", "short_name", "adcode", "level", "parent_adcode", "center_lon", "center_lat"],
    "landuse": ["name", "osm_id", "class", "area"],
    "water": ["name", "osm_id", "class", "area"],
    "roads": ["name", "osm_id", "name_en", "class", "highway", "ref", "oneway", "bridge", "tunnel",
              "layer", "area"],
    "buildings": ["name", "osm_id", "building", "levels", "height", "addr_street",
                  "addr_housenumber", "area"],
    "poi": ["name", "osm_id", "name_en", "category", "kind", "addr_street", "addr_housenumber",
            "area"],
}
GEOMETRY = {
    "admin": {"polygon", "multipolygon"},
    "landuse": {"polygon", "multipolygon"},
    "water": {"geometry", "geometrycollection", "mixed", "any", "polygon", "multipolygon",
              "linestring", "multilinestring"},
    "roads": {"linestring", "multilinestring"},
    "buildings": {"polygon", "multipolygon"},
    "poi": {"point", "multipoint"},
}


def inside_guangdong(b):
    w, s, e, n = b
    W, S, E, N = GUANGDONG_BBOX
    return W <= w <= e <= E and S <= s <= n <= N


@pytest.fixture(scope="module")
def layers(server):
    r = server.get("/layers")
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json"
    return {l["id"]: l for l in r.json()["layers"]}


def test_health(http):
    r = http.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert isinstance(body["layers"], int) and body["layers"] >= len(BASE_IDS)


def test_health_layer_count_matches_layers(http, layers):
    assert http.get("/health").json()["layers"] == len(layers)


def test_base_layers_present(layers):
    assert set(BASE_IDS) <= set(layers), sorted(layers)


@pytest.mark.parametrize("lid", BASE_IDS)
def test_layer_entry(layers, lid):
    meta = {l["id"]: l for l in layers_json()}[lid]
    l = layers[lid]
    for k in ("id", "title", "kind", "geometryType", "bounds", "minzoom", "maxzoom", "fields",
              "featureCount", "dataVersion", "updated", "attribution"):
        assert k in l, f"{lid}: missing {k}"
    assert l["kind"] == "base"
    assert l["title"] == meta["title"]
    assert l["minzoom"] == meta["minzoom"] and l["maxzoom"] == meta["maxzoom"]
    assert l["attribution"] == meta["attribution"]
    assert len(l["bounds"]) == 4 and inside_guangdong(l["bounds"]), l["bounds"]
    assert l["geometryType"].lower().replace(" ", "") in GEOMETRY[lid], l["geometryType"]
    names = [f["name"] for f in l["fields"]]
    assert all("type" in f for f in l["fields"])
    missing = [f for f in CONTRACT_FIELDS[lid] if f not in names]
    assert not missing, f"{lid}: fields missing {missing} (have {names})"


@pytest.mark.parametrize("lid", BASE_IDS)
def test_layer_bounds_cover_the_data(layers, lid):
    from shapely.geometry import shape
    import shapely
    geoms = [shape(f["geometry"]) for f in sample_features(lid) if f.get("geometry")]
    w, s, e, n = shapely.total_bounds(geoms)
    bw, bs, be, bn = layers[lid]["bounds"]
    eps = 1e-6
    assert bw <= w + eps and bs <= s + eps and be >= e - eps and bn >= n - eps, \
        f"{lid}: bounds {layers[lid]['bounds']} do not cover the data {[w, s, e, n]}"
    assert bw >= w - 0.01 and bs >= s - 0.01 and be <= e + 0.01 and bn <= n + 0.01, \
        f"{lid}: bounds {layers[lid]['bounds']} much larger than the data {[w, s, e, n]}"


@pytest.mark.parametrize("lid", BASE_IDS)
def test_feature_count_matches_file(layers, build_sample_report, lid):
    n_file = len(sample_features(lid))
    rejected = build_sample_report.get(lid, (None, 0, 0))[2]
    assert layers[lid]["featureCount"] == n_file - rejected, \
        f"{lid}: featureCount {layers[lid]['featureCount']}, file has {n_file}, " \
        f"build-sample reported {rejected} rejected"
    if lid in build_sample_report:
        assert build_sample_report[lid][0] == layers[lid]["featureCount"]


def test_build_sample_reports_each_layer(build_sample_report):
    missing = [l for l in BASE_IDS if l not in build_sample_report]
    assert not missing, f"build-sample reported no per-layer counts (N features, R repaired, J rejected) for {missing}"


# ----------------------------------------------------------------------------- TileJSON
TJ_IDS = "admin,roads,buildings"


@pytest.fixture(scope="module")
def tilejson(server):
    r = server.get(f"/tiles/{TJ_IDS}.json")
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json"
    return r.json()


def test_tilejson_basics(tilejson, server):
    tj = tilejson
    assert tj["tilejson"] == "3.0.0"
    assert isinstance(tj["tiles"], list) and tj["tiles"]
    url = tj["tiles"][0]
    assert url.startswith(server.base + "/"), f"tiles URL not absolute for this host: {url}"
    assert "{z}" in url and "{x}" in url and "{y}" in url
    assert isinstance(tj["minzoom"], int) and isinstance(tj["maxzoom"], int)
    assert 0 <= tj["minzoom"] <= tj["maxzoom"] <= 24
    meta = {l["id"]: l for l in layers_json()}
    ids = TJ_IDS.split(",")
    assert tj["minzoom"] == min(meta[i]["minzoom"] for i in ids)
    assert tj["maxzoom"] >= max(meta[i]["maxzoom"] for i in ids)


def test_tilejson_bounds_and_center(tilejson):
    b = tilejson["bounds"]
    assert len(b) == 4 and inside_guangdong(b), b
    c = tilejson["center"]
    assert len(c) == 3
    assert b[0] <= c[0] <= b[2] and b[1] <= c[1] <= b[3], (b, c)
    assert tilejson["minzoom"] <= c[2] <= tilejson["maxzoom"]


def test_tilejson_vector_layers(tilejson, layers):
    vl = {v["id"]: v for v in tilejson["vector_layers"]}
    assert sorted(vl) == sorted(TJ_IDS.split(",")), list(vl)
    for lid, v in vl.items():
        assert isinstance(v["fields"], dict), f"{lid}: fields must be an object"
        assert "name" in v["fields"]
        missing = [f for f in CONTRACT_FIELDS[lid] if f not in v["fields"]]
        assert not missing, f"{lid}: vector_layers fields missing {missing}"
        assert all(isinstance(t, str) for t in v["fields"].values())
        assert v.get("minzoom", 0) == layers[lid]["minzoom"]
        assert v.get("maxzoom", 22) == layers[lid]["maxzoom"]


def test_tilejson_tiles_url_fetchable(tilejson, server):
    url = tilejson["tiles"][0].replace("{z}", "14").replace("{x}", "13348").replace("{y}", "7109")
    path = url[len(server.base):]
    r = server.get(path, headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    raw = decode_tile_raw(r.content)
    assert {"admin", "roads", "buildings"} <= set(raw)


def test_tilejson_uses_host_header(http):
    r = http.get(f"/tiles/{TJ_IDS}.json", headers={"Host": "maps.example.org:8443"})
    assert r.status_code == 200
    url = r.json()["tiles"][0]
    assert re.match(r"^https?://maps\.example\.org:8443/", url), url



def test_one_log_line_per_request(http):
    import time
    marker = "logprobe%d" % int(time.time() * 1000)
    for _ in range(3):
        http.get(f"/tiles/{marker}/0/0/0.mvt")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        text = http.stderr_path.read_text(errors="replace") + http.stdout_path.read_text(errors="replace")
        if text.count(marker) >= 3:
            break
        time.sleep(0.2)
    lines = [l for l in text.splitlines() if marker in l]
    assert len(lines) == 3, f"expected one log line per request, found {len(lines)}: {lines[:5]}"
