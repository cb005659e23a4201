"""Administrative areas: GET /admin/{code} and GET /admin?name=, checked against independent
references read here: SampleData/admin.geojson (province, cities, districts with boundaries)
and SampleData/guangdong_streets_nbs2023.csv (NBS 2023 street/town codes, no geometry).
Simplified boundaries are checked with Shapely (validity) and pyproj (Hausdorff distance to
the original in a local azimuthal equidistant projection, in metres)."""
from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from helpers import SAMPLE

STREET_NOTE = "no open boundary data for street/town units; the 2023 NBS code list has names and codes only"
LEVEL_ORDER = {"province": 0, "city": 1, "district": 2}


def pad(code: str) -> str:
    return code + "0" * (12 - len(code))


@pytest.fixture(scope="module")
def admin_features():
    return json.loads((SAMPLE / "admin.geojson").read_text())["features"]


@pytest.fixture(scope="module")
def units(admin_features):
    """adcode -> feature, the higher level winning (东莞市 / 中山市 are listed as a city and
    again as their own district with the same adcode)."""
    out = {}
    for f in sorted(admin_features, key=lambda f: LEVEL_ORDER[f["properties"]["level"]]):
        out.setdefault(f["properties"]["adcode"], f)
    return out


@pytest.fixture(scope="module")
def streets():
    with open(SAMPLE / "guangdong_streets_nbs2023.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["detail"]
    return body


# ----------------------------------------------------------------------------- lookups
def test_every_boundary_unit_by_code(http, units):
    for adcode, f in units.items():
        p = f["properties"]
        r = http.get(f"/admin/{adcode}", params={"boundary": "none"})
        assert r.status_code == 200, (adcode, r.text)
        a = r.json()
        assert a["code"] == pad(adcode) and len(a["code"]) == 12
        assert a["adcode"] == adcode
        assert a["name"] == p["name"]
        assert a["level"] == p["level"]
        assert a["center"] == pytest.approx([p["center_lon"], p["center_lat"]], abs=1e-7)
        assert a["boundary"] is None
        if p["level"] == "province":
            assert a["parent"] is None and a["chain"] == []
        else:
            assert a["parent"]["code"] == pad(p["parent_adcode"])
            assert a["parent"]["name"] == units[p["parent_adcode"]]["properties"]["name"]
            assert a["chain"][0]["name"] == "广东省"
            assert a["chain"][-1] == a["parent"]
            assert [c["level"] for c in a["chain"]] == ["province", "city"][: len(a["chain"])]


def test_six_nine_and_twelve_digit_codes_are_the_same_area(http):
    a = http.get("/admin/440106", params={"boundary": "none"}).json()
    b = http.get("/admin/440106000000", params={"boundary": "none"}).json()
    assert a == b
    s9 = http.get("/admin/440103001").json()
    s12 = http.get("/admin/440103001000").json()
    assert s9 == s12
    assert s9["adcode"] == "440103001" and s9["code"] == "440103001000"


def test_shamian_street_has_its_chain_and_no_invented_boundary(http):
    for boundary in ("simplified", "full", "none"):
        r = http.get("/admin/440103001", params={"boundary": boundary})
        assert r.status_code == 200
        a = r.json()
        assert a["name"] == "沙面街道" and a["level"] == "street" and a["kind"] == "街道"
        assert [c["name"] for c in a["chain"]] == ["广东省", "广州市", "荔湾区"]
        assert [c["code"] for c in a["chain"]] == ["440000000000", "440100000000", "440103000000"]
        assert a["parent"]["name"] == "荔湾区"
        assert "boundary" in a and a["boundary"] is None
        assert a["boundary_note"] == STREET_NOTE
        assert a["children"] == []
        assert a["center"] is None


def test_every_street_is_a_child_of_its_district(http, units, streets):
    by_district = defaultdict(list)
    for s in streets:
        by_district[s["district_code"]].append(s)
    assert set(by_district) <= set(units)  # every district of the CSV is in the boundary layer
    for dc in sorted(by_district):
        r = http.get(f"/admin/{dc}", params={"boundary": "none"})
        assert r.status_code == 200, dc
        children = r.json()["children"]
        expected = sorted(by_district[dc], key=lambda s: s["street_code"])
        assert len(children) == len(expected), dc
        assert [c["adcode"] for c in children] == [s["street_code"] for s in expected]
        assert [c["name"] for c in children] == [s["street_name"] for s in expected]
        assert all(c["level"] == "street" and c["code"] == pad(c["adcode"]) for c in children)


def test_every_district_children_count_equals_the_csv(http, admin_features, streets):
    counts = Counter(s["district_code"] for s in streets)
    for f in admin_features:
        p = f["properties"]
        if p["level"] != "district":
            continue
        a = http.get(f"/admin/{p['adcode']}", params={"boundary": "none"}).json()
        assert len(a["children"]) == counts[p["adcode"]], p["name"]


def test_city_and_province_children(http, units):
    per_parent = defaultdict(set)
    for adcode, f in units.items():
        parent = f["properties"]["parent_adcode"]
        if parent != adcode and parent in units:
            per_parent[parent].add(adcode)
    for parent, kids in per_parent.items():
        a = http.get(f"/admin/{parent}", params={"boundary": "none"}).json()
        assert {c["adcode"] for c in a["children"]} == kids, parent
    gd = http.get("/admin/440000", params={"boundary": "none"}).json()
    assert len(gd["children"]) == 21


def test_a_city_without_districts_has_its_towns_as_children(http, streets):
    a = http.get("/admin/441900", params={"boundary": "none"}).json()
    assert a["name"] == "东莞市" and a["level"] == "city"
    expected = sorted(s["street_code"] for s in streets if s["district_code"] == "441900")
    assert [c["adcode"] for c in a["children"]] == expected and expected
    town = http.get(f"/admin/{expected[0]}").json()
    assert [c["name"] for c in town["chain"]] == ["广东省", "东莞市"]


# ----------------------------------------------------------------------------- names
@pytest.mark.parametrize("name", ["天河", "天河区"])
def test_tianhe_by_short_and_full_name(http, name):
    r = http.get("/admin", params={"name": name})
    assert r.status_code == 200
    results = r.json()["results"]
    assert results[0]["adcode"] == "440106"
    assert results[0]["code"] == "440106000000"
    assert results[0]["match"] == ("name" if name == "天河区" else "short_name")
    assert results[0]["parent"]["name"] == "广州市"


def test_short_city_name(http):
    results = http.get("/admin", params={"name": "广州"}).json()["results"]
    assert results[0]["name"] == "广州市" and results[0]["level"] == "city"


def test_matches_are_ranked_name_then_short_name_then_prefix(http, streets, units):
    all_names = [s["street_name"] for s in streets] + [f["properties"]["name"] for f in units.values()]
    for q in ["太平镇", "城区", "天河", "广", "沙", "东莞市", "新"]:
        r = http.get("/admin", params={"name": q, "limit": 100})
        assert r.status_code == 200
        res = r.json()["results"]
        assert res, q
        ranks = [{"name": 0, "short_name": 1, "prefix": 2}[x["match"]] for x in res]
        assert ranks == sorted(ranks), q
        for x in res:
            assert x["name"] == q or x["short_name"] == q or x["name"].startswith(q) or x["short_name"].startswith(q)
            assert (x["match"] == "name") == (x["name"] == q)
        exact = sum(1 for n in all_names if n == q)
        assert sum(1 for x in res if x["match"] == "name") == min(exact, 100), q


def test_level_and_parent_restrict(http, streets):
    seven = http.get("/admin", params={"name": "太平镇", "limit": 100}).json()["results"]
    assert len(seven) == sum(1 for s in streets if s["street_name"] == "太平镇")
    gz = http.get("/admin", params={"name": "太平镇", "parent": "440100"}).json()["results"]
    assert [x["parent"]["name"] for x in gz] == ["从化区"]
    assert gz[0]["adcode"] == next(s["street_code"] for s in streets
                                   if s["street_name"] == "太平镇" and s["city_code"] == "440100")
    direct = http.get("/admin", params={"name": "太平镇", "parent": "440117"}).json()["results"]
    assert [x["adcode"] for x in direct] == [gz[0]["adcode"]]
    assert http.get("/admin", params={"name": "太平镇", "parent": "440106"}).json()["results"] == []
    only_districts = http.get("/admin", params={"name": "天河", "level": "district"}).json()["results"]
    assert [x["adcode"] for x in only_districts] == ["440106"]
    streets_only = http.get("/admin", params={"name": "天河", "level": "street"}).json()["results"]
    assert streets_only and all(x["level"] == "street" for x in streets_only)
    assert http.get("/admin", params={"name": "广", "limit": 3}).json()["numberReturned"] == 3


@pytest.mark.parametrize("name", ["%", "_", "' OR 1=1 --", "\" OR \"", "*", "NEAR", "😀", "天河😀", "a" * 64])
def test_odd_names_find_nothing_and_do_not_fail(http, name):
    r = http.get("/admin", params={"name": name})
    assert r.status_code == 200, r.text
    assert r.json()["results"] == []


# ----------------------------------------------------------------------------- boundaries
def local_aeqd(geom):
    """lon/lat -> metres in an azimuthal equidistant projection centred on the geometry.
    GeoJSON edges are straight in lon/lat, not in the projection: edges are first cut into
    pieces of at most 0.005° so their curvature there is negligible (< 1 cm)."""
    c = geom.centroid
    t = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +ellps=GRS80 +units=m",
                             always_xy=True)
    return lambda g: shapely.transform(shapely.segmentize(g, 0.005),
                                       lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def boundary(http, adcode, **params):
    r = http.get(f"/admin/{adcode}", params=params)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["boundary"] is not None, a.get("boundary_note")
    assert a["boundary_note"] is None
    return shape(a["boundary"])


def test_full_boundary_is_the_layer_geometry(http, units):
    for adcode in ["440000", "440100", "440106", "441900", "440103"]:
        got = boundary(http, adcode, boundary="full")
        ref = shape(units[adcode]["geometry"])
        assert got.is_valid
        assert got.symmetric_difference(ref).area <= ref.area * 1e-9
        assert shapely.get_num_coordinates(got) == shapely.get_num_coordinates(ref)


@pytest.mark.parametrize("tolerance", [20, 200, 2000])
def test_simplified_boundaries_are_valid_and_within_tolerance(http, units, tolerance):
    for adcode, f in units.items():
        ref = shape(f["geometry"])
        got = boundary(http, adcode, boundary="simplified", tolerance=tolerance)
        assert got.is_valid, (adcode, shapely.is_valid_reason(got))
        assert got.geom_type in ("Polygon", "MultiPolygon")
        assert shapely.get_num_coordinates(got) <= shapely.get_num_coordinates(ref)
        proj = local_aeqd(ref)
        hd = shapely.hausdorff_distance(proj(got), proj(ref))
        assert hd <= tolerance * 1.001 + 0.05, (adcode, f["properties"]["name"], hd)
        # The area changes by no more than a band of the tolerance's width along the outline.
        assert abs(proj(got).area - proj(ref).area) <= proj(ref).length * tolerance * 1.01


def test_simplification_reduces_and_defaults(http, units):
    ref = shape(units["440000"]["geometry"])
    coarse = boundary(http, "440000", tolerance=5000)
    assert shapely.get_num_coordinates(coarse) < shapely.get_num_coordinates(ref) / 4
    default = http.get("/admin/440000").json()  # simplified at the default 100 m
    assert default["boundary"] is not None
    d = shape(default["boundary"])
    assert d.is_valid and shapely.get_num_coordinates(d) <= shapely.get_num_coordinates(ref)
    none = http.get("/admin/440000", params={"boundary": "none"}).json()
    assert none["boundary"] is None and "boundary=none" in none["boundary_note"]


def test_coordsys_gcj02_converts_center_and_boundary(http):
    ct = pytest.importorskip("coord_convert.transform", reason="pip install coord-convert")
    wgs = http.get("/admin/440106", params={"boundary": "full"}).json()
    gcj = http.get("/admin/440106", params={"boundary": "full", "coordsys": "gcj02"}).json()
    assert gcj["center"] == pytest.approx(list(ct.wgs2gcj(*wgs["center"])), abs=2e-7)
    ring_w = wgs["boundary"]["coordinates"][0] if wgs["boundary"]["type"] == "Polygon" else wgs["boundary"]["coordinates"][0][0]
    ring_g = gcj["boundary"]["coordinates"][0] if gcj["boundary"]["type"] == "Polygon" else gcj["boundary"]["coordinates"][0][0]
    for (x, y), (gx, gy) in list(zip(ring_w, ring_g))[:50]:
        assert [gx, gy] == pytest.approx(list(ct.wgs2gcj(x, y)), abs=2e-7)
    found = http.get("/admin", params={"name": "天河区", "coordsys": "bd09"}).json()["results"][0]
    assert found["center"] == pytest.approx(list(ct.wgs2bd(*wgs["center"])), abs=2e-7)


def test_head_matches_get(http):
    g = http.get("/admin/440106")
    h = http.request("HEAD", "/admin/440106")
    assert h.status_code == 200 and h.content == b""
    assert int(h.headers["Content-Length"]) == len(g.content)
    assert http.request("HEAD", "/admin", params={"name": "天河"}).status_code == 200


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("code,status", [
    ("12345", 400), ("1234567", 400), ("4401060000001", 400), ("44010600000", 400), ("abcdef", 400),
    ("44010a", 400), ("%EF%BC%94%EF%BC%94%EF%BC%90%EF%BC%91%EF%BC%90%EF%BC%96", 400),  # full-width digits
    ("-44010", 400), ("440106%20", 400), ("9" * 200, 400),
    ("999999", 404), ("440199", 404), ("440106999", 404), ("440106001001", 404),
])
def test_bad_and_unknown_codes(http, code, status):
    problem(http.get(f"/admin/{code}"), status)


@pytest.mark.parametrize("params,parameter", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "\u3000"}, "name"),
    ({"name": "天" * 65}, "name"),
    ({"name": "x" * 10000}, "name"),
    ({"name": "天\x01河"}, "name"),
    ({"name": "天河", "level": "town"}, "level"),
    ({"name": "天河", "parent": "4401"}, "parent"),
    ({"name": "天河", "limit": "0"}, "limit"),
    ({"name": "天河", "limit": "101"}, "limit"),
    ({"name": "天河", "limit": "ten"}, "limit"),
    ({"name": "天河", "limit": "99999999999999999999999"}, "limit"),
    ({"name": "天河", "coordsys": "mars"}, "coordsys"),
    ({"name": "天河", "q": "x"}, "q"),
    ({"name": "天河", "boundary": "full"}, "boundary"),
])
def test_bad_search_parameters(http, params, parameter):
    body = problem(http.get("/admin", params=params), 400)
    assert body.get("parameter") == parameter


def test_repeated_parameter_and_unknown_parent(http):
    problem(http.get("/admin?name=%E5%A4%A9&name=%E6%B2%B3"), 400)
    problem(http.get("/admin", params={"name": "天河", "parent": "999999"}), 404)


@pytest.mark.parametrize("params,parameter", [
    ({"boundary": "some"}, "boundary"),
    ({"tolerance": "0"}, "tolerance"),
    ({"tolerance": "-5"}, "tolerance"),
    ({"tolerance": "nan"}, "tolerance"),
    ({"tolerance": "inf"}, "tolerance"),
    ({"tolerance": "1e9"}, "tolerance"),
    ({"tolerance": "ten"}, "tolerance"),
    ({"boundary": "full", "tolerance": "100"}, "tolerance"),
    ({"boundary": "none", "tolerance": "100"}, "tolerance"),
    ({"coordsys": "mars"}, "coordsys"),
    ({"name": "x"}, "name"),
    ({"limit": "5"}, "limit"),
])
def test_bad_area_parameters(http, params, parameter):
    body = problem(http.get("/admin/440106", params=params), 400)
    assert body.get("parameter") == parameter
