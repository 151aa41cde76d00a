from datetime import UTC, datetime

import pytest

from iamwarden.analysis import AssessOptions, Suppression, assess, parse_suppressions
from iamwarden.errors import InputError
from iamwarden.findings import Severity, Status
from iamwarden.snapshot import Account, Snapshot
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
    ],
)
def test_bad_suppressions_are_located(text, message):
    with pytest.raises(InputError) as caught:
        parse_suppressions(text, path="rules.yaml")
    assert message in str(caught.value)
