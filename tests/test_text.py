"""Text helpers: counts with their nouns"""

from __future__ import annotations

import pytest

from iamwarden.analysis.evidence import counted as evidence_counted
from iamwarden.text import counted


@pytest.mark.parametrize(
    ("count", "noun", "plural", "text"),
    [
        (0, "service", "", "0 services"),
        (1, "access key", "", "1 access key"),
        (2, "action", "", "2 actions"),
        (1, "policy", "policies", "1 policy"),
        (2, "policy", "policies", "2 policies"),
        (3, "identity", "identities", "3 identities"),
        (1204, "action", "", "1,204 actions"),
        (1_000_000, "managed policy", "managed policies", "1,000,000 managed policies"),
        (-1, "day", "", "-1 days"),
    ],
)
def test_a_count_is_said_with_its_noun(count: int, noun: str, plural: str, text: str) -> None:
    assert counted(count, noun, plural) == text


def test_the_analyses_name_is_the_same_function() -> None:
    assert evidence_counted is counted
