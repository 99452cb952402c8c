"""Bearer tokens: made and revoked by an operator at the command line, listed without their secrets.

Who may hold which kind of token is decided here (roles, an officer's squad); ``hub.store.tokens``
keeps them hashed.
"""

from __future__ import annotations

from hub.domain.access import Viewer
from hub.errors import InputError, NotFound
from hub.services.hub import Hub
from hub.store import tokens as kept
from hub.store.records import Token

ROLES = ("analyst", "officer", "technician", "inspector", "volunteer", "admin")
UNITS = {"inspector": "township", "volunteer": "team"}
"""Roles bound to a unit of ``unit_code``, and what the unit is (the CLI's option of the same name)."""


def create_token(
    hub: Hub,
    role: str,
    *,
    squad_code: str | None = None,
    label: str = "",
    group_code: str | None = None,
    unit_code: str | None = None,
) -> tuple[Token, str]:
    """A new token for ``role`` (officers: bound to a squad; technicians: to a guidance group; inspectors: to a
    township; volunteers: to a volunteer team); returns the record and the text, shown once."""
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}, got {role!r}", field="role")
    if role == "officer" and not squad_code:
        raise InputError("an officer token needs --squad CODE (the squad the officer belongs to)", field="squad")
    if role != "officer" and squad_code:
        raise InputError("only officer tokens are bound to a squad; drop --squad", field="squad")
    if squad_code and squad_code not in hub.data.squads:
        known = ", ".join(sorted(hub.data.squads)) or "none"
        raise NotFound(f"no squad {squad_code!r}; known squads: {known}", field="squad")
    if role == "technician" and not group_code:
        raise InputError("a technician token needs --group CODE (the technician's guidance group)", field="group")
    if role != "technician" and group_code:
        raise InputError("only technician tokens are bound to a guidance group; drop --group", field="group")
    if group_code and group_code not in hub.data.guidance_groups:
        known = ", ".join(sorted(hub.data.guidance_groups)) or "none"
        raise NotFound(f"no guidance group {group_code!r}; known groups: {known}", field="group")
    unit = UNITS.get(role)
    if unit is not None and not unit_code:
        article = "an" if role[0] in "aeiou" else "a"
        raise InputError(f"{article} {role} token needs --{unit} CODE (the {unit} it works for)", field=unit)
    if unit is None and unit_code:
        raise InputError("only inspector and volunteer tokens are bound to a township or a team", field="unit")
    if unit == "township" and unit_code and hub.data.townships.get(unit_code) is None:
        raise NotFound(f"no township {unit_code!r}", field="township")
    if unit == "team" and unit_code and unit_code not in hub.data.volunteer_teams:
        known_teams = ", ".join(sorted(hub.data.volunteer_teams)) or "none"
        raise NotFound(f"no volunteer team {unit_code!r}; known teams: {known_teams}", field="team")
    return kept.create_token(
        hub.store.db, role, squad_code=squad_code, label=label, group_code=group_code, unit_code=unit_code
    )


def revoke_token(hub: Hub, token_id: str) -> None:
    """Revoke a token: it stops working for requests and live subscriptions within a second, in every process
    (the store watches the tokens table)."""
    kept.revoke_token(hub.store.db, token_id)


def list_tokens(hub: Hub) -> list[Token]:
    """Every token ever made, oldest first (never their secrets)."""
    return kept.list_tokens(hub.store.db)


def cached_token_live(hub: Hub, token_id: str) -> tuple[bool, bool]:
    """(known, live) for a token id from the store's memory alone (no database read)."""
    return hub.store.cached_token_live(token_id)


def token_live(hub: Hub, token_id: str) -> bool:
    """Whether the token with this id is still unrevoked (may read the database: blocking)."""
    return hub.store.token_live(token_id)


def remembered(hub: Hub, text: str) -> tuple[bool, Token | None]:
    """(known, token) for a bearer token's text from the store's memory alone (no database read)."""
    return hub.store.cached_token(text)


def check(hub: Hub, text: str) -> Token | None:
    """The live token with this text, or None (may read the database: blocking). Remembered until the tokens
    table changes (a revocation, from any process, is noticed within a second) or ``HUB_TOKEN_CACHE_S``."""
    return hub.store.token(text)


def viewer(hub: Hub, token: Token) -> Viewer:
    """The caller a live token stands for, its views of personal data logged (the disclosure log)."""
    return Viewer(
        role=token.role,
        squad_code=token.squad_code,
        token_id=token.id,
        log=hub.store.disclosures,
        group_code=token.group_code,
        unit_code=token.unit_code,
    )
