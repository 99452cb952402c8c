"""Every error the hub raises on purpose, in one tree.

Each class carries a stable ``code`` that the API puts in ``userErrors[].code`` and in the
``extensions.code`` of GraphQL errors, a human ``message`` that says what was wrong, and the
``field`` (a dotted path into the input) where it was found, when there is one::

    HubError                      (code INTERNAL)
    ├── InputError                (code BAD_INPUT)       bad argument values
    │   ├── GeometryError         (code BAD_GEOMETRY)    GeoJSON that cannot be used
    │   │   └── SwappedCoordinatesError (code SWAPPED_COORDINATES)
    │   ├── LimitExceeded         (code LIMIT_EXCEEDED)  page size, vertex cap, request size
    │   ├── NotFound              (code NOT_FOUND)       an id or code that names nothing
    │   └── OutsideArea           (code OUTSIDE_AREA)    a point outside every place a write needs
    ├── AccessDenied              (code FORBIDDEN)       the viewer's role may not do this
    │   └── Unauthenticated       (code UNAUTHENTICATED) a token that is not valid
    ├── Conflict                  (code CONFLICT)        a write that contradicts stored data
    │   └── NotAssigned           (code NOT_ASSIGNED)    work outside what the caller's unit is assigned
    ├── StoreError                (code STORE)           the database refused or is not ready
    └── Refused                   (code BAD_REQUEST)     an HTTP request not in a form the hub takes
        ├── MethodNotAllowed      (code METHOD_NOT_ALLOWED)      e.g. a mutation sent over GET
        ├── NotAcceptable         (code NOT_ACCEPTABLE)          no answer type the client accepts
        ├── UnsupportedMediaType  (code UNSUPPORTED_MEDIA_TYPE)  a body that is not application/json
        └── RateLimited           (code RATE_LIMITED)            too many requests: wait and retry

This module imports nothing from the hub, so every layer may use it.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of all errors the hub raises deliberately."""

    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def as_dict(self) -> dict[str, str | None]:
        """The error as a ``userErrors`` entry."""
        return {"field": self.field, "message": self.message, "code": self.code}


class InputError(HubError):
    """An argument value the hub cannot use; the message says which and why."""

    code = "BAD_INPUT"


class GeometryError(InputError):
    """GeoJSON that is malformed, out of range, too large or not a valid geometry."""

    code = "BAD_GEOMETRY"


class SwappedCoordinatesError(GeometryError):
    """Coordinates that look like latitude/longitude instead of GeoJSON's longitude/latitude."""

    code = "SWAPPED_COORDINATES"


class LimitExceeded(InputError):
    """A request beyond one of the hub's limits (page size, vertices, bytes, depth)."""

    code = "LIMIT_EXCEEDED"


class NotFound(InputError):
    """An id or code that names no record."""

    code = "NOT_FOUND"


class OutsideArea(InputError):
    """A point outside every place the write needs (a guidance visit outside every township)."""

    code = "OUTSIDE_AREA"


class AccessDenied(HubError):
    """The viewer's role may not see or do this."""

    code = "FORBIDDEN"


class Unauthenticated(AccessDenied):
    """A bearer token was sent but is unknown, revoked or malformed."""

    code = "UNAUTHENTICATED"


class Conflict(HubError):
    """A write that contradicts what is stored (for example a reused idempotency key)."""

    code = "CONFLICT"


class NotAssigned(Conflict):
    """Work logged where the caller's unit is not assigned (a guidance group in another group's township)."""

    code = "NOT_ASSIGNED"


class StoreError(HubError):
    """The database refused an operation or is in a state the hub cannot use."""

    code = "STORE"


class Refused(HubError):
    """An HTTP request the hub will not take as it was sent (a body that is not a GraphQL request, …);
    ``hub.http`` answers it before any GraphQL runs."""

    code = "BAD_REQUEST"


class MethodNotAllowed(Refused):
    """The HTTP method does not fit the request (a mutation over GET, a PUT to /graphql)."""

    code = "METHOD_NOT_ALLOWED"


class NotAcceptable(Refused):
    """The client's ``Accept`` header names no media type the hub answers with."""

    code = "NOT_ACCEPTABLE"


class UnsupportedMediaType(Refused):
    """A request body in a media type the hub does not read (GraphQL over POST takes application/json)."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class RateLimited(Refused):
    """More requests than the caller's rate allows; the answer says when to retry."""

    code = "RATE_LIMITED"
