"""Vector tiles: /tiles/{ids}/{z}/{x}/{y}.mvt against the contract (MVT 2.1, extent 4096,
buffer 64), decoded three ways (our own protobuf reader, mapbox_vector_tile, GDAL's MVT
driver) and compared with the source GeoJSON projected by pyproj."""
from __future__ import annotations

import concurrent.futures as cf
import gzip
import json
import re
import shutil
import subprocess
from collections import defaultdict

import mapbox_vector_tile
import pytest
import shapely
from shapely.geometry import box, shape

from helpers import (BUFFER, EXTENT, decode_tile_raw, directed_distance, layers_json,
                     lonlat_geom_to_tile, outline, raw_to_shapely, ring_area, sample_features,
                     tile_bounds_merc, tile_for)

MVT_TYPE = "application/vnd.mapbox-vector-tile"
HUACHENG = (14, 13348, 7109)
HUACHENG_PATH = "/tiles/buildings,roads/14/13348/7109.mvt"
GZ_Z10 = (10, *tile_for(113.3152, 23.1222, 10))          # central Guangzhou at z10
SEA_Z10 = (10, *tile_for(114.5, 19.0, 10))               # South China Sea, no data
ALL = "admin,landuse,water,roads,buildings,poi"
IDENT = {"Accept-Encoding": "identity"}

# Geometry tolerance in tile units (1 unit = 1/4096 of the tile): rounding to the grid is
# ≤ 0.71, so this leaves about one unit for simplification.
HAUSDORFF_MAX = 1.5
# Compare only inside the buffered box shrunk by 3 units, so the server's clip edge at the
# buffer (±rounding) never counts as a difference.
WINDOW = box(-BUFFER + 3, -BUFFER + 3, EXTENT + BUFFER - 3, EXTENT + BUFFER - 3)


def key_of(layer, props):
    """What identifies a source feature: osm_id; for admin (adcode, level), since 东莞 and 中山
    appear both as a city and as their own county-level unit with the same adcode."""
    if layer == "admin":
        return (props.get("adcode"), props.get("level"))
    return props.get("osm_id")


def fetch(server, path, **headers):
    h = dict(IDENT)
    h.update(headers)
    return server.get(path, headers=h)


@pytest.fixture(scope="module")
def huacheng(server):
    r = fetch(server, HUACHENG_PATH)
    assert r.status_code == 200, r.text[:500]
    return r


@pytest.fixture(scope="module")
def huacheng_raw(huacheng):
    return decode_tile_raw(huacheng.content)


@pytest.fixture(scope="module")
def gz_z10(server):
    r = fetch(server, "/tiles/admin/%d/%d/%d.mvt" % GZ_Z10)
    assert r.status_code == 200, r.text[:500]
    return r


def source_by_key(layer):
    out = defaultdict(list)
    for f in sample_features(layer):
        if f.get("geometry"):
            out[key_of(layer, f["properties"])].append(f)
    return out


def source_geom_tile(feats, zxy):
    geoms = [shape(f["geometry"]) for f in feats]
    g = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
    return lonlat_geom_to_tile(g, *zxy)


# ----------------------------------------------------------------------------- headers
def test_tile_status_and_content_type(huacheng):
    assert huacheng.headers["Content-Type"].split(";")[0].strip() == MVT_TYPE
    assert "Content-Encoding" not in huacheng.headers or \
        huacheng.headers["Content-Encoding"] == "identity"
    assert len(huacheng.content) > 0


def test_cache_control_present(huacheng):
    assert huacheng.headers.get("Cache-Control"), "Cache-Control missing on a tile"


def test_cors_header_with_origin(http):
    r = fetch(http, HUACHENG_PATH, Origin="http://example.org")
    assert r.status_code == 200
    acao = r.headers.get("Access-Control-Allow-Origin")
    assert acao in ("*", "http://example.org"), f"Access-Control-Allow-Origin: {acao!r}"


def test_gzip_when_accepted(http, huacheng):
    r = http.get(HUACHENG_PATH, headers={"Accept-Encoding": "gzip"}, stream=True)
    body = r.raw.read(decode_content=False)
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") == "gzip", dict(r.headers)
    assert "accept-encoding" in r.headers.get("Vary", "").lower(), "Vary: Accept-Encoding missing"
    assert body[:2] == b"\x1f\x8b", "body is not gzip"
    assert gzip.decompress(body) == huacheng.content
    assert len(body) < len(huacheng.content)


