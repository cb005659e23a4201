"""Bad input to the viewer's resources: unknown or path-traversing style names, malformed
glyph ranges. Each is a 4xx problem+json; the server stays healthy."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path,status", [
    ("/styles/nosuch.json", 404),
    ("/styles/..%2F..%2Fetc%2Fpasswd.json", (400, 404)),
    ("/styles/%00.json", 404),
    ("/styles/" + "a" * 200 + ".json", 404),
    ("/fonts/Noto%20Sans%20Regular/0-254.pbf", 400),
    ("/fonts/Noto%20Sans%20Regular/1-256.pbf", 400),
    ("/fonts/Noto%20Sans%20Regular/abc.pbf", 400),
    ("/fonts/Noto%20Sans%20Regular/65536-65791.pbf", 400),
    ("/fonts/Noto%20Sans%20Regular/-256--1.pbf", 400),
])
def test_bad_viewer_paths(server, path, status):
    r = server.get(path)
    expected = status if isinstance(status, tuple) else (status,)
    assert r.status_code in expected, (path, r.status_code, r.text[:200])
    assert "root:" not in r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert server.get("/health").status_code == 200


def test_real_style_and_glyph_range_answer(server):
    assert server.get("/styles/onemap.json").status_code == 200
    assert server.get("/fonts/Noto%20Sans%20Regular/0-255.pbf").status_code == 200
