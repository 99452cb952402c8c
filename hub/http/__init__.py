"""HTTP endpoints beside GraphQL: OGC API Features (``hub.http.ogc``) and exports (``hub.http.export``).

App-level modules: they use the services and the domain below them and are wired into the app by
``hub.app.create_app``; nothing below the app imports them.
"""
