"""`onemap import` into fresh databases: formats, CRS, repair/reject accounting, atomicity.

Stored geometries are read back independently with the sqlite3 CLI + mod_spatialite
(one table per layer, registered in geometry_columns; OneMap names it `layer_<id>` and
keeps its catalogue in `onemap_layers`)."""
from __future__ import annotations

import json
import re

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon, mapping, shape

from helpers import decode_tile_raw, tile_for

# ---------------------------------------------------------------------------- fixtures data
GOOD_POLYS = [
    Polygon([(113.3120, 23.1210), (113.3130, 23.1210), (113.3130, 23.1220), (113.3120, 23.1220)]),
    Polygon([(113.3140, 23.1210), (113.3150, 23.1210), (113.3150, 23.1220), (113.3140, 23.1220)],
            [[(113.3143, 23.1213), (113.3143, 23.1217), (113.3147, 23.1217), (113.3147, 23.1213)]]),
    Polygon([(113.3160, 23.1225), (113.3170, 23.1225), (113.3165, 23.1235)]),
]
BOWTIE = [[113.3180, 23.1210], [113.3190, 23.1220], [113.3190, 23.1210], [113.3180, 23.1220],
          [113.3180, 23.1210]]


def feat(geom, i, **props):
    g = geom if isinstance(geom, dict) else mapping(geom)
    p = {"name": f"要素{i}", "code": f"C{i:03d}", "n": i}
    p.update(props)
    return {"type": "Feature", "properties": p, "geometry": json.loads(json.dumps(g))}


def fc(features):
    return {"type": "FeatureCollection", "features": features}


def good_features():
    return [feat(g, i) for i, g in enumerate(GOOD_POLYS)]


def write_json(path, obj):
    path.write_text(json.dumps(obj, ensure_ascii=False))
    return path


# ---------------------------------------------------------------------------- reading back
def layer_table(spatialite_sql, db, layer):
    rows = spatialite_sql(db, "SELECT f_table_name, f_geometry_column, srid FROM geometry_columns")
    for t, col, srid in rows:
        if t.lower() in (f"layer_{layer}".lower(), layer.lower()):
            return t, col, int(srid)
    tables = spatialite_sql(db, "SELECT name FROM sqlite_master WHERE type='table'")
    raise AssertionError(f"no geometry table named {layer!r} in {db.name}; geometry_columns: {rows}; "
                         f"tables: {[t[0] for t in tables]}")


def stored(spatialite_sql, db, layer):
    t, col, srid = layer_table(spatialite_sql, db, layer)
    rows = spatialite_sql(db, f'SELECT hex(AsBinary("{col}")), SRID("{col}") FROM "{t}"')
    out = []
    for hexwkb, s in rows:
        assert int(s) == 4490, f"stored SRID {s}, want 4490"
        out.append(shapely.from_wkb(bytes.fromhex(hexwkb)))
    return out


def layer_exists(spatialite_sql, db, layer):
    if not db.exists():
        return False
    names = [r[0].lower() for r in spatialite_sql(db, "SELECT name FROM sqlite_master WHERE type='table'")]
    if layer.lower() in names or f"layer_{layer}".lower() in names:
        return True
    for cat in ("onemap_layers", "layers"):
        if cat in names:
            cols = [r[1] for r in spatialite_sql(db, f"PRAGMA table_info({cat})")]
            if "id" in cols and spatialite_sql(db, f"SELECT id FROM {cat} WHERE id = '{layer}'"):
                return True
    return False


def snapshot(spatialite_sql, db, layer):
    t, col, _ = layer_table(spatialite_sql, db, layer)
    cols = [r[1] for r in spatialite_sql(db, f'PRAGMA table_info("{t}")')]
    sel = ", ".join(f'hex(AsBinary("{c}"))' if c == col else f'quote("{c}")' for c in cols)
    return sorted(spatialite_sql(db, f'SELECT {sel} FROM "{t}"'))


def assert_ok(res, n, repaired=0, rejected=0):
    assert res.returncode == 0, res
    assert res.summary, f"last stdout line not 'imported N features into L: R repaired, J rejected': {res}"
    assert res.summary == (n, res.layer, repaired, rejected), res


