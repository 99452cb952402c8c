"""Every analysts' example in the README runs as one request and answers without errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("### Analysts' figures") : README.index("**Map front-ends**: everything")]
EXAMPLES = re.findall(r"```graphql\n(.*?)```", SECTION, re.S)
AREA = {
    "type": "Polygon",
    "coordinates": [[[115.60, 34.37], [115.62, 34.37], [115.62, 34.385], [115.60, 34.385], [115.60, 34.37]]],
}


def test_the_readme_has_the_three_canonical_questions_and_one_per_figure_family():
    assert len(EXAMPLES) >= 12
    for field in (
        "compoundFigures",
        "occupationFigures",
        "publicRoomFigures",
        "feeFigures",
        "meetingFigures",
        "problemFigures",
        "incidentFigures",
        "patrolFigures",
        "frontageFigures",
        "sectorCoverage",
        "drawnArea",
        "nearest",
        "meetings",
        "publicRooms",
        "propertyCompanyGrades",
        "managementHistory",
    ):
        assert any(f"{field}(" in e for e in EXAMPLES), field  # fmt: skip


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.split("(")[0].strip("{ \n")[:40])
def test_each_readme_example_is_one_request_that_answers(run, example):
    out = run(example, {"area": AREA} if "$area" in example else None, role="analyst")
    assert "errors" not in out, out["errors"]
    assert all(v is not None for v in out["data"].values())