def test_identity_when_gzip_refused(http, huacheng):
    r = http.get(HUACHENG_PATH, headers={"Accept-Encoding": "gzip;q=0, identity"}, stream=True)
    body = r.raw.read(decode_content=False)
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding", "identity") == "identity"
    assert body == huacheng.content


def test_etag_if_none_match_304(http, huacheng):
    etag = huacheng.headers.get("ETag")
    assert etag, "no ETag on a tile"
    r = fetch(http, HUACHENG_PATH, **{"If-None-Match": etag})
    assert r.status_code == 304
    assert r.content == b""
    r2 = fetch(http, HUACHENG_PATH, **{"If-None-Match": '"not-the-etag"'})
    assert r2.status_code == 200 and r2.content == huacheng.content


def test_etag_304_for_gzip_representation(http):
    r = http.get(HUACHENG_PATH, headers={"Accept-Encoding": "gzip"}, stream=True)
    r.raw.read(decode_content=False)
    etag = r.headers.get("ETag")
    assert etag
    r2 = http.get(HUACHENG_PATH, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert r2.status_code == 304


def test_etag_differs_per_content_coding(http, huacheng):
    """RFC 9110 §8.8.3: a strong ETag is unique across all representations of a resource,
    so the gzip and identity bytes cannot share one (or the ETag must be weak)."""
    r = http.get(HUACHENG_PATH, headers={"Accept-Encoding": "gzip"}, stream=True)
    r.raw.read(decode_content=False)
    gz_tag, id_tag = r.headers.get("ETag"), huacheng.headers.get("ETag")
    assert gz_tag and id_tag
    assert gz_tag != id_tag or gz_tag.startswith("W/"), \
        f"same strong ETag {gz_tag} for gzip and identity representations"


def test_head_request(http, huacheng):
    """RFC 9110 §9.3.2: a server supports HEAD wherever it supports GET."""
    r = requests_head(http, HUACHENG_PATH)
    assert r.status_code == 200, f"HEAD answered {r.status_code}"
    assert r.headers["Content-Type"].split(";")[0].strip() == MVT_TYPE
    assert r.content == b""


def requests_head(server, path):
    import requests
    return requests.head(server.url(path), headers=IDENT, timeout=30, allow_redirects=False)


def test_tiles_are_deterministic(http, huacheng):
    for _ in range(2):
        assert fetch(http, HUACHENG_PATH).content == huacheng.content


# ----------------------------------------------------------------------------- structure
def test_layers_present_with_features(huacheng_raw):
    assert set(huacheng_raw) == {"buildings", "roads"}
    for name, layer in huacheng_raw.items():
        assert layer.features, f"layer {name} has no features"


def test_version_and_extent(huacheng_raw):
    for layer in huacheng_raw.values():
        assert layer.version == 2, f"{layer.name}: version {layer.version}"
        assert layer.extent == 4096, f"{layer.name}: extent {layer.extent}"


def test_keys_and_values_deduplicated(huacheng_raw):
    for layer in huacheng_raw.values():
        assert len(layer.keys) == len(set(layer.keys)), f"{layer.name}: duplicate keys"
        seen = set()
        dups = []
        for t, v in layer.values:
            k = (t, v)
            if k in seen:
                dups.append(k)
            seen.add(k)
        assert not dups, f"{layer.name}: duplicate values {dups[:10]}"
        used_k = {f.tags[i] for f in layer.features for i in range(0, len(f.tags), 2)}
        used_v = {f.tags[i] for f in layer.features for i in range(1, len(f.tags), 2)}
        assert used_k == set(range(len(layer.keys))), f"{layer.name}: unused keys"
        assert used_v == set(range(len(layer.values))), f"{layer.name}: unused values"


def test_feature_ids_and_types(huacheng_raw):
    want = {"buildings": 3, "roads": 2}
    for name, layer in huacheng_raw.items():
        ids = [f.id for f in layer.features]
        assert all(i is not None for i in ids), f"{name}: features without id"
        assert len(ids) == len(set(ids)), f"{name}: duplicate feature ids"
        assert {f.type for f in layer.features} == {want[name]}


def test_properties_are_the_features_scalars(huacheng_raw):
    """Every tile feature carries the source feature's non-null scalar properties, typed."""
    for name, layer in huacheng_raw.items():
        src = source_by_key(name)
        for f in layer.features:
            k = key_of(name, f.properties)
            assert k in src, f"{name}: tile feature {f.id} has no source match ({f.properties})"
            props = src[k][0]["properties"]
            for pk, pv in props.items():
                if pv is None or isinstance(pv, (dict, list)):
                    continue
                assert pk in f.properties, f"{name} {k}: property {pk} missing"
                tv = f.properties[pk]
                if isinstance(pv, bool):
                    assert tv is pv, f"{name} {k}: {pk}={tv!r}, want {pv!r}"
                elif isinstance(pv, (int, float)):
                    assert not isinstance(tv, (str, bool)) and abs(tv - pv) <= 1e-6 * max(1, abs(pv)), \
                        f"{name} {k}: {pk}={tv!r}, want {pv!r}"
                else:
                    assert tv == pv, f"{name} {k}: {pk}={tv!r}, want {pv!r}"


def test_mapbox_vector_tile_decodes_the_same(huacheng, huacheng_raw):
    dec = mapbox_vector_tile.decode(huacheng.content, default_options={"y_coord_down": True})
    assert set(dec) == set(huacheng_raw)
    for name, layer in dec.items():
        assert layer["extent"] == 4096
        assert layer.get("version", 2) == 2
        raw = huacheng_raw[name]
        assert len(layer["features"]) == len(raw.features)
        assert [f["id"] for f in layer["features"]] == [f.id for f in raw.features]
        for a, b in zip(layer["features"], raw.features):
            assert set(a["properties"]) == set(b.properties)
            for k, v in b.properties.items():
                if isinstance(v, float):
                    assert a["properties"][k] == pytest.approx(v)
                else:
                    assert a["properties"][k] == v


# ----------------------------------------------------------------------------- geometry
def _polygons_ok(raw_layers):
    problems = []
    for name, layer in raw_layers.items():
        for f in layer.features:
            if f.type != 3:
                continue
            first = ring_area(f.parts[0])
            if first <= 0:
                problems.append(f"{name} fid {f.id}: first ring area {first} (must be > 0, y down)")
                continue
            try:
                g = raw_to_shapely(f)
            except ValueError as e:
                problems.append(f"{name} fid {f.id}: {e}")
                continue
            if not g.is_valid:
                problems.append(f"{name} fid {f.id}: invalid: {shapely.is_valid_reason(g)}")
    return problems


def test_polygon_winding_and_validity(huacheng_raw):
    problems = _polygons_ok(huacheng_raw)
    assert not problems, "\n".join(problems[:20])


def test_lines_have_two_points(huacheng_raw):
    for f in huacheng_raw["roads"].features:
        for part in f.parts:
            assert len(part) >= 2, f"roads fid {f.id}: line with {len(part)} points"


def test_coordinates_within_buffer(huacheng_raw):
    lo, hi = -BUFFER - 1, EXTENT + BUFFER + 1
    for name, layer in huacheng_raw.items():
        for f in layer.features:
            for part in f.parts:
                for x, y in part:
                    assert lo <= x <= hi and lo <= y <= hi, \
                        f"{name} fid {f.id}: ({x},{y}) outside tile + buffer {BUFFER}"


def _compare_with_source(raw_layers, zxy, layer_names):
    problems = []
    tile_box = box(1, 1, EXTENT - 1, EXTENT - 1)
    outer = box(-BUFFER - 1, -BUFFER - 1, EXTENT + BUFFER + 1, EXTENT + BUFFER + 1)
    for name in layer_names:
        src = source_by_key(name)
        got = defaultdict(list)
        for f in raw_layers[name].features:
            got[key_of(name, f.properties)].append(f)
        for k, feats in got.items():
            if len(feats) > 1:
                problems.append(f"{name} {k}: {len(feats)} tile features for one source feature")
        expected, outside = set(), set()
        for k, feats in src.items():
            g = source_geom_tile(feats, zxy)
            if g.intersects(tile_box):
                expected.add(k)
            minx, miny, maxx, maxy = g.bounds
            if maxx < outer.bounds[0] or minx > outer.bounds[2] or maxy < outer.bounds[1] \
                    or miny > outer.bounds[3]:
                outside.add(k)
            if k not in got:
                continue
            dec = raw_to_shapely(got[k][0])
            # An invalid source feature is repaired at import: compare with either GEOS repair.
            targets = [g] if g.is_valid else [
                shapely.make_valid(g), shapely.make_valid(g, method="structure", keep_collapsed=False)]
            dists = []
            for t in targets:
                a, b = outline(dec), outline(t)
                dists.append((directed_distance(a, b, WINDOW),    # tile -> source
                              directed_distance(b, a, WINDOW)))   # source -> tile
            d1, d2 = min(dists, key=max)
            if max(d1, d2) > HAUSDORFF_MAX:
                problems.append(f"{name} {k}: tile→source {d1:.2f}, source→tile {d2:.2f} units")
        # A feature smaller than a tile unit may vanish when snapped to the grid.
        expected = {k for k in expected if _tile_size(src[k], zxy) >= 2.0}
        missing = expected - set(got)
        if missing:
            problems.append(f"{name}: {len(missing)} source features crossing the tile are missing: "
                            f"{sorted(map(str, missing))[:10]}")
        present_outside = outside & set(got)
        if present_outside:
            problems.append(f"{name}: features entirely outside tile+buffer are present: "
                            f"{sorted(map(str, present_outside))[:10]}")
        unknown = set(got) - set(src)
        if unknown:
            problems.append(f"{name}: tile features with no source feature: {sorted(map(str, unknown))[:10]}")
    return problems


def _tile_size(feats, zxy):
    minx, miny, maxx, maxy = source_geom_tile(feats, zxy).bounds
    return max(maxx - minx, maxy - miny)


def test_geometries_match_source(huacheng_raw):
    problems = _compare_with_source(huacheng_raw, HUACHENG, ["buildings", "roads"])
    assert not problems, "\n".join(problems[:30])


# ----------------------------------------------------------------------------- GDAL
@pytest.fixture(scope="module")
def gdal_dir(huacheng, tmp_path_factory):
    if not shutil.which("ogrinfo"):
        pytest.skip("GDAL (ogrinfo) not installed")
    d = tmp_path_factory.mktemp("gdal")
    p = d / "14" / "13348" / "7109.pbf"
    p.parent.mkdir(parents=True)
    p.write_bytes(huacheng.content)
    return p


def test_gdal_reads_the_tile(gdal_dir, huacheng_raw):
    r = subprocess.run(["ogrinfo", "-ro", "-al", "-so", "-oo", "CLIP=NO", f"MVT:{gdal_dir}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    counts = dict(zip(re.findall(r"(?m)^Layer name: (\S+)", r.stdout),
                      map(int, re.findall(r"(?m)^Feature Count: (\d+)", r.stdout))))
    assert counts == {k: len(v.features) for k, v in huacheng_raw.items()}, r.stdout[:2000]
    assert "ERROR" not in r.stderr, r.stderr


def test_gdal_geometries_agree(gdal_dir, huacheng_raw, tmp_path):
    """GDAL georeferences z/x/y.pbf in EPSG:3857; its coordinates converted back to tile
    units must equal our reader's, feature by feature (matched on mvt_id)."""
    from shapely import affinity
    minx, miny, maxx, maxy = tile_bounds_merc(*HUACHENG)
    s = EXTENT / (maxx - minx)
    to_tile = [s, 0, 0, -s, -minx * s, maxy * s]
    for name, layer in huacheng_raw.items():
        out = tmp_path / f"{name}.geojson"
        r = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "-oo", "CLIP=NO", str(out),
                            f"MVT:{gdal_dir}", name], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        fc = json.loads(out.read_text())
        by_id = {f["properties"]["mvt_id"]: f for f in fc["features"]}
        assert set(by_id) == {f.id for f in layer.features}
        for f in layer.features:
            g = affinity.affine_transform(shape(by_id[f.id]["geometry"]), to_tile)
            mine = raw_to_shapely(f)
            assert shapely.hausdorff_distance(outline(g), outline(mine)) < 0.01, \
                f"{name} fid {f.id}: GDAL and our reader disagree"
            assert by_id[f.id]["properties"].get("name") == f.properties.get("name")


