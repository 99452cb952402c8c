"""Who is asking, and what of people's data they may see (PIPL: mask by default).

Roles: ``public`` (no token), ``analyst``, ``officer`` (bound to one squad), ``admin``. Names of
officers and grid workers are masked (``张*``) for anyone who does not need them; personal phone
numbers are hidden from the public and masked (``138****5678``) for roles that only need to know a
number exists. An officer sees their own squad in full; an admin sees everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

PUBLIC = "public"
ANALYST = "analyst"
OFFICER = "officer"
ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The caller of one request."""

    role: str = PUBLIC
    squad_code: str | None = None
    token_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def actor(self) -> str:
        """How the audit log names this viewer."""
        return f"{self.role}:{self.token_id}" if self.token_id else self.role

    def sees_squad_in_full(self, squad_code: str | None) -> bool:
        """True for admins, and for officers looking at their own squad."""
        return self.is_admin or (self.role == OFFICER and squad_code is not None and squad_code == self.squad_code)

    def sees_staff_names(self) -> bool:
        """Grid workers' and officers' names in full: authenticated staff roles."""
        return self.role in (ADMIN, OFFICER, ANALYST)


ANONYMOUS = Viewer()


def mask_name(name: str) -> str:
    """Keep the surname, hide the given name.

    >>> mask_name("张三丰")
    '张*'
    >>> mask_name("欧阳娜娜")
    '欧阳*'
    >>> mask_name("")
    ''
    """
    if not name:
        return ""
    compound_surnames = (
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "司徒",
    )
    keep = 2 if len(name) > 2 and name[:2] in compound_surnames else 1
    return name[:keep] + "*"


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits of a mobile number.

    >>> mask_phone("13812345678")
    '138****5678'
    >>> mask_phone("123")
    '***'
    """
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def officer_name(viewer: Viewer, squad_code: str, name: str) -> str:
    """An officer's name as this viewer may see it."""
    return name if viewer.sees_squad_in_full(squad_code) or viewer.role == ANALYST else mask_name(name)


def officer_phone(viewer: Viewer, squad_code: str, phone: str) -> str | None:
    """An officer's personal phone as this viewer may see it: full for their squad and admins, else nothing."""
    return phone if viewer.sees_squad_in_full(squad_code) else None


def worker_name(viewer: Viewer, name: str) -> str:
    """A grid worker's (or committee member's) name as this viewer may see it."""
    return name if viewer.sees_staff_names() else mask_name(name)


def worker_phone(viewer: Viewer, phone: str) -> str | None:
    """A grid worker's phone: full for admins, masked for other staff, hidden from the public."""
    if viewer.is_admin:
        return phone
    if viewer.sees_staff_names():
        return mask_phone(phone)
    return None
