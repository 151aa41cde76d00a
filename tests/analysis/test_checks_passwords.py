import dataclasses

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


# AWS Security Hub user guide, "Security Hub controls for IAM": IAM.7 with its default
# parameters (uppercase, lowercase, symbols, numbers, MinimumPasswordLength 8; no default for
# PasswordReusePrevention or MaxPasswordAge, so those are not evaluated), IAM.11 to IAM.14
# (one character class each) and IAM.17 (passwords expire within 90 days).
SECURITY_HUB_DEFAULTS = PasswordPolicy(
    minimum_length=8,
    require_symbols=True,
    require_numbers=True,
    require_uppercase=True,
    require_lowercase=True,
)


def test_complexity_8_passes_security_hub_defaults_without_reuse_or_age():
    finding = only(
        run_check("password_policy_complexity_8", snapshot(password_policy=SECURITY_HUB_DEFAULTS))
    )
    assert finding.status is Status.PASS
    assert finding.evidence["gaps"] == []


@pytest.mark.parametrize(
    ("change", "gap"),
    [
        ({"minimum_length": 7}, "minimum length 7 < 8"),
        ({"require_uppercase": False}, "uppercase not required"),
        ({"require_lowercase": False}, "lowercase not required"),
        ({"require_symbols": False}, "symbols not required"),
        ({"require_numbers": False}, "numbers not required"),
    ],
)
def test_complexity_8_fails_on_each_default(change, gap):
    policy = dataclasses.replace(SECURITY_HUB_DEFAULTS, **change)
    finding = only(run_check("password_policy_complexity_8", snapshot(password_policy=policy)))
    assert finding.status is Status.FAIL
    assert finding.evidence["gaps"] == [gap]


@pytest.mark.parametrize("name", ["uppercase", "lowercase", "symbols", "numbers"])
def test_each_character_class_is_its_own_check(name):
    check_id = f"password_policy_requires_{name}"
    required = snapshot(password_policy=SECURITY_HUB_DEFAULTS)
    assert only(run_check(check_id, required)).status is Status.PASS
    missing = dataclasses.replace(SECURITY_HUB_DEFAULTS, **{f"require_{name}": False})
    assert only(run_check(check_id, snapshot(password_policy=missing))).status is Status.FAIL
    assert only(run_check(check_id, snapshot(password_policy=None))).status is Status.FAIL
    not_collected = snapshot(collected=NOT_COLLECTED, password_policy=SECURITY_HUB_DEFAULTS)
    assert only(run_check(check_id, not_collected)).status is Status.NOT_ASSESSED


@pytest.mark.parametrize(
    ("max_age", "status"),
    [(90, Status.PASS), (1, Status.PASS), (91, Status.FAIL), (None, Status.FAIL)],
)
def test_max_age_90_boundary(max_age, status):
    policy = dataclasses.replace(SECURITY_HUB_DEFAULTS, max_age_days=max_age)
    finding = only(run_check("password_policy_max_age_90", snapshot(password_policy=policy)))
    assert finding.status is status
    assert finding.evidence["max_age_days"] == max_age
