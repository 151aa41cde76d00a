from iamwarden.analysis import (
    AssessmentKind,
    ControlStatus,
    Framework,
    Requirement,
    cis_aws_v3,
    compliance_score,
    compliance_table,
    registered_checks,
)
from iamwarden.findings import Finding, Severity, Status

AUTOMATED = {
    "1.4",
    "1.5",
    "1.8",
    "1.9",
    "1.10",
    "1.12",
    "1.13",
    "1.14",
    "1.15",
    "1.16",
    "1.17",
    "1.18",
    "1.19",
    "1.20",
}
MANUAL = {"1.1", "1.2", "1.3", "1.6", "1.7", "1.11", "1.21", "1.22"}


def test_cis_v3_lists_section_one_with_the_benchmark_labels():
    framework = cis_aws_v3()
    kinds = {r.id: r.assessment for r in framework.requirements}
    assert {i for i, k in kinds.items() if k is AssessmentKind.AUTOMATED} == AUTOMATED
    assert {i for i, k in kinds.items() if k is AssessmentKind.MANUAL} == MANUAL
    assert [r.id for r in framework.requirements] == [f"1.{n}" for n in range(1, 23)]


def test_every_referenced_check_exists_and_automated_controls_have_checks():
    known = registered_checks()
    for requirement in cis_aws_v3().requirements:
        assert set(requirement.checks) <= set(known), requirement.id
        if requirement.assessment is AssessmentKind.AUTOMATED:
            assert requirement.checks, requirement.id


def finding(check_id, status, arn="arn:aws:iam::1:user/a"):
    return Finding(
        check_id=check_id, resource_arn=arn, status=status, severity=Severity.LOW, message="m"
    )


FRAMEWORK = Framework(
    name="F",
    version="1",
    requirements=(
        Requirement(id="a", title="A", assessment=AssessmentKind.AUTOMATED, checks=("x",)),
        Requirement(id="b", title="B", assessment=AssessmentKind.AUTOMATED, checks=("y",)),
        Requirement(id="c", title="C", assessment=AssessmentKind.AUTOMATED, checks=("z",)),
        Requirement(id="d", title="D", assessment=AssessmentKind.MANUAL, checks=("x",)),
    ),
)


def test_control_status_rules_and_score():
    table = compliance_table(
        FRAMEWORK,
        [
            finding("x", Status.PASS),
            finding("x", Status.FAIL, "arn:aws:iam::1:user/b"),
            finding("y", Status.PASS),
            finding("y", Status.NOT_ASSESSED, "arn:aws:iam::1:user/b"),
            finding("z", Status.PASS),
            finding("z", Status.MUTED, "arn:aws:iam::1:user/b"),
        ],
    )
    assert [row.status for row in table] == [
        ControlStatus.FAIL,
        ControlStatus.NOT_ASSESSED,
        ControlStatus.MUTED,
        ControlStatus.MANUAL,
    ]
    assert table[3].counts[Status.FAIL] == 1  # manual rows still report facts
    assert compliance_score(table) == 0.0  # a failed; b not assessed and c muted: not counted


def test_a_muted_finding_never_makes_its_control_pass():
    table = compliance_table(FRAMEWORK, [finding("x", Status.MUTED), finding("y", Status.PASS)])
    assert [row.status for row in table[:2]] == [ControlStatus.MUTED, ControlStatus.PASS]
    assert not table[0].is_scored and compliance_score(table) == 1.0  # b alone is scored


def test_score_is_none_when_nothing_was_assessed():
    table = compliance_table(FRAMEWORK, [finding(c, Status.NOT_ASSESSED) for c in "xyz"])
    assert compliance_score(table) is None


def test_a_control_whose_checks_found_no_resource_passes():
    table = compliance_table(FRAMEWORK, [])
    assert table[0].status is ControlStatus.PASS
