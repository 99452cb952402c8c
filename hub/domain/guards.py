"""Who may write: the checks every write shares."""

from __future__ import annotations

import uuid
from typing import Any

from hub.domain.access import ADMIN, INSPECTOR, OFFICER, TECHNICIAN, VOLUNTEER, Viewer
from hub.errors import AccessDenied, InputError

MAX_CLIENT_ID = 128


def require_staff(viewer: Viewer, doing: str) -> None:
    """Officers and admins write from the field; others may not."""
    if viewer.role not in (OFFICER, ADMIN):
        raise AccessDenied(f"only officers and admins may {doing}; you are {viewer.role}")


def require_technician(viewer: Viewer, doing: str) -> None:
    """Technicians of a guidance group and admins; others may not."""
    if viewer.role not in (TECHNICIAN, ADMIN):
        raise AccessDenied(f"only technicians and admins may {doing}; you are {viewer.role}")


def require_inspector(viewer: Viewer, doing: str) -> None:
    """Township safety inspectors and admins; others may not."""
    if viewer.role not in (INSPECTOR, ADMIN):
        raise AccessDenied(f"only inspectors and admins may {doing}; you are {viewer.role}")


def require_volunteer(viewer: Viewer, doing: str) -> None:
    """Volunteers of a team and admins; others may not."""
    if viewer.role not in (VOLUNTEER, ADMIN):
        raise AccessDenied(f"only volunteers and admins may {doing}; you are {viewer.role}")


def require_admin(viewer: Viewer, doing: str) -> None:
    if viewer.role != ADMIN:
        raise AccessDenied(f"only admins may {doing}; you are {viewer.role}")


def require_squad(viewer: Viewer, squad_code: str | None, doing: str) -> None:
    """Admins, or officers of the given squad."""
    if viewer.is_admin:
        return
    if viewer.role != OFFICER or viewer.squad_code != squad_code:
        who = f"squad {viewer.squad_code}" if viewer.role == OFFICER else viewer.role
        raise AccessDenied(f"only squad {squad_code} or an admin may {doing}; you are {who}")


def client_id(value: Any, *, field: str = "clientId") -> str:
    """A write's idempotency key (a UUID the phone made once per request) in canonical form, or an InputError
    that names the field.

    >>> client_id("0F8FAD5B-D9CB-469F-A165-70867728950E")
    '0f8fad5b-d9cb-469f-a165-70867728950e'
    >>> client_id("phone-1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hub.errors.InputError: clientId: 'phone-1' is not a UUID; make one per request on the phone (e.g. ...
    """
    text = value if isinstance(value, str) else ""
    if not text.strip():
        raise InputError("a clientId (a UUID made once per request) is required", field=field)
    if len(text) > MAX_CLIENT_ID:
        raise InputError(f"the clientId has {len(text)} characters; a UUID has 36", field=field)
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InputError(
            f"{text!r} is not a UUID; make one per request on the phone (e.g. 0f8fad5b-d9cb-469f-a165-70867728950e) "
            "so that a retry is not taken twice",
            field=field,
        ) from None
