"""Shared helpers for the OneMap integration tests (no pytest fixtures here).

Everything in this module is an independent reference implementation: tile math,
a minimal protobuf / MVT 2.1 reader (raw commands, no ring re-orientation), and
a CLI runner that always times out instead of hanging.
"""
from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "SampleData"

EXTENT = 4096
BUFFER = 64
WEB_MERCATOR_HALF = 20037508.342789244
BASE_IDS = ["admin", "landuse", "water", "roads", "buildings", "poi"]

# Guangdong (admin data bbox 109.66–117.19 E, 20.22–25.52 N) with a small margin.
GUANGDONG_BBOX = (109.0, 20.0, 118.0, 26.0)


def onemap_bin() -> Path:
    p = Path(os.environ.get("ONEMAP_BIN", ".build/debug/onemap"))
    if not p.is_absolute():
        p = REPO / p
    return p


def run_cli(args, *, input=None, timeout=120, cwd=None, retries=3):
    """Run the onemap binary with a timeout. Retries briefly when the binary is
    being replaced by a rebuild (missing / text file busy)."""
    exe = str(onemap_bin())
    last = None
    for attempt in range(retries):
        try:
            return subprocess.run(
                [exe, *map(str, args)],
                input=input,
                capture_output=True,
                text=isinstance(input, str) or input is None,
                timeout=timeout,
                cwd=str(cwd or REPO),
            )
        except (FileNotFoundError, OSError) as e:  # ETXTBSY while the lead relinks
            if isinstance(e, subprocess.TimeoutExpired):
                raise
            last = e
            time.sleep(5)
    raise last


IMPORT_LINE = r"^imported (\d+) features into (\S+): (\d+) repaired, (\d+) rejected$"


# --------------------------------------------------------------------------- tile math
def lonlat_to_merc(lon, lat):
    x = math.radians(lon) * 6378137.0
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0
    return x, y


