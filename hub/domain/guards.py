"""Who may write: the checks every write shares."""

from __future__ import annotations

from hub.domain.access import ADMIN, OFFICER, Viewer
from hub.errors import AccessDenied


def require_staff(viewer: Viewer, doing: str) -> None:
    """Officers and admins write from the field; others may not."""
    if viewer.role not in (OFFICER, ADMIN):
        raise AccessDenied(f"only officers and admins may {doing}; you are {viewer.role}")


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
