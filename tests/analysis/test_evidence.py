import pytest

from iamwarden.analysis.evidence import counted


@pytest.mark.parametrize(
    ("count", "noun", "plural", "text"),
    [
        (1, "policy", "policies", "1 policy"),
        (2, "policy", "policies", "2 policies"),
        (0, "service", "", "0 services"),
        (1, "access key", "", "1 access key"),
        (3, "identity", "identities", "3 identities"),
    ],
)
def test_counted(count, noun, plural, text):
    assert counted(count, noun, plural) == text
