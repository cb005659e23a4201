#!/usr/bin/env python3
"""Build OneMap's emergency-command sample layers (SampleData/emergency_*.geojson).

Standard library only, deterministic: reruns give byte-identical files.

    python3 Scripts/make_emergency.py [--src ../shared/data] [--out SampleData]
    python3 Scripts/make_emergency.py --check      # also verify the written files
                                                    # (uses pyproj if installed)

Run it after Scripts/make_sample.py: make_sample.py rewrites layers.json with the six
base layers only; this script appends the eight emergency layers after them (the base
entries are left byte for byte as they are).

Real layers, from the OpenStreetMap extracts (ODbL; generated=false):
  hospitals      amenity=hospital|clinic|doctors or any healthcare=*  (points)
  fire_stations  amenity=fire_station                                   (points)
  police         amenity=police                                         (points)
  shelters       candidate emergency shelters (应急避难场所): school and park
                 sites (polygons, real outlines and names); shelter type, level and
                 capacity are derived from the geodesic area (see SHELTER_* below)
Generated layers (no open data exists; generated=true, names start with （示例）):
  hazards        危险源, level computed per GB 18218-2018 from synthetic quantities
  risk_points    风险点, four-colour risk level (红橙黄蓝)
  rescue_teams   救援队伍
  reserves       应急物资储备点
placed with a fixed-seed RNG near real buildings/roads inside the three OSM bboxes of
SOURCES.md, never in water, hazards never inside a school/park/hospital site.
"""

import argparse
import datetime
import json
import math
import os
import random
import sys
from collections import Counter

sys.dont_write_bytecode = True     # no __pycache__ next to the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_sample as ms  # noqa: E402  (the base-layer script: tag helpers, geometry)

REPO = ms.REPO
OSM_ATTRIBUTION = ms.OSM_ATTRIBUTION
GEN_ATTRIBUTION = "OneMap generated sample data (synthetic)"

# The bboxes of the three extracts, from SOURCES.md: (west, south, east, north).
BBOX = {
    "huacheng": (113.3110, 23.1205, 113.3195, 23.1240),
    "shamian": (113.2345, 23.1078, 113.2450, 23.1122),
    "longgang": (114.186, 22.673, 114.232, 22.702),
}
AREA_LABEL = {"huacheng": "花城", "shamian": "沙面", "longgang": "龙岗"}
AREA_PHONE = {"huacheng": "020", "shamian": "020", "longgang": "0755"}

# id, title, access, generated (generated layers use `code` as their code field)
LAYERS = [
    ("shelters", "应急避难场所（候选） Candidate emergency shelters", "public", False),
    ("hazards", "危险源（示例） Hazard sources (synthetic)", "restricted", True),
    ("risk_points", "风险点（示例） Risk points (synthetic)", "restricted", True),
    ("hospitals", "医疗机构 Hospitals and clinics", "public", False),
    ("fire_stations", "消防救援站 Fire stations", "public", False),
    ("police", "公安派出所 Police", "public", False),
    ("rescue_teams", "救援队伍（示例） Rescue teams (synthetic)", "internal", True),
    ("reserves", "应急物资储备点（示例） Emergency supply reserves (synthetic)", "internal", True),
]

SCHEMA = {
    "hospitals": ["name", "name_en", "type", "level", "beds", "phone", "addr", "osm_id",
                  "area", "generated"],
    "fire_stations": ["name", "type", "phone", "addr", "osm_id", "area", "generated"],
    "police": ["name", "type", "phone", "addr", "osm_id", "area", "generated"],
    "shelters": ["name", "shelter_type", "level", "site_type", "osm_tag", "area_m2",
                 "usable_ratio", "usable_area_m2", "per_person_m2", "capacity_persons",
                 "capacity_basis", "derived_fields", "osm_id", "area", "generated"],
    "hazards": ["name", "code", "hazard_class", "facility", "level", "substance",
                "quantity_t", "critical_quantity_t", "r_value", "level_basis",
                "responsible_unit", "inspection_date", "area", "generated"],
    "risk_points": ["name", "code", "risk_type", "risk_level", "risk_color",
                    "risk_color_hex", "description", "checked_date", "area", "generated"],
    "rescue_teams": ["name", "code", "team_type", "size", "vehicles", "equipment",
                     "contact", "duty", "area", "generated"],
    "reserves": ["name", "code", "reserve_type", "contents", "capacity_m3", "manager",
                 "contact", "area", "generated"],
}


def feature(layer, props, geom):
    missing = [k for k in props if k not in SCHEMA[layer]]
    if missing:
        raise ValueError("%s: properties not in the schema: %s" % (layer, missing))
    return {"type": "Feature", "properties": {k: props.get(k) for k in SCHEMA[layer]},
            "geometry": geom}


# ---------------------------------------------------------------- geodesic area

# WGS84 ellipsoid. Area is computed on the authalic sphere (the sphere of equal surface
# whose latitude, the authalic latitude, maps the ellipsoid onto it preserving area),
# with the exact spherical-excess formula per edge. For the sample's sites (< 2 km
# across) the difference to the ellipsoidal geodesic polygon is far below 0.01 %.
WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
_E2 = WGS84_F * (2 - WGS84_F)
_E = math.sqrt(_E2)


def _q(sin_phi):
    s = sin_phi
    return (1 - _E2) * (s / (1 - _E2 * s * s)
                        - (1 / (2 * _E)) * math.log((1 - _E * s) / (1 + _E * s)))


_QP = _q(1.0)
AUTHALIC_R = WGS84_A * math.sqrt(_QP / 2)


def authalic_lat(lat_deg):
    return math.asin(max(-1.0, min(1.0, _q(math.sin(math.radians(lat_deg))) / _QP)))


def ring_area_m2(ring):
    """Unsigned area of a closed lon/lat ring on the WGS84 ellipsoid, in m²."""
    total = 0.0
    for i in range(len(ring) - 1):
        lon1, lat1 = ring[i]
        lon2, lat2 = ring[i + 1]
        dl = math.radians(lon2 - lon1)
        dl = (dl + math.pi) % (2 * math.pi) - math.pi
        t1 = math.tan(authalic_lat(lat1) / 2)
        t2 = math.tan(authalic_lat(lat2) / 2)
        # spherical excess of the quadrilateral between the edge and the equator
        total += 2 * math.atan2(math.tan(dl / 2) * (t1 + t2), 1 + t1 * t2)
    return abs(total) * AUTHALIC_R ** 2


