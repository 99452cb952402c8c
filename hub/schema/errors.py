"""Turn the hub's own errors into GraphQL errors with a stable code; hide everything else.

A :class:`~hub.errors.HubError` raised in a resolver becomes an error whose message says what was
wrong and whose ``extensions`` carry ``code`` and ``field``. Any other exception is a bug: the
client sees ``internal error`` with code ``INTERNAL`` (never a stack trace); the schema logs it.
Validation errors (unknown field, bad argument type, limits) get ``BAD_REQUEST`` or ``LIMIT_EXCEEDED``.
"""

from __future__ import annotations

from graphql import GraphQLError

from hub.errors import HubError

LIMIT_WORDS = ("exceeds maximum operation depth", "aliases found", "more than", "tokens. Parsing aborted")


def shape_error(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, HubError):
        extensions = {"code": original.code}
        if original.field:
            extensions["field"] = original.field
        return GraphQLError(str(original), nodes=error.nodes, path=error.path, extensions=extensions)
    if is_internal(error):
        return GraphQLError("internal error", nodes=error.nodes, path=error.path, extensions={"code": "INTERNAL"})
    if error.extensions and "code" in error.extensions:
        return error
    code = "LIMIT_EXCEEDED" if any(w in error.message for w in LIMIT_WORDS) else "BAD_REQUEST"
    return GraphQLError(error.message, nodes=error.nodes, path=error.path, extensions={"code": code})


def is_internal(error: GraphQLError) -> bool:
    """True for errors that are the hub's fault (a bug), not the client's."""
    original = error.original_error
    return original is not None and not isinstance(original, HubError | GraphQLError)
