"""Every refusal a service can raise has words."""

from __future__ import annotations

import pytest

from bot.services.problems import Problem, Refused
from bot.views.problems import problem_text

PARAMS = {
    "crm": "Ashby",
    "kind": "ashby",
    "detail": "the CRM's words",
    "email": "not-an-email",
    "wanted": "Backnd",
    "matches": [("Backend", "s1"), ("Backend", "s2")],
    "close": [("Backend", "s1")],
    "with_lists": ["Crelate"],
    "list": "Hot leads",
    "done": 3,
    "total": 10,
    "user": "U0002",
}


@pytest.mark.parametrize("problem", list(Problem))
def test_every_problem_has_words(problem: Problem) -> None:
    words = problem_text(Refused(problem, **PARAMS))
    assert words and words != problem and "{" not in words


def test_a_sequence_not_found_names_the_close_ones() -> None:
    refused = Refused(Problem.SEQUENCE_NOT_FOUND, wanted="Backnd", close=[("Backend", "s1")])
    assert problem_text(refused) == (
        "You have no sequence named or with id “Backnd”. Did you mean “Backend” (id `s1`)?"
    )
    nothing_close = Refused(Problem.SEQUENCE_NOT_FOUND, wanted="Zzz", close=[])
    assert problem_text(nothing_close).endswith("`/crm sequences` lists yours.")
