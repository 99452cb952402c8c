"""Case workflows: the states of a kind of case, the moves between them, who may take each, deadlines and
overdue, and the steps that record the moves.

Three kinds of case run on it: the old-town brigade's city-management cases (``hub.domain.incidents``), the
townships' safety hazards (``hub.domain.hazards``) and residents' micro-service requests
(``hub.domain.microservices``). A :class:`Workflow` is data (a table of moves, the working party and its
actions, the states in which the deadline can still be missed); the rules that apply it are here, once:

- an action not in the table is refused naming the valid ones (``InputError``);
- who may is checked before the state: admins take every action; the working party (a role bound to a
  unit: officers to a squad, inspectors to a township, volunteers to a team) takes its own actions on the
  cases assigned to its unit; anyone else is refused (``AccessDenied``);
- a move the case's state does not allow is refused naming the allowed ones (``Conflict``);
- some actions need a note saying why; a note is at most ``max_note`` characters;
- a move is never dated before the case was opened;
- a case is overdue while it is in an ``awaiting`` state past its deadline.

A kind of case keeps its own record and builds the changed record and the step from the :class:`Move`
(``Workflow.move``); ``Workflow.advance`` does both for records with ``state`` and ``closed_at`` fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.domain.access import ADMIN, Viewer
from hub.domain.roster import local_time
from hub.errors import AccessDenied, Conflict, InputError, LimitExceeded

MAX_NOTE = 2000


@dataclass(frozen=True)
class Party:
    """Who, besides admins, works a kind of case: a role bound to a unit, on the cases assigned to that unit."""

    role: str
    """The token role (``officer``)."""
    people: str
    """How messages name them (``officers``)."""
    unit: str
    """What they are bound to (``squad``)."""
    unit_of_viewer: Callable[[Viewer], str | None]
    unit_of_case: Callable[[Any], str | None]
    actions: frozenset[str]
    """The actions they may take (admins take every action)."""
    centre: str = "command centre"
    """Who takes the other actions (admins), as messages name them."""


@dataclass(frozen=True)
class Move:
    """One move the rules allow: the action, from which state to which, the note, and when."""

    action: str
    source: str
    target: str
    note: str
    at: datetime
    closes: bool
    """The target is terminal: the case is closed by this move."""


@dataclass(frozen=True)
class Workflow:
    """The states and moves of one kind of case."""

    noun: str
    """What messages call a case of this kind (``case``, ``hazard``, ``request``)."""
    states: tuple[str, ...]
    names: Mapping[str, str]
    """Each state's name in Chinese."""
    transitions: Mapping[str, tuple[frozenset[str], str]]
    """action → (states it applies to, state it leads to)."""
    terminal: frozenset[str]
    awaiting: frozenset[str]
    """States in which the work is still owed, so the deadline can be missed."""
    party: Party
    note_required: frozenset[str] = frozenset()
    deadline: Callable[[Any], datetime | None] = field(default=lambda x: x.deadline)
    """A case's deadline as a moment (None: none)."""
    opened: Callable[[Any], datetime | None] = field(default=lambda x: None)
    """When a case was opened (no move is dated before it)."""
    max_note: int = MAX_NOTE

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(self.transitions)

    @property
    def open(self) -> frozenset[str]:
        return frozenset(self.states) - self.terminal

    def allowed_actions(self, state: str) -> tuple[str, ...]:
        """The actions the table allows from a state, in table order."""
        return tuple(a for a, (sources, _) in self.transitions.items() if state in sources)

    def check_action(self, action: str) -> None:
        if action not in self.transitions:
            raise InputError(f"unknown action {action!r}; valid actions: {', '.join(self.actions)}", field="action")

    def check_state(self, state: str | None, *, field: str = "state") -> None:
        """Refuse a state filter that names no state of this workflow."""
        if state is not None and state not in self.states:
            raise InputError(f"unknown state {state!r}; valid states: {', '.join(self.states)}", field=field)

    def may(self, viewer: Viewer, case: Any, action: str) -> None:
        """Raise AccessDenied unless the viewer may take the action on this case."""
        if viewer.role == ADMIN:
            return
        p = self.party
        if viewer.role != p.role:
            raise AccessDenied(f"only {p.people} and admins can work on {self.noun}s; this request is {viewer.role}")
        if action not in p.actions:
            raise AccessDenied(f"only the {p.centre} (admins) can {action} a {self.noun}")
        unit = p.unit_of_case(case)
        if unit is None:
            raise AccessDenied(
                f"{self.noun} {case.id} is not assigned to a {p.unit}; only the {p.centre} can {action} it"
            )
        mine = p.unit_of_viewer(viewer)
        if mine != unit:
            raise AccessDenied(
                f"{self.noun} {case.id} is assigned to {p.unit} {unit}; "
                f"{p.people} of {mine or 'no ' + p.unit} cannot {action} it"
            )

    def note(self, text: Any, action: str | None = None) -> str:
        """A move's note, stripped; refused when not text, too long, or empty where the action needs one."""
        value = clean_text(text, "note", self.max_note)
        if action in self.note_required and not value:
            raise InputError(f"a note is required to {action} a {self.noun}: say why", field="note")
        return value

    def move(self, viewer: Viewer, case: Any, action: str, *, note: Any, now: datetime) -> Move:
        """The move an action makes from the case's state, once the rules of the module docstring hold."""
        self.check_action(action)
        self.may(viewer, case, action)
        sources, target = self.transitions[action]
        if case.state not in sources:
            allowed = ", ".join(self.allowed_actions(case.state)) or f"none (the {self.noun} is {case.state})"
            raise Conflict(f"cannot {action} a {self.noun} that is {case.state}; allowed: {allowed}")
        text = self.note(note, action)
        now = local_time(now)
        opened = self.opened(case)
        if opened is not None and now < local_time(opened):
            raise InputError(f"the {self.noun} was reported at {opened.isoformat()}, after {now.isoformat()}")
        return Move(action, case.state, target, text, now, target in self.terminal)

    def advance(self, viewer: Viewer, case: Any, action: str, *, note: Any, now: datetime) -> tuple[Any, Move]:
        """The case after the move (``state`` and ``closed_at`` changed), and the move."""
        m = self.move(viewer, case, action, note=note, now=now)
        closed = m.at if m.closes else case.closed_at
        return dataclasses.replace(case, state=m.target, closed_at=closed), m

    def is_overdue(self, case: Any, now: datetime) -> bool:
        """Still owed (in an ``awaiting`` state) and past its deadline at ``now``."""
        due = self.deadline(case)
        return case.state in self.awaiting and due is not None and local_time(due) < local_time(now)

    def overdue(self, cases: Iterable[Any], now: datetime) -> list[Any]:
        """The cases overdue at ``now``, the most overdue (earliest deadline) first."""
        return sorted((x for x in cases if self.is_overdue(x, now)), key=self.by_deadline)

    def by_deadline(self, case: Any) -> tuple[bool, datetime | None, int]:
        """Sort key: the earliest deadline first, cases without one last, then by id."""
        due = self.deadline(case)
        return (due is None, due and local_time(due), case.id)


