"""Who is asking, and what of people's data they may see (PIPL: mask by default, log who saw it).

Roles: ``public`` (no token), ``analyst``, ``officer`` (bound to one squad), ``technician`` (an
agricultural technician, bound to one guidance group), ``inspector`` (a township's safety inspector, bound to
the township), ``volunteer`` (bound to a volunteer team), ``admin``. Names of officers, technicians,
township duty officers and grid workers are masked (``张*``) for anyone who does not need them; personal phone
numbers are hidden from the public and masked (``138****5678``) for roles that only need to know a
number exists. An officer sees their own squad in full, a technician their own group; an admin sees everyone.

Free text (case descriptions, step notes, roster notes, the problems raised at meetings) may hold names
and phone numbers whoever wrote it put there: it is served to staff only, and logged like a name.

Every value served unmasked is reported to the viewer's :class:`Disclosures` sink as a kind
(``officer.phone``) and the subject's key (the officer's id); the store keeps them, so an admin can
answer "who saw this officer's phone number, and when" (``hub.store.disclosures``). Masked values
are not disclosures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

OFFICER_NAME = "officer.name"
OFFICER_PHONE = "officer.phone"
WORKER_NAME = "gridWorker.name"
WORKER_PHONE = "gridWorker.phone"
CHAIR_NAME = "committee.chairName"
SECRETARY_NAME = "partyBranch.secretaryName"
PATROL_TRACK = "patrol.track"
INCIDENT_DESCRIPTION = "incident.description"
STEP_NOTE = "incidentStep.note"
ROSTER_NOTE = "rosterException.note"
PROBLEM_DESCRIPTION = "problem.description"
VISIT_ADVICE = "guidanceVisit.advice"
DUTY_NOTE = "dutyException.note"
TECHNICIAN_NAME = "technician.name"
TECHNICIAN_PHONE = "technician.phone"
DUTY_OFFICER_NAME = "dutyOfficer.name"
DUTY_OFFICER_PHONE = "dutyOfficer.phone"
VOLUNTEER_NAME = "volunteer.name"
VOLUNTEER_PHONE = "volunteer.phone"
RESIDENT_NAME = "serviceRequest.residentName"
RESIDENT_PHONE = "serviceRequest.residentPhone"
HAZARD_DESCRIPTION = "hazard.description"
REQUEST_DESCRIPTION = "serviceRequest.description"
CASE_STEP_NOTE = "caseStep.note"
FREE_TEXT = (
    INCIDENT_DESCRIPTION,
    STEP_NOTE,
    ROSTER_NOTE,
    PROBLEM_DESCRIPTION,
    VISIT_ADVICE,
    DUTY_NOTE,
    HAZARD_DESCRIPTION,
    REQUEST_DESCRIPTION,
    CASE_STEP_NOTE,
)
"""Free text: whoever wrote it may have put a name or a phone number in it, so it is personal data until proven
otherwise (staff only, logged when served)."""
KINDS = (
    OFFICER_NAME,
    OFFICER_PHONE,
    WORKER_NAME,
    WORKER_PHONE,
    CHAIR_NAME,
    SECRETARY_NAME,
    PATROL_TRACK,
    TECHNICIAN_NAME,
    TECHNICIAN_PHONE,
    DUTY_OFFICER_NAME,
    DUTY_OFFICER_PHONE,
    VOLUNTEER_NAME,
    VOLUNTEER_PHONE,
    RESIDENT_NAME,
    RESIDENT_PHONE,
    *FREE_TEXT,
)
"""What of people's data is logged when served unmasked, with the kind of key each names."""


class Disclosures(Protocol):
    """Where unmasked personal values are reported (the store's log)."""

    def saw(self, actor: str, role: str, kind: str, subject: Any) -> None: ...


