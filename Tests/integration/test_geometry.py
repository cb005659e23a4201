"""`onemap geometry makevalid|isvalid|clip|simplify` (stdin one WKT, stdout one WKT) against
Shapely (GEOS)."""
from __future__ import annotations

import pytest
import shapely
from shapely import wkt

from helpers import run_cli


def geometry(op, w, *args):
    p = run_cli(["geometry", op, *args], input=w + "\n", timeout=60)
    assert p.returncode == 0, f"{op} {args} failed: {p.stderr}"
    out = [l for l in p.stdout.splitlines() if l.strip()]
    assert len(out) == 1, f"expected one line, got {p.stdout!r}"
    return out[0].strip()


def same_area_shape(a, b, rel=1e-9):
    scale = max(a.area, b.area, 1e-300)
    return shapely.symmetric_difference(a, b).area <= rel * scale and abs(a.area - b.area) <= rel * scale


MAKEVALID = {
    "bowtie": "POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))",
    "self_touching": "POLYGON((0 0, 10 0, 10 10, 5 10, 7 5, 3 5, 5 10, 0 10, 0 0))",
    "duplicate_points": "POLYGON((0 0, 0 0, 1 0, 1 1, 1 1, 1 1, 0 1, 0 0))",
    "spike": "POLYGON((0 0, 10 0, 10 5, 15 5, 10 5, 10 10, 0 10, 0 0))",
    "hole_outside": "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (20 20, 21 20, 21 21, 20 21, 20 20))",
    "figure_eight_geo": "POLYGON((113.318 23.121, 113.319 23.122, 113.319 23.121, 113.318 23.122, 113.318 23.121))",
    "valid_with_hole": "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 8, 8 8, 8 2, 2 2))",
}
# For these two the "linework" and "structure" methods of GEOS disagree; accept either.
MAKEVALID_EITHER = {
    "overlapping_parts": "MULTIPOLYGON(((0 0,2 0,2 2,0 2,0 0)),((1 1,3 1,3 3,1 3,1 1)))",
    "nested_holes": "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,2 8,8 8,8 2,2 2),(5 5,6 5,6 6,5 5))",
}


@pytest.mark.parametrize("name", list(MAKEVALID))
def test_makevalid_matches_shapely(name):
    src = wkt.loads(MAKEVALID[name])
    got = wkt.loads(geometry("makevalid", MAKEVALID[name]))
    want = shapely.make_valid(src)
    assert got.is_valid, f"makevalid output invalid: {shapely.is_valid_reason(got)}"
    want_poly = shapely.get_parts(want)
    want_area = sum(g.area for g in want_poly if g.geom_type in ("Polygon", "MultiPolygon"))
    assert got.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection")
    assert abs(got.area - want_area) <= 1e-9 * max(want_area, 1e-300), (got.wkt, want.wkt)
    polys = shapely.union_all([g for g in shapely.get_parts(want)
                               if g.geom_type in ("Polygon", "MultiPolygon")])
    assert shapely.symmetric_difference(got, polys).area <= 1e-9 * max(want_area, 1e-300)


@pytest.mark.parametrize("name", list(MAKEVALID_EITHER))
def test_makevalid_either_method(name):
    src = wkt.loads(MAKEVALID_EITHER[name])
    got = wkt.loads(geometry("makevalid", MAKEVALID_EITHER[name]))
    assert got.is_valid
    options = [shapely.make_valid(src), shapely.make_valid(src, method="structure", keep_collapsed=False)]
    assert any(same_area_shape(got, w) for w in options), (got.wkt, [w.wkt for w in options])


def test_makevalid_keeps_valid_input():
    w = "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 8, 8 8, 8 2, 2 2))"
    got = wkt.loads(geometry("makevalid", w))
    assert shapely.equals(got, wkt.loads(w))


