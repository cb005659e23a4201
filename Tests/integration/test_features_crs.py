"""OGC API - Features Part 2 (CRS): `crs`, `bbox-crs`, `Content-Crs`, checked against pyproj
in each CRS's authority axis order and against SampleData read with Shapely."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box, shape

from features_ref import CRS84, epsg_uri, qpath, ref_layer

HUACHENG = (113.3120, 23.1205, 113.3190, 23.1240)
SHAMIAN = (113.2380, 23.1080, 113.2440, 23.1110)
MM = 1e-3


def items(http, layer, **params):
    params.setdefault("limit", 10000)
    r = http.get(qpath(f"/collections/{layer}/items", params))
    assert r.status_code == 200, r.text[:500]
    return r


def coords(geom_json):
    return shapely.get_coordinates(shape(geom_json))


def authority_transformer(code):
    """EPSG:4490 (lat, lon) -> EPSG:code in the target's authority axis order."""
    return Transformer.from_crs("EPSG:4490", f"EPSG:{code}", always_xy=False)


def test_content_crs_header_default_and_each_crs(http):
    r = items(http, "poi", limit=1)
    assert r.headers.get("Content-Crs") == f"<{CRS84}>"
    for code in [4326, 4490, 3857, 4547]:
        r = items(http, "poi", limit=1, crs=epsg_uri(code))
        assert r.headers.get("Content-Crs") == f"<{epsg_uri(code)}>", code
        r = http.get(qpath("/collections/poi/items/1", {"crs": epsg_uri(code)}))
        assert r.status_code == 200 and r.headers.get("Content-Crs") == f"<{epsg_uri(code)}>", code


@pytest.mark.parametrize("code", [4326, 4490])
def test_geographic_crs_is_latitude_first(http, code):
    ref = {f.fid: f for f in ref_layer("buildings")}
    body = items(http, "buildings", bbox=",".join(map(str, SHAMIAN)), crs=epsg_uri(code)).json()
    assert body["numberReturned"] > 20
    for f in body["features"]:
        got = coords(f["geometry"])
        r = ref[f["id"]]
        if not r.source_valid:
            continue
        want = shapely.get_coordinates(r.geom)[:, ::-1]  # (lat, lon)
        assert got.shape == want.shape
        assert abs(got - want).max() < 1e-9, f["id"]


@pytest.mark.parametrize("code", [3857, 4547])
def test_projected_crs_agree_with_pyproj(http, code):
    t = authority_transformer(code)
    ref = {f.fid: f for f in ref_layer("buildings")}
    for bbox in (HUACHENG, SHAMIAN):
        body = items(http, "buildings", bbox=",".join(map(str, bbox)), crs=epsg_uri(code)).json()
        assert body["numberReturned"] > 10
        for f in body["features"]:
            r = ref[f["id"]]
            if not r.source_valid:
                continue
            ll = shapely.get_coordinates(r.geom)
            a, b = t.transform(ll[:, 1], ll[:, 0])
            got = coords(f["geometry"])
            assert got.shape == ll.shape
            assert abs(got[:, 0] - a).max() < MM and abs(got[:, 1] - b).max() < MM, (code, f["id"])


def test_points_in_every_crs(http):
    ref = {f.fid: f for f in ref_layer("poi")}
    for code in [3857, 4547, 4326, 4490]:
        t = authority_transformer(code)
        body = items(http, "poi", crs=epsg_uri(code)).json()
        assert body["numberReturned"] == len(ref)
        for f in body["features"]:
            p = ref[f["id"]].geom
            a, b = t.transform(p.y, p.x)
            x, y = f["geometry"]["coordinates"]
            tol = 1e-9 if code in (4326, 4490) else MM
            assert abs(x - a) < tol and abs(y - b) < tol, (code, f["id"])


def ids(body):
    return {f["id"] for f in body["features"]}


@pytest.mark.parametrize("layer,bbox", [("buildings", HUACHENG), ("roads", SHAMIAN), ("poi", HUACHENG)])
def test_bbox_crs_selects_the_same_features(http, layer, bbox):
    want = {f.fid for f in ref_layer(layer) if f.geom.intersects(box(*bbox))}
    assert want
    w, s, e, n = bbox
    assert ids(items(http, layer, bbox=f"{w},{s},{e},{n}").json()) == want
    assert ids(items(http, layer, bbox=f"{w},{s},{e},{n}", **{"bbox-crs": CRS84}).json()) == want
    # EPSG:4326 and 4490: latitude first.
    for code in (4326, 4490):
        got = ids(items(http, layer, bbox=f"{s},{w},{n},{e}", **{"bbox-crs": epsg_uri(code)}).json())
        assert got == want, code
    # EPSG:3857: a lon/lat rectangle is a rectangle in Web Mercator too.
    t = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    x0, y0 = t.transform(w, s)
    x1, y1 = t.transform(e, n)
    got = ids(items(http, layer, bbox=f"{x0},{y0},{x1},{y1}", **{"bbox-crs": epsg_uri(3857)}).json())
    assert got == want


def test_bbox_crs_4547_covers_the_projected_rectangle(http):
    """A bbox in EPSG:4547 (northing, easting) is a rectangle in that CRS: every feature meeting
    that rectangle must be returned, and nothing outside its lon/lat envelope."""
    t = Transformer.from_crs("EPSG:4547", "EPSG:4490", always_xy=True)
    tf = Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)
    e0, n0 = tf.transform(113.3125, 23.1210)
    e1, n1 = e0 + 500, n0 + 300
    rect = shapely.segmentize(box(e0, n0, e1, n1), 5)
    ll = shapely.transform(rect, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    must = {f.fid for f in ref_layer("buildings") if f.source_valid and f.geom.intersects(ll)}
    may = {f.fid for f in ref_layer("buildings") if f.geom.intersects(box(*ll.bounds))}
    got = ids(items(http, "buildings", bbox=f"{n0},{e0},{n1},{e1}", **{"bbox-crs": epsg_uri(4547)}).json())
    assert must and must <= got <= may | {f.fid for f in ref_layer("buildings") if not f.source_valid}


@pytest.mark.parametrize("params", [
    {"crs": "EPSG:99999"},
    {"crs": "http://www.opengis.net/def/crs/EPSG/0/0"},
    {"crs": "nonsense"},
    {"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/99999", "bbox": "0,0,1,1"},
    {"bbox": "113.32,23.12,113.31,23.13"},  # min > max
    {"bbox": "113.31,23.13,113.32,23.12"},
    {"bbox": "10,91,11,92", "bbox-crs": CRS84},  # latitude out of range
    {"bbox": "-181,0,0,1"},
    {"bbox": "91,10,92,11", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"},  # lat first: 91
    {"bbox": "1,2,3"},
    {"bbox": "a,b,c,d"},
    {"bbox": "1,2,3,NaN"},
    {"bbox": "1,2,3,inf"},
    {"bbox": "0,0,1e30,1e30", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/3857"},
])
def test_bad_crs_and_bbox_are_400(http, params):
    r = http.get(qpath("/collections/poi/items", params))
    assert r.status_code == 400, (params, r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json().get("detail")
