"""The use-cases: one plain function each, taking the catalog (or a unit of work), the viewer and a command.

Used alike by GraphQL (``hub.schema``), the command line and the export endpoints; they know nothing of
strawberry. ``figures`` (grouped figures, their rows for exports, drawn areas), ``nearest`` (the k
nearest records), ``governance`` (meetings, public rooms, grades, management history).
"""
