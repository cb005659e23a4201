"""The offline viewer: /map, its static resources, the style, fonts, and a real render in
headless Chromium (playwright driving /usr/bin/chromium, WebGL through SwiftShader)."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HUACHENG_CENTER = [113.31525, 23.12225]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
URL_RE = re.compile(r"""https?://[^\s"'<>)`\\]+""")


@pytest.fixture(scope="module")
def page_html(server):
    r = server.get("/map")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0].strip() == "text/html"
    return r.text


def local_refs(html):
    refs = re.findall(r"""(?:src|href)\s*=\s*["'](/[^"'#]*)["']""", html)
    return [r for r in refs if not r.startswith("//")]


def external_urls(text, allow_anchor_links=True):
    anchors = set(re.findall(r"""<a\s[^>]*href\s*=\s*["'](https?://[^"']+)["']""", text)) \
        if allow_anchor_links else set()
    out = []
    for u in URL_RE.findall(text):
        host = urlparse(u).hostname or ""
        if host in LOOPBACK or u in anchors:
            continue
        if host in ("www.w3.org",):  # XML namespaces (SVG), never fetched
            continue
        out.append(u)
    return out


def test_map_references_local_maplibre(page_html):
    assert "/vendor/maplibre/maplibre-gl.js" in page_html
    assert "/vendor/maplibre/maplibre-gl.css" in page_html


def test_map_has_no_external_urls(page_html, server):
    ext = external_urls(page_html)
    assert not ext, f"/map references external URLs: {ext}"
    for ref in local_refs(page_html):
        if ref.endswith(".js") and "maplibre-gl" not in ref:
            js = server.get(ref).text
            ext = external_urls(js, allow_anchor_links=False)
            assert not ext, f"{ref} references external URLs: {ext}"


def test_referenced_resources_answer_200(page_html, server):
    refs = local_refs(page_html)
    assert refs
    for ref in refs:
        r = server.get(ref)
        assert r.status_code == 200, f"{ref} -> {r.status_code}"


def test_vendor_maplibre_served(http):
    js = http.get("/vendor/maplibre/maplibre-gl.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert "javascript" in js.headers.get("Content-Type", "")
    css = http.get("/vendor/maplibre/maplibre-gl.css")
    assert css.status_code == 200 and "text/css" in css.headers.get("Content-Type", "")


def _style_paths(page_html, server):
    texts = [page_html]
    for ref in local_refs(page_html):
        if ref.endswith(".js") and "maplibre-gl" not in ref:
            texts.append(server.get(ref).text)
    found = set()
    for t in texts:
        found |= set(re.findall(r"/styles/[\w.-]+\.json", t))
    return sorted(found)


@pytest.fixture(scope="module")
def style(page_html, server):
    paths = _style_paths(page_html, server)
    assert paths, "the viewer references no /styles/{name}.json"
    r = server.get(paths[0])
    assert r.status_code == 200, paths[0]
    return r.json()


def test_style_urls_absolute_and_fetchable(style, server):
    assert style["version"] == 8
    for name, src in style["sources"].items():
        if "url" in src:
            assert src["url"].startswith(server.base + "/"), f"source {name} url not absolute: {src['url']}"
            tj = server.get(src["url"][len(server.base):])
            assert tj.status_code == 200 and tj.json()["tilejson"] == "3.0.0"
            tile = tj.json()["tiles"][0].replace("{z}", "14").replace("{x}", "13348").replace("{y}", "7109")
            assert tile.startswith(server.base + "/")
            assert server.get(tile[len(server.base):]).status_code == 200
        for t in src.get("tiles", []):
            assert t.startswith(server.base + "/")
    if "sprite" in style:
        sp = style["sprite"] if isinstance(style["sprite"], str) else style["sprite"][0]["url"]
        assert sp.startswith(server.base + "/")
        assert server.get(sp[len(server.base):] + ".json").status_code == 200


def test_style_glyphs_answer_200_for_every_range(style, server):
    glyphs = style.get("glyphs")
    if glyphs is None:
        pytest.skip("style has no glyphs")
    assert glyphs.startswith(server.base + "/"), glyphs
    stacks = {",".join(l["layout"]["text-font"]) for l in style["layers"]
              if isinstance(l.get("layout", {}).get("text-font"), list)}
    stacks |= {"Noto Sans Regular"}
    for stack in stacks:
        for rng in ("0-255", "256-511", "19968-20223", "65280-65535"):
            url = glyphs.replace("{fontstack}", quote(stack)).replace("{range}", rng)
            r = server.get(url[len(server.base):])
            assert r.status_code == 200, f"{url} -> {r.status_code}"


def test_style_has_no_external_urls(style):
    ext = external_urls(json.dumps(style), allow_anchor_links=False)
    assert not ext, ext


# ----------------------------------------------------------------------------- browser
COUNT_COLOURS_JS = """
async (src) => {
  const img = new Image();
  await new Promise((ok, fail) => { img.onload = ok; img.onerror = fail; img.src = src; });
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i+1] << 8) | d[i+2]);
  return seen.size;
}
"""

WAIT_IDLE_JS = """
async ([center, zoom]) => {
  const map = window.onemapMap;
  map.jumpTo({center, zoom});
  await Promise.race([
    new Promise(ok => map.once('idle', ok)),
    new Promise(ok => setTimeout(ok, 45000)),
  ]);
  return map.loaded();
}
"""


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        pytest.skip("chromium not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright (pip) is required for the viewer test when chromium is present")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, timeout=60_000,
            args=["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox"])
        yield b
        b.close()