ISVALID = [
    "POINT(1 2)",
    "LINESTRING(0 0, 1 1, 2 0)",
    "LINESTRING(0 0, 1 1, 0 1, 1 0)",  # self-crossing line is valid (simple != valid)
    "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))",
    "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 8, 8 8, 8 2, 2 2))",
    "POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))",
    "POLYGON((0 0, 10 0, 10 10, 5 10, 7 5, 3 5, 5 10, 0 10, 0 0))",
    "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (20 20, 21 20, 21 21, 20 21, 20 20))",
    "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,2 8,8 8,8 2,2 2),(5 5,6 5,6 6,5 5))",
    "POLYGON((0 0, 10 0, 10 5, 15 5, 10 5, 10 10, 0 10, 0 0))",
    "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (0 0, 5 2, 2 5, 0 0))",  # hole touching at a point: valid
    "MULTIPOLYGON(((0 0,2 0,2 2,0 2,0 0)),((1 1,3 1,3 3,1 3,1 1)))",
    "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((1 1,2 1,2 2,1 2,1 1)))",  # touching at a point: valid
    "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((1 0,2 0,2 1,1 1,1 0)))",  # sharing an edge: invalid
    "POLYGON((113.318 23.121, 113.319 23.122, 113.319 23.121, 113.318 23.122, 113.318 23.121))",
]


@pytest.mark.parametrize("w", ISVALID)
def test_isvalid_agrees_with_shapely(w):
    out = geometry("isvalid", w)
    want = shapely.is_valid(wkt.loads(w))
    if want:
        assert out == "true", out
    else:
        assert out.startswith("false: ") and len(out) > len("false: "), out


def test_clip_polygon_with_hole():
    w = "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 8, 8 8, 8 2, 2 2))"
    for bbox in [(1, 1, 5, 5), (-5, -5, 3, 20), (3, 3, 7, 7), (0, 0, 10, 10), (-1, 4, 11, 6)]:
        got = wkt.loads(geometry("clip", w, "--bbox=" + ",".join(map(str, bbox))))
        want = shapely.clip_by_rect(wkt.loads(w), *bbox)
        if want.is_empty:
            assert got.is_empty, got.wkt
            continue
        assert got.is_valid, (bbox, got.wkt)
        assert abs(got.area - want.area) <= 1e-9 * want.area, (bbox, got.wkt, want.wkt)
        assert shapely.symmetric_difference(got, want).area <= 1e-9 * want.area, (bbox, got.wkt)


def test_clip_hole_only_region_is_empty():
    w = "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 8, 8 8, 8 2, 2 2))"
    got = wkt.loads(geometry("clip", w, "--bbox", "3,3,7,7"))
    assert got.is_empty or got.area == 0, got.wkt


def test_clip_linestring():
    w = "LINESTRING(-5 5, 5 5, 5 15, 15 15)"
    got = wkt.loads(geometry("clip", w, "--bbox", "0,0,10,10"))
    want = shapely.clip_by_rect(wkt.loads(w), 0, 0, 10, 10)
    assert shapely.hausdorff_distance(got, want) < 1e-9 and abs(got.length - want.length) < 1e-9


def test_clip_geographic_polygon():
    w = "POLYGON((113.31 23.12, 113.32 23.12, 113.32 23.13, 113.31 23.13, 113.31 23.12))"
    got = wkt.loads(geometry("clip", w, "--bbox", "113.315,23.11,113.33,23.125"))
    want = shapely.clip_by_rect(wkt.loads(w), 113.315, 23.11, 113.33, 23.125)
    assert abs(got.area - want.area) <= 1e-9 * want.area


def test_simplify_within_tolerance():
    import math
    pts = [(math.cos(i / 200 * 2 * math.pi) * 10 + 0.01 * math.sin(i), math.sin(i / 200 * 2 * math.pi) * 10)
           for i in range(200)]
    src = shapely.Polygon(pts)
    got = wkt.loads(geometry("simplify", src.wkt, "--tolerance", "0.1"))
    assert got.is_valid
    assert len(shapely.get_coordinates(got)) < len(pts) // 2
    assert shapely.hausdorff_distance(got.boundary, src.boundary) <= 0.1 + 1e-9


def test_bad_wkt_fails_cleanly():
    p = run_cli(["geometry", "isvalid"], input="POLYGON((0 0, 1 1\n", timeout=60)
    assert p.returncode == 1 and "error" in p.stderr.lower(), p
