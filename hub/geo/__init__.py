"""Pure spatial functions on shapely geometries and arrays. No I/O, no globals that change.

Modules: ``geojson`` (parse, validate, serialise) and ``coords`` (the checks on coordinates behind
it), ``measure`` (geodesic area, length, distance), ``local`` (a metric projection around a point),
``sectors`` (fan-shaped zones), ``index`` (an STRtree-backed layer answering the spatial filters).
Nothing here imports from the rest of the hub except ``hub.errors``.
"""
