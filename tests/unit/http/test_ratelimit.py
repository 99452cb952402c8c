"""Token buckets by hand-worked examples, and the settings that set them."""

from __future__ import annotations

import pytest

from hub.http.ratelimit import Buckets, Limit, parse_exempt, parse_limits


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_lets_a_burst_through_then_one_request_per_refill():
    clock = Clock()
    buckets = Buckets(clock=clock)
    limit = Limit(rate=4, burst=10)
    assert [buckets.take("a", limit) for _ in range(10)] == [0.0] * 10
    assert buckets.take("a", limit) == pytest.approx(0.25)  # one token comes back every 1/4 s
    clock.now += 0.25
    assert buckets.take("a", limit) == 0.0
    assert buckets.take("a", limit) == pytest.approx(0.25)


def test_a_quiet_caller_is_full_again_and_no_fuller():
    clock = Clock()
    buckets = Buckets(clock=clock)
    limit = Limit(rate=1, burst=3)
    for _ in range(3):
        buckets.take("a", limit)
    clock.now += 3600
    assert [buckets.take("a", limit) for _ in range(4)] == [0.0, 0.0, 0.0, pytest.approx(1.0)]


def test_callers_do_not_share_a_bucket():
    buckets = Buckets(clock=Clock())
    limit = Limit(rate=1, burst=1)
    assert buckets.take("a", limit) == 0.0
    assert buckets.take("a", limit) > 0
    assert buckets.take("b", limit) == 0.0


def test_the_table_of_buckets_stays_bounded():
    clock = Clock()
    buckets = Buckets(clock=clock, most=100)
    limit = Limit(rate=10, burst=20)
    for i in range(1000):
        buckets.take(i, limit)
        clock.now += 0.01
    assert len(buckets) <= 100


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("public=10", "role=rate/burst"),
        ("visitor=1/2", "unknown role 'visitor'"),
        ("public=0/10", "above 0"),
        ("public=5/0.5", "at least 1"),
    ],
)
def test_a_malformed_rate_setting_says_what_is_wrong(text, words):
    with pytest.raises(ValueError, match=words):
        parse_limits(text)


def test_exempt_networks_are_parsed_or_refused():
    assert [str(n) for n in parse_exempt("10.0.0.0/8")] == ["10.0.0.0/8"]
    with pytest.raises(ValueError, match="HUB_RATE_EXEMPT"):
        parse_exempt("localhost")


def test_every_role_a_token_can_have_has_a_rate():
    from hub.services.tokens import ROLES as TOKEN_ROLES

    limits = parse_limits("")
    assert set(TOKEN_ROLES) <= set(limits) and "public" in limits
    assert parse_limits("technician=5/10")["technician"] == Limit(5.0, 10.0)
