"""OGC API - Features read by real clients (GDAL's OAPIF driver, OWSLib) and Part 1 core
(items, paging, limit, properties, sortby, datetime), each checked against SampleData
read with Shapely — never against the server's own answers."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from urllib.parse import parse_qs, urlparse

import pytest
from shapely.geometry import box, shape

from features_ref import api_key, layer_access, layers_readable, qpath, ref_layer
from helpers import layers_json, sample_features

CLI_TIMEOUT = 120
ALL_IDS = [l["id"] for l in layers_json()]
PUBLIC = layers_readable("public")
HUACHENG = (113.3120, 23.1210, 113.3160, 23.1230)


def gdal(args, env_extra=None, timeout=CLI_TIMEOUT):
    exe = shutil.which(args[0])
    if not exe:
        pytest.fail(f"{args[0]} not installed (Scripts/setup.sh --test installs gdal-bin)")
    env = dict(os.environ, **(env_extra or {}))
    env.setdefault("GDAL_HTTP_TIMEOUT", "30")
    env["CPL_DEBUG"] = "OFF"
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    assert p.returncode == 0, f"{' '.join(args)} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
    return p


def ogr_layer_names(stdout: str) -> set:
    # ogrinfo: "1: roads (title: 道路 Roads) (Line String)"
    return {m.group(1) for m in re.finditer(r"(?m)^\d+: (\S+)", stdout)}


def all_items(server, layer, key=None, **params):
    params.setdefault("limit", 10000)
    r = server.request("GET", qpath(f"/collections/{layer}/items", params), key=key)
    assert r.status_code == 200, r.text[:500]
    return r.json()


# ----------------------------------------------------------------------------- sanity of the reference
@pytest.mark.parametrize("layer", sorted(PUBLIC))
def test_items_match_sample(http, layer):
    """Every public layer's items are the SampleData features, in file order, fid = position + 1
    (the other tests rely on this to name features)."""
    body = all_items(http, layer)
    ref = ref_layer(layer)
    assert body["numberMatched"] == len(ref) == body["numberReturned"]
    got = body["features"]
    assert [f["id"] for f in got] == [r.fid for r in ref]
    for g, r in zip(got, ref):
        assert g["properties"] == r.props, (layer, g["id"])
        if r.source_valid:
            assert shape(g["geometry"]).equals_exact(r.geom, 1e-7), (layer, g["id"])


# ----------------------------------------------------------------------------- GDAL OAPIF
def test_ogrinfo_lists_public_collections_only(http):
    p = gdal(["ogrinfo", "-ro", "-q", f"OAPIF:{http.base}/"])
    names = ogr_layer_names(p.stdout)
    assert names == PUBLIC, f"listed {sorted(names)}; public layers are {sorted(PUBLIC)}"
    hidden = set(ALL_IDS) - PUBLIC
    assert hidden and not (names & hidden)


def test_ogrinfo_with_restricted_key_lists_everything(keyed):
    env = {"GDAL_HTTP_HEADERS": f"Authorization: Bearer {api_key('restricted')}"}
    names = ogr_layer_names(gdal(["ogrinfo", "-ro", "-q", f"OAPIF:{keyed.base}/"], env).stdout)
    assert set(ALL_IDS) <= names, sorted(set(ALL_IDS) - names)
    anon = ogr_layer_names(gdal(["ogrinfo", "-ro", "-q", f"OAPIF:{keyed.base}/"]).stdout)
    assert not (anon & (set(ALL_IDS) - PUBLIC)), sorted(anon)


def test_ogrinfo_feature_count_of_roads(http):
    p = gdal(["ogrinfo", "-ro", "-so", f"OAPIF:{http.base}/", "roads"])
    m = re.search(r"Feature Count: (\d+)", p.stdout)
    assert m, p.stdout[-1500:]
    assert int(m.group(1)) == len(sample_features("roads"))


def test_ogr2ogr_reads_all_roads_through_paging(http, tmp_path):
    out = tmp_path / "roads.json"
    gdal(["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{http.base}/", "roads"])
    feats = json.loads(out.read_text())["features"]
    ref = sample_features("roads")
    assert len(feats) == len(ref) > 10  # more than one page (default limit 10)
    assert sorted(f["properties"]["osm_id"] for f in feats) == sorted(f["properties"]["osm_id"] for f in ref)
    by_id = {f["properties"]["osm_id"]: f for f in ref}
    for f in feats:
        r = by_id[f["properties"]["osm_id"]]
        assert shape(f["geometry"]).equals_exact(shape(r["geometry"]), 1e-7)


@pytest.mark.parametrize("layer,bbox", [
    ("roads", HUACHENG),
    ("buildings", (113.2380, 23.1085, 113.2420, 23.1105)),
    ("poi", (113.3110, 23.1205, 113.3195, 23.1240)),
])
def test_ogr2ogr_spatial_filter_matches_shapely(http, tmp_path, layer, bbox):
    out = tmp_path / f"{layer}.json"
    gdal(["ogr2ogr", "-f", "GeoJSON", "-spat", *map(str, bbox), str(out), f"OAPIF:{http.base}/", layer])
    got = sorted(f["properties"]["osm_id"] for f in json.loads(out.read_text())["features"])
    b = box(*bbox)
    want = sorted(f.props["osm_id"] for f in ref_layer(layer) if f.geom.intersects(b))
    assert want, "pick a bbox with features"
    assert got == want
    # And the server's own bbox answer (what GDAL asks for) is exactly that set too.
    body = all_items(http, layer, bbox=",".join(map(str, bbox)))
    assert sorted(f["properties"]["osm_id"] for f in body["features"]) == want
    assert body["numberMatched"] == len(want)


# ----------------------------------------------------------------------------- OWSLib
def test_owslib_reads_collections_and_items(http):
    try:
        from owslib.ogcapi import features
    except ImportError:
        pytest.fail("OWSLib is not installed: python3 -m pip install owslib (Scripts/setup.sh --test)")
    w = features.Features(http.base + "/")
    ids = {c["id"] for c in w.collections()["collections"]}
    assert ids == PUBLIC
    conf = w.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    b = box(*HUACHENG)
    want = {f.fid for f in ref_layer("poi") if f.geom.intersects(b)}
    page = w.collection_items("poi", bbox=list(HUACHENG), limit=1000)
    assert page["numberMatched"] == len(want)
    assert {f["id"] for f in page["features"]} == want
    # Paging through OWSLib: limit/offset pages add up to the whole layer, each fid once.
    seen = []
    for offset in range(0, len(ref_layer("poi")) + 50, 50):
        seen += [f["id"] for f in w.collection_items("poi", limit=50, offset=offset)["features"]]
    assert seen == [f.fid for f in ref_layer("poi")]
    one = w.collection_item("poi", "3")
    assert one["properties"] == ref_layer("poi")[2].props
    q = w.collection_queryables("roads")["properties"]
    assert set(ref_layer("roads")[0].props) <= set(q)


# ----------------------------------------------------------------------------- Part 1 core
def test_landing_and_conformance(http):
    r = http.get("/", headers={"Accept": "application/json"})
    assert r.status_code == 200
    rels = {l["rel"] for l in r.json()["links"]}
    assert {"self", "conformance", "data", "service-desc"} <= rels
    r = http.get("/", params={"f": "json"}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.json()["links"]
    conf = set(http.get("/conformance").json()["conformsTo"])
    for c in ["http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
              "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
              "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
              "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
              "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
              "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json"]:
        assert c in conf


def test_api_document_lists_endpoints(http):
    r = http.get("/api")
    assert r.status_code == 200, r.text[:300]
    doc = r.json()
    assert str(doc.get("openapi", "")).startswith("3.")
    paths = set(doc["paths"])
    for p in ["/collections", "/collections/{collectionId}/items", "/query/nearby", "/query/nearest",
              "/query/within", "/analysis/impact", "/layers"]:
        alt = p.replace("{collectionId}", "{id}")
        assert p in paths or alt in paths, f"{p} missing from /api; has {sorted(paths)}"


def test_collection_extent_contains_sample(http):
    import shapely
    for layer in ["roads", "poi", "shelters"]:
        c = http.get(f"/collections/{layer}").json()
        w, s, e, n = c["extent"]["spatial"]["bbox"][0]
        allg = shapely.union_all([f.geom for f in ref_layer(layer)])
        bw, bs, be, bn = allg.bounds
        assert w <= bw + 1e-6 and s <= bs + 1e-6 and e >= be - 1e-6 and n >= bn - 1e-6


def test_paging_links_walk_the_whole_layer(http):
    """Follow `next` from the first page to the end: every feature once, numberMatched constant,
    `prev` of page k+1 leads back to page k."""
    ref = [f.fid for f in ref_layer("buildings")]
    url = http.url("/collections/buildings/items?limit=100")
    seen, pages = [], 0
    prev_self = None
    while url:
        r = http.get(url[len(http.base):])
        assert r.status_code == 200
        body = r.json()
        assert body["numberMatched"] == len(ref)
        assert body["numberReturned"] == len(body["features"]) <= 100
        seen += [f["id"] for f in body["features"]]
        links = {l["rel"]: l["href"] for l in body["links"]}
        if prev_self is not None:
            assert "prev" in links
            a, b = urlparse(links["prev"]), urlparse(prev_self)
            assert parse_qs(a.query) == parse_qs(b.query)
        prev_self = links["self"]
        url = links.get("next")
        pages += 1
        assert pages < 20
    assert seen == ref and pages == 4


def test_limit_clamps_and_default(http):
    body = http.get("/collections/roads/items").json()
    assert body["numberReturned"] == 10 and body["numberMatched"] == len(ref_layer("roads"))
    body = http.get("/collections/roads/items", params={"limit": 50000}).json()
    assert body["numberReturned"] == len(ref_layer("roads"))  # clamped to 10000 ≥ 943
    for bad in ["0", "-1", "abc", "1.5"]:
        r = http.get("/collections/roads/items", params={"limit": bad})
        assert r.status_code == 400, bad
        assert r.headers["Content-Type"].startswith("application/problem+json")


def test_offset_past_the_end(http):
    body = http.get("/collections/poi/items", params={"offset": 10000}).json()
    assert body["numberReturned"] == 0 and body["features"] == []
    assert body["numberMatched"] == len(ref_layer("poi"))
    assert "next" not in {l["rel"] for l in body["links"]}


def test_properties_selects_keys(http):
    body = http.get("/collections/poi/items", params={"properties": "name,category", "limit": 1000}).json()
    ref = {f.fid: f.props for f in ref_layer("poi")}
    for f in body["features"]:
        assert f["properties"] == {"name": ref[f["id"]]["name"], "category": ref[f["id"]]["category"]}
    assert http.get("/collections/poi/items", params={"properties": "name,nope"}).status_code == 400


def test_sortby_matches_python_sort(http):
    body = http.get(qpath("/collections/buildings/items",
                          {"sortby": "-height", "filter": "height IS NOT NULL", "limit": 1000})).json()
    ref = sorted((f for f in ref_layer("buildings") if f.props["height"] is not None),
                 key=lambda f: (-f.props["height"], f.fid))
    got_h = [f["properties"]["height"] for f in body["features"]]
    assert got_h == [f.props["height"] for f in ref]
    body = http.get("/collections/poi/items", params={"sortby": "+name", "limit": 1000}).json()
    names = [f["properties"]["name"] for f in body["features"]]
    # SQLite orders text by UTF-8 bytes (BINARY), which for str is code-point order.
    assert names == sorted(f.props["name"] for f in ref_layer("poi"))
    assert http.get("/collections/poi/items", params={"sortby": "nope"}).status_code == 400


def test_property_equality_filters(http):
    for layer, params, pred in [
        ("roads", {"class": "primary"}, lambda p: p["class"] == "primary"),
        ("roads", {"bridge": "true", "area": "huacheng"}, lambda p: p["bridge"] and p["area"] == "huacheng"),
        ("roads", {"layer": "1"}, lambda p: p["layer"] == 1),
        ("poi", {"category": "finance"}, lambda p: p["category"] == "finance"),
        ("poi", {"name": "珠江新城"}, lambda p: p["name"] == "珠江新城"),
    ]:
        want = {f.fid for f in ref_layer(layer) if pred(f.props)}
        body = http.get(f"/collections/{layer}/items", params={**params, "limit": 10000}).json()
        assert {f["id"] for f in body["features"]} == want, params
        assert body["numberMatched"] == len(want) > 0, params
    r = http.get("/collections/roads/items", params={"layer": "one"})
    assert r.status_code == 400


def test_unknown_parameter_is_400(http):
    r = http.get("/collections/roads/items", params={"bbx": "1,2,3,4"})
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert "bbx" in r.json()["detail"]


def test_datetime_parameter(http):
    """Sample features carry no validity time (open interval): any instant matches them all;
    a malformed datetime or an inverted interval is a 400."""
    n = len(ref_layer("poi"))
    for dt in ["2026-05-01T08:00:00Z", "2026-05-01", "../2026-01-01T00:00:00Z", "2020-01-01/.."]:
        body = http.get("/collections/poi/items", params={"datetime": dt}).json()
        assert body["numberMatched"] == n, dt
    for bad in ["yesterday", "2026-13-01", "2026-05-02/2026-05-01", "a/b/c"]:
        assert http.get("/collections/poi/items", params={"datetime": bad}).status_code == 400, bad


def test_item_endpoint(http):
    ref = ref_layer("shelters")[0]
    r = http.get("/collections/shelters/items/1")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/geo+json")
    f = r.json()
    assert f["id"] == 1 and f["properties"] == ref.props
    assert shape(f["geometry"]).equals_exact(ref.geom, 1e-7)
    for missing in ["0", "99999", "abc", "1.0"]:
        r = http.get(f"/collections/shelters/items/{missing}")
        assert r.status_code == 404, missing
        assert r.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("layer", sorted(set(ALL_IDS) - PUBLIC))
def test_hidden_layers_are_404_for_anonymous(http, layer):
    assert layer_access()[layer] != "public"
    for path in [f"/collections/{layer}", f"/collections/{layer}/items",
                 f"/collections/{layer}/items/1", f"/collections/{layer}/queryables"]:
        r = http.get(path)
        assert r.status_code == 404, path
        assert r.headers["Content-Type"].startswith("application/problem+json")