def geodesic_area_m2(geom):
    area = 0.0
    for rings in ms.polygons_of(geom):
        area += ring_area_m2(rings[0]) - sum(ring_area_m2(r) for r in rings[1:])
    return area


# ---------------------------------------------------------------- local geometry

M_PER_DEG = 111320.0


def dist_m(a, b):
    k = math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot((a[0] - b[0]) * k, a[1] - b[1]) * M_PER_DEG


def seg_dist_m(p, a, b):
    k = math.cos(math.radians(p[1])) * M_PER_DEG
    px, py = p[0] * k, p[1] * M_PER_DEG
    ax, ay, bx, by = a[0] * k, a[1] * M_PER_DEG, b[0] * k, b[1] * M_PER_DEG
    dx, dy = bx - ax, by - ay
    L = dx * dx + dy * dy
    t = 0.0 if L == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / L))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def lines_of(g):
    if g["type"] == "LineString":
        return [g["coordinates"]]
    if g["type"] == "MultiLineString":
        return g["coordinates"]
    return []


def near_lines(p, lines, metres):
    for ln in lines:
        for i in range(len(ln) - 1):
            if seg_dist_m(p, ln[i], ln[i + 1]) < metres:
                return True
    return False


def bbox_of(geom):
    xs, ys = [], []
    for rings in ms.polygons_of(geom):
        for x, y in rings[0]:
            xs.append(x)
            ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


class PolygonSet:
    """Polygons with their bboxes, for point-in-polygon tests."""

    def __init__(self):
        self.items = []

    def add(self, geom):
        self.items.append((bbox_of(geom), ms.polygons_of(geom)))

    def contains(self, p):
        x, y = p
        for (x0, y0, x1, y1), polys in self.items:
            if x0 <= x <= x1 and y0 <= y <= y1:
                if any(ms.point_in_polygon(x, y, rings) for rings in polys):
                    return True
        return False


def in_bbox(p, area, margin_deg=0.0):
    w, s, e, n = BBOX[area]
    return w + margin_deg <= p[0] <= e - margin_deg and s + margin_deg <= p[1] <= n - margin_deg


def offset(p, dist, bearing_rad):
    k = math.cos(math.radians(p[1]))
    return [p[0] + dist * math.sin(bearing_rad) / (M_PER_DEG * k),
            p[1] + dist * math.cos(bearing_rad) / M_PER_DEG]


# ---------------------------------------------------------------- OSM input

def load_osm(src, st):
    """Per area: cleaned features of the four GDAL layers, excluded objects dropped."""
    data = {}
    for area, prefix in ms.AREAS:
        data[area] = {}
        for lname in ms.OSM_LAYERS:
            out = []
            for f in ms.load(os.path.join(src, "osm", "%s_%s.geojson" % (prefix, lname)))["features"]:
                p = f["properties"]
                if (p.get("osm_type"), int(p.get("osm_id"))) in ms.EXCLUDE:
                    continue
                g = ms.clean_geometry(f.get("geometry"), st)
                if g is not None:
                    out.append((p, g))
            data[area][lname] = out
    return data


def point_of(g):
    """The feature's point: itself, or an interior point of its largest polygon."""
    if g["type"] == "Point":
        return g["coordinates"]
    polys = ms.polygons_of(g)
    if polys:
        pt, _ = ms.interior_point(max(polys, key=ms.polygon_area))
        return ms.rpt(pt)
    return None


def osm_addr(p):
    full = ms.tag(p, "addr:full")
    if full:
        return full
    hn = ms.tag(p, "addr:housenumber")
    if hn and hn.isdigit() and any("\u4e00" <= ch <= "\u9fff" for ch in ms.tag(p, "addr:street") or ""):
        hn += "号"    # Chinese addresses say 号 after a bare house number
    parts = [ms.tag(p, k) for k in ("addr:province", "addr:city", "addr:district", "addr:street")]
    parts.append(hn)
    s = "".join(x for x in parts if x)
    return s or None


def osm_phone(p):
    return ms.tag(p, "phone") or ms.tag(p, "contact:phone")


def osm_points(data, select, st, label):
    """(props, point, area) for every OSM object (node, or polygon / closed way at an
    interior point) that `select` accepts; each OSM object once."""
    seen = set()
    out = []
    for area, _ in ms.AREAS:
        for lname in ("points", "multipolygons", "lines"):
            for p, g in data[area][lname]:
                if not select(p):
                    continue
                if lname == "lines":
                    cs = g["coordinates"]
                    if g["type"] != "LineString" or len(cs) < 4 or cs[0] != cs[-1]:
                        continue
                    g = {"type": "Polygon", "coordinates": [cs]}
                ref = ms.osm_ref(p)
                if ref in seen:
                    st.add("%s: duplicate OSM object across areas skipped" % label)
                    continue
                seen.add(ref)
                out.append((p, point_of(g), area))
    return out


# ---------------------------------------------------------------- real layers

HOSPITAL_NAME_TYPES = [   # name keyword -> type, checked in this order
    ("社区卫生服务中心", "社区卫生服务中心"), ("社区卫生服务站", "社区卫生服务站"),
    ("卫生院", "乡镇卫生院"), ("妇幼保健", "妇幼保健院"), ("中医", "中医医院"),
    ("口腔", "口腔医院"), ("门诊部", "门诊部"),
]
HEALTHCARE_TYPES = {
    "hospital": "综合医院", "clinic": "诊所", "doctors": "诊所", "dentist": "口腔诊所",
    "centre": "卫生服务中心", "pharmacy": "药店", "laboratory": "医学检验机构",
    "blood_donation": "采血点", "rehabilitation": "康复机构",
}


def is_health(p):
    hc = ms.tag(p, "healthcare")
    return ms.tag(p, "amenity") in ("hospital", "clinic", "doctors") or (hc not in (None, "no"))


def hospital_type(p):
    hc = ms.tag(p, "healthcare") or ms.tag(p, "amenity")
    spec = ms.tag(p, "healthcare:speciality") or ""
    name = ms.osm_name(p) or ""
    t = HEALTHCARE_TYPES.get(hc, "医疗机构")
    if hc == "hospital":
        if "dentistry" in spec:
            return "口腔医院"
        for kw, ty in HOSPITAL_NAME_TYPES:
            if kw in name:
                return ty
    elif hc in ("clinic", "doctors", "centre"):
        for kw, ty in HOSPITAL_NAME_TYPES:
            if kw in name and ty != "中医医院" and ty != "口腔医院":
                return ty
    return t


