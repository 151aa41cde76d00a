from datetime import UTC, datetime, timedelta

import pytest

from iamwarden.analysis import (
    AssessOptions,
    ControlStatus,
    Suppression,
    assess,
    parse_suppressions,
)
from iamwarden.analysis.assessment import mute_findings
from iamwarden.errors import InputError
from iamwarden.findings import Finding, Severity, Status
from iamwarden.snapshot import Account, DataSet, Gap, Snapshot, demo_snapshot
from tests.builders import credential_report, root_row, snapshot


def root_keys():
    return snapshot(credential_report=credential_report(root_row(access_key_1_active=True)))


def test_findings_are_sorted_and_deterministic():
    first, second = assess(root_keys()), assess(root_keys())
    assert first.findings == second.findings
    keys = [(f.severity.rank, f.check_id, f.resource_arn) for f in first.findings]
    assert keys == sorted(keys)
    assert first.summary[Severity.CRITICAL] == 1
    assert first.worst_failure() is Severity.CRITICAL


def test_suppression_mutes_and_keeps_the_finding():
    rule = Suppression(
        check_id="root_access_key_absent", resource_arn="arn:aws:iam::*:root", reason="break-glass"
    )
    result = assess(root_keys(), AssessOptions(suppressions=(rule,)))
    muted = [f for f in result.findings if f.check_id == "root_access_key_absent"]
    assert [f.status for f in muted] == [Status.MUTED]
    assert muted[0].evidence["muted_status"] == "FAIL"
    assert muted[0].evidence["muted_reason"] == "break-glass"
    assert result.summary[Severity.CRITICAL] == 0


def test_explicit_now_overrides_collection_time():
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert assess(root_keys(), AssessOptions(now=later)).assessed_at == later


def test_a_date_is_required():
    bare = Snapshot(account=Account(id="111122223333"), source="test")
    with pytest.raises(ValueError, match="collection time"):
        assess(bare)


def test_missing_data_is_listed():
    result = assess(snapshot(collected=frozenset()))
    assert "credential_report" in result.missing_data
    assert all(
        f.status is not Status.PASS for f in result.findings if f.check_id == "root_mfa_enabled"
    )


def test_parse_suppressions():
    text = "suppressions:\n  - check_id: root_mfa_enabled\n    reason: lab account\n"
    assert parse_suppressions(text) == (
        Suppression(check_id="root_mfa_enabled", resource_arn="*", reason="lab account"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("suppressions: [", "rules.yaml: line"),
        ("other: 1", "expected a mapping with a `suppressions` list"),
        ("suppressions:\n  - check_id: nope\n", "suppressions[0].check_id: unknown check `nope`"),
        ("suppressions:\n  - resource_arn: x\n", "suppressions[0].check_id: required"),
        (
            "suppressions:\n  - check_id: root_mfa_enabled\n    until: x\n",
            "suppressions[0].until: unknown field",
        ),
        (  # which check would this mute? the last one, silently (newcomer review)
            "suppressions:\n  - check_id: root_mfa_enabled\n    check_id: root_access_key_absent\n",
            "rules.yaml: line 3:5: duplicate key `check_id` in `suppressions[0]`",
        ),
    ],
)
def test_bad_suppressions_are_located(text, message):
    with pytest.raises(InputError) as caught:
        parse_suppressions(text, path="rules.yaml")
    assert message in str(caught.value)


def test_every_gap_is_listed_with_the_checks_and_controls_it_left_not_assessed():
    gaps = (
        Gap(
            dataset=DataSet.VIRTUAL_MFA_DEVICES,
            reason="access denied",
            call="ListVirtualMFADevices",
        ),
        Gap(dataset=DataSet.ACCESS_ANALYZER, reason="timed out", region="eu-west-1"),
        Gap(dataset=DataSet.ACCESS_ANALYZER, reason="opt-in region", region="me-south-1"),
    )
    snap = snapshot(
        collected=frozenset(DataSet) - {DataSet.VIRTUAL_MFA_DEVICES, DataSet.SERVER_CERTIFICATES},
        credential_report=credential_report(root_row()),
        regions=("eu-west-1",),
        gaps=gaps,
    )
    found = {
        (d.gap.dataset.value, d.gap.region, d.is_recorded): (d.checks, d.controls)
        for d in assess(snap).data_gaps
    }
    assert found == {
        ("access_analyzer", "eu-west-1", True): (("access_analyzer_all_regions",), ("1.20",)),
        ("access_analyzer", "me-south-1", True): ((), ()),
        ("server_certificates", "", False): (("server_certificate_not_expired",), ("1.19",)),
        ("virtual_mfa_devices", "", True): (("root_hardware_mfa",), ("1.6",)),
    }


def test_failing_controls_are_not_listed_as_not_assessed():
    snap = snapshot(
        collected=frozenset(DataSet) - {DataSet.ACCOUNT_SUMMARY},
        credential_report=credential_report(root_row(mfa_active=False)),
    )
    result = assess(snap)
    assert result.data_gaps == ()
    assert result.credential_report_age == timedelta(0)


def test_muting_the_root_findings_leaves_cis_1_4_and_1_5_muted_and_unscored():
    rules = tuple(
        Suppression(check_id=c, reason="accepted")
        for c in ("root_access_key_absent", "root_mfa_enabled")
    )
    plain = assess(demo_snapshot())
    muted = assess(demo_snapshot(), AssessOptions(suppressions=rules))
    rows = {r.requirement.id: r for r in muted.compliance}
    before = {r.requirement.id: r for r in plain.compliance}
    assert (before["1.4"].status, before["1.5"].status) == (ControlStatus.FAIL,) * 2
    assert (rows["1.4"].status, rows["1.5"].status) == (ControlStatus.MUTED,) * 2
    scored = [r.requirement.id for r in muted.compliance if r.is_scored]
    assert "1.4" not in scored and "1.5" not in scored
    passed = sum(r.status is ControlStatus.PASS for r in muted.compliance)
    assert passed == sum(r.status is ControlStatus.PASS for r in plain.compliance)


def test_a_principal_rule_passes_over_a_finding_whose_principals_are_a_count():
    counted = Finding(
        check_id="privilege_escalation",
        resource_arn="arn:aws:iam::123456789012:root",
        status=Status.NOT_ASSESSED,
        severity=Severity.HIGH,
        message="graph skipped",
        evidence={"principals": 501},
    )
    rule = Suppression(check_id="privilege_escalation", principal="*")
    (kept,), _ = mute_findings([counted], [rule], on=datetime(2026, 11, 1, tzinfo=UTC))
    assert kept.status is Status.NOT_ASSESSED  # a count names no principal to match
