"""Pure spatial functions on shapely geometries and arrays. No I/O, no globals that change.

Modules: ``geojson`` and ``coords`` (parse, validate, serialise GeoJSON), ``measure`` (geodesic
area, length, distance), ``local`` (a metric projection around a point), ``sectors`` (fan-shaped
zones), ``index`` (an STRtree-backed layer answering the spatial filters), ``generalize``
(coverage simplification by zoom band), ``datum`` (WGS84, GCJ-02, BD-09), ``collection``
(FeatureCollections from pre-serialised bytes), ``mvt`` (Mapbox Vector Tile encoding).
"""
