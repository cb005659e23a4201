"""`onemap transform --from EPSG:a --to EPSG:b` against pyproj (always_xy: lon lat /
easting northing). Agreement: 1 mm for projected outputs, 1e-8 degrees for geographic."""
from __future__ import annotations

import math
import re

import pytest
from pyproj import CRS, Transformer

from helpers import run_cli

GUANGZHOU = (113.3245, 23.1190)
SHAMIAN = (113.2400, 23.1100)
SHENZHEN = (114.0579, 22.5431)
BEIJING = (116.3975, 39.9087)
LONLAT_POINTS = [
    GUANGZHOU, SHAMIAN, SHENZHEN, BEIJING,
    (179.9999999, 0.0), (-179.9999999, 10.0), (179.5, -45.0), (-179.5, 60.0),  # near ±180
    (0.0, 85.0511287798), (0.0, -85.0511287798), (12.0, 89.0), (-12.0, -89.0),  # near the poles
    (0.0, 0.0),
]
LINE = re.compile(r"^(-?\d+\.\d{10}) (-?\d+\.\d{10})$")


def transform(frm, to, pts, timeout=60):
    text = "".join(f"{x!r} {y!r}\n" for x, y in pts)
    return run_cli(["transform", "--from", frm, "--to", to], input=text, timeout=timeout)


def parse(out):
    res = []
    for line in out.splitlines():
        if not line.strip():
            continue
        m = LINE.match(line.strip())
        assert m, f"output line not 'x y' with %.10f: {line!r}"
        res.append((float(m.group(1)), float(m.group(2))))
    return res


def tol_for(crs):
    return 1e-8 if CRS.from_user_input(crs).is_geographic else 1e-3


def check(frm, to, pts):
    p = transform(frm, to, pts)
    assert p.returncode == 0, p.stderr
    got = parse(p.stdout)
    assert len(got) == len(pts), f"{len(got)} output lines for {len(pts)} input lines"
    t = Transformer.from_crs(frm, to, always_xy=True)
    tol = tol_for(to)
    bad = []
    for (x, y), (gx, gy) in zip(pts, got):
        ex, ey = t.transform(x, y)
        if abs(gx - ex) > tol or abs(gy - ey) > tol:
            bad.append(f"({x}, {y}) -> ({gx}, {gy}), pyproj ({ex}, {ey})")
    assert not bad, "\n".join(bad)


def test_4490_to_3857():
    check("EPSG:4490", "EPSG:3857", LONLAT_POINTS)


def test_4326_to_3857():
    check("EPSG:4326", "EPSG:3857", LONLAT_POINTS)


def test_3857_to_4490():
    fwd = Transformer.from_crs("EPSG:4490", "EPSG:3857", always_xy=True)
    pts = [fwd.transform(*p) for p in LONLAT_POINTS]
    pts += [(20037508.342789244 - 0.01, 20037508.342789244 - 0.01), (-20037508.34, -20037508.34)]
    check("EPSG:3857", "EPSG:4490", pts)


def test_4490_to_4547():
    # CGCS2000 / 3-degree Gauss-Kruger CM 114E (false easting 500 km; EPSG axis order is
    # northing, easting — the CLI answers easting northing).
    check("EPSG:4490", "EPSG:4547", [GUANGZHOU, SHAMIAN, SHENZHEN, (114.0, 22.0), (113.0, 24.5),
                                     (115.4, 23.0), BEIJING])


def test_4547_to_4490_round_trip():
    fwd = Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)
    check("EPSG:4547", "EPSG:4490", [fwd.transform(*p) for p in (GUANGZHOU, SHAMIAN, SHENZHEN)])


def test_identity_4490_4326_ballpark():
    """CGCS2000 and WGS 84 differ by well under a metre: PROJ's ballpark is a no-op."""
    check("EPSG:4490", "EPSG:4326", [GUANGZHOU, SHENZHEN, BEIJING])


def test_many_points_order_preserved():
    pts = [(110.0 + i * 0.001, 20.0 + i * 0.0005) for i in range(5000)]
    check("EPSG:4490", "EPSG:3857", pts)


def _finite_output(p):
    vals = []
    for line in p.stdout.split():
        try:
            vals.append(float(line))
        except ValueError:
            return False
    return len(vals) == 2 and all(math.isfinite(v) for v in vals)


@pytest.mark.parametrize("lat", [90.0, -90.0])
def test_pole_rejected_or_clamped(lat):
    """PROJ's merc has no finite y at ±90 (older PROJ report an error, newer a huge y): the
    CLI must not crash, and a finite answer can only be a clamp to the Mercator edge or
    beyond it — never an ordinary-looking y."""
    p = transform("EPSG:4326", "EPSG:3857", [(0.0, lat)])
    assert p.returncode in (0, 1), p
    if p.returncode == 0 and _finite_output(p):
        x, y = map(float, p.stdout.split())
        assert abs(y) >= 20037508.34 - 1e-3 and math.copysign(1, y) == math.copysign(1, lat), p.stdout
    elif p.returncode == 1:
        assert "error" in p.stderr.lower()


@pytest.mark.parametrize("pt", [(0.0, 91.0), (0.0, -91.0), (113.0, 95.0)])
def test_latitude_out_of_range_rejected(pt):
    p = transform("EPSG:4326", "EPSG:3857", [pt])
    assert p.returncode in (0, 1), p
    assert not _finite_output(p), f"{pt} gave a finite coordinate: {p.stdout!r}"
    if p.returncode == 1:
        assert "error" in p.stderr.lower()


def test_unknown_crs_fails_clearly():
    p = transform("EPSG:999999", "EPSG:3857", [GUANGZHOU])
    assert p.returncode == 1, p
    assert "error" in p.stderr.lower() and "999999" in p.stderr, p.stderr
