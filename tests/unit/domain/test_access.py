from hub.domain.access import (
    ADMIN,
    ANALYST,
    CHAIR_NAME,
    OFFICER,
    OFFICER_NAME,
    OFFICER_PHONE,
    PUBLIC,
    WORKER_PHONE,
    Viewer,
    officer_name,
    officer_phone,
    worker_name,
    worker_phone,
)
from hub.store.records import Officer


def officer(id: str, squad: str, name: str, phone: str = "13812345678") -> Officer:
    return Officer(id=id, name=name, squad_code=squad, service="城管", role="队员", phone=phone, shift_code="A")


class Log:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str, object]] = []

    def saw(self, actor: str, role: str, kind: str, subject: object) -> None:
        self.seen.append((actor, role, kind, subject))


def test_the_public_sees_officers_masked_and_no_phone():
    v = Viewer(role=PUBLIC)
    assert officer_name(v, officer("SQ1-01", "SQ1", "张伟")) == "张*"
    assert officer_phone(v, officer("SQ1-01", "SQ1", "张伟")) is None


def test_an_officer_sees_their_own_squad_in_full_but_not_another():
    v = Viewer(role=OFFICER, squad_code="SQ1")
    assert officer_name(v, officer("SQ1-01", "SQ1", "张伟")) == "张伟"
    assert officer_phone(v, officer("SQ1-01", "SQ1", "张伟")) == "13812345678"
    assert officer_phone(v, officer("SQ2-01", "SQ2", "李娜")) is None
    assert officer_name(v, officer("SQ2-01", "SQ2", "李娜")) == "李*"


def test_an_admin_sees_everyone_in_full():
    v = Viewer(role=ADMIN)
    assert officer_phone(v, officer("SQ4-02", "SQ4", "王芳")) == "13812345678"
    assert worker_phone(v, "15900001111", "41140202100101") == "15900001111"


def test_an_analyst_sees_grid_worker_phones_masked_and_the_public_not_at_all():
    assert worker_phone(Viewer(role=ANALYST), "15900001111", "41140202100101") == "159****1111"
    assert worker_phone(Viewer(role=PUBLIC), "15900001111", "41140202100101") is None


def test_every_unmasked_value_is_reported_with_who_saw_whose_and_masked_ones_are_not():
    log = Log()
    own = Viewer(role=OFFICER, squad_code="SQ1", token_id="tok1", log=log)
    officer_name(own, officer("SQ1-01", "SQ1", "张伟"))
    officer_phone(own, officer("SQ1-01", "SQ1", "张伟"))
    officer_name(own, officer("SQ2-01", "SQ2", "李娜"))  # masked: not a disclosure
    officer_phone(own, officer("SQ2-01", "SQ2", "李娜"))  # hidden
    worker_phone(own, "15900001111", "41140202100101")  # masked for an officer
    worker_name(own, "赵敏", CHAIR_NAME, 17)
    admin = Viewer(role=ADMIN, token_id="tok9", log=log)
    worker_phone(admin, "15900001111", "41140202100101")
    assert log.seen == [
        ("officer:tok1", "officer", OFFICER_NAME, "SQ1-01"),
        ("officer:tok1", "officer", OFFICER_PHONE, "SQ1-01"),
        ("officer:tok1", "officer", CHAIR_NAME, 17),
        ("admin:tok9", "admin", WORKER_PHONE, "41140202100101"),
    ]


def test_the_log_does_not_make_two_viewers_of_one_token_different():
    assert Viewer(role=ADMIN, token_id="t", log=Log()) == Viewer(role=ADMIN, token_id="t")
