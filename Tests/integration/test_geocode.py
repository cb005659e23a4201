"""Geocoding (issue 4, item 3): GET /geocode?address=… and the structured form, POST
/geocode batches, against the real server on the sample database.

The accuracy test builds its queries from the real OSM data in SampleData, independently
of the server: every building / POI with addr:street + addr:housenumber becomes
city + district + street + number + 号 (the district found with Shapely in
SampleData/admin.geojson), every named POI becomes its name, alone and after its
district. The distance from the first result to the feature (pyproj Geod; 0 inside a
building's polygon, else to Shapely's representative point) is tabulated by match
level and written to Tests/integration/out/geocode_accuracy.json.
"""
from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import Point, shape

from features_ref import api_key
from helpers import SAMPLE

GEOD = Geod(ellps="WGS84")
OUT = Path(__file__).resolve().parent / "out"
LEVELS = ["house_number", "poi", "road", "street", "district", "city", "province"]


def geocode(http, **params):
    return http.get("/geocode", params=params)


def first(http, address, **params):
    r = geocode(http, address=address, **params)
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    assert body["results"], f"no result for {address}: {body}"
    return body["results"][0], body


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def assert_problem(r, status=None):
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    if status is not None:
        assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    p = r.json()
    assert p["status"] == r.status_code and p["detail"] and p["title"], p


def features(name):
    return json.loads((SAMPLE / f"{name}.geojson").read_text())["features"]


# ----------------------------------------------------------------------------- parsing
def test_full_address_parts_and_house_number(http):
    res, body = first(http, "广东省广州市天河区花城大道83号")
    p = body["parsed"]
    assert (p["province"], p["city"], p["district"], p["road"], p["house_number"]) == ("广东省", "广州市", "天河区", "花城大道", "83")
    assert [a["level"] for a in p["admin"]] == ["province", "city", "district"]
    assert p["admin"][2]["codes"][0] == "440106000000"
    assert res["level"] == "house_number" and res["confidence"] >= 0.9
    assert [a["adcode"] for a in res["admin"]] == ["440000", "440100", "440106"]
    assert res["formatted"] == "广东省广州市天河区花城大道83号"
    # 广州市海关 is 花城大道 83 in OSM (a building and a POI).
    poi = next(f for f in features("poi") if f["properties"]["name"] == "广州市海关")
    assert metres(res["lon"], res["lat"], *poi["geometry"]["coordinates"]) < 50


def test_building_unit_room_are_parsed_and_do_not_hurt(http):
    res, body = first(http, "广州市天河区花城大道83号3栋2单元1201室")
    p = body["parsed"]
    assert (p["building"], p["unit"], p["room"]) == ("3", "2", "1201")
    base, _ = first(http, "广州市天河区花城大道83号")
    assert res["level"] == "house_number" and (res["lon"], res["lat"]) == (base["lon"], base["lat"])


@pytest.mark.parametrize("variant", [
    "花城大道83号",                # no province, city or district
    "广州花城大道83号",            # 广州 for 广州市
    "广州天河花城大道83号",        # 天河 for 天河区
    "广州市天河区花城大道８３号",  # full-width digits
    "广州市　天河区 花城大道 83 号",  # ideographic and ASCII spaces
    "广州市天河区花城大道83",      # bare number after the road
    "天河区，花城大道83号",        # a separator
    "广州市天河区花城大道😀83号",  # an emoji
])
def test_missing_levels_abbreviations_full_width(http, variant):
    base, _ = first(http, "广东省广州市天河区花城大道83号")
    res, body = first(http, variant)
    assert body["parsed"]["road"] == "花城大道" and body["parsed"]["house_number"] == "83", body["parsed"]
    assert res["level"] == "house_number"
    assert metres(res["lon"], res["lat"], base["lon"], base["lat"]) < 1


def test_place_name_before_the_road(http):
    # 珠江新城 (an area) written before the road: the road is found by its tail, a little less sure.
    base, _ = first(http, "广州市天河区花城大道83号")
    res, body = first(http, "广州市天河区珠江新城花城大道83号")
    assert body["parsed"]["road"] == "珠江新城花城大道"
    assert res["level"] == "house_number" and res["confidence"] < base["confidence"]
    assert metres(res["lon"], res["lat"], base["lon"], base["lat"]) < 1
    assert any("花城大道" in n for n in res["notes"])