def clean_text(value: Any, field: str, limit: int) -> str:
    """Text from the input, stripped; refused when it is not text or longer than ``limit``.

    >>> clean_text("  油烟扰民 ", "description", 10)
    '油烟扰民'
    >>> clean_text("x" * 11, "note", 10)
    Traceback (most recent call last):
    ...
    hub.errors.LimitExceeded: note: note has 11 characters; the limit is 10
    """
    if not isinstance(value, str):
        raise InputError(f"{field} must be text", field=field)
    value = value.strip()
    if len(value) > limit:
        raise LimitExceeded(f"{field} has {len(value):,} characters; the limit is {limit:,}", field=field)
    return value


def one_of(value: Any, known: Iterable[str], what: str, field: str) -> str:
    """A code from a known list, or an InputError naming the known ones (``unknown category 'X'; one of …``)."""
    codes = tuple(known)
    if value not in codes:
        raise InputError(f"unknown {what} {value!r}; one of {', '.join(codes)}", field=field)
    return str(value)


def table_of(workflow: Workflow) -> list[tuple[str, tuple[str, ...], str]]:
    """The transition table as rows (action, sources in state order, target), for docs and checks."""
    return [
        (action, tuple(s for s in workflow.states if s in sources), target)
        for action, (sources, target) in workflow.transitions.items()
    ]
