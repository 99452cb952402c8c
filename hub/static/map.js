/* The hub's map page: layers drawn from GraphQL `featureCollection`, `locate` on a click, no base map.
 *
 * Plain JavaScript over the vendored Leaflet; no build step, no request leaves the hub's origin.
 * Every layer reloads on `moveend` for the visible box and zoom (paging through `next` up to a cap).
 * A newer reload supersedes an older one, whose answer is then dropped, not drawn.
 *
 * For tests: `window.hubReady` turns true (and `body[data-ready]` is set) once the first round of
 * layers is drawn; `window.hubCounts` holds the features drawn per layer; `window.hubMap` is the map;
 * `window.hubIdle()` says whether the map stands still with every load done; `window.hubGql` is the GraphQL
 * helper the figures panel (figures.js) shares.
 */
(function () {
  "use strict";

  const START = { lat: 34.3767, lon: 115.6097, zoom: 14 }; // 大隅首, the centre of the old town
  const PAGE = 2000; // features per request
  const CAP = 6000; // most features drawn per layer; past it the status line says to zoom in
  const TOKEN_KEY = "hub.token";
  const STAFF_ROLES = ["analyst", "officer", "admin"];

  const SECTOR_COLOURS = { NE: "#d1495b", SE: "#edae49", SW: "#00798c", NW: "#6a4c93" };
  const SECTOR_FALLBACK = ["#d1495b", "#edae49", "#00798c", "#6a4c93"];
  const INCIDENT_COLOURS = {
    DISPATCHED: "#c0392b",
    HANDLING: "#e67e22",
    HANDLED: "#f1c40f",
    VERIFIED: "#27ae60",
  };
  const VISIT_COLOURS = {
    WHEAT_FROST: "#2e7d32",
    GREENHOUSE_REINFORCEMENT: "#6a1b9a",
    GREENHOUSE_HEATING: "#d84315",
    OTHER: "#546e7a",
  };
  const HAZARD_MAJOR = "#d50000";
  const HAZARD_GENERAL = "#ff8f00";
  const MERCHANT_SIGNED = "#1f6fb2";
  const MERCHANT_UNSIGNED = "#e8590c";

  function sectorColour(code, index) {
    return SECTOR_COLOURS[code] || SECTOR_FALLBACK[index % SECTOR_FALLBACK.length];
  }

  /* The layers, bottom to top. `props` are asked of everyone; `staffProps` only with a staff token. */
  const LAYERS = [
    {
      key: "sectors",
      noun: "Sector 片区",
      layer: "SECTORS",
      title: "Sectors 片区",
      swatch: "linear-gradient(90deg,#d1495b 25%,#edae49 25% 50%,#00798c 50% 75%,#6a4c93 75%)",
      props: ["code", "name", "squadCode", "areaM2"],
      on: true,
      style: (f) => {
        const c = sectorColour(f.properties.code, 0);
        return { color: c, weight: 2, opacity: 0.9, fillColor: c, fillOpacity: 0.2 };
      },
      label: (f) => `${esc(f.properties.code)}<small>${esc(f.properties.name || "")}</small>`,
    },
    {
      key: "townships",
      noun: "Township 乡镇",
      layer: "TOWNSHIPS",
      title: "Townships 乡镇",
      swatch: "#8d6e3f",
      props: ["code", "name", "kind", "areaM2"],
      on: true,
      style: { color: "#8d6e3f", weight: 2.5, opacity: 0.85, fillColor: "#e9d8a6", fillOpacity: 0.12 },
      label: (f) => `${esc(f.properties.name)}`,
      labelClass: "township-label",
    },
    {
      key: "villages",
      noun: "Village 行政村",
      layer: "VILLAGES",
      title: "Villages 行政村 <small>(zoom ≥ 11)</small>",
      swatch: "#b59a6a",
      props: ["code", "name", "townshipCode", "areaM2"],
      minZoom: 11,
      on: true,
      style: { color: "#b59a6a", weight: 1, opacity: 0.9, dashArray: "4 3", fill: false },
    },
    {
      key: "subdistricts",
      noun: "Subdistrict 街道",
      layer: "SUBDISTRICTS",
      title: "Subdistricts 街道",
      swatch: "#3e4c59",
      props: ["code", "name", "areaM2"],
      on: true,
      style: { color: "#3e4c59", weight: 2.5, opacity: 0.8, fill: false },
    },
    {
      key: "communities",
      noun: "Community 社区",
      layer: "COMMUNITIES",
      title: "Communities 社区",
      swatch: "#7b8794",
      props: ["code", "name", "subdistrictCode", "areaM2"],
      on: true,
      style: { color: "#7b8794", weight: 1.2, opacity: 0.9, dashArray: "5 4", fill: false },
    },
    {
      key: "grids",
      noun: "Grid 网格",
      layer: "GRIDS",
      title: "Grids 网格 <small>(zoom ≥ 14)</small>",
      swatch: "#9aa5b1",
      props: ["code", "communityCode", "workerName", "areaM2"],
      staffProps: ["workerPhone"],
      minZoom: 14,
      on: false,
      style: { color: "#9aa5b1", weight: 0.6, opacity: 0.9, fill: false },
    },
    {
      key: "compounds",
      noun: "Compound 小区",
      layer: "COMPOUNDS",
      title: "Compounds 小区",
      swatch: "#2f7d4a",
      props: [
        "compoundId",
        "name",
        "households",
        "yearBuilt",
        "managementMode",
        "formerlyUnmanaged",
        "collectsFees",
        "communityCode",
        "areaM2",
      ],
      on: true,
      interactive: true,
      style: (f) => ({
        color: f.properties.formerlyUnmanaged ? "#8a5a00" : "#2f7d4a",
        weight: 1.4,
        opacity: 0.95,
        fillColor: f.properties.formerlyUnmanaged ? "#c99a2e" : "#2f7d4a",
        fillOpacity: 0.12,
      }),
    },
    {
      key: "occupations",
      noun: "Occupied space 占用",
      layer: "OCCUPATIONS",
      title: "Occupied space 占用",
      swatch: "#c0392b",
      props: ["occupationId", "compoundId", "kind", "status", "reportedOn", "clearedOn", "areaM2"],
      on: true,
      interactive: true,
      style: (f) => {
        const open = f.properties.status === "OCCUPIED";
        const c = open ? "#c0392b" : "#7f8c8d";
        return { color: c, weight: 1.5, fillColor: c, fillOpacity: open ? 0.55 : 0.3, dashArray: open ? null : "2 2" };
      },
    },
    {
      key: "incidents",
      noun: "Incident 案件",
      layer: "INCIDENTS",
      title: "Incidents 案件",
      swatch: "#c0392b",
      dot: true,
      props: ["caseNumber", "category", "state", "sectorCode", "squadCode", "seenAt", "deadline"],
      staffProps: ["description"],
      on: true,
      interactive: true,
      point: (f) => {
        const c = INCIDENT_COLOURS[f.properties.state] || "#7f8c8d";
        return { radius: 7, color: "#fff", weight: 2, fillColor: c, fillOpacity: 0.95 };
      },
    },
    {
      key: "guidance_visits",
      noun: "Guidance visit 农技指导",
      layer: "GUIDANCE_VISITS",
      title: `Guidance visits 农技指导 <small><span class="legend-swatch dot" style="background:${VISIT_COLOURS.WHEAT_FROST}"></span>wheat
        <span class="legend-swatch dot" style="background:${VISIT_COLOURS.GREENHOUSE_HEATING}"></span>greenhouse</small>`,
      props: ["visitId", "eventCode", "groupCode", "townshipCode", "villageCode", "site", "kind", "visitedOn", "hazardsFound"],
      staffProps: ["advice"],
      on: true,
      interactive: true,
      point: (f) => {
        const c = VISIT_COLOURS[f.properties.kind] || VISIT_COLOURS.OTHER;
        const hazards = f.properties.hazardsFound || 0;
        return { radius: 4 + Math.min(hazards, 3) * 1.5, color: hazards ? "#b71c1c" : "#fff", weight: hazards ? 2 : 1,
          fillColor: c, fillOpacity: 0.9 };
      },
    },
    {
      key: "hazards",
      noun: "Safety hazard 安全隐患",
      layer: "HAZARDS",
      title: `Open safety hazards 未销号隐患 <small><span class="legend-swatch dot" style="background:${HAZARD_MAJOR}"></span>major
        <span class="legend-swatch dot" style="background:${HAZARD_GENERAL}"></span>general</small>`,
      props: ["hazardId", "campaignCode", "townshipCode", "category", "kind", "severity", "state", "open", "foundAt", "dueOn"],
      staffProps: ["description"],
      on: true,
      interactive: true,
      keep: (f) => f.properties.open, // the map shows the hazards not yet verified (销号)
      point: (f) => {
        const c = f.properties.severity === "MAJOR" ? HAZARD_MAJOR : HAZARD_GENERAL;
        return { radius: 5.5, color: "#fff", weight: 1.5, fillColor: c, fillOpacity: 0.95 };
      },
    },
    {
      key: "merchants",
      noun: "Merchant 商户",
      layer: "MERCHANTS",
      title: `Merchants 商户 <small><span class="legend-swatch dot" style="background:${MERCHANT_SIGNED}"></span>signed
        <span class="legend-swatch dot" style="background:${MERCHANT_UNSIGNED}"></span>not</small>`,
      props: ["code", "name", "trade", "sectorCode", "signed"],
      on: true,
      interactive: true,
      point: (f) => {
        const c = f.properties.signed ? MERCHANT_SIGNED : MERCHANT_UNSIGNED;
        return { radius: 4.5, color: "#fff", weight: 1, fillColor: c, fillOpacity: 0.9 };
      },
    },
  ];

  /* How properties read in popups. */
  const LABELS = {
    code: "Code",
    name: "Name",
    areaM2: "Area",
    subdistrictCode: "Subdistrict",
    townshipCode: "Township",
    villageCode: "Village",
    visitId: "Visit no.",
    eventCode: "Weather event",
    groupCode: "Guidance group",
    site: "Site",
    visitedOn: "Visited",
    hazardsFound: "Hazards found",
    hazardId: "Hazard no.",
    campaignCode: "Campaign",
    severity: "Severity",
    open: "Open (not verified)",
    foundAt: "Found",
    dueOn: "Rectify by",
    advice: "Advice",
    communityCode: "Community",
    squadCode: "Squad",
    compoundId: "Compound no.",
    households: "Households",
    yearBuilt: "Built",
    managementMode: "Management",
    formerlyUnmanaged: "Formerly unmanaged",
    collectsFees: "Collects fees",
    occupationId: "Record no.",
    kind: "Kind",
    status: "Status",
    reportedOn: "Reported",
    clearedOn: "Cleared",
    caseNumber: "Case",
    category: "Category",
    state: "State",
    sectorCode: "Sector",
    seenAt: "Seen",
    deadline: "Deadline",
    description: "Description",
    trade: "Trade",
    signed: "门前三包 signed",
    workerName: "Grid worker",
    workerPhone: "Worker phone",
  };
  const TITLE_OF = ["name", "caseNumber", "visitId", "code"];

  function esc(value) {
    return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  function show(name, value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "boolean") return value ? "yes" : "no";
    if (name === "areaM2") return `${Math.round(value).toLocaleString("en")} m²`;
    if (typeof value === "number") return String(value);
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) return esc(value.slice(0, 16).replace("T", " "));
    if (/^[A-Z][A-Z_]+$/.test(value) && name !== "code" && name !== "sectorCode") {
      return esc(value.toLowerCase().replace(/_/g, " "));
    }
    return esc(value);
  }

  function table(rows) {
    const body = rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join("");
    return `<table class="props">${body}</table>`;
  }

  function popupHtml(def, feature) {
    const p = feature.properties || {};
    const titleKey = TITLE_OF.find((k) => p[k] !== undefined && p[k] !== null);
    const title = titleKey ? esc(p[titleKey]) : esc(def.key);
    const rows = Object.keys(p)
      .filter((k) => k !== titleKey)
      .map((k) => [LABELS[k] || k, show(k, p[k])]);
    return `<div class="layer-name">${esc(def.noun)}</div><h4>${title}</h4>${table(rows)}`;
  }

  /* ---- GraphQL over fetch ---- */

  function token() {
    try {
      return localStorage.getItem(TOKEN_KEY) || "";
    } catch {
      return "";
    }
  }

  async function gql(query, variables, bearer) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    const t = bearer === undefined ? token() : bearer;
    if (t) headers.Authorization = `Bearer ${t}`;
    const response = await fetch("graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    let body;
    try {
      body = await response.json();
    } catch {
      throw new Error(`the hub answered HTTP ${response.status}`);
    }
    if (body.errors && body.errors.length) {
      const error = new Error(body.errors.map((e) => e.message).join("; "));
      error.code = (body.errors[0].extensions || {}).code;
      throw error;
    }
    if (!response.ok) throw new Error(`the hub answered HTTP ${response.status}`);
    return body.data;
  }

  const FEATURES = `query MapLayer($layer: Layer!, $bbox: [Float!], $zoom: Float, $properties: [String!],
      $limit: Int, $after: String) {
    featureCollection(layer: $layer, where: { bbox: $bbox }, zoom: $zoom, properties: $properties,
      limit: $limit, after: $after)
  }`;

  const LOCATE = `query Locate($lon: Float!, $lat: Float!) {
    locate(lon: $lon, lat: $lat) {
      lon lat at
      sector { code name }
      subdistrict { code name }
      community { code name }
      grid { code workerName }
      compound { compoundId name }
      township { code name kind dutyHotline }
      village { code name }
      townshipOnDuty { home { name } hotline officers { name role } shifts { name start end } }
      onDuty { squad { code name hotline } officers { name } shifts { name start end } }
    }
  }`;

  /* ---- status line ---- */

  const statusEl = document.getElementById("status");
  const notes = {};

  function note(key, text, isError) {
    if (text) notes[key] = { text, isError };
    else delete notes[key];
    const all = Object.values(notes);
    statusEl.textContent = all.map((n) => n.text).join(" · ");
    statusEl.classList.toggle("error", all.some((n) => n.isError));
  }

  /* ---- the map ---- */

  const map = L.map("map", { zoomControl: true, attributionControl: true, minZoom: 8, maxZoom: 19 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Suiyang hub · demo data, boundaries invented");
  L.control.scale({ imperial: false }).addTo(map);
  map.setView([START.lat, START.lon], START.zoom);

  const counts = {};
  window.hubCounts = counts;
  window.hubMap = map;
  window.hubGql = gql; // for the figures panel (figures.js)
  window.hubReady = false;

  const overlays = {};
  let created = null; // the layer L.geoJSON made last (set in onEachFeature)
  LAYERS.forEach((def, index) => {
    const pane = map.createPane(def.key, map.getPane("overlayPane"));
    pane.style.zIndex = String(10 + index);
    def.generation = 0;
    def.drawn = new Map(); // feature id -> { text: the feature's JSON, layer }
    def.group = L.geoJSON(null, {
      pane: def.key,
      interactive: Boolean(def.interactive),
      bubblingMouseEvents: false,
      style: def.style,
      filter: def.keep,
      pointToLayer: (f, latlng) =>
        L.circleMarker(latlng, {
          pane: def.key,
          interactive: Boolean(def.interactive),
          bubblingMouseEvents: false,
          ...(def.point ? def.point(f) : {}),
        }),
      onEachFeature: (f, layer) => {
        created = layer;
        if (def.interactive) layer.bindPopup(() => popupHtml(def, f), { maxWidth: 320 });
        if (def.label) {
          layer.bindTooltip(def.label(f), {
            permanent: true,
            direction: "center",
            className: def.labelClass || "sector-label",
            interactive: false,
          });
        }
      },
    });
    counts[def.key] = 0;
    const swatch = def.swatch
      ? `<span class="legend-swatch${def.dot ? " dot" : ""}" style="background:${def.swatch}"></span>`
      : "";
    overlays[`${swatch}${def.title}<span class="layer-count" data-layer="${def.key}"></span>`] = def.group;
    if (def.on) def.group.addTo(map);
  });
  L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);

  function showCount(def, text) {
    const el = document.querySelector(`.layer-count[data-layer="${def.key}"]`);
    if (el) el.textContent = text;
  }

  function visibleBox() {
    const b = map.getBounds().pad(0.1);
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    return [
      clamp(b.getWest(), -180, 180),
      clamp(b.getSouth(), -85, 85),
      clamp(b.getEast(), -180, 180),
      clamp(b.getNorth(), -85, 85),
    ];
  }

  /* Draw a layer's features, keeping those already drawn unchanged: an open popup stays open across a pan
   * (and is opened again on the new shape when a zoom redraws its feature). */
  function draw(def, features) {
    const kept = new Map();
    const texts = features.map((f) => JSON.stringify(f));
    features.forEach((f, i) => {
      const old = def.drawn.get(f.id);
      if (old && old.text === texts[i]) {
        kept.set(f.id, old);
        def.drawn.delete(f.id);
      }
    });
    let reopen = null;
    for (const [id, { layer }] of def.drawn) {
      if (layer.isPopupOpen()) reopen = { id, latlng: layer.getPopup().getLatLng() };
      def.group.removeLayer(layer);
    }
    features.forEach((f, i) => {
      if (kept.has(f.id)) return;
      created = null;
      def.group.addData(f);
      if (created) kept.set(f.id, { text: texts[i], layer: created });
    });
    def.drawn = kept;
    if (reopen && kept.has(reopen.id)) kept.get(reopen.id).layer.openPopup(reopen.latlng);
    counts[def.key] = def.group.getLayers().length;
  }

  let staff = false;

  function propertiesOf(def) {
    return staff && def.staffProps ? def.props.concat(def.staffProps) : def.props;
  }

  /* Fetch a layer for the visible box (all pages up to CAP) and draw it, unless a newer load came since. */
  async function loadLayer(def) {
    const generation = ++def.generation;
    if (!map.hasLayer(def.group)) {
      draw(def, []);
      showCount(def, "");
      return;
    }
    const zoom = map.getZoom();
    if (def.minZoom && zoom < def.minZoom) {
      draw(def, []);
      showCount(def, " zoom in");
      return;
    }
    const variables = { layer: def.layer, bbox: visibleBox(), zoom, properties: propertiesOf(def), limit: PAGE };
    const features = [];
    let matched = 0;
    let after = null;
    try {
      do {
        const data = await gql(FEATURES, { ...variables, after });
        if (generation !== def.generation) return;
        const fc = data.featureCollection;
        features.push(...fc.features);
        matched = fc.numberMatched ?? features.length;
        after = fc.next || null;
      } while (after && features.length < CAP);
    } catch (error) {
      if (generation !== def.generation) return;
      note(def.key, `${def.key}: ${error.message}`, true);
      return;
    }
    draw(def, features);
    showCount(def, ` ${counts[def.key].toLocaleString("en")}`);
    note(
      def.key,
      matched > features.length
        ? `${def.key}: showing ${features.length.toLocaleString("en")} of ${matched.toLocaleString("en")}; zoom in`
        : "",
    );
  }

  let loading = 0;
  let moving = false;

  async function load(defs) {
    loading++;
    try {
      await Promise.all(defs.map(loadLayer));
    } finally {
      loading--;
    }
  }

  function loadAll() {
    return load(LAYERS);
  }

  /* True when the map stands still and no layer is loading: a moment to take a picture. */
  window.hubIdle = () => !moving && loading === 0;

  map.on("movestart", () => {
    moving = true;
  });
  map.on("moveend", () => {
    moving = false;
    loadAll();
  });
  map.on("overlayadd overlayremove", (e) => {
    const def = LAYERS.find((d) => d.group === e.layer);
    if (def) load([def]);
  });

  /* ---- fit district ---- */

  let districtBounds = null;
  document.getElementById("fit-district").addEventListener("click", async () => {
    try {
      if (!districtBounds) {
        const bounds = await Promise.all(
          ["SUBDISTRICTS", "TOWNSHIPS"].map(async (layer) => {
            const data = await gql(FEATURES, { layer, zoom: 10, properties: ["code"] });
            return L.geoJSON(data.featureCollection).getBounds();
          }),
        );
        districtBounds = bounds.reduce((all, b) => (b.isValid() ? all.extend(b) : all), L.latLngBounds([]));
      }
      map.fitBounds(districtBounds, { padding: [20, 20] });
    } catch (error) {
      note("fit", `fit district: ${error.message}`, true);
    }
  });

  /* ---- what lies at a clicked point ---- */

  const panel = document.getElementById("locate-result");
  const pin = L.circleMarker([0, 0], {
    radius: 6,
    color: "#111",
    weight: 2,
    fillColor: "#fff",
    fillOpacity: 1,
    interactive: false,
  });
  let locateGeneration = 0;

  function place(value, render) {
    return value ? render(value) : '<span class="none">—</span>';
  }

  function dutyHtml(duties) {
    if (!duties.length) return '<p class="none">No squad on duty here now.</p>';
    return duties
      .map((d) => {
        const shifts = d.shifts.map((s) => `${esc(s.name)} ${esc(s.start)}–${esc(s.end)}`).join(", ");
        const officers = d.officers.map((o) => esc(o.name)).join("、") || "—";
        return `<div class="squad">${table([
          ["Squad", `${esc(d.squad.name)} (${esc(d.squad.code)})`],
          ["Hotline", `<a class="hotline" href="tel:${esc(d.squad.hotline)}">${esc(d.squad.hotline)}</a>`],
          ["Shifts", shifts || "—"],
          [`Officers (${d.officers.length})`, `<span class="officers">${officers}</span>`],
        ])}</div>`;
      })
      .join("");
  }

  function townshipDutyHtml(loc) {
    const duties = loc.townshipOnDuty || [];
    const line = loc.township.dutyHotline;
    const hotline = line ? `<a class="hotline" href="tel:${esc(line)}">${esc(line)}</a>` : "—";
    if (!duties.length) return `<p class="none">Nobody on duty in ${esc(loc.township.name)} now; duty line ${hotline}.</p>`;
    return duties
      .map((d) => {
        const shifts = d.shifts.map((s) => `${esc(s.name)} ${esc(s.start)}–${esc(s.end)}`).join(", ");
        const people = d.officers.map((o) => `${esc(o.name)}${o.role === "LEADER" ? " (带班)" : ""}`).join("、");
        return `<div class="squad">${table([
          ["Township duty 值班", esc(d.home.name)],
          ["Duty line", hotline],
          ["Shift", shifts || "—"],
          [`On duty (${d.officers.length})`, `<span class="officers">${people || "—"}</span>`],
        ])}</div>`;
      })
      .join("");
  }

  function showLocation(loc) {
    const sector = loc.sector;
    panel.dataset.sector = sector ? sector.code : "";
    panel.dataset.state = "done";
    const at = loc.at ? String(loc.at).slice(0, 16).replace("T", " ") : "";
    panel.innerHTML = `<button type="button" class="close" title="Close">×</button>
      <h2>What is here</h2>
      <div class="coords">${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)} · ${esc(at)}</div>
      ${table([
        ["Sector 片区", place(sector, (s) => `<b>${esc(s.code)}</b> ${esc(s.name)}`)],
        ["Subdistrict 街道", place(loc.subdistrict, (s) => esc(s.name))],
        ["Community 社区", place(loc.community, (c) => esc(c.name))],
        [
          "Grid 网格",
          place(loc.grid, (g) => `${esc(g.code)}${g.workerName ? ` · worker ${esc(g.workerName)}` : ""}`),
        ],
        ["Compound 小区", place(loc.compound, (c) => `${esc(c.name)} (no. ${esc(c.compoundId)})`)],
        ["Township 乡镇", place(loc.township, (t) => `${esc(t.name)} <small>${esc(t.code)}</small>`)],
        ["Village 行政村", place(loc.village, (v) => `${esc(v.name)} <small>${esc(v.code)}</small>`)],
      ])}
      <h3>On duty now</h3>
      ${sector ? dutyHtml(loc.onDuty) : loc.township ? townshipDutyHtml(loc) : '<p class="none">Outside the old-town sectors: no squad patrols here.</p>'}`;
  }

  async function locateAt(latlng) {
    const generation = ++locateGeneration;
    const lon = L.Util.wrapNum(latlng.lng, [-180, 180], true);
    pin.setLatLng(latlng).addTo(map);
    panel.dataset.state = "loading";
    try {
      const data = await gql(LOCATE, { lon, lat: latlng.lat });
      if (generation === locateGeneration) showLocation(data.locate);
    } catch (error) {
      if (generation !== locateGeneration) return;
      panel.dataset.sector = "";
      panel.dataset.state = "error";
      panel.innerHTML = `<button type="button" class="close" title="Close">×</button>
        <p class="error">${esc(error.message)}</p>`;
    }
  }

  map.on("click", (e) => locateAt(e.latlng));
  panel.addEventListener("click", (e) => {
    if (!e.target.classList.contains("close")) return;
    locateGeneration++;
    map.removeLayer(pin);
    panel.dataset.sector = "";
    panel.dataset.state = "idle";
    panel.innerHTML = '<p class="hint">Click the map to see what lies there and who is on duty.</p>';
  });
  L.DomEvent.disableClickPropagation(panel);
  L.DomEvent.disableScrollPropagation(panel);

  /* ---- the optional bearer token ---- */

  const tokenInput = document.getElementById("token");
  const roleEl = document.getElementById("viewer-role");

  function keep(value) {
    try {
      if (value) localStorage.setItem(TOKEN_KEY, value);
      else localStorage.removeItem(TOKEN_KEY);
    } catch {
      if (value) note("token", "this browser keeps no token (storage is off)", true);
    }
    tokenInput.value = "";
    tokenInput.placeholder = token() ? "token saved (paste another to replace)" : "paste a bearer token (optional)";
  }

  function showViewer(viewer) {
    staff = Boolean(viewer) && STAFF_ROLES.includes(viewer.role);
    roleEl.className = viewer ? "role staff" : "role";
    roleEl.textContent = !viewer ? "public" : viewer.squadCode ? `${viewer.role} · ${viewer.squadCode}` : viewer.role;
  }

  /* Who a token makes us; null for a refused one (which is then neither kept nor sent). */
  async function viewerOf(value) {
    try {
      return (await gql("{ viewer { role squadCode } }", null, value)).viewer;
    } catch (error) {
      note("token", `token refused: ${error.message}`, true);
      return null;
    }
  }

  document.getElementById("token-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = tokenInput.value.trim();
    if (!value) return;
    note("token", "");
    const viewer = await viewerOf(value);
    if (!viewer) {
      tokenInput.value = "";
      return;
    }
    keep(value);
    showViewer(viewer);
    await loadAll();
  });
  document.getElementById("token-clear").addEventListener("click", async () => {
    note("token", "");
    keep("");
    showViewer(null);
    await loadAll();
  });

  /* A kept token is checked once on opening; a revoked one is dropped and the page goes on as the public. */
  async function checkKeptToken() {
    if (!token()) return;
    const viewer = await viewerOf(token());
    if (!viewer) keep("");
    else tokenInput.placeholder = "token saved (paste another to replace)";
    showViewer(viewer);
  }

  /* ---- first load ---- */

  checkKeptToken()
    .then(loadAll)
    .then(() => {
      window.hubReady = true;
      document.body.dataset.ready = "true";
    });
})();