def build_hospitals(data, st):
    out = []
    taken = []   # (name, type, point) for the same-object-twice check
    for p, pt, area in osm_points(data, is_health, st, "hospitals"):
        name, ty = ms.osm_name(p), hospital_type(p)
        if name and any(n == name and t == ty and dist_m(q, pt) < 150 for n, t, q in taken):
            st.add("hospitals: same name and type within 150 m skipped")
            continue
        taken.append((name, ty, pt))
        beds = ms.parse_int(ms.tag(p, "beds"))
        out.append(feature("hospitals", {
            "name": name, "name_en": ms.tag(p, "name:en"), "type": ty,
            "level": None, "beds": beds, "phone": osm_phone(p), "addr": osm_addr(p),
            "osm_id": ms.osm_ref(p), "area": area, "generated": False,
        }, {"type": "Point", "coordinates": pt}))
    return out


def police_type(p):
    name = ms.osm_name(p) or ""
    for kw, ty in (("派出所", "派出所"), ("警务", "警务站"), ("分局", "公安分局"),
                   ("公安局", "公安局"), ("交警", "交通警察")):
        if kw in name:
            return ty
    return "公安机关"


def build_simple(data, st, layer, amenity, type_of):
    out = []
    for p, pt, area in osm_points(data, lambda p: ms.tag(p, "amenity") == amenity, st, layer):
        out.append(feature(layer, {
            "name": ms.osm_name(p), "type": type_of(p), "phone": osm_phone(p),
            "addr": osm_addr(p), "osm_id": ms.osm_ref(p), "area": area, "generated": False,
        }, {"type": "Point", "coordinates": pt}))
    return out


# Shelters -------------------------------------------------------------------
#
# Per-person effective area (人均有效避难面积), GB 50413-2007 城市抗震防灾规划标准 §8.2.8:
# 紧急 ≥ 1 m², 固定 ≥ 2 m²; 中心 sites are fixed shelters with city-level functions
# (GB 51143-2015 §3.1.4), so 2 m² too. Size classes, GB 50413-2007 §8.2.9: 紧急 ≥ 0.1 hm²,
# 固定 ≥ 1 hm², 中心 ≥ 50 hm² — applied here to the usable (effective) area, not the
# whole site, which is the stricter reading. A site whose usable area is under 0.1 hm²
# is not a candidate. `level` is the size class (I = 中心 size, II = 固定, III = 紧急):
# the GB 21734-2008 classes Ⅰ/Ⅱ/Ⅲ (stay ≥ 30 d / 10–30 d / < 10 d) depend on facilities
# that OSM does not record, so level says what the site's size could carry, nothing more.
SHELTER_CLASSES = [  # (min usable m², type, level, per-person m²)
    (500000.0, "中心避难场所", "I", 2.0),
    (10000.0, "固定避难场所", "II", 2.0),
    (1000.0, "紧急避难场所", "III", 1.0),
]
# Usable share of the site (有效避难面积 / 用地面积), assumptions:
#   school 0.4 — only playgrounds, courts and yards: buildings, roads and planted
#                strips cover most of a Chinese campus;
#   park   0.6 — lawns, plazas and paths: water, dense planting and buildings excluded;
#   square 0.7 — a paved/lawn plaza with some water features, planting and entrances;
#   hill park (a park whose name has 山) 0.2 — mostly wooded slopes, only the flat
#                foot-of-hill areas count.
USABLE_RATIO = {"school": 0.4, "park": 0.6, "square": 0.7, "hill_park": 0.2}
SITE_LABEL = {"school": ("学校", "school"), "park": ("公园", "park"),
              "square": ("广场", "square"), "hill_park": ("山体公园", "hill park")}
SHELTER_DERIVED = ["shelter_type", "level", "area_m2", "usable_ratio", "usable_area_m2",
                   "per_person_m2", "capacity_persons", "capacity_basis"]
SHELTER_STD = {"紧急避难场所": ("紧急避难场所", "emergency shelter"),
               "固定避难场所": ("固定避难场所", "fixed shelter"),
               "中心避难场所": ("中心避难场所", "central shelter")}


def shelter_site(p):
    """(site_type, osm_tag) of a candidate shelter polygon, None when not a candidate."""
    if ms.truthy(ms.tag(p, "building")):
        return None
    name = ms.osm_name(p) or ""
    am, lu, le = ms.tag(p, "amenity"), ms.tag(p, "landuse"), ms.tag(p, "leisure")
    if am in ("school", "university", "college"):
        return "school", "amenity=" + am
    if lu == "education":
        return "school", "landuse=education"
    if ms.tag(p, "place") == "square" or (name.endswith("广场") and le in ("park", "garden")):
        return "square", ("place=square" if ms.tag(p, "place") == "square" else "leisure=" + le)
    if le in ("park", "garden"):
        return ("hill_park" if "山" in name else "park"), "leisure=" + le
    if lu in ("grass", "village_green"):
        return "park", "landuse=" + lu
    return None


def fmt_num(x):
    return ("%.1f" % x).rstrip("0").rstrip(".")