def assert_failed(res):
    assert res.returncode == 1, res
    assert re.search(r"(?m)^error: \S", res.stderr), f"no 'error: …' line on stderr: {res}"


def same_geoms(got, want, tol=1e-9):
    assert len(got) == len(want), (len(got), len(want))
    unmatched = list(got)
    for w in want:
        for g in unmatched:
            if g.geom_type.replace("Multi", "") == w.geom_type.replace("Multi", "") and \
                    shapely.hausdorff_distance(g, w) <= tol:
                unmatched.remove(g)
                break
        else:
            raise AssertionError(f"no stored geometry equal to {w.wkt[:120]}")


# ---------------------------------------------------------------------------- formats
def test_featurecollection(run_import, tmp_path, spatialite_sql):
    f = write_json(tmp_path / "fc.geojson", fc(good_features()))
    res = run_import(f, "fc_layer")
    assert_ok(res, 3)
    same_geoms(stored(spatialite_sql, res.db, "fc_layer"), GOOD_POLYS)


def test_geojson_sequence_lines(run_import, tmp_path, spatialite_sql):
    p = tmp_path / "seq.geojsonl"
    p.write_text("\n".join(json.dumps(f, ensure_ascii=False) for f in good_features()) + "\n")
    res = run_import(p, "seq_layer", "--format", "geojsonseq")
    assert_ok(res, 3)
    same_geoms(stored(spatialite_sql, res.db, "seq_layer"), GOOD_POLYS)


def test_geojson_sequence_rfc8142(run_import, tmp_path, spatialite_sql):
    p = tmp_path / "seq.geojsons"
    p.write_bytes(b"".join(b"\x1e" + json.dumps(f, ensure_ascii=False).encode() + b"\n"
                           for f in good_features()))
    res = run_import(p, "rs_layer", "--format", "geojsonseq")
    assert_ok(res, 3)
    same_geoms(stored(spatialite_sql, res.db, "rs_layer"), GOOD_POLYS)


def test_csv_lon_lat(run_import, tmp_path, spatialite_sql):
    p = tmp_path / "pts.csv"
    p.write_text("id,name,lon,lat,pop\n"
                 "1,花城广场,113.3245,23.1190,100\n"
                 "2,\"Shamian, Liwan\",113.2400,23.1100,20\n"
                 "3,深圳龙岗,114.2100,22.6900,3\n", encoding="utf-8")
    res = run_import(p, "csv_layer", "--format", "csv", "--lon-field", "lon", "--lat-field", "lat")
    assert_ok(res, 3)
    same_geoms(stored(spatialite_sql, res.db, "csv_layer"),
               [Point(113.3245, 23.1190), Point(113.2400, 23.1100), Point(114.2100, 22.6900)])


def test_csv_custom_columns(run_import, tmp_path, spatialite_sql):
    p = tmp_path / "xy.csv"
    p.write_text("x,y,名称,code\n113.3,23.1,甲,A1\n113.4,23.2,乙,A2\n", encoding="utf-8")
    res = run_import(p, "xy_layer", "--format", "csv", "--lon-field", "x", "--lat-field", "y",
                     "--name-field", "名称", "--code-field", "code")
    assert_ok(res, 2)
    same_geoms(stored(spatialite_sql, res.db, "xy_layer"), [Point(113.3, 23.1), Point(113.4, 23.2)])


@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:4547"])
def test_projected_input_crs(run_import, tmp_path, spatialite_sql, crs):
    fwd = Transformer.from_crs("EPSG:4490", crs, always_xy=True)
    back = Transformer.from_crs(crs, "EPSG:4490", always_xy=True)
    lonlat = [(113.3245, 23.1190), (113.2400, 23.1100), (114.0579, 22.5431), (113.31234567, 23.12345678)]
    proj = [fwd.transform(*p) for p in lonlat]
    feats = [feat(Point(x, y), i) for i, (x, y) in enumerate(proj)]
    poly = [fwd.transform(*c) for c in GOOD_POLYS[1].exterior.coords]
    feats.append(feat(Polygon(poly), 99))
    f = write_json(tmp_path / "proj.geojson", fc(feats))
    res = run_import(f, "proj_layer", "--crs", crs)
    assert_ok(res, len(feats))
    got = stored(spatialite_sql, res.db, "proj_layer")
    want = [Point(back.transform(x, y)) for x, y in proj]
    want.append(Polygon([back.transform(x, y) for x, y in poly]))
    same_geoms(got, want, tol=1e-8)