@pytest.mark.parametrize("address", ["广东省广州市天河区珠江新城花城广场", "花城广场东门"])
def test_place_name_with_an_area_in_front_or_a_part_behind(http, address):
    # 花城广场 is a POI of the sample; the text around it names no other place.
    truth = [f for f in features("poi") if f["properties"]["name"] == "花城广场"]
    assert truth
    res, _ = first(http, address)
    assert res["level"] == "poi" and res["name"] == "花城广场", res
    assert 0 < res["confidence"] < 0.9
    lon, lat = truth[0]["geometry"]["coordinates"]
    assert metres(res["lon"], res["lat"], lon, lat) < 50


def test_roads_and_places_missing_from_the_data(http):
    # 天河路 is not in the sample: no guess from a look-alike name, only the admin centre if one was named.
    r = geocode(http, address="天河路385号").json()
    assert r["results"] == []
    res, _ = first(http, "广州市天河区天河路385号")
    assert res["level"] == "district" and res["confidence"] <= 0.3
    res, body = first(http, "广州市天河区石牌村")
    assert body["parsed"]["community"] == "石牌村" and res["level"] == "district"
    assert any("石牌村" in n for n in res["notes"])


def test_structured_fields(http):
    r = geocode(http, city="广州", district="天河", road="花城大道", number="83号")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["parsed"]["city"] == "广州市" and body["parsed"]["district"] == "天河区"
    assert body["results"][0]["level"] == "house_number"
    r = geocode(http, district="荔湾区", name="沙面宾馆").json()
    assert r["results"][0]["level"] == "poi" and r["results"][0]["name"] == "沙面宾馆"
    r = geocode(http, province="广东", city="深圳", district="龙岗", road="龙翔大道", number="2001").json()
    assert r["results"][0]["level"] == "house_number"
    assert [a["adcode"] for a in r["results"][0]["admin"]] == ["440000", "440300", "440307"]


@pytest.mark.parametrize("params", [
    {"district": "火星区"},                        # no such area
    {"road": "花城大道", "number": "八十三a"},       # not a house number
    {"number": "83"},                              # a number needs its road
    {"road": ""},                                  # empty field
    {"address": "花城大道83号", "road": "花城大道"},  # both forms
    {"name": "x" * 201},
])
def test_structured_bad_input(http, params):
    assert_problem(geocode(http, **params), 400)


# ----------------------------------------------------------------------------- match levels
def test_match_levels(http):
    cases = {
        "沙面大街29号": "house_number",
        "广州市荔湾区沙面宾馆": "poi",
        "花城大道": "road",
        "荔湾区沙面街道": "street",
        "天河区": "district",
        "深圳": "city",
        "广东省": "province",
    }
    for q, level in cases.items():
        res, _ = first(http, q)
        assert res["level"] == level, (q, res)
        assert 0 < res["confidence"] <= 1
    # Street/town units have no geometry: the district's centre, said so, less confident.
    street, _ = first(http, "荔湾区沙面街道")
    district, _ = first(http, "荔湾区")
    assert (street["lon"], street["lat"]) == (district["lon"], district["lat"])
    assert any("street/town" in n for n in street["notes"])
    assert street["admin"][-1]["name"] == "沙面街道" and street["admin"][-1]["code"] == "440103001000"
    # Confidence falls with the level reached.
    conf = [first(http, q)[0]["confidence"] for q in ["沙面大街29号", "花城大道", "天河区", "深圳", "广东省"]]
    assert conf == sorted(conf, reverse=True) and len(set(conf)) == len(conf)


def test_house_number_between_known_numbers_is_interpolated(http):
    # 沙面大街 has 53 and 59 in OSM but no 55.
    res, _ = first(http, "广州市荔湾区沙面大街55号")
    assert res["level"] == "house_number" and res["confidence"] < 1
    assert any("interpolated" in n or "nearest" in n for n in res["notes"]), res


def test_conflicting_admin_parts_lower_confidence(http):
    right, _ = first(http, "深圳市龙岗区龙翔大道2001号")
    wrong, body = first(http, "广州市龙岗区龙翔大道2001号")
    assert body["parsed"]["admin"][1]["conflicts"] is True
    assert metres(right["lon"], right["lat"], wrong["lon"], wrong["lat"]) < 1
    assert wrong["confidence"] < right["confidence"]