def tile_for(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def tile_bounds_merc(z, x, y):
    size = 2 * WEB_MERCATOR_HALF / 2 ** z
    minx = -WEB_MERCATOR_HALF + x * size
    maxy = WEB_MERCATOR_HALF - y * size
    return minx, maxy - size, minx + size, maxy


def tile_bounds_lonlat(z, x, y):
    n = 2 ** z

    def lat(yy):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def merc_to_tile_affine(z, x, y, extent=EXTENT):
    """shapely.affinity.affine_transform matrix: EPSG:3857 metres -> tile units (y down)."""
    minx, miny, maxx, maxy = tile_bounds_merc(z, x, y)
    s = extent / (maxx - minx)
    return [s, 0, 0, -s, -minx * s, maxy * s]


# --------------------------------------------------------------------------- protobuf
def _varint(buf, i):
    shift = 0
    result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7
        if shift > 70:
            raise ValueError("varint too long")


def pb_fields(buf):
    """Yield (field_number, wire_type, value) for one protobuf message.
    value: int for varint, bytes for length-delimited / fixed."""
    i = 0
    n = len(buf)
    while i < n:
        key, i = _varint(buf, i)
        fnum, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 1:
            v = buf[i:i + 8]
            i += 8
        elif wt == 2:
            ln, i = _varint(buf, i)
            v = buf[i:i + ln]
            if len(v) != ln:
                raise ValueError("truncated length-delimited field")
            i += ln
        elif wt == 5:
            v = buf[i:i + 4]
            i += 4
        else:
            raise ValueError(f"unsupported wire type {wt}")
        if i > n:
            raise ValueError("truncated message")
        yield fnum, wt, v


def pb_packed(v):
    out = []
    i = 0
    while i < len(v):
        x, i = _varint(v, i)
        out.append(x)
    return out


def zigzag(n):
    return (n >> 1) ^ -(n & 1)


def decode_value(buf):
    """MVT Value message -> (type tag, python value)."""
    items = list(pb_fields(buf))
    if len(items) != 1:
        raise ValueError(f"Value message must hold exactly one field, has {len(items)}")
    f, wt, v = items[0]
    if f == 1:
        return ("string", bytes(v).decode("utf-8"))
    if f == 2:
        return ("float", struct.unpack("<f", v)[0])
    if f == 3:
        return ("double", struct.unpack("<d", v)[0])
    if f == 4:
        return ("int", v - (1 << 64) if v >= 1 << 63 else v)
    if f == 5:
        return ("uint", v)
    if f == 6:
        return ("sint", zigzag(v))
    if f == 7:
        return ("bool", bool(v))
    raise ValueError(f"unknown Value field {f}")


@dataclass
class RawFeature:
    id: int | None
    type: int  # 1 point, 2 linestring, 3 polygon
    tags: list
    geometry: list  # raw command integers
    properties: dict = field(default_factory=dict)
    parts: list = field(default_factory=list)  # decoded: points / lines / rings (lists of (x, y))


@dataclass
class RawLayer:
    name: str
    version: int
    extent: int
    keys: list
    values: list  # (type, value)
    features: list


def decode_geometry(gtype, cmds):
    """Decode an MVT command stream into parts: for points a list of [(x, y)],
    for lines a list of point lists, for polygons a list of closed rings.
    Raises ValueError on a malformed stream."""
    x = y = 0
    i = 0
    parts = []
    cur = None
    while i < len(cmds):
        cmd = cmds[i] & 7
        count = cmds[i] >> 3
        i += 1
        if cmd == 1 or cmd == 2:  # MoveTo / LineTo
            if i + 2 * count > len(cmds):
                raise ValueError("geometry command runs past the end")
            if count == 0:
                raise ValueError("command with zero count")
            if cmd == 1:
                if gtype in (2, 3) and count != 1:
                    raise ValueError("MoveTo with count != 1 in line/polygon")
            elif cur is None:
                raise ValueError("LineTo before MoveTo")
            for _ in range(count):
                x += zigzag(cmds[i])
                y += zigzag(cmds[i + 1])
                i += 2
                if cmd == 1:
                    if gtype == 1:
                        parts.append((x, y))
                    else:
                        if cur is not None:
                            if gtype == 3:
                                raise ValueError("polygon ring without ClosePath")
                            parts.append(cur)
                        cur = [(x, y)]
                else:
                    cur.append((x, y))
        elif cmd == 7:
            if gtype != 3:
                raise ValueError("ClosePath outside polygon")
            if count != 1:
                raise ValueError("ClosePath count != 1")
            if cur is None:
                raise ValueError("ClosePath without ring")
            if len(cur) < 3:
                raise ValueError(f"ring with {len(cur)} points before ClosePath")
            parts.append(cur + [cur[0]])
            cur = None
        else:
            raise ValueError(f"unknown command {cmd}")
    if cur is not None:
        if gtype == 3:
            raise ValueError("polygon ring without ClosePath")
        parts.append(cur)
    if gtype == 1:
        return [[p] for p in parts]
    return parts


def decode_tile_raw(data: bytes):
    """Decode an MVT tile with our own reader. Returns {layer name: RawLayer}."""
    layers = {}
    for fnum, wt, v in pb_fields(data):
        if fnum != 3:
            raise ValueError(f"unexpected Tile field {fnum}")
        name, version, extent = None, 1, 4096
        keys, values, feats = [], [], []
        for lf, lwt, lv in pb_fields(v):
            if lf == 1:
                name = bytes(lv).decode("utf-8")
            elif lf == 15:
                version = lv
            elif lf == 5:
                extent = lv
            elif lf == 3:
                keys.append(bytes(lv).decode("utf-8"))
            elif lf == 4:
                values.append(decode_value(lv))
            elif lf == 2:
                fid, ftype, tags, geom = None, 0, [], []
                for ff, fwt, fv in pb_fields(lv):
                    if ff == 1:
                        fid = fv
                    elif ff == 2:
                        tags += pb_packed(fv) if fwt == 2 else [fv]
                    elif ff == 3:
                        ftype = fv
                    elif ff == 4:
                        geom += pb_packed(fv) if fwt == 2 else [fv]
                feats.append(RawFeature(fid, ftype, tags, geom))
        if name in layers:
            raise ValueError(f"duplicate layer name {name}")
        for f in feats:
            if len(f.tags) % 2:
                raise ValueError("odd number of tags")
            for k, val in zip(f.tags[::2], f.tags[1::2]):
                if k >= len(keys) or val >= len(values):
                    raise ValueError("tag index out of range")
                f.properties[keys[k]] = values[val][1]
            f.parts = decode_geometry(f.type, f.geometry)
        layers[name] = RawLayer(name, version, extent, keys, values, feats)
    return layers


def ring_area(ring):
    """Surveyor's formula in tile coordinates (y down): MVT 2.1 exterior rings are positive."""
    a = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        a += x1 * y2 - x2 * y1
    return a / 2.0


def raw_to_shapely(f: RawFeature):
    """Build a shapely geometry in tile coordinates (y down) from raw parts, grouping
    polygon rings by their winding (positive = exterior) as MVT 2.1 prescribes."""
    from shapely.geometry import (LineString, MultiLineString, MultiPoint, MultiPolygon,
                                  Point, Polygon)
    if f.type == 1:
        pts = [p[0] for p in f.parts]
        return Point(pts[0]) if len(pts) == 1 else MultiPoint(pts)
    if f.type == 2:
        lines = [LineString(p) for p in f.parts]
        return lines[0] if len(lines) == 1 else MultiLineString(lines)
    if f.type == 3:
        polys = []
        for ring in f.parts:
            a = ring_area(ring)
            if a > 0:
                polys.append([ring, []])
            elif a < 0:
                if not polys:
                    raise ValueError("first ring of polygon is not exterior (negative area)")
                polys[-1][1].append(ring)
            else:
                raise ValueError("zero-area ring")
        shp = [Polygon(e, h) for e, h in polys]
        return shp[0] if len(shp) == 1 else MultiPolygon(shp)
    raise ValueError(f"feature type {f.type}")


# --------------------------------------------------------------------------- sample data
def layers_json():
    return json.loads((SAMPLE / "layers.json").read_text())


def sample_features(layer_id):
    meta = {l["id"]: l for l in layers_json()}[layer_id]
    return json.loads((SAMPLE / meta["file"]).read_text())["features"]


# --------------------------------------------------------------------------- geometry comparison
_T4326_3857 = None


def lonlat_geom_to_tile(geom, z, x, y, extent=EXTENT):
    """Project a lon/lat shapely geometry to tile units (y down) of tile z/x/y with pyproj."""
    global _T4326_3857
    import shapely
    from pyproj import Transformer
    if _T4326_3857 is None:
        _T4326_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    g = shapely.transform(geom, lambda c: _as_array(_T4326_3857.transform(c[:, 0], c[:, 1])))
    from shapely import affinity
    return affinity.affine_transform(g, merc_to_tile_affine(z, x, y, extent))


def _as_array(xy):
    import numpy as np
    return np.column_stack(xy)


def outline(g):
    """The part of a geometry whose position matters: boundary of polygons, lines, points."""
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g.boundary
    return g


def directed_distance(a, b, window):
    """Max distance from points of `a` inside `window` (densified to 0.25 units) to `b`.
    Returns 0.0 when no part of `a` lies in the window."""
    import shapely
    part = shapely.intersection(a, window)
    if part.is_empty:
        return 0.0
    part = shapely.segmentize(part, 0.25)
    pts = shapely.points(shapely.get_coordinates(part))
    return float(shapely.distance(pts, b).max())