@pytest.mark.parametrize("crs", ["EPSG:4490", "EPSG:4326"])
def test_geographic_crs_keeps_lon_lat_order(run_import, tmp_path, spatialite_sql, crs):
    """EPSG:4490/4326 are latitude-first in the EPSG registry, but GeoJSON and the CLI use
    lon/lat (visualisation order): --crs must not swap the axes."""
    f = write_json(tmp_path / "ll.geojson", fc(good_features()))
    res = run_import(f, "ll_layer", "--crs", crs)
    assert_ok(res, 3)
    same_geoms(stored(spatialite_sql, res.db, "ll_layer"), GOOD_POLYS)


def test_csv_geographic_crs_keeps_lon_lat_order(run_import, tmp_path, spatialite_sql):
    p = tmp_path / "pts.csv"
    p.write_text("lon,lat\n113.3245,23.1190\n", encoding="utf-8")
    res = run_import(p, "csvll", "--format", "csv", "--lon-field", "lon", "--lat-field", "lat",
                     "--crs", "EPSG:4490")
    assert_ok(res, 1)
    same_geoms(stored(spatialite_sql, res.db, "csvll"), [Point(113.3245, 23.1190)])


def test_file_crs_member(run_import, tmp_path, spatialite_sql):
    """`--crs` default is 'the file's own' (import --help): a GeoJSON 2008 crs member."""
    fwd = Transformer.from_crs("EPSG:4490", "EPSG:3857", always_xy=True)
    back = Transformer.from_crs("EPSG:3857", "EPSG:4490", always_xy=True)
    xy = fwd.transform(113.3245, 23.1190)
    doc = fc([feat(Point(*xy), 0)])
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    f = write_json(tmp_path / "crs.geojson", doc)
    res = run_import(f, "filecrs")
    assert_ok(res, 1)
    same_geoms(stored(spatialite_sql, res.db, "filecrs"), [Point(back.transform(*xy))], tol=1e-8)


def test_null_geometry_rejected(run_import, tmp_path, spatialite_sql):
    feats = good_features()
    feats.insert(2, {"type": "Feature", "properties": {"name": "无几何"}, "geometry": None})
    f = write_json(tmp_path / "null.geojson", fc(feats))
    res = run_import(f, "nullgeom")
    assert_ok(res, 3, rejected=1)
    assert res.rejected_indices() == [2], res


def test_csv_bad_coordinate_rejected(run_import, tmp_path, spatialite_sql):
    p = tmp_path / "bad.csv"
    p.write_text("name,lon,lat\na,113.3,23.1\nb,abc,23.1\nc,113.4,\nd,113.5,23.2\n", encoding="utf-8")
    res = run_import(p, "csvbad", "--format", "csv", "--lon-field", "lon", "--lat-field", "lat")
    assert_ok(res, 2, rejected=2)
    assert res.rejected_indices() == [1, 2], res


def test_csv_missing_column_fails(run_import, tmp_path, spatialite_sql):
    p = tmp_path / "nocol.csv"
    p.write_text("name,x,y\na,113.3,23.1\n", encoding="utf-8")
    res = run_import(p, "nocol", "--format", "csv", "--lon-field", "lon", "--lat-field", "lat")
    assert_failed(res)
    assert "lon" in res.stderr
    assert not layer_exists(spatialite_sql, res.db, "nocol")


# ---------------------------------------------------------------------------- bad files
def test_malformed_json(run_import, tmp_path, spatialite_sql):
    p = tmp_path / "bad.geojson"
    p.write_text('{"type": "FeatureCollection", "features": [ {"type": "Feature", "geometry": ,]}')
    res = run_import(p, "bad_layer")
    assert_failed(res)
    assert not layer_exists(spatialite_sql, res.db, "bad_layer")


