"""Turn the hub's own errors into GraphQL errors with a stable code; hide everything else.

A :class:`~hub.errors.HubError` raised in a resolver becomes an error whose message says what was
wrong and whose ``extensions`` carry ``code`` and ``field``. Any other exception is a bug: the
client sees ``internal error`` with code ``INTERNAL`` (never a stack trace); the schema logs it.
Validation errors (unknown field, bad argument type, limits) get ``BAD_REQUEST`` or ``LIMIT_EXCEEDED``.
"""

from __future__ import annotations

from graphql import ArgumentNode, GraphQLError, ObjectFieldNode, Visitor, parse, visit

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
        if error.path is not None or "field" in error.extensions:
            return error
        code = str(error.extensions["code"])  # a literal a custom scalar refused: name its argument too
    else:
        code = "LIMIT_EXCEEDED" if any(w in error.message for w in LIMIT_WORDS) else "BAD_REQUEST"
    extensions = {"code": code}
    message = error.message
    argument = _argument_of(error)
    if argument is not None:  # a literal the schema refuses (an unknown enum value, …): say which argument
        extensions["field"] = argument
        message = f"{argument}: {message}"
    return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)


class _Arguments(Visitor):
    """Finds the argument, and the input fields within it, whose value holds a position of the document."""

    def __init__(self, start: int) -> None:
        super().__init__()
        self.start = start
        self.path: list[str] = []

    def _holds(self, node: ArgumentNode | ObjectFieldNode) -> bool:
        loc = node.value.loc
        return loc is not None and loc.start <= self.start < loc.end

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        if self._holds(node):
            self.path = [node.name.value]

    def enter_object_field(self, node: ObjectFieldNode, *_: object) -> None:
        if self.path and self._holds(node):  # nested inside the argument found: visited after it, outermost first
            self.path.append(node.name.value)

    @property
    def found(self) -> str | None:
        return ".".join(self.path) or None


def _argument_of(error: GraphQLError) -> str | None:
    """The name of the argument whose literal value an error points at (errors only: the document is parsed
    again here, never on the way of a good request)."""
    node = error.nodes[0] if error.nodes else None
    loc = getattr(node, "loc", None)
    if (
        loc is None
        or node is None
        or node.kind
        not in ("enum_value", "string_value", "int_value", "float_value", "boolean_value", "list_value", "object_value")
    ):
        return None
    try:
        finder = _Arguments(loc.start)
        visit(parse(loc.source), finder)
    except GraphQLError:
        return None
    return finder.found


def is_internal(error: GraphQLError) -> bool:
    """True for errors that are the hub's fault (a bug), not the client's."""
    original = error.original_error
    return original is not None and not isinstance(original, HubError | GraphQLError)
