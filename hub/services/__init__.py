"""The use-cases: one function each, taking the catalog (or a unit of work), the caller and a command.

Used by GraphQL, the CLI, the OGC API and export endpoints alike; permission checks live here.
"""