def test_viewer_renders(browser, server, tmp_path):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.set_default_timeout(60_000)
    requested, failed, errors = [], [], []
    page.on("request", lambda r: requested.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url} {r.failure}"))
    try:
        page.goto(server.url("/map"), wait_until="load", timeout=60_000)
        page.wait_for_function("window.onemapReady === true", timeout=60_000)
        assert page.evaluate("typeof window.onemapMap === 'object' && window.onemapMap !== null"), \
            "the viewer must expose its maplibregl.Map as window.onemapMap"
        page.evaluate(WAIT_IDLE_JS, [HUACHENG_CENTER, 16])
        shot = page.screenshot(type="png")
        (tmp_path / "viewer.png").write_bytes(shot)
        print(f"screenshot: {tmp_path / 'viewer.png'}")
        layers = page.evaluate(
            "() => [...new Set(window.onemapMap.queryRenderedFeatures().map(f => f.sourceLayer))]")
    finally:
        page.close()
    ext = [u for u in requested
           if urlparse(u).scheme in ("http", "https") and (urlparse(u).hostname or "") not in LOOPBACK]
    assert not ext, f"the viewer requested external URLs: {ext[:10]}"
    assert not errors, f"page errors: {errors[:5]}"
    assert not failed, f"failed requests: {failed[:10]}"
    assert "roads" in layers and "buildings" in layers, f"rendered source layers: {layers}"

    blank = browser.new_page()
    try:
        n = blank.evaluate(COUNT_COLOURS_JS, "data:image/png;base64," + base64.b64encode(shot).decode())
    finally:
        blank.close()
    assert n >= 50, f"screenshot looks blank: {n} distinct colours"


def test_viewer_search_box_flies_to_a_place(browser, server):
    """Typing pinyin initials in the viewer's search box lists 花城广场 from /suggest; picking
    it centres the map on the POI's coordinates in SampleData (the reference)."""
    from shapely.geometry import Point, shape
    sample = Path(__file__).resolve().parents[2] / "SampleData"
    named = [shape(f["geometry"]) for layer in ("poi", "landuse", "emergency_shelters")
             for f in json.loads((sample / f"{layer}.geojson").read_text())["features"]
             if f["properties"].get("name") == "花城广场"]
    assert named
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.set_default_timeout(60_000)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(server.url("/map#12/113.2/23.0"), wait_until="load", timeout=60_000)
        page.wait_for_function("window.onemapReady === true", timeout=60_000)
        page.fill("#search-input", "hcgc")
        item = page.locator("#search-results li[role=option]", has_text="花城广场").first
        item.wait_for(state="visible", timeout=20_000)
        item.dispatch_event("mousedown")
        page.wait_for_function("window.onemapLastPlace !== undefined", timeout=20_000)
        place = page.evaluate("window.onemapLastPlace")
        page.wait_for_function("!window.onemapMap.isMoving()", timeout=30_000)
        centre = page.evaluate("(() => { const c = window.onemapMap.getCenter(); return [c.lng, c.lat]; })()")
    finally:
        page.close()
    assert not errors, errors
    assert place["text"] == "花城广场"
    assert abs(centre[0] - place["lon"]) < 1e-6 and abs(centre[1] - place["lat"]) < 1e-6, (centre, place)
    # The map went to 花城广场 itself: inside its polygon or on its point (Shapely, SampleData).
    at = Point(centre)
    assert any(g.buffer(1e-5).contains(at) for g in named), (centre, [g.wkt[:80] for g in named])