PUBLIC = "public"
ANALYST = "analyst"
OFFICER = "officer"
TECHNICIAN = "technician"
INSPECTOR = "inspector"
VOLUNTEER = "volunteer"
ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The caller of one request."""

    role: str = PUBLIC
    squad_code: str | None = None
    token_id: str | None = None
    log: Disclosures | None = field(default=None, compare=False, repr=False)
    """Where this viewer's unmasked views are reported (None: nowhere, e.g. in-process tools and tests)."""
    group_code: str | None = None
    """A technician's guidance group."""
    unit_code: str | None = None
    """An inspector's township, a volunteer's team."""

    def saw(self, kind: str, subject: Any) -> None:
        """Report that this viewer is being served ``kind`` of ``subject`` unmasked."""
        if self.log is not None:
            self.log.saw(self.actor, self.role, kind, subject)

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

    def sees_group_in_full(self, group_code: str | None) -> bool:
        """True for admins, and for technicians looking at their own guidance group."""
        return self.is_admin or (self.role == TECHNICIAN and group_code is not None and group_code == self.group_code)

    def sees_staff_names(self) -> bool:
        """Grid workers' and officers' names in full: authenticated staff roles."""
        return self.role in (ADMIN, OFFICER, ANALYST)

    def works_in(self, role: str, unit_code: str | None) -> bool:
        """True for admins, and for a viewer of ``role`` bound to that unit (an inspector's township, a volunteer's
        team)."""
        return self.is_admin or (self.role == role and unit_code is not None and unit_code == self.unit_code)


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


def officer_name(viewer: Viewer, officer: Any) -> str:
    """An officer's name as this viewer may see it (an officer record: ``id``, ``squad_code``, ``name``)."""
    if viewer.sees_squad_in_full(officer.squad_code) or viewer.role == ANALYST:
        viewer.saw(OFFICER_NAME, officer.id)
        return str(officer.name)
    return mask_name(officer.name)


def officer_phone(viewer: Viewer, officer: Any) -> str | None:
    """An officer's personal phone as this viewer may see it: full for their squad and admins, else nothing."""
    if viewer.sees_squad_in_full(officer.squad_code):
        viewer.saw(OFFICER_PHONE, officer.id)
        return str(officer.phone)
    return None


def technician_name(viewer: Viewer, technician: Any) -> str:
    """A technician's name as this viewer may see it: in full for their own group, analysts and admins (logged),
    masked for everyone else (a technician record: ``id``, ``group_code``, ``name``)."""
    if viewer.sees_group_in_full(technician.group_code) or viewer.role == ANALYST:
        viewer.saw(TECHNICIAN_NAME, technician.id)
        return str(technician.name)
    return mask_name(technician.name)


def technician_phone(viewer: Viewer, technician: Any) -> str | None:
    """A technician's personal phone: their own group and admins only (the group's hotline is public)."""
    if viewer.sees_group_in_full(technician.group_code):
        viewer.saw(TECHNICIAN_PHONE, technician.id)
        return str(technician.phone)
    return None


def duty_officer_name(viewer: Viewer, person: Any) -> str:
    """A township duty officer's name: in full for staff (logged), masked for the public."""
    if viewer.sees_staff_names():
        viewer.saw(DUTY_OFFICER_NAME, person.id)
        return str(person.name)
    return mask_name(person.name)


def duty_officer_phone(viewer: Viewer, person: Any) -> str | None:
    """A township duty officer's personal phone: admins only (the township's duty line is public)."""
    if viewer.is_admin:
        viewer.saw(DUTY_OFFICER_PHONE, person.id)
        return str(person.phone)
    return None


def sees_advice(viewer: Viewer, group_code: str | None) -> bool:
    """A guidance visit's advice (free text): staff, and the technicians of the group that gave it."""
    return viewer.sees_staff_names() or viewer.sees_group_in_full(group_code)


def advice(viewer: Viewer, visit: Any) -> str | None:
    """A visit's advice as this viewer may see it: for ``sees_advice`` (logged), nothing for others."""
    if not sees_advice(viewer, visit.group_code):
        return None
    if visit.advice:
        viewer.saw(VISIT_ADVICE, visit.id)
    return str(visit.advice)


def volunteer_name(viewer: Viewer, person: Any) -> str:
    """A volunteer's name: in full for their own team, analysts and admins (logged), masked for everyone else."""
    if viewer.works_in(VOLUNTEER, person.team_code) or viewer.role == ANALYST:
        viewer.saw(VOLUNTEER_NAME, person.id)
        return str(person.name)
    return mask_name(person.name)


def volunteer_phone(viewer: Viewer, person: Any) -> str | None:
    """A volunteer's personal phone: their own team and admins only (the team's hotline is public)."""
    if viewer.works_in(VOLUNTEER, person.team_code):
        viewer.saw(VOLUNTEER_PHONE, person.id)
        return str(person.phone)
    return None