# ----------------------------------------------------------------------------- other tiles
def test_z10_guangzhou_admin(gz_z10):
    raw = decode_tile_raw(gz_z10.content)
    assert set(raw) == {"admin"}
    layer = raw["admin"]
    assert layer.version == 2 and layer.extent == 4096
    codes = {f.properties.get("adcode") for f in layer.features}
    for want in ("440000", "440100", "440106"):  # Guangdong, Guangzhou, Tianhe
        assert want in codes, f"adcode {want} missing from the z10 tile (got {sorted(map(str, codes))[:20]})"
    for f in layer.features:
        p = f.properties
        assert isinstance(p.get("adcode"), str) and re.fullmatch(r"\d{6}", p["adcode"]), p
        assert p.get("level") in ("province", "city", "district"), p
        assert p.get("name"), p
    problems = _polygons_ok(raw)
    assert not problems, "\n".join(problems[:20])


def test_z10_admin_geometries_match_source(gz_z10):
    raw = decode_tile_raw(gz_z10.content)
    problems = _compare_with_source(raw, GZ_Z10, ["admin"])
    assert not problems, "\n".join(problems[:30])


def test_all_layers_at_z16_huacheng(http):
    z, x, y = 16, *tile_for(113.3152, 23.1222, 16)
    r = fetch(http, f"/tiles/{ALL}/{z}/{x}/{y}.mvt")
    assert r.status_code == 200
    raw = decode_tile_raw(r.content)
    assert {"admin", "roads", "buildings"} <= set(raw), sorted(raw)
    problems = _polygons_ok(raw)
    assert not problems, "\n".join(problems[:20])


