"""The hub over HTTP: everything between the socket and GraphQL or the tile cache.

One idea per module, wired together by ``hub.app.create_app`` (outermost first)::

    metrics     requests, latencies, refusals, caches, layer versions at /metrics (Prometheus)
    cors        which other origins' pages may call the hub (HUB_CORS_ORIGINS)
    ratelimit   a token bucket per token and per address (HUB_RATE_LIMITS), 429 with Retry-After
    limits      the request-size cap (413), chunked bodies included
    auth        bearer tokens → the viewer; refusals answered on HTTP and websockets alike
    compression gzip or br for answers the client accepts compressed
    graphql     GraphQL over HTTP (status codes, media types) and text frames on websockets
    tiles       vector tiles and TileJSON, compressed once per tile
    answers     the one JSON shape of every refusal, in the media type the client accepts

The schema, domain, store and geo layers never import this package (``lint-imports`` checks it).
"""