def sees_request(viewer: Viewer, team_code: str | None) -> bool:
    """A micro-service request's free text: staff, and the volunteers of the team it went to."""
    return viewer.sees_staff_names() or viewer.works_in(VOLUNTEER, team_code)


def resident_name(viewer: Viewer, request: Any) -> str | None:
    """The resident who asked: in full for the team that serves them and admins (logged), masked for other
    staff, nothing for the public (a request never shows a resident's name to the public)."""
    if not request.resident_name:
        return None
    if viewer.works_in(VOLUNTEER, request.team_code):
        viewer.saw(RESIDENT_NAME, request.id)
        return str(request.resident_name)
    return mask_name(request.resident_name) if viewer.sees_staff_names() else None


def resident_phone(viewer: Viewer, request: Any) -> str | None:
    """The resident's phone: the team that serves them and admins only (logged)."""
    if request.resident_phone and viewer.works_in(VOLUNTEER, request.team_code):
        viewer.saw(RESIDENT_PHONE, request.id)
        return str(request.resident_phone)
    return None


def sees_hazard_text(viewer: Viewer, township_code: str | None) -> bool:
    """A hazard's description and its steps' notes: staff, and the inspectors of the hazard's township."""
    return viewer.sees_staff_names() or viewer.works_in(INSPECTOR, township_code)


def case_text(viewer: Viewer, text: str, kind: str, subject: Any, allowed: bool) -> str | None:
    """Free text of a hazard or a service request (or one of their steps) for a viewer ``allowed`` to read it
    (logged when not empty), nothing otherwise."""
    if not allowed:
        return None
    if text:
        viewer.saw(kind, subject)
    return text


def sees_worker_names(viewer: Viewer) -> bool:
    """Grid workers' and residents' committee members' names in full: staff."""
    return viewer.sees_staff_names()


def sees_worker_phones(viewer: Viewer) -> bool:
    """Grid workers' phones in full: admins (other staff see them masked)."""
    return viewer.is_admin


def worker_name(viewer: Viewer, name: str, kind: str, subject: Any) -> str:
    """A grid worker's (or a compound's committee chair's, or branch secretary's) name as this viewer may
    see it; ``kind`` and ``subject`` say whose it is, for the disclosure log.

    >>> seen = []
    >>> class Log:
    ...     def saw(self, *entry): seen.append(entry)
    >>> worker_name(Viewer("analyst", token_id="t1", log=Log()), "李四", WORKER_NAME, "41140202100101")
    '李四'
    >>> worker_name(Viewer("public", log=Log()), "李四", WORKER_NAME, "41140202100101")
    '李*'
    >>> seen  # only the unmasked view is logged
    [('analyst:t1', 'analyst', 'gridWorker.name', '41140202100101')]
    """
    if sees_worker_names(viewer):
        viewer.saw(kind, subject)
        return name
    return mask_name(name)


def worker_phone(viewer: Viewer, phone: str, subject: Any) -> str | None:
    """A grid worker's phone: full for admins, masked for other staff, hidden from the public."""
    if sees_worker_phones(viewer):
        viewer.saw(WORKER_PHONE, subject)
        return phone
    if viewer.sees_staff_names():
        return mask_phone(phone)
    return None


def sees_free_text(viewer: Viewer) -> bool:
    """Notes, descriptions and minutes: authenticated staff."""
    return viewer.sees_staff_names()


def free_text(viewer: Viewer, text: str, kind: str, subject: Any) -> str | None:
    """Free text as this viewer may see it: in full for staff (logged), nothing for the public.

    >>> seen = []
    >>> class Log:
    ...     def saw(self, *entry): seen.append(entry)
    >>> free_text(Viewer("public", log=Log()), "王五请病假 13900001111", ROSTER_NOTE, 7) is None
    True
    >>> free_text(Viewer("admin", token_id="t9", log=Log()), "王五请病假 13900001111", ROSTER_NOTE, 7)
    '王五请病假 13900001111'
    >>> seen
    [('admin:t9', 'admin', 'rosterException.note', 7)]
    """
    if not sees_free_text(viewer):
        return None
    if text:
        viewer.saw(kind, subject)
    return text
