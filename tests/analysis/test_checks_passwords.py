import pytest

from iamwarden.analysis.checks.passwords import policy_gaps
from iamwarden.findings import Status
from iamwarden.snapshot import DataSet, PasswordPolicy
from tests.analysis.checking import only, run_check
from tests.builders import snapshot

STRONG = PasswordPolicy(
    minimum_length=14,
    require_symbols=True,
    require_numbers=True,
    require_uppercase=True,
    require_lowercase=True,
    max_age_days=90,
    reuse_prevention=24,
)
WEAK = PasswordPolicy(minimum_length=8)
NOT_COLLECTED = frozenset(DataSet) - {DataSet.PASSWORD_POLICY}


@pytest.mark.parametrize(
    "check_id",
    ["password_policy_min_length", "password_policy_reuse_prevention", "password_policy_strong"],
)
@pytest.mark.parametrize(
    ("policy", "collected", "status"),
    [
        (STRONG, frozenset(DataSet), Status.PASS),
        (WEAK, frozenset(DataSet), Status.FAIL),
        (None, frozenset(DataSet), Status.FAIL),  # collected, and no policy is set
        (STRONG, NOT_COLLECTED, Status.NOT_ASSESSED),
    ],
)
def test_password_checks(check_id, policy, collected, status):
    snap = snapshot(collected=collected, password_policy=policy)
    assert only(run_check(check_id, snap)).status is status


def test_min_length_boundary():
    snap = snapshot(password_policy=PasswordPolicy(minimum_length=13, reuse_prevention=24))
    assert only(run_check("password_policy_min_length", snap)).status is Status.FAIL
    assert only(run_check("password_policy_reuse_prevention", snap)).status is Status.PASS


def test_strong_lists_every_gap():
    finding = only(run_check("password_policy_strong", snapshot(password_policy=WEAK)))
    assert finding.evidence["gaps"] == [
        "minimum length 8 < 14",
        "uppercase not required",
        "lowercase not required",
        "symbols not required",
        "numbers not required",
        "maximum age unlimited > 90 days",
        "reuse prevention 0 < 24",
    ]


def test_gaps_of_a_strong_policy_are_empty():
    assert policy_gaps(STRONG) == ()
    assert policy_gaps(None) == ("no password policy is set",)
