from hub.domain.access import (
    ADMIN,
    ANALYST,
    OFFICER,
    PUBLIC,
    Viewer,
    officer_name,
    officer_phone,
    worker_phone,
)


def test_the_public_sees_officers_masked_and_no_phone():
    v = Viewer(role=PUBLIC)
    assert officer_name(v, "SQ1", "张伟") == "张*"
    assert officer_phone(v, "SQ1", "13812345678") is None


def test_an_officer_sees_their_own_squad_in_full_but_not_another():
    v = Viewer(role=OFFICER, squad_code="SQ1")
    assert officer_name(v, "SQ1", "张伟") == "张伟"
    assert officer_phone(v, "SQ1", "13812345678") == "13812345678"
    assert officer_phone(v, "SQ2", "13812345678") is None
    assert officer_name(v, "SQ2", "李娜") == "李*"


def test_an_admin_sees_everyone_in_full():
    v = Viewer(role=ADMIN)
    assert officer_phone(v, "SQ4", "13812345678") == "13812345678"
    assert worker_phone(v, "15900001111") == "15900001111"


def test_an_analyst_sees_grid_worker_phones_masked_and_the_public_not_at_all():
    assert worker_phone(Viewer(role=ANALYST), "15900001111") == "159****1111"
    assert worker_phone(Viewer(role=PUBLIC), "15900001111") is None
