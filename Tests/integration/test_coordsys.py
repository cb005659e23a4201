"""coordsys=gcj02|bd09 at the edge (issue 4, item 5, first part): answers converted for apps
on Chinese consumer basemaps, inputs converted back, and `import --crs gcj02|bd09`.
Reference: the PyPI package coord-convert (the same published algorithm, written by others)."""
from __future__ import annotations

import json

import pytest

ct = pytest.importorskip("coord_convert.transform", reason="pip install coord-convert")

from helpers import SAMPLE  # noqa: E402

HUACHENG = (113.3190, 23.1214)


def source_points():
    feats = json.loads((SAMPLE / "poi.geojson").read_text())["features"]
    return {i + 1: f["geometry"]["coordinates"] for i, f in enumerate(feats)}


@pytest.mark.parametrize("cs,fn", [("gcj02", "wgs2gcj"), ("bd09", "wgs2bd")])
def test_items_in_consumer_coordinates(http, cs, fn):
    src = source_points()
    r = http.get("/collections/poi/items", params={"limit": 50, "coordsys": cs})
    assert r.status_code == 200, r.text[:300]
    feats = r.json()["features"]
    assert len(feats) == 50
    for f in feats:
        lon, lat = f["geometry"]["coordinates"]
        elon, elat = getattr(ct, fn)(*src[f["id"]])
        assert abs(lon - elon) < 1e-7 and abs(lat - elat) < 1e-7, (f["id"], lon, lat, elon, elat)


def test_single_item_and_bbox_in_gcj02(http):
    src = source_points()
    r = http.get("/collections/poi/items/1", params={"coordsys": "gcj02"})
    assert r.status_code == 200
    lon, lat = r.json()["geometry"]["coordinates"]
    elon, elat = ct.wgs2gcj(*src[1])
    assert abs(lon - elon) < 1e-7 and abs(lat - elat) < 1e-7
    # A bbox given in GCJ-02 selects what the converted box covers in WGS84.
    w, s, e, n = 113.311, 23.1205, 113.3195, 23.124
    gw, gs = ct.wgs2gcj(w, s)
    ge, gn = ct.wgs2gcj(e, n)
    plain = http.get("/collections/poi/items", params={"bbox": f"{w},{s},{e},{n}", "limit": 1000}).json()
    shifted = http.get("/collections/poi/items", params={"bbox": f"{gw},{gs},{ge},{gn}", "coordsys": "gcj02", "limit": 1000}).json()
    a = {f["id"] for f in plain["features"]}
    b = {f["id"] for f in shifted["features"]}
    assert a and len(a ^ b) <= 2, (sorted(a ^ b))


def test_nearest_from_a_gcj02_point_equals_the_wgs84_point(http):
    glon, glat = ct.wgs2gcj(*HUACHENG)
    plain = http.get("/query/nearest", params={"lon": HUACHENG[0], "lat": HUACHENG[1], "k": 5, "layers": "poi"}).json()
    shifted = http.get("/query/nearest", params={"lon": glon, "lat": glat, "k": 5, "layers": "poi", "coordsys": "gcj02"}).json()
    assert [f["id"] for f in plain["features"]] == [f["id"] for f in shifted["features"]]
    for p, q in zip(plain["features"], shifted["features"]):
        assert abs(p["distance_m"] - q["distance_m"]) < 0.05
        elon, elat = ct.wgs2gcj(*p["geometry"]["coordinates"])
        lon, lat = q["geometry"]["coordinates"]
        assert abs(lon - elon) < 1e-7 and abs(lat - elat) < 1e-7


@pytest.mark.parametrize("params", [
    {"coordsys": "mars"},
    {"coordsys": "gcj02", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857"},
    {"coordsys": "bd09", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326", "bbox": "23,113,23.2,113.4"},
])
def test_bad_coordsys_is_400(http, params):
    r = http.get("/collections/poi/items", params=params)
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("cs,fn", [("gcj02", "wgs2gcj"), ("bd09", "wgs2bd")])
def test_import_from_consumer_coordinates(run_import, spatialite_sql, tmp_path, cs, fn):
    truth = [(113.3190, 23.1214), (113.2400, 23.1100), (114.2000, 22.6900), (121.4737, 31.2304)]
    feats = [{"type": "Feature", "properties": {"name": f"p{i}"},
              "geometry": {"type": "Point", "coordinates": list(getattr(ct, fn)(*p))}} for i, p in enumerate(truth)]
    f = tmp_path / f"{cs}.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    res = run_import(f, "offsetpts", "--crs", cs)
    assert res.returncode == 0, res
    rows = spatialite_sql(res.db, "SELECT name, X(geom), Y(geom) FROM layer_offsetpts ORDER BY fid")
    assert len(rows) == len(truth)
    for (name, x, y), (tx, ty) in zip(rows, truth):
        # The server's inverse is iterated to 1e-9 degrees: the truth comes back within 1 cm.
        assert abs(float(x) - tx) < 1e-7 and abs(float(y) - ty) < 1e-7, (name, x, y, tx, ty)
