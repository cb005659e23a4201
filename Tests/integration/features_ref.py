"""Independent references for the OGC API Features, CQL2 and spatial-query tests.

Nothing here asks the server: the sample layers are read straight from SampleData with
Shapely, CQL2 (JSON form) is evaluated in plain Python, distances come from pyproj
(Geod on WGS84, or an azimuthal equidistant projection centred on the query point, in
which distances from the centre are geodesic), buffers are built in a local projection.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from helpers import layers_json, sample_features

# name: (key, the rest of its keys-file line `LEVEL [DEPARTMENT] [rw]`)
API_KEYS = {
    "public": ("pub-key-0000000000000001", "public"),
    "internal": ("int-key-0000000000000001", "internal"),
    "restricted": ("res-key-0000000000000001", "restricted"),
    "cityplan_rw": ("cityplan-rw-key-00000001", "internal cityplan rw"),
    "cityplan_ro": ("cityplan-ro-key-00000001", "internal cityplan"),
    "water_rw": ("water-rw-key-00000000001", "internal water rw"),
    "ops_rw": ("ops-rw-key-0000000000001", "restricted ops rw"),
}


def api_key(name: str) -> str:
    return API_KEYS[name][0]


LEVELS = {"public": 0, "internal": 1, "restricted": 2}


def layer_access() -> dict:
    """layer id -> access level from SampleData/layers.json (public when not stated)."""
    return {l["id"]: l.get("access", "public") for l in layers_json()}


def layers_readable(clearance: str) -> set:
    return {i for i, a in layer_access().items() if LEVELS[a] <= LEVELS[clearance]}


CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def epsg_uri(code) -> str:
    return f"http://www.opengis.net/def/crs/EPSG/0/{code}"


# --------------------------------------------------------------------------- sample layers
@dataclass
class RefFeature:
    fid: int  # 1-based position in the SampleData file (checked by test_items_match_sample)
    props: dict
    geom: object  # shapely geometry (made valid when the source is not)
    source_valid: bool


@functools.lru_cache(maxsize=None)
def ref_layer(layer_id: str) -> tuple:
    import shapely
    from shapely.geometry import shape
    out = []
    for i, f in enumerate(sample_features(layer_id)):
        g = shape(f["geometry"])
        ok = bool(g.is_valid)
        if not ok:
            g = shapely.make_valid(g)
        out.append(RefFeature(i + 1, f["properties"], g, ok))
    return tuple(out)


# --------------------------------------------------------------------------- CQL2 (JSON) in Python
def _like_regex(pattern: str):
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.S)


def _geometry_literal(v):
    from shapely.geometry import box, shape
    if isinstance(v, dict) and "bbox" in v:
        b = v["bbox"]
        return box(b[0], b[1], b[2], b[3]) if len(b) == 4 else box(b[0], b[1], b[3], b[4])
    return shape(v)


def _value(arg, f: RefFeature):
    if isinstance(arg, dict):
        if "property" in arg:
            name = arg["property"]
            if name == "geometry":
                return f.geom
            if name == "fid":
                return f.fid
            return f.props.get(name)
        if "type" in arg or "bbox" in arg:
            return _geometry_literal(arg)
        if "date" in arg:
            return arg["date"]
        if "timestamp" in arg:
            return arg["timestamp"]
        raise ValueError(f"unsupported value {arg}")
    return arg


def _cmp(op, a, b):
    if a is None or b is None:
        return None
    # JSON booleans are compared as 1/0 like numbers (true = 1).
    if isinstance(a, bool):
        a = int(a)
    if isinstance(b, bool):
        b = int(b)
    if isinstance(a, str) != isinstance(b, str):
        raise ValueError(f"type mismatch in reference filter: {a!r} {op} {b!r}")
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def cql2_eval(e, f: RefFeature):
    """Three-valued (SQL/Kleene) evaluation of a CQL2-JSON predicate: True, False or None
    (unknown: a comparison with a null). A feature is selected when the filter is True."""
    if isinstance(e, bool):
        return e
    op = e["op"].lower()
    args = e["args"]
    if op == "and":
        vals = [cql2_eval(a, f) for a in args]
        if any(v is False for v in vals):
            return False
        return None if any(v is None for v in vals) else True
    if op == "or":
        vals = [cql2_eval(a, f) for a in args]
        if any(v is True for v in vals):
            return True
        return None if any(v is None for v in vals) else False
    if op == "not":
        v = cql2_eval(args[0], f)
        return None if v is None else not v
    if op in ("=", "<>", "<", ">", "<=", ">="):
        return _cmp(op, _value(args[0], f), _value(args[1], f))
    if op == "like":
        v = _value(args[0], f)
        return None if v is None else bool(_like_regex(args[1]).fullmatch(v))
    if op == "between":
        v, lo, hi = (_value(a, f) for a in args)
        if v is None:
            return None
        return lo <= v <= hi
    if op == "in":
        v = _value(args[0], f)
        if v is None:
            return None
        return any(_cmp("=", v, x) for x in args[1])
    if op == "isnull":
        return _value(args[0], f) is None
    if op in ("s_intersects", "s_within", "s_contains", "s_disjoint"):
        a, b = (_value(x, f) for x in args)
        return {"s_intersects": a.intersects, "s_within": a.within, "s_contains": a.contains,
                "s_disjoint": a.disjoint}[op](b)
    raise ValueError(f"reference evaluator does not know {op}")


def cql2_select(layer_id: str, expr) -> set:
    return {f.fid for f in ref_layer(layer_id) if cql2_eval(expr, f) is True}


# --------------------------------------------------------------------------- geodesy
_GEOD = None


def geod():
    global _GEOD
    if _GEOD is None:
        from pyproj import Geod
        _GEOD = Geod(ellps="WGS84")
    return _GEOD


def geod_inv(lon1, lat1, lon2, lat2):
    """(distance m, forward azimuth 0–360) from point 1 to point 2 on WGS84."""
    az, _, d = geod().inv(lon1, lat1, lon2, lat2)
    return d, az % 360.0


@functools.lru_cache(maxsize=64)
def _aeqd(lon, lat):
    from pyproj import Transformer
    return Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m +no_defs",
        always_xy=True)


def to_local(geom, lon, lat):
    """The geometry in an azimuthal equidistant projection centred on (lon, lat), metres."""
    import numpy as np
    import shapely
    t = _aeqd(lon, lat)
    return shapely.transform(geom, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))


def from_local(geom, lon, lat):
    import numpy as np
    import shapely
    t = _aeqd(lon, lat)
    return shapely.transform(
        geom, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1], direction="INVERSE")))


def distance_m(lon, lat, geom) -> float:
    """Geodesic distance from (lon, lat) to a geometry: pyproj.Geod for a point, else the
    distance to the geometry in the azimuthal equidistant projection centred there (0 inside)."""
    from shapely.geometry import Point
    if geom.geom_type == "Point":
        return geod_inv(lon, lat, geom.x, geom.y)[0]
    return float(to_local(geom, lon, lat).distance(Point(0, 0)))


def geodesic_area_m2(geom) -> float:
    return abs(geod().geometry_area_perimeter(geom)[0])


def utm_epsg(lon, lat) -> int:
    zone = int(math.floor((lon + 180) / 6)) + 1
    return (32600 if lat >= 0 else 32700) + zone


def qpath(path: str, params: dict | None = None) -> str:
    """path?query with every parameter percent-encoded (space as %20, not '+': see
    test_cql2.py::test_plus_in_query_string_means_space for the '+' form)."""
    from urllib.parse import quote, urlencode
    if not params:
        return path
    return path + "?" + urlencode(params, quote_via=quote, safe="")