def test_layer_left_out_below_minzoom(http):
    meta = {l["id"]: l for l in layers_json()}
    bz = meta["buildings"]["minzoom"]
    assert bz > 0
    z = bz - 1
    x, y = tile_for(113.3152, 23.1222, z)
    r = fetch(http, f"/tiles/buildings,roads/{z}/{x}/{y}.mvt")
    assert r.status_code == 200
    raw = decode_tile_raw(r.content)
    assert "buildings" not in raw, f"buildings served at z{z} below its minzoom {bz}"
    if meta["roads"]["minzoom"] <= z:
        assert "roads" in raw and raw["roads"].features


def test_layer_served_above_maxzoom(http):
    meta = {l["id"]: l for l in layers_json()}
    z = meta["buildings"]["maxzoom"] + 2
    src = sample_features("buildings")[0]
    p = shape(src["geometry"]).representative_point()
    x, y = tile_for(p.x, p.y, z)
    r = fetch(http, f"/tiles/buildings/{z}/{x}/{y}.mvt")
    assert r.status_code == 200
    raw = decode_tile_raw(r.content)
    assert "buildings" in raw, f"buildings left out at z{z}, above maxzoom"
    keys = {f.properties.get("osm_id") for f in raw["buildings"].features}
    assert src["properties"]["osm_id"] in keys
    problems = _polygons_ok(raw)
    assert not problems, "\n".join(problems[:30])


