/* The map page's figures panel: cleared occupied area per subdistrict or sector for a chosen period, as a
 * choropleth with a legend. One GraphQL request brings both the polygons (featureCollection) and the figures
 * (occupationFigures grouped by the same layer, dated by when the space was cleared, local time).
 *
 * For tests: `#figures[data-state]` is "idle", "loading", "done" or "error"; `window.hubFigures` holds the
 * last answer drawn ({ by, from, to, groups, classes }).
 */
(function () {
  "use strict";

  const map = window.hubMap;
  const gql = window.hubGql;
  const PALETTE = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]; // ColorBrewer OrRd, 5 classes
  const ZERO = "#f0f0f0";
  const LAYERS = { SUBDISTRICT: "SUBDISTRICTS", SECTOR: "SECTORS" };
  const NOUNS = { SUBDISTRICT: "subdistrict 街道", SECTOR: "sector 片区" };

  const QUERY = `query Figures($layer: Layer!, $by: [Grouping!], $from: Date, $to: Date) {
    featureCollection(layer: $layer, zoom: 12, properties: ["code", "name"])
    occupationFigures(groupBy: $by, dateBy: CLEARED, during: {from: $from, to: $to},
                      filter: {statuses: ["CLEARED"]}) {
      total { count clearedAreaM2 }
      groups { key { subdistrict { code name } sector { code name } none } count clearedAreaM2 }
    }
  }`;

  const panel = document.getElementById("figures");
  const form = document.getElementById("figures-form");
  const legend = document.getElementById("figures-legend");
  const pane = map.createPane("figures", map.getPane("overlayPane"));
  pane.style.zIndex = "9"; // under every data layer
  const layer = L.geoJSON(null, { pane: "figures", interactive: true, bubblingMouseEvents: false });
  let generation = 0;

  function esc(value) {
    return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  function m2(value) {
    return `${Math.round(value).toLocaleString("en")} m²`;
  }

  /* The period asked: a whole year, or one month of it; both ends included, local dates. */
  function period() {
    const year = form.elements.year.value;
    const month = form.elements.month.value;
    if (!month) return { from: `${year}-01-01`, to: `${year}-12-31`, label: year };
    const last = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
    return { from: `${year}-${month}-01`, to: `${year}-${month}-${String(last).padStart(2, "0")}`, label: `${year}-${month}` };
  }

  /* Five classes of equal width from 0 to the largest value; 0 m² has its own grey. */
  function classes(values) {
    const top = Math.max(0, ...values);
    if (top === 0) return [];
    return PALETTE.map((colour, i) => ({ colour, low: (top * i) / PALETTE.length, high: (top * (i + 1)) / PALETTE.length }));
  }

  function colourOf(value, breaks) {
    if (!value) return ZERO;
    const found = breaks.find((c) => value <= c.high);
    return (found || breaks[breaks.length - 1]).colour;
  }

  function drawLegend(by, when, breaks, answer, none) {
    const rows = breaks
      .map((c) => `<li><span class="legend-swatch" style="background:${c.colour}"></span>${m2(c.low)} – ${m2(c.high)}</li>`)
      .join("");
    const zero = `<li><span class="legend-swatch" style="background:${ZERO}"></span>none cleared</li>`;
    const outside = none
      ? `<p class="outside">Outside every ${esc(NOUNS[by])}: ${m2(none.clearedAreaM2)} (${none.count})</p>`
      : "";
    legend.innerHTML = `<h3>Cleared occupied area, ${esc(when.label)}</h3>
      <p class="total">Total ${m2(answer.total.clearedAreaM2)} in ${answer.total.count} places cleared</p>
      <ul>${rows}${zero}</ul>${outside}`;
  }

  async function show() {
    const mine = ++generation;
    const by = form.elements.by.value;
    const when = period();
    panel.dataset.state = "loading";
    try {
      const data = await gql(QUERY, { layer: LAYERS[by], by: [by], from: when.from, to: when.to });
      if (mine !== generation) return;
      const answer = data.occupationFigures;
      const key = by === "SUBDISTRICT" ? "subdistrict" : "sector";
      const value = {};
      let none = null;
      for (const g of answer.groups) {
        if (g.key[key]) value[g.key[key].code] = g;
        else none = g;
      }
      const breaks = classes(Object.values(value).map((g) => g.clearedAreaM2));
      layer.clearLayers();
      layer.options.style = (f) => ({
        color: "#5c3c10",
        weight: 1.5,
        opacity: 0.9,
        fillColor: colourOf((value[f.properties.code] || {}).clearedAreaM2 || 0, breaks),
        fillOpacity: 0.75,
      });
      layer.options.onEachFeature = (f, l) => {
        const g = value[f.properties.code];
        l.bindTooltip(`${esc(f.properties.name)}: ${g ? `${m2(g.clearedAreaM2)} (${g.count})` : "none cleared"}`);
      };
      layer.addData(data.featureCollection);
      layer.addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [20, 20] });
      drawLegend(by, when, breaks, answer, none);
      window.hubFigures = { by, from: when.from, to: when.to, groups: answer.groups, classes: breaks };
      panel.dataset.state = "done";
    } catch (error) {
      if (mine !== generation) return;
      legend.innerHTML = `<p class="error">${esc(error.message)}</p>`;
      panel.dataset.state = "error";
    }
  }

  function hide() {
    generation++;
    layer.clearLayers();
    map.removeLayer(layer);
    legend.innerHTML = "";
    panel.dataset.state = "idle";
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    show();
  });
  form.addEventListener("change", () => {
    if (panel.dataset.state !== "idle") show();
  });
  document.getElementById("figures-hide").addEventListener("click", hide);
  L.DomEvent.disableClickPropagation(panel);
  L.DomEvent.disableScrollPropagation(panel);
})();
