"""The hub over HTTP: everything between the socket and GraphQL, and the endpoints beside it.

App-level modules: they use the services and the domain below them and are wired into the app by
``hub.app.create_app``; nothing below the app imports them (``lint-imports`` checks it), and they
reach the store only through the services. One idea per module::

    metrics     requests, latencies, refusals, caches, layer versions at /metrics (Prometheus)
    cors        which other origins' pages may call the hub (HUB_CORS_ORIGINS)
    ratelimit   a token bucket per token and per address (HUB_RATE_LIMITS), 429 with Retry-After
    limits      the request-size cap (413), chunked bodies included
    auth        bearer tokens → the viewer; refusals answered on HTTP and websockets alike
    compression gzip or br for answers the client accepts compressed
    graphql     GraphQL over HTTP (status codes, media types) and text frames on websockets
    answers     the one JSON shape of every refusal, in the media type the client accepts
    tiles       vector tiles and TileJSON, compressed once per tile
    ogc         OGC API Features (with ogc_html, openapi, params, negotiate)
    export      exports of the layers (GeoJSON, CSV, GeoPackage)

The middlewares run outermost first in the order listed, down to ``compression``.
"""
