"""The Suiyang governance data hub: a GraphQL API with a geospatial layer.

Layers, from the bottom up (arrows point down only, checked by ``lint-imports``)::

    hub.geo     pure geometry on shapely arrays: GeoJSON in/out, measures, indexes, sectors
    hub.store   persistence (SQLite file) and the in-memory spatial layers loaded from it
    hub.domain  the rules of the work: locate, duty rosters, statistics, access and masking
    hub.schema  the GraphQL adapter (strawberry): thin types over domain objects
    hub.app     the Starlette application (composition root), hub.cli the ``hub`` command
"""

__version__ = "0.1.0"