def build_shelters(data, st):
    cands = []
    seen = set()
    for area, _ in ms.AREAS:
        for p, g in data[area]["multipolygons"]:
            site = shelter_site(p)
            if site is None or g["type"] not in ("Polygon", "MultiPolygon"):
                continue
            ref = ms.osm_ref(p)
            if ref in seen:
                continue
            seen.add(ref)
            area_m2 = geodesic_area_m2(g)
            cands.append({"p": p, "g": g, "area": area, "site": site, "ref": ref,
                          "area_m2": area_m2, "pt": point_of(g)})
    # A site inside a larger candidate site (a lawn on a campus) is part of it.
    polys = [(c, PolygonSet()) for c in cands]
    for c, ps in polys:
        ps.add(c["g"])
    out = []
    for c in cands:
        host = [d for d, ps in polys if d is not c and d["area_m2"] > c["area_m2"]
                and ps.contains(c["pt"])]
        if host:
            st.add("shelters: site inside a larger candidate site skipped")
            continue
        site_type, osm_tag = c["site"]
        ratio = USABLE_RATIO[site_type]
        area_m2 = round(c["area_m2"], 1)
        usable = round(area_m2 * ratio, 1)
        cls = next((k for k in SHELTER_CLASSES if usable >= k[0]), None)
        if cls is None:
            st.add("shelters: usable area under 1000 m² (0.1 hm²), not a candidate")
            continue
        _, stype, level, per_person = cls
        cap = int(math.floor(usable / per_person))
        zh, en = SITE_LABEL[site_type]
        basis = ("容量=⌊可用面积÷人均%s m²⌋（%s，GB 50413-2007 第8.2.8条）；"
                 "可用面积=场地面积×%s（%s假定值） | capacity = floor(usable_area_m2 / "
                 "%s m² per person) (%s, GB 50413-2007 §8.2.8); usable = site area × %s "
                 "(assumed for a %s)") % (
            fmt_num(per_person), stype, fmt_num(ratio), zh, fmt_num(per_person),
            SHELTER_STD[stype][1], fmt_num(ratio), en)
        out.append(feature("shelters", {
            "name": ms.osm_name(c["p"]), "shelter_type": stype, "level": level,
            "site_type": "park" if site_type == "hill_park" else site_type,
            "osm_tag": osm_tag, "area_m2": area_m2, "usable_ratio": ratio,
            "usable_area_m2": usable, "per_person_m2": per_person,
            "capacity_persons": cap, "capacity_basis": basis,
            "derived_fields": list(SHELTER_DERIVED), "osm_id": c["ref"],
            "area": c["area"], "generated": False,
        }, c["g"]))
    return out


# ---------------------------------------------------------------- generated layers

