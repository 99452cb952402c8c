import pytest

from hub.domain.grading import grade, listing, scheme_for


@pytest.mark.parametrize(
    ("score", "expected_grade", "expected_list"),
    [
        (105, "AAA", "RED"),
        (100, "AAA", "RED"),
        (99.9, "AA", None),
        (90, "AA", None),
        (85, "A", None),
        (70, "B", None),
        (65, "C", "BLACK"),
        (59.9, None, "BLACK"),
    ],
)
def test_shangqiu_thresholds_give_the_grade_and_the_list(score, expected_grade, expected_list):
    scheme = scheme_for(2023)
    assert grade(score, scheme) == expected_grade
    assert listing(score, scheme) == expected_list


def test_an_unknown_city_has_no_scheme():
    with pytest.raises(LookupError):
        scheme_for(2023, city="开封市")
