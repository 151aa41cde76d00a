"""Every bundled framework file: ids and labels as their sources publish them, every
referenced check exists, and the scores on the demo account and on a built snapshot.

Sources: CIS AWS Foundations Benchmark v3.0.0 (section 1), v5.0.0 (section 1) and v7.0.0
(section 2); AWS Security Hub user guide, "Security Hub controls for IAM" (IAM.1 to IAM.28);
PCI DSS v4.0.1 requirements 7 and 8; AICPA Trust Services Criteria CC6.1 to CC6.3.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from iamwarden.analysis import (
    DEFAULT_FRAMEWORK,
    FRAMEWORK_FILES,
    AssessmentKind,
    AssessOptions,
    ControlStatus,
    assess,
    load_framework,
    registered_checks,
)
from iamwarden.snapshot import PasswordPolicy, demo_snapshot
from tests.builders import credential_report, root_row, snapshot

IDS = tuple(FRAMEWORK_FILES)
ALL = tuple(load_framework(i) for i in IDS)

# (requirements, automated, manual) per framework, as the sources label them
COUNTS = {
    "cis-3.0": (22, 14, 8),
    "cis-5.0": (21, 14, 7),
    "cis-7.0": (26, 13, 13),
    "fsbp": (27, 20, 7),
    "pci-4.0": (14, 0, 14),
    "soc2": (3, 0, 3),
}


def test_the_frameworks_are_the_six_the_cli_offers():
    assert IDS == ("cis-3.0", "cis-5.0", "cis-7.0", "fsbp", "pci-4.0", "soc2")
    assert DEFAULT_FRAMEWORK == "cis-3.0"


@pytest.mark.parametrize("framework_id", IDS)
def test_every_referenced_check_exists(framework_id):
    known = set(registered_checks())
    framework = load_framework(framework_id)
    assert framework.id == framework_id
    for requirement in framework.requirements:
        assert set(requirement.checks) <= known, (framework_id, requirement.id)
        if requirement.assessment is AssessmentKind.AUTOMATED:
            assert requirement.checks, (framework_id, requirement.id)


@pytest.mark.parametrize("framework_id", IDS)
def test_requirement_ids_are_unique_and_counts_match_the_source(framework_id):
    framework = load_framework(framework_id)
    ids = [r.id for r in framework.requirements]
    assert len(ids) == len(set(ids))
    assert (len(ids), framework.automated, framework.manual) == COUNTS[framework_id]


def test_cis_v5_drops_security_questions_and_renumbers():
    v3, v5 = load_framework("cis-3.0"), load_framework("cis-5.0")
    assert [r.id for r in v5.requirements] == [f"1.{n}" for n in range(1, 22)]
    # the same recommendations in the same order, decided by the same checks
    assert [r.checks for r in v5.requirements] == [
        r.checks for r in v3.requirements if r.id != "1.3"
    ]


def test_cis_v7_moves_iam_to_section_two_with_organizations_and_principal_star():
    v7 = load_framework("cis-7.0")
    ids = [r.id for r in v7.requirements]
    assert ids[:6] == [f"2.1.{n}" for n in range(1, 7)]
    assert ids[6:] == [f"2.{n}" for n in range(2, 22)]
    by_id = {r.id: r for r in v7.requirements}
    assert by_id["2.1.2"].checks == ("organization_guardrails_attached",)
    assert set(by_id["2.21"].checks) == {
        "external_access_public_read",
        "external_access_public_write",
    }
    # v7.0.0 removed v5.0.0's "initial setup" access keys and "one active key"
    checks = {c for r in v7.requirements for c in r.checks}
    assert "console_user_initial_access_key" not in checks
    assert "user_single_active_key" not in checks


def test_fsbp_uses_security_hub_control_ids():
    fsbp = load_framework("fsbp")
    assert all(r.id.startswith("IAM.") for r in fsbp.requirements)
    by_id = {r.id: r for r in fsbp.requirements}
    assert by_id["IAM.4"].checks == ("root_access_key_absent",)
    assert by_id["IAM.22"].checks == ("credentials_unused_45_days",)


def _scores(snap):
    result = assess(snap, AssessOptions(frameworks=ALL))
    assert [v.framework.id for v in result.views] == list(IDS)
    assert result.framework is result.views[0].framework
    found = {}
    for view in result.views:
        scored = [r for r in view.table if r.is_scored]
        passed = sum(r.status is ControlStatus.PASS for r in scored)
        if not scored:  # a framework with no automated requirement is never scored
            assert view.score is None
            found[view.framework.id] = None
            continue
        assert view.score == pytest.approx(passed / len(scored))
        found[view.framework.id] = Fraction(passed, len(scored))
    return found


def test_scores_per_framework_on_the_demo_account():
    assert _scores(demo_snapshot()) == {
        "cis-3.0": Fraction(3, 14),
        "cis-5.0": Fraction(3, 14),
        "cis-7.0": Fraction(2, 13),
        "fsbp": Fraction(5, 20),  # IAM.11, IAM.12 and IAM.14: the demo requires those classes
        "pci-4.0": None,  # manual throughout: PCI DSS and SOC 2 set no question a check decides
        "soc2": None,
    }


def test_scores_per_framework_on_a_built_snapshot():
    # no password policy and no support role; root without keys and with MFA; no analyzer
    # regions known (one control NOT_ASSESSED in each CIS version and in FSBP)
    assert _scores(snapshot(credential_report=credential_report(root_row()))) == {
        "cis-3.0": Fraction(10, 13),
        "cis-5.0": Fraction(10, 13),
        "cis-7.0": Fraction(9, 12),
        "fsbp": Fraction(10, 19),  # no policy set: IAM.7, IAM.11 to IAM.17 fail
        "pci-4.0": None,
        "soc2": None,
    }


def test_the_default_is_cis_v3_alone():
    result = assess(demo_snapshot())
    assert [v.framework.id for v in result.views] == ["cis-3.0"]


def test_an_explicit_main_framework_goes_first_once():
    v7 = load_framework("cis-7.0")
    result = assess(
        demo_snapshot(), AssessOptions(framework=v7, frameworks=(load_framework("soc2"), v7))
    )
    assert [v.framework.id for v in result.views] == ["cis-7.0", "soc2"]


def test_fsbp_password_controls_decide_security_hub_questions():
    """Security Hub user guide, IAM.7 (defaults: four classes, 8 characters; reuse and age
    unchecked), IAM.11 to IAM.17: a policy Security Hub passes on IAM.7 passes here too, and
    each of IAM.11 to IAM.14 follows its one setting"""
    policy = PasswordPolicy(
        minimum_length=8,
        require_uppercase=True,
        require_lowercase=True,
        require_symbols=True,
        require_numbers=True,
    )
    fsbp = load_framework("fsbp")
    view = assess(snapshot(password_policy=policy), AssessOptions(framework=fsbp)).views[0]
    status = {row.requirement.id: row.status for row in view.table}
    assert {
        i: status[i] for i in ("IAM.7", "IAM.11", "IAM.12", "IAM.13", "IAM.14")
    } == dict.fromkeys(("IAM.7", "IAM.11", "IAM.12", "IAM.13", "IAM.14"), ControlStatus.PASS)
    assert status["IAM.15"] is ControlStatus.FAIL  # 8 < 14
    assert status["IAM.16"] is ControlStatus.FAIL  # reuse 0, Security Hub wants 24
    assert status["IAM.17"] is ControlStatus.FAIL  # never expires
    weaker = dataclasses.replace(policy, require_symbols=False)
    view = assess(snapshot(password_policy=weaker), AssessOptions(framework=fsbp)).views[0]
    status = {row.requirement.id: row.status for row in view.table}
    assert status["IAM.7"] is ControlStatus.FAIL and status["IAM.13"] is ControlStatus.FAIL
    assert status["IAM.11"] is ControlStatus.PASS


def test_fsbp_lists_no_retired_control_and_iam21_claims_no_check():
    """IAM.20 was retired by Security Hub in April 2024; IAM.21 (`service:*` in customer
    managed policies) is a question no check decides, so it is manual with no facts claimed"""
    by_id = {r.id: r for r in load_framework("fsbp").requirements}
    assert "IAM.20" not in by_id
    assert by_id["IAM.21"].assessment is AssessmentKind.MANUAL and by_id["IAM.21"].checks == ()


@pytest.mark.parametrize("framework_id", ["soc2", "pci-4.0"])
def test_frameworks_without_decidable_thresholds_are_manual(framework_id):
    """SOC 2 sets no thresholds; PCI DSS v4.0.1 7.2.2 (least privilege), 8.4.1/8.4.2 (MFA
    into the CDE) and the password requirements are not what any check decides: a full
    administrator's absence must not pass 7.2.2"""
    framework = load_framework(framework_id)
    assert framework.automated == 0
    result = assess(
        snapshot(credential_report=credential_report(root_row())),
        AssessOptions(framework=framework),
    )
    assert result.views[0].score is None
    assert {row.status for row in result.views[0].table} == {ControlStatus.MANUAL}
