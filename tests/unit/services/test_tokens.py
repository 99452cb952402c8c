"""Who may hold which token: roles, officers bound to a known squad, technicians to a known guidance group."""

from __future__ import annotations

import pytest

from hub.errors import InputError, NotFound
from hub.services import Hub
from hub.services.tokens import create_token, list_tokens, revoke_token


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from hub.store import Store

    store = Store(tmp_path_factory.mktemp("tokens") / "hub.db").open()
    yield Hub(store)
    store.close()


def test_an_officer_token_needs_a_squad_and_the_squad_must_exist(hub):
    with pytest.raises(InputError, match="--squad"):
        create_token(hub, "officer")
    with pytest.raises(NotFound, match="SQ1, SQ2, SQ3, SQ4"):
        create_token(hub, "officer", squad_code="SQ9")
    assert create_token(hub, "officer", squad_code="SQ1")[0].squad_code == "SQ1"


def test_only_officer_tokens_are_bound_to_a_squad(hub):
    with pytest.raises(InputError, match="drop --squad"):
        create_token(hub, "analyst", squad_code="SQ1")


def test_a_technician_token_needs_a_known_guidance_group_and_only_technicians_have_one(hub):
    with pytest.raises(InputError, match="--group"):
        create_token(hub, "technician")
    with pytest.raises(NotFound, match="AG1, AG2, AG3, AG4, AG5, AG6"):
        create_token(hub, "technician", group_code="AG9")
    with pytest.raises(InputError, match="drop --group"):
        create_token(hub, "officer", squad_code="SQ1", group_code="AG1")
    record, _ = create_token(hub, "technician", group_code="AG2")
    assert (record.role, record.group_code, record.squad_code) == ("technician", "AG2", None)
    assert next(t for t in list_tokens(hub) if t.id == record.id).group_code == "AG2"


def test_inspector_and_volunteer_tokens_are_bound_to_a_known_township_or_team(hub):
    with pytest.raises(InputError, match="an inspector token needs --township"):
        create_token(hub, "inspector")
    with pytest.raises(NotFound, match="no township '411403999'"):
        create_token(hub, "inspector", unit_code="411403999")
    with pytest.raises(NotFound, match="WH-DY, WH-GA, WH-YZ"):
        create_token(hub, "volunteer", unit_code="NOPE")
    with pytest.raises(InputError, match="only inspector and volunteer tokens"):
        create_token(hub, "analyst", unit_code="WH-DY")
    record, _ = create_token(hub, "inspector", unit_code="411403100")
    assert (record.role, record.unit_code) == ("inspector", "411403100")


def test_an_unknown_role_is_refused_with_the_roles(hub):
    with pytest.raises(InputError, match="analyst, officer, technician, inspector, volunteer, admin"):
        create_token(hub, "mayor")


def test_a_revoked_token_is_listed_as_revoked(hub):
    record, _ = create_token(hub, "admin", label="command centre")
    revoke_token(hub, record.id)
    assert next(t for t in list_tokens(hub) if t.id == record.id).revoked
