"""HTML pages of the OGC API, for a person with a browser: every JSON document as a readable page.

Pages are plain server-made HTML (escaped), with the features of an items or item page drawn on a
Leaflet map from the packaged copy (``/static/vendor/leaflet``), so they work without the internet.
"""

from __future__ import annotations

from html import escape
from typing import Any

import orjson

STYLE = """body{font:14px/1.45 system-ui,'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;margin:1.5em auto;
max-width:70em;padding:0 1em;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;
padding:2px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3}#map{height:420px;margin:1em 0}
nav a{margin-right:.8em}code{background:#f3f3f3;padding:0 3px}"""


def _links(links: list[dict[str, str]]) -> str:
    items = "".join(
        f'<li><a href="{escape(x["href"])}">{escape(x.get("title") or x["rel"])}</a> '
        f"<small>({escape(x['rel'])}, {escape(x.get('type', ''))})</small></li>"
        for x in links
    )
    return f"<ul>{items}</ul>"


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return f'<a href="{escape(value)}">{escape(value)}</a>'
    return "" if value is None else escape(str(value))


def _map(features: list[dict[str, Any]]) -> str:
    data = orjson.dumps({"type": "FeatureCollection", "features": features}).decode().replace("</", "<\\/")
    return f"""<div id="map"></div>
<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">
<script src="/static/vendor/leaflet/leaflet.js"></script>
<script>const data = {data};
const map = L.map('map');
const shown = L.geoJSON(data, {{pointToLayer: (f, ll) => L.circleMarker(ll, {{radius: 5}}),
  onEachFeature: (f, l) => l.bindPopup(String(f.id))}}).addTo(map);
if (shown.getBounds().isValid()) map.fitBounds(shown.getBounds()); else map.setView([34.3767, 115.6097], 13);
</script>"""


def _features(doc: dict[str, Any], base: str) -> str:
    features = doc.get("features", [])
    columns = list(dict.fromkeys(k for f in features for k in f.get("properties", {})))
    rows = [
        {"id": f'<a href="{base}/collections/{doc["collection"]}/items/{f["id"]}">{escape(str(f["id"]))}</a>'}
        | {k: _cell(v) for k, v in f.get("properties", {}).items()}
        for f in features
    ]
    head = "".join(f"<th>{escape(c)}</th>" for c in ["id", *columns])
    body = "".join(
        "<tr>" + "".join(f"<td>{r.get(c, '')}</td>" for c in ["id", *columns]) + "</tr>" for r in rows
    )  # cells escaped above
    counts = (
        f"<p>{doc.get('numberReturned', len(features)):,} of {doc.get('numberMatched', len(features)):,} features</p>"
    )
    return counts + _map(features) + f"<table><tr>{head}</tr>{body}</table>"


def _page(title: str, body: str, base: str) -> str:
    nav = f'<nav><a href="{base}?f=html">home</a><a href="{base}/collections?f=html">collections</a>'
    nav += f'<a href="{base}/api?f=html">API</a><a href="{base}/conformance?f=html">conformance</a></nav>'
    return (
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{nav}<h1>{escape(title)}</h1>{body}</body></html>"
    )


def render(page: str, doc: dict[str, Any], base: str) -> str:
    """The HTML of one of the API's documents (``page``: landing, conformance, api, collections, collection,
    queryables, items, item)."""
    links = _links(doc.get("links", []))
    if page == "landing":
        return _page(doc["title"], f"<p>{escape(doc['description'])}</p>{links}", base)
    if page == "conformance":
        return _page("Conformance", "<ul>" + "".join(f"<li>{_cell(c)}</li>" for c in doc["conformsTo"]) + "</ul>", base)
    if page == "api":
        rows = [
            {"path": p, "summary": op["get"]["summary"], "parameters": ", ".join(_names(op["get"]["parameters"]))}
            for p, op in doc["paths"].items()
        ]
        body = f"<p>{escape(doc['info']['description'])}</p><p>JSON: <a href='{base}/api'>{base}/api</a></p>"
        return _page(doc["info"]["title"], body + _table(rows, ["path", "summary", "parameters"]), base)
    if page == "collections":
        rows = [
            {"id": f"{base}/collections/{c['id']}?f=html", "title": c["title"], "description": c["description"]}
            for c in doc["collections"]
        ]
        return _page("Collections", _table(rows, ["id", "title", "description"]) + links, base)
    if page == "collection":
        extent = doc["extent"]
        body = f"<p>{escape(doc['description'])}</p><p>bbox {escape(str(extent['spatial']['bbox'][0]))}"
        if "temporal" in extent:
            body += f"; time {escape(' / '.join(str(x) for x in extent['temporal']['interval'][0]))}"
        body += "</p><p>CRS: " + ", ".join(escape(c) for c in doc["crs"]) + "</p>"
        return _page(doc["title"], body + links, base)
    if page == "queryables":
        rows = [{"name": n, **{k: v for k, v in p.items() if k != "$ref"}} for n, p in doc["properties"].items()]
        return _page(f"Queryables of {doc['title']}", _table(rows, ["name", "title", "type", "format"]), base)
    if page == "items":
        return _page(doc["collection"], _features(doc, base) + links, base)
    if page == "item":
        rows = [{"property": k, "value": v} for k, v in doc.get("properties", {}).items()]
        body = _map([doc]) + _table(rows, ["property", "value"]) + links
        return _page(f"{doc['collection']} {doc['id']}", body, base)
    raise ValueError(page)


def _names(params: list[dict[str, Any]]) -> list[str]:
    return [p.get("name") or p["$ref"].rsplit("/", 1)[-1] for p in params]