def test_empty_area_tile(http):
    r = fetch(http, f"/tiles/{ALL}/%d/%d/%d.mvt" % SEA_Z10)
    assert r.status_code == 200, r.text[:300]
    raw = decode_tile_raw(r.content)
    n = sum(len(l.features) for l in raw.values())
    assert n == 0, f"{n} features in a South China Sea tile"
    assert r.content == b"", f"empty tile must have an empty body (got {len(r.content)} bytes)"


def test_max_zoom_24_is_valid(http):
    z = 24
    x, y = tile_for(113.3152, 23.1222, z)
    r = fetch(http, f"/tiles/roads/{z}/{x}/{y}.mvt")
    assert r.status_code == 200, r.text[:300]
    decode_tile_raw(r.content)
    last = 2 ** 24 - 1
    r = fetch(http, f"/tiles/roads/24/{last}/{last}.mvt")
    assert r.status_code == 200, r.text[:300]


def test_concurrent_requests_consistent(http):
    paths = []
    for z in (14, 15, 16):
        x0, y0 = tile_for(113.3110, 23.1240, z)
        x1, y1 = tile_for(113.3195, 23.1205, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                paths.append(f"/tiles/{ALL}/{z}/{x}/{y}.mvt")
    paths = paths * 3

    def get(p):
        r = fetch(http, p)
        return p, r.status_code, r.content

    with cf.ThreadPoolExecutor(16) as ex:
        results = list(ex.map(get, paths))
    bodies = {}
    for p, st, body in results:
        assert st == 200, p
        if p in bodies:
            assert bodies[p] == body, f"{p}: different bytes under concurrency"
        bodies[p] = body
    assert http.alive()


def _tiles_over(bbox, zooms):
    w, s, e, n = bbox
    out = []
    for z in zooms:
        x0, y0 = tile_for(w, n, z)
        x1, y1 = tile_for(e, s, z)
        out += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return out


SURVEY = sorted(set(
    _tiles_over((113.3110, 23.1205, 113.3195, 23.1240), range(11, 17)) +   # Huacheng
    _tiles_over((113.2345, 23.1078, 113.2450, 23.1122), range(11, 17)) +   # Shamian
    _tiles_over((114.2000, 22.6800, 114.2200, 22.6950), range(12, 16))))   # Longgang


@pytest.mark.parametrize("zxy", SURVEY, ids=["%d/%d/%d" % t for t in SURVEY])
def test_survey_tiles_match_source(http, zxy):
    """Every layer of every tile around the three OSM areas: structure, winding, validity,
    completeness, nothing outside the buffer, geometry within HAUSDORFF_MAX of the source."""
    z, x, y = zxy
    r = fetch(http, f"/tiles/{ALL}/{z}/{x}/{y}.mvt")
    assert r.status_code == 200
    raw = decode_tile_raw(r.content)
    meta = {l["id"]: l for l in layers_json()}
    for lid in ALL.split(","):
        if z < meta[lid]["minzoom"]:
            assert lid not in raw, f"{lid} served below its minzoom"
    for layer in raw.values():
        assert layer.version == 2 and layer.extent == EXTENT
        assert len(layer.keys) == len(set(layer.keys))
        assert len(layer.values) == len(set(layer.values))
    problems = _polygons_ok(raw)
    present = [l for l in ALL.split(",") if l in raw]
    problems += _compare_with_source(raw, zxy, present)
    # layers at or above minzoom with source features crossing the tile must be present
    tile_box = box(1, 1, EXTENT - 1, EXTENT - 1)
    for lid in ALL.split(","):
        if z >= meta[lid]["minzoom"] and lid not in raw:
            for feats in source_by_key(lid).values():
                if source_geom_tile(feats, zxy).intersects(tile_box):
                    problems.append(f"{lid}: layer missing although source features cross the tile")
                    break
    assert not problems, "\n".join(problems[:30])


def test_percent_encoded_path_parameters_are_decoded(http):
    """A client that escapes the comma of a layer list (roads%2Cbuildings) or a letter of
    a collection id gets what the plain path gives; bad escapes are a 4xx, not a crash."""
    plain = http.get("/tiles/roads,buildings/14/13348/7109.mvt", headers={"Accept-Encoding": "identity"})
    escaped = http.get("/tiles/roads%2Cbuildings/14/13348/7109.mvt", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == escaped.status_code == 200
    assert plain.content == escaped.content and len(plain.content) > 0
    a = http.get("/collections/poi/items", params={"limit": 3}).json()
    b = http.get("/collections/po%69/items", params={"limit": 3}).json()
    assert [f["id"] for f in a["features"]] == [f["id"] for f in b["features"]]
    for bad in ("/tiles/roads%FF/14/13348/7109.mvt", "/collections/%FF%FE/items", "/tiles/roads%2/14/1/1.mvt"):
        r = http.get(bad)
        assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("application/problem+json"), (bad, r.status_code)
    assert http.get("/health").status_code == 200