def test_limit_ranks_candidates(http):
    r = geocode(http, address="麦当劳", limit=10).json()
    res = r["results"]
    assert 1 < len(res) <= 10
    assert [c["confidence"] for c in res] == sorted((c["confidence"] for c in res), reverse=True)
    assert len(geocode(http, address="麦当劳").json()["results"]) == 1
    for bad in ["0", "11", "-1", "x", "1.5", "99999999999999999999"]:
        assert_problem(geocode(http, address="麦当劳", limit=bad), 400)


# ----------------------------------------------------------------------------- coordsys
def _tlat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _tlon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs_to_gcj(lon, lat):
    """The published GCJ-02 offset (Krasovsky ellipsoid), an independent reference."""
    a, ee = 6378245.0, 0.00669342162296594323
    dlat, dlon = _tlat(lon - 105.0, lat - 35.0), _tlon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    sq = math.sqrt(magic)
    dlat = dlat * 180.0 / ((a * (1 - ee)) / (magic * sq) * math.pi)
    dlon = dlon * 180.0 / (a / sq * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


def test_gcj02_round_trip(http):
    q = "广州市荔湾区沙面大街29号"
    plain, _ = first(http, q)
    gcj, body = first(http, q, coordsys="gcj02")
    assert body["coordsys"] == "gcj02"
    elon, elat = wgs_to_gcj(plain["lon"], plain["lat"])
    assert metres(gcj["lon"], gcj["lat"], elon, elat) < 0.05
    assert 100 < metres(gcj["lon"], gcj["lat"], plain["lon"], plain["lat"]) < 1000  # GCJ-02 really moved it
    # …and back: reverse geocoding the GCJ-02 point in GCJ-02 names the same place.
    rev = http.get("/reverse", params={"lon": gcj["lon"], "lat": gcj["lat"], "coordsys": "gcj02"}).json()
    assert [a["adcode"] for a in rev["admin"]] == [a["adcode"] for a in plain["admin"]]
    assert rev["formatted"].startswith(plain["formatted"])
    # The batch form takes coordsys too.
    r = http.request("POST", "/geocode", json={"addresses": [q], "coordsys": "gcj02"}).json()
    assert (r["results"][0]["results"][0]["lon"], r["results"][0]["results"][0]["lat"]) == (gcj["lon"], gcj["lat"])
    assert_problem(geocode(http, address=q, coordsys="mars"), 400)


# ----------------------------------------------------------------------------- batch
def test_batch_of_150_in_order(http):
    qs = [f"广州市荔湾区沙面大街{n}号" for n in range(1, 76)] + [f["properties"]["name"] for f in features("poi")][:75]
    assert len(qs) == 150
    r = http.request("POST", "/geocode", json={"addresses": qs})
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    assert body["numberOfAddresses"] == 150 and body["numberFailed"] == 0
    assert [x["index"] for x in body["results"]] == list(range(150))
    assert [x["query"]["address"] for x in body["results"]] == qs
    assert body["numberGeocoded"] >= 140
    # Each answer equals the single-address answer.
    for i in (0, 28, 100, 149):
        single = geocode(http, address=qs[i]).json()
        assert single["results"] == body["results"][i]["results"], qs[i]


def test_batch_failures_are_per_item(http):
    items = ["沙面大街29号", 7, None, "", "天" * 3_334, "😀", ["x"], "广州塔", '"', "NEAR"]
    r = http.request("POST", "/geocode", json={"addresses": items, "limit": 2})
    assert r.status_code == 200, r.text[:300]
    res = r.json()["results"]
    assert len(res) == len(items)
    failed = [i for i, x in enumerate(res) if "error" in x]
    assert failed == [1, 2, 3, 4, 5, 6, 8]
    for i in failed:
        assert res[i]["error"]["status"] == 400 and res[i]["error"]["detail"]
    assert res[0]["results"][0]["level"] == "house_number"
    assert len(res[0]["results"]) <= 2


@pytest.mark.parametrize("body,status", [
    ({"addresses": ["沙面大街29号"] * 1001}, 413),
    ({"addresses": []}, 400),
    ({"addresses": "沙面大街29号"}, 400),
    ({"addresses": {"a": 1}}, 400),
    ({}, 400),
    ([], 400),
    ("沙面大街29号", 400),
    ({"addresses": ["沙面大街29号"], "limit": "3"}, 400),
    ({"addresses": ["沙面大街29号"], "limit": 0}, 400),
    ({"addresses": ["沙面大街29号"], "limit": 1e300}, 400),
    ({"addresses": ["沙面大街29号"], "coordsys": 5}, 400),
    ({"addresses": ["沙面大街29号"], "extra": 1}, 400),
])
def test_batch_bad_requests(http, body, status):
    assert_problem(http.request("POST", "/geocode", json=body), status)


@pytest.mark.parametrize("data,ctype,status", [
    ("{bad json", "application/json", 400),
    ('{"addresses": ["a"', "application/json", 400),
    ("", "application/json", 400),
    ('{"addresses": ["沙面大街29号"]}', "text/plain", 415),
    (b"\xff\xfe\x00", "application/json", 400),
])
def test_batch_malformed_bodies(http, data, ctype, status):
    assert_problem(http.request("POST", "/geocode", data=data, headers={"Content-Type": ctype}), status)


# ----------------------------------------------------------------------------- bad input
# "10 kB": 10,000 bytes of UTF-8 (a 90 kB URL is refused by the HTTP parser itself, before any route).
@pytest.mark.parametrize("address", [
    "", " ", "\u3000", "a" * 10_000, "天" * 3_334, '"', "*", '"*"', "😀", "😀🏠", "\x00", "天河\x01路", "%", "_", "\\", "';--",
], ids=lambda a: repr(a[:12]) + (f"…({len(a)})" if len(a) > 12 else ""))
def test_bad_addresses_are_400(http, address):
    assert_problem(geocode(http, address=address), 400)


@pytest.mark.parametrize("address", [
    "NEAR", "OR", "天河 OR 广州", "天河 NEAR 广州", 'NEAR("天河" "广州")', '"天河路"', "天河*", "天河路\"385号",
    "'; DROP TABLE admin_units; --", "1' OR '1'='1", "广州市天河区😀天河路", "Guangzhou天河路385号",
    "Тверская улица 1", "東京都千代田区", "天河路385号🏠" * 5, "a" * 200, "天河%", "天河_", "天河\\",
], ids=lambda a: repr(a[:12]) + (f"…({len(a)})" if len(a) > 12 else ""))
def test_hostile_but_valid_text_is_answered(http, address):
    r = geocode(http, address=address)
    assert r.status_code == 200, (address, r.status_code, r.text[:300])
    body = r.json()
    assert isinstance(body["results"], list) and body["query"]["address"] == address


def test_unknown_parameter_and_server_health(http):
    assert_problem(geocode(http, address="天河区", x="1"), 400)
    assert_problem(http.get("/geocode"), 400)
    assert http.get("/health").status_code == 200
    assert first(http, "沙面大街29号")[0]["level"] == "house_number"
    assert http.get("/admin/440106", params={"boundary": "none"}).status_code == 200  # the admin table is still there


# ----------------------------------------------------------------------------- access
def test_geocoding_sees_only_readable_layers(keyed):
    hazard = features("emergency_hazards")[0]["properties"]["name"]  # a restricted layer
    for key in [None, api_key("public"), api_key("internal")]:
        r = keyed.request("GET", "/geocode", key=key, params={"address": hazard, "limit": 10})
        assert r.status_code == 200, r.text[:300]
        assert all((c["source"] or {}).get("layer") != "hazards" for c in r.json()["results"])
    r = keyed.request("GET", "/geocode", key=api_key("restricted"), params={"address": hazard})
    res = r.json()["results"]
    assert res and res[0]["source"]["layer"] == "hazards" and res[0]["level"] == "poi"
    r = keyed.request("POST", "/geocode", key=None, json={"addresses": [hazard]})
    assert all((c["source"] or {}).get("layer") != "hazards" for c in r.json()["results"][0]["results"])


# ----------------------------------------------------------------------------- accuracy
def _districts():
    units = features("admin")
    names = {f["properties"]["adcode"]: f["properties"]["name"] for f in units if f["properties"]["level"] == "city"}
    out = []
    for f in units:
        p = f["properties"]
        if p["level"] == "district":
            out.append((shape(f["geometry"]), p["name"], names.get(p["parent_adcode"], p["name"])))
    return out


def build_test_set():
    """Queries from the real OSM data: {query: {kind, truths: [geometry]}}."""
    districts = _districts()

    def where(g):
        pt = g.representative_point()
        for poly, name, city in districts:
            if poly.contains(pt):
                return city, name
        return None, None

    queries: dict[str, dict] = {}

    def add(q, kind, geom):
        e = queries.setdefault(q, {"kind": kind, "truths": []})
        e["truths"].append(geom)

    for layer in ("buildings", "poi"):
        for f in features(layer):
            p = f["properties"]
            g = shape(f["geometry"])
            if p.get("addr_street") and p.get("addr_housenumber"):
                city, district = where(g)
                number = p["addr_housenumber"].split(";")[0].strip().removesuffix("号")
                if city:
                    add(f"{city}{district}{p['addr_street']}{number}号", "house_number", g)
                    # What people type: no city or district; short names, full-width digits, spaces.
                    add(f"{p['addr_street']}{number}号", "house_number_bare", g)
                    wide = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
                    add(f"{city.removesuffix('市')} {district.removesuffix('区')} {p['addr_street']} {wide}号",
                        "house_number_short", g)
            if layer == "poi" and p.get("name"):
                add(p["name"], "poi_name", g)
                _, district = where(g)
                if district:
                    add(district + p["name"], "poi_name_district", g)
    return queries


def error_m(res, truths):
    """Metres from the answer to the nearest true feature (0 inside a polygon)."""
    best = math.inf
    for g in truths:
        if g.geom_type in ("Polygon", "MultiPolygon") and g.contains(Point(res["lon"], res["lat"])):
            return 0.0
        t = g.representative_point() if g.geom_type != "Point" else g
        best = min(best, metres(res["lon"], res["lat"], t.x, t.y))
    return best


def test_accuracy_on_real_osm_addresses_and_pois(http):
    queries = build_test_set()
    names = list(queries)
    answers = []
    for i in range(0, len(names), 500):
        r = http.request("POST", "/geocode", json={"addresses": names[i:i + 500]})
        assert r.status_code == 200, r.text[:300]
        answers += r.json()["results"]
    rows = []
    for q, a in zip(names, answers):
        e = queries[q]
        res = (a.get("results") or [None])[0]
        err = error_m(res, e["truths"]) if res else None
        rows.append({"query": q, "kind": e["kind"], "level": res["level"] if res else "none",
                     "confidence": res["confidence"] if res else None,
                     "error_m": None if err is None else round(err, 1),
                     "within_50m": err is not None and err <= 50, "ambiguous": len(e["truths"]) > 1,
                     "answer": res["name"] if res else None})

    def summary(sel):
        errs = [r["error_m"] for r in sel if r["error_m"] is not None]
        ok = sum(r["within_50m"] for r in sel)
        return {"n": len(sel), "within_50m": ok, "share": round(ok / len(sel), 3) if sel else None,
                "median_error_m": round(statistics.median(errs), 1) if errs else None}

    table = defaultdict(dict)
    for kind in ("house_number", "house_number_bare", "house_number_short", "poi_name", "poi_name_district"):
        sel = [r for r in rows if r["kind"] == kind]
        table[kind]["all"] = summary(sel)
        for level in LEVELS + ["none"]:
            s = [r for r in sel if r["level"] == level]
            if s:
                table[kind][level] = summary(s)
    lines = [f"{'query kind':<18} {'level reached':<14} {'n':>4} {'≤50 m':>6} {'share':>6} {'median m':>9}"]
    for kind, by in table.items():
        for level, s in by.items():
            lines.append(f"{kind:<18} {level:<14} {s['n']:>4} {s['within_50m']:>6} {s['share']:>6.1%} "
                         f"{'' if s['median_error_m'] is None else s['median_error_m']:>9}")
    print("\ngeocoding accuracy (first result within 50 m of the OSM feature)\n" + "\n".join(lines))
    OUT.mkdir(exist_ok=True)
    (OUT / "geocode_accuracy.json").write_text(json.dumps(
        {"table": table, "misses": [r for r in rows if not r["within_50m"]], "rows": rows},
        ensure_ascii=False, indent=1))

    for kind in ("house_number", "house_number_bare", "house_number_short"):
        hn = table[kind]["all"]
        assert hn["n"] >= 30 and hn["share"] >= 0.90, (kind, hn)
    pois = [r for r in rows if r["kind"].startswith("poi_name")]
    share = sum(r["within_50m"] for r in pois) / len(pois)
    assert len(pois) >= 200 and share >= 0.85, (share, table["poi_name"], table["poi_name_district"])