def test_truncated_file(run_import, tmp_path, spatialite_sql):
    text = json.dumps(fc(good_features() * 20))
    p = tmp_path / "trunc.geojson"
    p.write_text(text[: len(text) * 2 // 3])
    res = run_import(p, "trunc_layer")
    assert_failed(res)
    assert not layer_exists(spatialite_sql, res.db, "trunc_layer")


def test_truncated_sequence(run_import, tmp_path, spatialite_sql):
    """A GeoJSON text sequence is record-oriented (RFC 8142/7464 let a reader skip a truncated
    text): either the whole import fails, or the broken last record is rejected as
    `feature 3` and the rest imported. With --strict it must fail."""
    lines = [json.dumps(f) for f in good_features()]
    p = tmp_path / "trunc.geojsonl"
    p.write_text("\n".join(lines) + "\n" + lines[0][: len(lines[0]) // 2])
    res = run_import(p, "truncseq", "--format", "geojsonseq")
    if res.returncode == 1:
        assert_failed(res)
        assert not layer_exists(spatialite_sql, res.db, "truncseq")
    else:
        assert_ok(res, 3, rejected=1)
        assert res.rejected_indices() == [3], res
    strict = run_import(p, "truncseq", "--format", "geojsonseq", "--strict")
    assert_failed(strict)
    assert not layer_exists(spatialite_sql, strict.db, "truncseq")


def test_missing_file(run_import, tmp_path):
    res = run_import(tmp_path / "does-not-exist.geojson", "x")
    assert_failed(res)


def test_wrong_crs_code(run_import, tmp_path, spatialite_sql):
    f = write_json(tmp_path / "fc.geojson", fc(good_features()))
    res = run_import(f, "crs_layer", "--crs", "EPSG:999999")
    assert_failed(res)
    assert "999999" in res.stderr, res
    assert not layer_exists(spatialite_sql, res.db, "crs_layer")


def test_bowtie_repaired(run_import, tmp_path, spatialite_sql):
    bow = {"type": "Polygon", "coordinates": [BOWTIE]}
    feats = good_features()[:1] + [feat(bow, 1)] + good_features()[2:]
    f = write_json(tmp_path / "bow.geojson", fc(feats))
    res = run_import(f, "bow_layer")
    assert_ok(res, 3, repaired=1)
    got = [g for g in stored(spatialite_sql, res.db, "bow_layer")
           if g.intersects(Polygon(BOWTIE).envelope)]
    assert len(got) == 1
    g = got[0]
    want = shapely.make_valid(shape(bow))
    assert g.is_valid, shapely.is_valid_reason(g)
    assert g.geom_type in ("Polygon", "MultiPolygon")
    assert abs(g.area - want.area) <= 1e-9 * want.area, (g.area, want.area)
    assert shapely.symmetric_difference(g, want).area <= 1e-9 * want.area


def test_unclosed_ring(run_import, tmp_path, spatialite_sql):
    ring = [list(c) for c in GOOD_POLYS[0].exterior.coords][:-1]  # last point dropped
    feats = [feat({"type": "Polygon", "coordinates": [ring]}, 0)] + good_features()[1:]
    f = write_json(tmp_path / "unclosed.geojson", fc(feats))
    res = run_import(f, "unclosed")
    assert res.returncode == 0, res
    n, _, r, j = res.summary
    assert n + j == 3 and n == 3 - j
    if j:
        assert res.rejected_indices() == [0], res
    else:
        assert r == 1, f"unclosed ring neither repaired nor rejected: {res}"
    for g in stored(spatialite_sql, res.db, "unclosed"):
        assert g.is_valid


def test_coordinates_out_of_range_rejected(run_import, tmp_path, spatialite_sql):
    feats = good_features()
    feats.insert(1, feat(Point(200.0, 95.0), 7))
    f = write_json(tmp_path / "range.geojson", fc(feats))
    res = run_import(f, "range_layer")
    assert_ok(res, 3, rejected=1)
    assert res.rejected_indices() == [1], res
    assert len(stored(spatialite_sql, res.db, "range_layer")) == 3


def test_projected_out_of_range_rejected(run_import, tmp_path, spatialite_sql):
    pts = [Point(12613000, 2647000), Point(1e12, 2647000), Point(12614000, 2648000)]
    f = write_json(tmp_path / "r3857.geojson", fc([feat(p, i) for i, p in enumerate(pts)]))
    res = run_import(f, "r3857", "--crs", "EPSG:3857")
    assert_ok(res, 2, rejected=1)
    assert res.rejected_indices() == [1], res


# ---------------------------------------------------------------------------- atomicity
@pytest.mark.parametrize("append", [False, True])
def test_failed_import_leaves_layer_as_it_was(run_import, tmp_path, spatialite_sql, append):
    good = write_json(tmp_path / "good.geojson", fc(good_features()))
    first = run_import(good, "keep")
    assert_ok(first, 3)
    before = snapshot(spatialite_sql, first.db, "keep")
    bad = tmp_path / "bad.geojson"
    text = json.dumps(fc(good_features() * 5))
    bad.write_text(text[: len(text) - 40])
    res = run_import(bad, "keep", *(["--append"] if append else []), db=first.db)
    assert_failed(res)
    assert snapshot(spatialite_sql, first.db, "keep") == before


def test_strict_rejects_all(run_import, tmp_path, spatialite_sql):
    feats = good_features()
    feats.append(feat(Point(200.0, 95.0), 9))
    f = write_json(tmp_path / "strict.geojson", fc(feats))
    res = run_import(f, "strict_layer", "--strict")
    assert_failed(res)
    assert "feature 3:" in res.stderr, res
    assert not layer_exists(spatialite_sql, res.db, "strict_layer")


def test_strict_leaves_existing_layer(run_import, tmp_path, spatialite_sql):
    good = write_json(tmp_path / "good.geojson", fc(good_features()))
    first = run_import(good, "keep2")
    assert_ok(first, 3)
    before = snapshot(spatialite_sql, first.db, "keep2")
    feats = good_features()
    feats.append(feat(Point(200.0, 95.0), 9))
    f = write_json(tmp_path / "strict.geojson", fc(feats))
    res = run_import(f, "keep2", "--strict", "--append", db=first.db)
    assert_failed(res)
    assert snapshot(spatialite_sql, first.db, "keep2") == before


def test_append_and_replace(run_import, tmp_path, spatialite_sql):
    good = write_json(tmp_path / "good.geojson", fc(good_features()))
    two = write_json(tmp_path / "two.geojson", fc(good_features()[:2]))
    first = run_import(good, "ar")
    assert_ok(first, 3)
    assert_ok(run_import(two, "ar", "--append", db=first.db), 2)
    assert len(stored(spatialite_sql, first.db, "ar")) == 5
    assert_ok(run_import(two, "ar", db=first.db), 2)
    assert len(stored(spatialite_sql, first.db, "ar")) == 2


# ---------------------------------------------------------------------------- end to end
def test_imported_layer_is_served(run_import, tmp_path, start_server):
    f = write_json(tmp_path / "fc.geojson", fc(good_features()))
    res = run_import(f, "served", "--kind", "thematic", "--title", "测试 Test", "--name-field", "name",
                     "--code-field", "code")
    assert_ok(res, 3)
    srv = start_server(res.db)
    layers = {l["id"]: l for l in srv.get("/layers").json()["layers"]}
    l = layers["served"]
    assert l["kind"] == "thematic" and l["title"] == "测试 Test" and l["featureCount"] == 3
    w, s, e, n = l["bounds"]  # may be rounded outwards (R*Tree float32)
    assert 113.3120 - 1e-4 < w <= 113.3120 and 23.1210 - 1e-4 < s <= 23.1210, l["bounds"]
    assert 113.3170 <= e < 113.3170 + 1e-4 and 23.1235 <= n < 23.1235 + 1e-4, l["bounds"]
    z = 16
    x0, y0 = tile_for(113.3120, 23.1235, z)
    x1, y1 = tile_for(113.3170, 23.1210, z)
    feats = []
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            r = srv.get(f"/tiles/served/{z}/{x}/{y}.mvt", headers={"Accept-Encoding": "identity"})
            assert r.status_code == 200
            raw = decode_tile_raw(r.content)
            if "served" in raw:
                feats += raw["served"].features
    names = {f.properties.get("name") for f in feats}
    assert {"要素0", "要素1", "要素2"} <= names, names
    props = next(f.properties for f in feats if f.properties.get("name") == "要素1")
    assert props.get("code") == "C001" and props.get("n") == 1, props