class Rng:
    """random.Random with only .random() used, so results do not depend on how a
    Python version implements choice/randint/sample."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def uniform(self, a, b):
        return a + (b - a) * self.r.random()

    def int(self, a, b):          # a..b inclusive
        return a + min(b - a, int(self.r.random() * (b - a + 1)))

    def pick(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def sample(self, seq, k):
        pool = list(seq)
        out = []
        for _ in range(min(k, len(pool))):
            out.append(pool.pop(self.int(0, len(pool) - 1)))
        return out

    def nice(self, a, b, step):
        """A multiple of step in [a, b]."""
        return self.int(int(math.ceil(a / step)), int(b // step)) * step

    def date(self, first, last):
        d0 = datetime.date.fromisoformat(first).toordinal()
        d1 = datetime.date.fromisoformat(last).toordinal()
        return datetime.date.fromordinal(self.int(d0, d1)).isoformat()


class Placer:
    """Puts generated points near real features, inside an area's bbox, on land.

    A point is rejected when it is in water (a water area, or within 25 m of a waterway
    line), inside any building, inside a named polygon (a campus, compound, mall,
    sports centre: a synthetic facility must not look like a real named one; place=*
    polygons such as the island of Shamian do not count), closer than the area's
    minimum spacing to another generated point, or, on Shamian, south of the 沙基涌
    canal but off the island (the extract maps only part of the Pearl River as an
    area). Hazards also stay out of every school, park and health-care site; the other
    layers may lie in a park or square (a crowd risk point on 花城广场)."""

    MIN_SPACING_M = {"huacheng": 35.0, "shamian": 35.0, "longgang": 150.0}
    ANCHORS = ("building", "tall_building", "road_major", "road_minor", "tunnel",
               "water_edge", "river_edge", "reservoir_edge", "park_edge", "hill_edge",
               "square")

    def __init__(self, data, shelter_sites, hospital_sites):
        self.water = PolygonSet()
        self.waterways = []
        self.buildings = PolygonSet()
        self.named = PolygonSet()      # named polygons other than place=*, parks, water
        self.sites = PolygonSet()      # schools, parks, health care: no hazard inside
        self.island = PolygonSet()     # place=island (Shamian)
        self.canal = []                # 沙基涌, the channel between Shamian and the city
        self.anchors = {a: {k: [] for k in self.ANCHORS} for a, _ in ms.AREAS}
        self.placed = []
        for g in shelter_sites + hospital_sites:
            self.sites.add(g)
        for area, _ in ms.AREAS:
            anc = self.anchors[area]
            for p, g in data[area]["multipolygons"]:
                if g["type"] not in ("Polygon", "MultiPolygon"):
                    continue
                edge = [q for rings in ms.polygons_of(g) for q in rings[0]]
                name = ms.osm_name(p) or ""
                wc = ms.water_area_class(p)
                park = ms.tag(p, "leisure") in ("park", "garden")
                if wc:
                    self.water.add(g)
                    anc["water_edge"] += edge
                    if wc in ("river", "canal", "stream"):
                        anc["river_edge"] += edge
                    if wc == "reservoir":
                        anc["reservoir_edge"] += edge
                if ms.tag(p, "place") in ("island", "islet"):
                    self.island.add(g)
                elif name and not park and not wc and not ms.truthy(ms.tag(p, "building")):
                    self.named.add(g)
                if ms.truthy(ms.tag(p, "building")):
                    self.buildings.add(g)
                    pt = point_of(g)
                    anc["building"].append(pt)
                    h = ms.parse_height(ms.tag(p, "height")) or 0
                    lv = ms.parse_int(ms.tag(p, "building:levels")) or 0
                    if h >= 100 or lv >= 30:
                        anc["tall_building"].append(pt)
                    if name:
                        self.named.add(g)
                elif park:
                    anc["park_edge"] += edge
                    if "山" in name:
                        anc["hill_edge"] += edge
                    if name.endswith("广场"):
                        anc["square"].append(point_of(g))
            for p, g in data[area]["lines"] + data[area]["multilinestrings"]:
                if ms.tag(p, "type") == "route":
                    continue
                wc = ms.WATERWAY_CLASS.get(ms.tag(p, "waterway"))
                if wc:
                    self.waterways += lines_of(g)
                    for ln in lines_of(g):
                        anc["water_edge"] += ln
                        if wc in ("river", "canal"):
                            anc["river_edge"] += ln
                    if ms.osm_name(p) == "沙基涌":
                        self.canal += lines_of(g)
                rc = ms.road_class(p)
                if rc is None:
                    continue
                pts = [q for ln in lines_of(g) for q in ln]
                if rc in ("motorway", "trunk", "primary", "secondary"):
                    anc["road_major"] += pts
                elif rc in ("tertiary", "minor", "service"):
                    anc["road_minor"] += pts
                if ms.truthy(ms.tag(p, "tunnel")) or (ms.parse_int(ms.tag(p, "layer")) or 0) < 0:
                    anc["tunnel"] += pts
            for k in anc:
                anc[k] = [q for q in anc[k] if in_bbox(q, area, 0.0003)]

    def north_of_canal(self, q):
        for ln in self.canal:
            for a, b in zip(ln, ln[1:]):
                if min(a[0], b[0]) <= q[0] <= max(a[0], b[0]) and a[0] != b[0]:
                    return q[1] > a[1] + (q[0] - a[0]) * (b[1] - a[1]) / (b[0] - a[0])
        return False

    def ok(self, q, area, hazard):
        if not in_bbox(q, area, 0.0003):
            return False
        if self.water.contains(q) or near_lines(q, self.waterways, 25.0):
            return False
        if area == "shamian" and not (self.island.contains(q) or self.north_of_canal(q)):
            return False
        if self.buildings.contains(q) or self.named.contains(q):
            return False
        if hazard and self.sites.contains(q):
            return False
        return all(dist_m(q, r) >= self.MIN_SPACING_M[area] for r in self.placed)

    def place(self, rng, area, anchor, dmin, dmax, hazard=False):
        for kind in (anchor, "building", "road_minor", "road_major"):
            cands = self.anchors[area].get(kind) or []
            if not cands:
                continue
            for _ in range(400):
                a = rng.pick(cands)
                q = ms.rpt(offset(a, rng.uniform(dmin, dmax), rng.uniform(0, 2 * math.pi)))
                if self.ok(q, area, hazard):
                    self.placed.append(q)
                    return q
        raise RuntimeError("no place found for a %s point in %s" % (anchor, area))


# Hazards (危险源). Major-hazard identification and grading per GB 18218-2018
# 危险化学品重大危险源辨识: a unit is a major hazard when Σ qᵢ/Qᵢ ≥ 1 (Q = critical
# quantity, table 1); its grade follows R = α·Σ βᵢ·qᵢ/Qᵢ (β: table 3 for toxic gases,
# table 4 by hazard category; α: table 5, people within 500 m): 一级 R ≥ 100,
# 二级 50 ≤ R < 100, 三级 10 ≤ R < 50, 四级 R < 10. Quantities are synthetic.
SUBSTANCES = {   # substance: (critical quantity Q in t, β, note on β)
    "汽油": (200.0, 1.0, "易燃液体"),
    "液化石油气": (50.0, 1.5, "易燃气体"),
    "天然气": (50.0, 1.5, "易燃气体"),
    "液氨": (10.0, 2.0, "毒性气体 氨"),
    "液氯": (5.0, 4.0, "毒性气体 氯"),
    "甲醇": (500.0, 1.0, "易燃液体"),
}
ALPHA = {"huacheng": 2.0, "shamian": 2.0}   # > 100 people within 500 m: α = 2.0

# (area, hazard_class, facility (name suffix), substance, (qmin, qmax, step), anchor)
HAZARDS = [
    ("huacheng", "加油站", "加油站", "汽油", (20, 60, 1), "road_major"),
    ("huacheng", "燃气", "燃气调压站", "天然气", (0.2, 1.0, 0.1), "road_minor"),
    ("huacheng", "燃气", "餐饮液化石油气瓶组间", "液化石油气", (0.5, 3.0, 0.1), "building"),
    ("huacheng", "高压电", "110kV变电站", None, None, "building"),
    ("huacheng", "建筑工地", "深基坑施工工地", None, None, "road_minor"),
    ("shamian", "燃气", "液化石油气瓶组间", "液化石油气", (0.5, 2.0, 0.1), "building"),
    ("shamian", "高压电", "10kV开关站", None, None, "building"),
    ("shamian", "建筑工地", "历史建筑修缮工地", None, None, "building"),
    ("longgang", "加油站", "加油站（一）", "汽油", (30, 90, 1), "road_major"),
    ("longgang", "加油站", "加油站（二）", "汽油", (30, 90, 1), "road_major"),
    ("longgang", "危险化学品", "成品油库", "汽油", (6000, 12000, 100), "road_minor"),
    ("longgang", "燃气", "液化天然气储配站", "天然气", (80, 400, 10), "road_minor"),
    ("longgang", "燃气", "液化石油气储配站", "液化石油气", (100, 600, 10), "road_minor"),
    ("longgang", "危险化学品", "冷链仓库氨制冷机房", "液氨", (8, 40, 1), "building"),
    ("longgang", "危险化学品", "水厂加氯间", "液氯", (10, 30, 1), "building"),
    ("longgang", "危险化学品", "化工原料仓库", "甲醇", (200, 1500, 10), "building"),
    ("longgang", "高压电", "220kV变电站", None, None, "road_major"),
    ("longgang", "建筑工地", "地铁站施工工地", None, None, "road_major"),
]
RESPONSIBLE = {"加油站": "（示例）成品油零售企业", "燃气": "（示例）城市燃气经营企业",
               "危险化学品": "（示例）危险化学品经营企业", "高压电": "（示例）供电局运维单位",
               "建筑工地": "（示例）施工总承包单位"}


def hazard_level(area, substance, qty, rng):
    if substance is None:
        return None, None, None, "GB 18218-2018 不适用（非危险化学品） | not a hazardous chemical"
    Q, beta, cat = SUBSTANCES[substance]
    alpha = ALPHA.get(area) or rng.pick([1.5, 2.0])
    ratio = qty / Q
    r = alpha * beta * ratio
    if ratio < 1:
        return "非重大危险源", Q, None, (
            "Σq/Q=%s/%s=%.2f<1，未构成重大危险源 (GB 18218-2018) | below the critical "
            "quantity, not a major hazard" % (fmt_num(qty), fmt_num(Q), ratio))
    grade = "一级" if r >= 100 else "二级" if r >= 50 else "三级" if r >= 10 else "四级"
    return grade + "重大危险源", Q, round(r, 2), (
        "R=α·β·q/Q=%s×%s×%s/%s=%.2f（β：%s）→%s (GB 18218-2018)" % (
            fmt_num(alpha), fmt_num(beta), fmt_num(qty), fmt_num(Q), r, cat, grade))


def build_hazards(placer):
    rng = Rng(1821820180)
    out = []
    for i, (area, hclass, facility, substance, qr, anchor) in enumerate(HAZARDS, 1):
        pt = placer.place(rng, area, anchor, 20, 60, hazard=True)
        qty = None
        if qr is not None:
            qty = round(rng.nice(qr[0], qr[1], qr[2]) if qr[2] >= 1 else
                        rng.nice(qr[0] * 10, qr[1] * 10, 1) / 10.0, 1)
            if qty == int(qty):
                qty = int(qty)
        level, Q, r, basis = hazard_level(area, substance, qty, rng)
        out.append(feature("hazards", {
            "name": "（示例）%s%s" % (AREA_LABEL[area], facility), "code": "HZ-%04d" % i,
            "hazard_class": hclass, "facility": facility.split("（")[0], "level": level,
            "substance": substance, "quantity_t": qty,
            "critical_quantity_t": None if Q is None else int(Q), "r_value": r,
            "level_basis": basis, "responsible_unit": RESPONSIBLE[hclass],
            "inspection_date": rng.date("2026-03-01", "2026-09-20"),
            "area": area, "generated": True,
        }, {"type": "Point", "coordinates": pt}))
    return out


# Risk points (风险点), four-colour scheme of 安全风险分级管控: 重大=红, 较大=橙, 一般=黄, 低=蓝.
RISK_COLOR = {"重大": ("红", "#FF0000"), "较大": ("橙", "#FF8000"),
              "一般": ("黄", "#FFFF00"), "低": ("蓝", "#0070FF")}
# (area, risk_type, risk_level, name suffix, description, anchor)
RISKS = [
    ("huacheng", "人员密集", "较大", "广场大客流聚集点",
     "节假日灯光表演及跨年活动期间瞬时客流大，存在拥挤踩踏风险", "square"),
    ("huacheng", "内涝", "一般", "下沉通道积水点",
     "地下通道出入口地势低，短历时强降雨时易积水倒灌", "tunnel"),
    ("huacheng", "火灾隐患", "较大", "超高层建筑消防重点部位",
     "超高层建筑人员疏散距离长，需定期检查消防设施与疏散通道", "tall_building"),
    ("huacheng", "人员密集", "一般", "地铁站出入口客流点",
     "早晚高峰客流集中，出入口外人行道通行能力不足", "road_major"),
    ("huacheng", "地下空间", "较大", "地下商业空间倒灌风险点",
     "大型地下商业空间出入口多，暴雨时存在雨水倒灌风险", "square"),
    ("shamian", "火灾隐患", "较大", "历史建筑群火灾风险点",
     "历史建筑木构件多、间距小，消防车通行受限", "building"),
    ("shamian", "火灾隐患", "一般", "沿街餐饮用火风险点",
     "沿街餐饮店铺使用瓶装液化气，需检查燃气管线与报警装置", "building"),
    ("shamian", "洪潮", "较大", "沿江低洼风暴潮风险点",
     "台风风暴潮与天文大潮叠加时江水可能漫过堤岸", "river_edge"),
    ("shamian", "人员密集", "一般", "旅游步行街客流点",
     "节假日游客集中，街巷狭窄，需做好客流疏导", "road_minor"),
    ("shamian", "树木倒伏", "低", "古树台风倒伏风险点",
     "台风期间古树名木可能断枝倒伏，影响行人车辆安全", "park_edge"),
    ("longgang", "地质灾害", "较大", "山体边坡崩塌风险点",
     "公园山体临路边坡坡度较陡，强降雨后可能发生崩塌滑坡", "hill_edge"),
    ("longgang", "地质灾害", "一般", "切坡建房边坡风险点",
     "建筑后侧人工切坡未完全支护，需雨季加密巡查", "building"),
    ("longgang", "内涝", "较大", "河道沿岸低洼内涝点",
     "河道行洪能力不足时沿岸道路及首层易受淹", "river_edge"),
    ("longgang", "内涝", "一般", "立交桥下积水点",
     "立交桥下道路低洼，强降雨时积水深度可达0.3～0.5米", "road_major"),
    ("longgang", "人员密集", "较大", "大型场馆活动客流点",
     "大型赛事与演出散场时人流集中，需交通与客流管控", "road_minor"),
    ("longgang", "火灾隐患", "重大", "城中村出租屋火灾风险点",
     "城中村建筑密集、消防通道狭窄，电动自行车室内充电现象多", "building"),
    ("longgang", "水库安全", "重大", "水库下游防汛风险点",
     "水库汛期高水位运行，下游人员需纳入防汛转移预案", "reservoir_edge"),
]


def build_risks(placer):
    rng = Rng(4444)
    out = []
    for i, (area, rtype, rlevel, suffix, desc, anchor) in enumerate(RISKS, 1):
        d = (10, 40) if anchor in ("square", "tall_building") else (25, 70)
        pt = placer.place(rng, area, anchor, d[0], d[1])
        color, hexc = RISK_COLOR[rlevel]
        out.append(feature("risk_points", {
            "name": "（示例）%s%s" % (AREA_LABEL[area], suffix), "code": "RP-%04d" % i,
            "risk_type": rtype, "risk_level": rlevel, "risk_color": color,
            "risk_color_hex": hexc, "description": "（示例数据）" + desc,
            "checked_date": rng.date("2026-04-01", "2026-09-20"),
            "area": area, "generated": True,
        }, {"type": "Point", "coordinates": pt}))
    return out


# Rescue teams (救援队伍)
TEAM_TYPES = {   # type: (size range, vehicle range, equipment pool, duty)
    "消防救援": ((25, 45), (4, 8), ["水罐消防车", "泡沫消防车", "举高喷射消防车",
                                    "抢险救援车", "破拆工具组", "正压式空气呼吸器",
                                    "生命探测仪"], "24h"),
    "医疗救护": ((8, 20), (2, 5), ["负压救护车", "除颤仪", "铲式担架", "急救箱",
                                   "便携式呼吸机", "心电监护仪"], "24h"),
    "危化处置": ((20, 35), (3, 6), ["重型防化服", "有毒气体检测仪", "堵漏工具组",
                                    "洗消帐篷", "吸附材料", "防爆排烟机"], "24h"),
    "水上救援": ((10, 20), (1, 3), ["冲锋舟", "橡皮艇", "救生衣", "救生抛投器",
                                    "潜水装备", "水域救援绳索"], None),
    "电力抢修": ((15, 30), (3, 6), ["应急发电车", "抢修工程车", "绝缘工具组",
                                    "移动照明灯塔", "电缆故障测试仪"], None),
    "社会救援": ((20, 60), (0, 2), ["手动破拆工具", "应急照明灯", "担架", "对讲机",
                                    "急救包", "救灾帐篷"], None),
}
TEAMS = [  # (area, team_type, name suffix, anchor)
    ("huacheng", "消防救援", "消防救援小站", "road_major"),
    ("huacheng", "医疗救护", "急救分站", "building"),
    ("huacheng", "电力抢修", "电力抢修队", "road_minor"),
    ("huacheng", "社会救援", "志愿者应急救援队", "building"),
    ("shamian", "水上救援", "珠江水上救援队", "river_edge"),
    ("shamian", "消防救援", "微型消防站", "building"),
    ("shamian", "医疗救护", "急救点", "building"),
    ("shamian", "社会救援", "社区应急救援队", "building"),
    ("longgang", "消防救援", "消防救援站", "road_major"),
    ("longgang", "危化处置", "危化品应急处置队", "road_minor"),
    ("longgang", "医疗救护", "急救站", "building"),
    ("longgang", "电力抢修", "供电抢修队", "road_major"),
    ("longgang", "水上救援", "河道水库救援队", "reservoir_edge"),
    ("longgang", "社会救援", "社会应急救援队", "building"),
]


def build_teams(placer):
    rng = Rng(119120)
    out = []
    for i, (area, ttype, suffix, anchor) in enumerate(TEAMS, 1):
        (s0, s1), (v0, v1), pool, duty = TEAM_TYPES[ttype]
        pt = placer.place(rng, area, anchor, 25, 70)
        out.append(feature("rescue_teams", {
            "name": "（示例）%s%s" % (AREA_LABEL[area], suffix), "code": "RT-%04d" % i,
            "team_type": ttype, "size": rng.int(s0, s1), "vehicles": rng.int(v0, v1),
            "equipment": rng.sample(pool, rng.int(3, 5)),
            "contact": "%s-0000-%04d" % (AREA_PHONE[area], i),
            "duty": duty or rng.pick(["24h", "on-call"]),
            "area": area, "generated": True,
        }, {"type": "Point", "coordinates": pt}))
    return out


# Supply reserves (应急物资储备点): item, unit, (min, max, step)
ITEMS = {
    "沙袋": ("个", (2000, 10000, 500)), "编织袋": ("条", (1000, 5000, 500)),
    "救生衣": ("件", (50, 300, 10)), "救生圈": ("个", (20, 100, 10)),
    "抽水泵": ("台", (2, 10, 1)), "冲锋舟": ("艘", (1, 4, 1)),
    "雨衣雨靴": ("套", (50, 200, 10)), "应急照明灯": ("盏", (20, 100, 10)),
    "铁锹": ("把", (50, 200, 10)), "帐篷": ("顶", (20, 200, 10)),
    "折叠床": ("张", (50, 500, 10)), "棉被": ("床", (100, 800, 50)),
    "毛毯": ("条", (100, 800, 50)), "饮用水": ("箱", (100, 1000, 50)),
    "方便食品": ("箱", (100, 800, 50)), "急救包": ("个", (50, 300, 10)),
    "担架": ("副", (10, 50, 5)), "医用口罩": ("只", (5000, 50000, 1000)),
    "防护服": ("套", (100, 1000, 50)), "消毒液": ("升", (100, 1000, 50)),
    "医用手套": ("副", (1000, 10000, 500)), "发电机": ("台", (2, 8, 1)),
}
RESERVE_ITEMS = {
    "防汛": (["沙袋", "编织袋", "救生衣", "救生圈", "抽水泵", "冲锋舟", "雨衣雨靴",
              "应急照明灯", "铁锹"], (200, 800)),
    "生活": (["帐篷", "折叠床", "棉被", "毛毯", "饮用水", "方便食品", "应急照明灯"],
             (300, 1500)),
    "医疗": (["急救包", "担架", "医用口罩", "防护服", "消毒液", "医用手套"], (100, 500)),
    "综合": (["帐篷", "折叠床", "饮用水", "方便食品", "救生衣", "沙袋", "发电机",
              "应急照明灯", "急救包"], (400, 2000)),
}
RESERVES = [  # (area, reserve_type, name suffix, anchor)
    ("huacheng", "综合", "综合应急物资储备点", "building"),
    ("huacheng", "生活", "生活类物资储备点", "building"),
    ("huacheng", "医疗", "医疗防疫物资储备点", "building"),
    ("shamian", "防汛", "沿江防汛物资仓", "river_edge"),
    ("shamian", "综合", "综合应急物资储备点", "building"),
    ("shamian", "生活", "生活类物资储备点", "building"),
    ("longgang", "综合", "综合应急物资储备库", "road_major"),
    ("longgang", "防汛", "河道防汛物资仓", "river_edge"),
    ("longgang", "防汛", "水库防汛物资仓", "reservoir_edge"),
    ("longgang", "医疗", "医疗防疫物资储备点", "building"),
    ("longgang", "生活", "生活类物资储备点", "building"),
]


def build_reserves(placer):
    rng = Rng(2008)
    out = []
    for i, (area, rtype, suffix, anchor) in enumerate(RESERVES, 1):
        pool, (c0, c1) = RESERVE_ITEMS[rtype]
        pt = placer.place(rng, area, anchor, 25, 70)
        contents = []
        for item in rng.sample(pool, rng.int(4, 6)):
            unit, (a, b, step) = ITEMS[item]
            contents.append({"item": item, "unit": unit, "quantity": rng.nice(a, b, step)})
        out.append(feature("reserves", {
            "name": "（示例）%s%s" % (AREA_LABEL[area], suffix), "code": "RS-%04d" % i,
            "reserve_type": rtype, "contents": contents,
            "capacity_m3": rng.nice(c0, c1, 10),
            "manager": "（示例）%s片区应急管理办公室" % AREA_LABEL[area],
            "contact": "%s-0000-%04d" % (AREA_PHONE[area], 100 + i),
            "area": area, "generated": True,
        }, {"type": "Point", "coordinates": pt}))
    return out


# ---------------------------------------------------------------- output

def write_layers_json(path):
    """Keep the entries that are not ours (the base layers) as they are, append ours."""
    ours = {lid for lid, _, _, _ in LAYERS}
    with open(path, encoding="utf-8") as f:
        items = [e for e in json.load(f) if e.get("id") not in ours]
    for lid, title, access, generated in LAYERS:
        items.append({
            "id": lid, "title": title, "kind": "emergency",
            "file": "emergency_%s.geojson" % lid, "minzoom": 12, "maxzoom": 16,
            "name_field": "name", "code_field": "code" if generated else "osm_id",
            "attribution": GEN_ATTRIBUTION if generated else OSM_ATTRIBUTION,
            "access": access,
        })
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(items, f, ensure_ascii=False, indent=2)
        f.write("\n")


def summary(lid, feats):
    field = {"hospitals": "type", "fire_stations": "type", "police": "type",
             "shelters": "shelter_type", "hazards": "level", "risk_points": "risk_level",
             "rescue_teams": "team_type", "reserves": "reserve_type"}[lid]
    by = Counter(str(f["properties"][field]) for f in feats)
    areas = Counter(f["properties"]["area"] for f in feats)
    print("%-13s %3d features; by %s: %s; area: %s" % (
        lid, len(feats), field,
        ", ".join("%s %d" % kv for kv in sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))),
        ", ".join("%s %d" % (a, areas[a]) for a, _ in ms.AREAS)))
    if lid == "shelters":
        for f in feats:
            p = f["properties"]
            print("    %-34s %-6s %-4s %-3s %10.1f m² ×%.1f → %9.1f m² → %6d persons" % (
                p["name"] or "(%s)" % p["osm_id"], p["site_type"], p["shelter_type"][:2],
                p["level"], p["area_m2"], p["usable_ratio"], p["usable_area_m2"],
                p["capacity_persons"]))
        print("    total capacity: %d persons" % sum(f["properties"]["capacity_persons"]
                                                     for f in feats))
    if lid == "hazards":
        cls = Counter(f["properties"]["hazard_class"] for f in feats)
        print("    by hazard_class: %s" % ", ".join("%s %d" % kv for kv in sorted(cls.items())))


def check(out):
    """Re-read the written files: JSON, uniform properties, shelter area vs pyproj."""
    ok = True
    for lid, _, _, generated in LAYERS:
        path = os.path.join(out, "emergency_%s.geojson" % lid)
        with open(path, encoding="utf-8") as f:
            fc = json.load(f)
        keys = {tuple(ft["properties"]) for ft in fc["features"]}
        gen = {ft["properties"]["generated"] for ft in fc["features"]}
        if keys != {tuple(SCHEMA[lid])} or gen != {generated}:
            print("check: %s: properties not uniform or generated flag wrong" % lid)
            ok = False
    try:
        from pyproj import Geod
    except ImportError:
        print("check: pyproj not installed, shelter areas not cross-checked")
        return ok
    geod = Geod(ellps="WGS84")
    with open(os.path.join(out, "emergency_shelters.geojson"), encoding="utf-8") as f:
        fc = json.load(f)
    worst = 0.0
    for ft in fc["features"]:
        ref = 0.0
        for rings in ms.polygons_of(ft["geometry"]):
            for i, r in enumerate(rings):
                a, _ = geod.polygon_area_perimeter([c[0] for c in r], [c[1] for c in r])
                ref += abs(a) if i == 0 else -abs(a)
        mine = ft["properties"]["area_m2"]
        rel = abs(mine - ref) / ref
        worst = max(worst, rel)
        if rel > 0.005:
            print("check: shelter %s: area %.1f m², pyproj %.1f m² (%.3f %%)" % (
                ft["properties"]["osm_id"], mine, ref, rel * 100))
            ok = False
    print("check: shelter areas vs pyproj.Geod (WGS84): %d features, worst difference "
          "%.5f %%" % (len(fc["features"]), worst * 100))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.path.join(REPO, "..", "shared", "data"),
                    help="source data directory (default: ../shared/data from the repo root)")
    ap.add_argument("--out", default=os.path.join(REPO, "SampleData"),
                    help="output directory (default: SampleData in the repo)")
    ap.add_argument("--check", action="store_true",
                    help="re-read the outputs and cross-check shelter areas with pyproj")
    args = ap.parse_args()
    src, out = os.path.normpath(args.src), os.path.normpath(args.out)
    if not os.path.isdir(src):
        sys.exit("error: source directory %s not found" % src)
    if not os.path.isfile(os.path.join(out, "layers.json")):
        sys.exit("error: %s/layers.json not found: run Scripts/make_sample.py first" % out)

    st = ms.Stats()
    data = load_osm(src, st)
    result = {
        "hospitals": build_hospitals(data, st),
        "fire_stations": build_simple(data, st, "fire_stations", "fire_station",
                                      lambda p: "消防救援站"),
        "police": build_simple(data, st, "police", "police", police_type),
        "shelters": build_shelters(data, st),
    }
    site_geoms = [g for area, _ in ms.AREAS for p, g in data[area]["multipolygons"]
                  if shelter_site(p) and g["type"] in ("Polygon", "MultiPolygon")]
    hosp_geoms = [g for area, _ in ms.AREAS for p, g in data[area]["multipolygons"]
                  if is_health(p) and g["type"] in ("Polygon", "MultiPolygon")]
    placer = Placer(data, site_geoms, hosp_geoms)
    result["hazards"] = build_hazards(placer)
    result["risk_points"] = build_risks(placer)
    result["rescue_teams"] = build_teams(placer)
    result["reserves"] = build_reserves(placer)

    for lid, _, _, _ in LAYERS:
        ms.write_geojson(os.path.join(out, "emergency_%s.geojson" % lid), lid, result[lid])
    write_layers_json(os.path.join(out, "layers.json"))

    for lid, _, _, _ in LAYERS:
        summary(lid, result[lid])
    notes = {k: v for k, v in st.c.items() if not k.startswith("duplicate vertices")}
    if notes:
        print("notes:")
        for k in sorted(notes):
            print("  %s: %d" % (k, notes[k]))
    if args.check and not check(out):
        sys.exit(1)


if __name__ == "__main__":
    main()
