"""The map page at /map in headless Chromium: it draws the layers, locates a click, and never leaves the hub."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.geo.measure import destination
from tests.common import layer
from tests.conftest import ROOT, Server
from tests.e2e.browser import Page, browser_page

pytestmark = pytest.mark.e2e

DAYUSHOU = (115.6097, 34.3767)  # 大隅首, where the page opens
ARTIFACTS = ROOT / "tests" / "artifacts"


def container_point(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """The page coordinates of a point on the map, through Leaflet's own projection."""
    x, y = page.page.evaluate(
        """([lat, lon]) => {
            const p = window.hubMap.latLngToContainerPoint([lat, lon]);
            const box = window.hubMap.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
        [lat, lon],
    )
    return x, y


@pytest.fixture(scope="module")
def map_page(server: Server) -> Iterator[Page]:
    with browser_page(server.url) as page:
        page.page.goto(f"{server.url}/map")
        page.page.wait_for_function("window.hubReady === true", timeout=60_000)
        yield page


def test_the_page_draws_the_four_sectors_and_the_compounds_in_view(map_page: Page) -> None:
    counts = map_page.page.evaluate("window.hubCounts")
    assert counts["sectors"] == 4
    assert counts["compounds"] > 0
    assert counts["merchants"] > 0
    drawn = map_page.page.evaluate(
        """(name) => document.querySelectorAll(`.leaflet-overlay-pane .leaflet-${name}-pane svg path`).length""",
        "sectors",
    )
    assert drawn == 4
    compounds = map_page.page.locator(".leaflet-overlay-pane .leaflet-compounds-pane svg path")
    assert compounds.count() == counts["compounds"]
    labels = map_page.page.locator(".sector-label").all_inner_texts()
    assert {text.split()[0] for text in labels} == {"NE", "SE", "SW", "NW"}


def test_a_click_in_the_north_east_sector_says_so_and_who_is_on_duty(map_page: Page) -> None:
    lon, lat = destination(*DAYUSHOU, 45, 500)
    x, y = container_point(map_page, lon, lat)
    map_page.page.mouse.click(x, y)
    result = map_page.page.locator('#locate-result[data-sector="NE"]')
    result.wait_for(timeout=30_000)
    text = result.inner_text()
    assert "东北片区" in text and "古城街道" in text
    # who is on duty depends on the hour (no shift runs 02:00-07:00); officers' names come masked to the public
    assert "On duty now" in text
    assert ("Hotline" in text and "*" in text) or "No squad on duty" in text


def test_a_click_in_a_village_of_a_township_names_both(map_page: Page) -> None:
    page = map_page.page
    villages = layer("villages")
    village = villages[villages.name == "顺南村"].iloc[0]
    point = village.geometry.representative_point()
    page.evaluate("([lat, lon]) => window.hubMap.setView([lat, lon], 13, { animate: false })", [point.y, point.x])
    page.wait_for_function("window.hubIdle()", timeout=30_000)
    assert page.evaluate("window.hubCounts")["townships"] >= 1
    assert page.evaluate("window.hubCounts")["villages"] >= 5
    assert page.evaluate("window.hubCounts")["guidance_visits"] >= 1
    x, y = container_point(map_page, point.x, point.y)
    page.mouse.click(x, y)
    page.wait_for_function(
        "document.querySelector('#locate-result').dataset.state === 'done' "
        "&& document.querySelector('#locate-result').innerText.includes('顺南村')",
        timeout=30_000,
    )
    text = page.locator("#locate-result").inner_text()
    assert "李口镇" in text and village.code in text
    assert "Township duty" in text and "Duty line" in text and "0370-" in text  # 24小时值班值守, names masked
    assert "*" in text
    page.click("#locate-result .close")
    page.evaluate(
        "([lat, lon]) => window.hubMap.setView([lat, lon], 14, { animate: false })", [DAYUSHOU[1], DAYUSHOU[0]]
    )
    page.wait_for_function("window.hubIdle()", timeout=30_000)


def test_a_click_on_a_compound_opens_a_popup_with_its_name(map_page: Page) -> None:
    page = map_page.page
    found = page.evaluate(
        """() => {
            const map = window.hubMap, size = map.getSize(), centre = map.getCenter();
            const compounds = Object.values(map._layers).filter((l) => l.feature && l.options.pane === "compounds");
            compounds.sort((a, b) => centre.distanceTo(a.getCenter()) - centre.distanceTo(b.getCenter()));
            for (const layer of compounds) {
                const p = map.latLngToContainerPoint(layer.getCenter());
                if (p.x < 380 || p.y < 80 || p.x > size.x - 260 || p.y > size.y - 60) continue;
                const box = map.getContainer().getBoundingClientRect();
                const x = box.left + p.x, y = box.top + p.y;
                if (document.elementFromPoint(x, y) !== layer._path) continue;  // a shop or a label on top
                return { name: layer.feature.properties.name, x, y };
            }
            return null;
        }"""
    )
    assert found is not None, "no compound away from the panels to click"
    page.mouse.click(found["x"], found["y"])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=30_000)
    assert found["name"] in popup.inner_text()
    # a pan reloads every layer: the compound is kept, and so its popup stays open
    page.wait_for_function("window.hubIdle()", timeout=30_000)
    page.evaluate("window.hubMap.panBy([40, 0], { animate: false })")
    page.wait_for_function("window.hubIdle()", timeout=30_000)
    assert popup.count() == 1 and found["name"] in popup.inner_text()


def test_the_page_loads_only_from_the_hub_with_no_errors_and_looks_drawn(map_page: Page) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "map.png"
    # a picture once the popup's pan and the reload after it are over and the popup has faded in
    map_page.page.wait_for_function(
        """() => window.hubIdle() && [...document.querySelectorAll('.leaflet-popup')]
            .every((p) => getComputedStyle(p).opacity === '1')""",
        timeout=30_000,
    )
    map_page.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    assert map_page.foreign() == []
    assert map_page.failed == []
    assert map_page.errors == []
    assert any(u.endswith("/static/vendor/leaflet/leaflet.js") for u in map_page.requests)


FIGURES = """query($by: [Grouping!], $from: Date, $to: Date) { occupationFigures(groupBy: $by, dateBy: CLEARED,
  during: {from: $from, to: $to}, filter: {statuses: ["CLEARED"]}) {
  groups { key { subdistrict { code } sector { code } } clearedAreaM2 } } }"""
PALETTE = {"#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000", "#f0f0f0"}


def test_the_figures_panel_shows_cleared_area_per_subdistrict_as_a_choropleth_with_a_legend(map_page, server):
    page = map_page.page
    page.evaluate("window.hubMap.closePopup()")  # what the earlier tests opened
    if page.locator("#locate-result .close").count():
        page.click("#locate-result .close")
    page.select_option("#figures-form select[name=by]", "SUBDISTRICT")
    page.select_option("#figures-form select[name=year]", "2023")
    page.click("#figures-form button[type=submit]")
    page.wait_for_function(
        "document.querySelector('#figures').dataset.state === 'done' && window.hubFigures.by === 'SUBDISTRICT'",
        timeout=30_000,
    )
    shown = page.evaluate("window.hubFigures")
    assert (shown["from"], shown["to"]) == ("2023-01-01", "2023-12-31")
    api = server.graphql(FIGURES, {"by": ["SUBDISTRICT"], "from": "2023-01-01", "to": "2023-12-31"}).json()
    want = {
        (g["key"]["subdistrict"] or {}).get("code"): g["clearedAreaM2"]
        for g in api["data"]["occupationFigures"]["groups"]
    }
    got = {(g["key"]["subdistrict"] or {}).get("code"): g["clearedAreaM2"] for g in shown["groups"]}
    assert got == want and len(want) >= 3
    fills = page.evaluate(
        "[...document.querySelectorAll('.leaflet-figures-pane svg path')].map((p) => p.getAttribute('fill'))"
    )
    assert len(fills) == 6 and set(fills) <= PALETTE
    assert "#b30000" in fills  # the subdistrict that cleared the most, in the darkest class
    legend = page.locator("#figures-legend").inner_text()
    assert "Cleared occupied area, 2023" in legend and legend.count("m² –") == 5
    page.wait_for_function("window.hubIdle()", timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "map-figures.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000


def test_the_figures_panel_switches_to_the_sectors_for_one_month(map_page, server):
    page = map_page.page
    page.select_option("#figures-form select[name=year]", "2022")
    page.select_option("#figures-form select[name=by]", "SECTOR")
    page.wait_for_function(
        "document.querySelector('#figures').dataset.state === 'done' && window.hubFigures.by === 'SECTOR'",
        timeout=30_000,
    )
    assert page.locator(".leaflet-figures-pane svg path").count() == 4
    assert "outside every sector" in page.locator("#figures-legend").inner_text().lower()
    page.click("#figures-hide")
    assert page.locator(".leaflet-figures-pane svg path").count() == 0
    assert map_page.errors == [] and map_page.failed == [] and map_page.foreign() == []


def test_the_map_draws_the_open_safety_hazards_of_songji_and_none_of_the_closed(map_page: Page) -> None:
    page = map_page.page
    hazards = layer("hazards")
    open_ones = hazards[hazards.state != "VERIFIED"]
    centre = open_ones.geometry.iloc[0]
    page.evaluate("([lat, lon]) => window.hubMap.setView([lat, lon], 12, { animate: false })", [centre.y, centre.x])
    page.wait_for_function("window.hubIdle()", timeout=30_000)
    drawn = page.evaluate(
        """() => Object.values(window.hubMap._layers)
            .filter((l) => l.feature && l.options.pane === "hazards")
            .map((l) => [l.feature.properties.hazardId, l.feature.properties.open])"""
    )
    assert drawn and all(is_open for _, is_open in drawn)
    closed = set(hazards[hazards.state == "VERIFIED"].id)
    assert not closed & {hazard for hazard, _ in drawn}
    page.evaluate(
        "([lat, lon]) => window.hubMap.setView([lat, lon], 14, { animate: false })", [DAYUSHOU[1], DAYUSHOU[0]]
    )
    page.wait_for_function("window.hubIdle()", timeout=30_000)
