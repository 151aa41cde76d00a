"""Drift between two scans: findings matched by stable id (the hash of check id and
resource ARN), each change kind by the rules of `iamwarden.report.history.diff`, and the
score change per framework. Missing data is never a resolution (DESIGN.md, "Rules of the
house"); stored scans tell a finding that failed before from a new one."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from iamwarden.analysis import Assessment, assess
from iamwarden.findings import Finding, Severity, Status
from iamwarden.report.history import (
    Change,
    FrameworkScore,
    ScanRecord,
    StoredFinding,
    diff_scans,
    record_of,
    render_diff_json,
    render_diff_text,
)
from iamwarden.report.history.store import open_store
from iamwarden.snapshot.demo import demo_snapshot

DAY = datetime(2026, 11, 1, tzinfo=UTC)


def _finding(
    name: str, status: Status, *, check: str = "", severity: str = "high"
) -> StoredFinding:
    check_id = check or f"check_{name}"
    arn = f"arn:aws:iam::123456789012:user/{name}"
    return StoredFinding(
        id=Finding(
            check_id=check_id,
            resource_arn=arn,
            status=status,
            severity=Severity(severity),
            message="m",
        ).id,
        check_id=check_id,
        resource_arn=arn,
        resource_type="AwsIamUser",
        status=status,
        severity=Severity(severity),
        message=f"{name} is {status.value}",
    )


def _scan(
    *findings: StoredFinding, at: datetime = DAY, scores: tuple[FrameworkScore, ...] = ()
) -> ScanRecord:
    return ScanRecord(
        scan_id=None,
        account_id="123456789012",
        account_alias="acme",
        assessed_at=at,
        stored_at=None,
        tool_version="0.1.0",
        source="snapshot",
        findings=findings,
        scores=scores,
    )


def _kinds(before: ScanRecord, after: ScanRecord, **options: frozenset[str]) -> dict[str, str]:
    drift = diff_scans(before, after, **options)
    return {c.finding.resource_arn.rsplit("/", 1)[1]: c.change.value for c in drift.changes}


F, P, NA, M = Status.FAIL, Status.PASS, Status.NOT_ASSESSED, Status.MUTED


def test_each_change_kind() -> None:
    before = _scan(
        _finding("fixed", F),
        _finding("gone", F, check="shared"),
        _finding("stays", F),
        _finding("broke", P),
        _finding("unknown_then_fail", NA),
        _finding("accepted", F),
        _finding("unassessed", F),
        _finding("check_dropped", F),
        _finding("fine", P),
        _finding("muted_expired", M),
    )
    after = _scan(
        _finding("fixed", P),
        _finding("other", P, check="shared"),  # the check still ran: `gone` was deleted
        _finding("stays", F),
        _finding("broke", F),
        _finding("unknown_then_fail", F),
        _finding("accepted", M),
        _finding("unassessed", NA),
        _finding("fine", P),
        _finding("brand_new", F),
        _finding("muted_expired", F),
    )
    assert _kinds(before, after) == {
        "fixed": "resolved",
        "gone": "resolved",
        "stays": "still_failing",
        "broke": "regressed",
        "unknown_then_fail": "new",
        "accepted": "muted",
        "unassessed": "not_assessed",
        "check_dropped": "not_assessed",
        "brand_new": "new",
        "muted_expired": "new",
    }


def test_failing_again_after_a_resolution_is_a_regression() -> None:
    """A finding absent or unassessed in A that failed in an earlier scan came back"""
    came_back = _finding("came_back", F)
    before = _scan(_finding("came_back", NA), _finding("other", F))
    after = _scan(came_back, _finding("other", F))
    assert _kinds(before, after) == {"came_back": "new", "other": "still_failing"}
    earlier = frozenset({came_back.id})
    assert _kinds(before, after, failed_earlier=earlier)["came_back"] == "regressed"


def test_changes_are_sorted_and_worst_new_is_the_highest_severity() -> None:
    drift = diff_scans(
        _scan(_finding("r", F, severity="critical")),
        _scan(
            _finding("a", F, severity="low"),
            _finding("b", F, severity="critical"),
            _finding("c", F, severity="medium"),
        ),
    )
    assert [c.finding.resource_arn[-1] for c in drift.changes] == ["b", "c", "a", "r"]
    assert drift.worst_new() is Severity.CRITICAL
    assert diff_scans(_scan(_finding("r", F)), _scan()).worst_new() is None


def test_score_change_per_framework() -> None:
    cis = FrameworkScore(framework="CIS", version="3.0.0", passed=3, assessed=14)
    cis_after = dataclasses.replace(cis, passed=5)
    pci = FrameworkScore(framework="PCI DSS", version="4.0", passed=2, assessed=4)
    empty = FrameworkScore(framework="SOC 2", version="2017", passed=0, assessed=0)
    drift = diff_scans(_scan(scores=(cis, empty)), _scan(scores=(cis_after, pci, empty)))
    moved = {(s.framework, s.points) for s in drift.scores}
    # the change is between the percentages shown (21.43 and 35.71), so the figures add up
    assert moved == {("CIS", 14.28), ("PCI DSS", None), ("SOC 2", None)}
    text = render_diff_text(drift, before_label="A", after_label="B")
    assert "CIS 3.0.0: 21.43% (3/14) -> 35.71% (5/14) (+14.28 points)" in text
    assert "PCI DSS 4.0: not scored -> 50.00% (2/4)" in text
    assert "SOC 2 2017: nothing assessed -> nothing assessed" in text


def test_the_json_lists_every_change_with_both_statuses() -> None:
    import json

    drift = diff_scans(_scan(_finding("x", P)), _scan(_finding("x", F), at=DAY + timedelta(1)))
    data = json.loads(render_diff_json(drift, before_label="a.json", after_label="latest"))
    assert data["summary"]["regressed"] == 1 and data["summary"]["new"] == 0
    (change,) = data["changes"]
    assert (change["change"], change["before"], change["after"]) == ("regressed", "PASS", "FAIL")
    assert data["after"]["assessment_date"] == "2026-11-02T00:00:00+00:00"
    assert data["before"]["label"] == "a.json"


@pytest.fixture(scope="module")
def muted_assessment(demo_assessment: Assessment) -> Assessment:
    """The demo account with its first FAIL finding suppressed"""
    from iamwarden.analysis import AssessOptions, Suppression

    first = demo_assessment.failures[0]
    rule = Suppression(check_id=first.check_id, resource_arn=first.resource_arn, reason="ok")
    return assess(demo_snapshot(), AssessOptions(suppressions=(rule,)))


def test_two_real_assessments_through_the_store(
    store_url: str, demo_assessment: Assessment, muted_assessment: Assessment
) -> None:
    """Fail (scan 1), suppressed (scan 2), failing again (scan 3, the suppression expired):
    from 2 to 3 the finding is new, with the look-back as without it (it was never fixed,
    so it did not regress)"""
    first = demo_assessment.failures[0]
    records = [
        dataclasses.replace(record_of(a), assessed_at=DAY + timedelta(days=i))
        for i, a in enumerate((demo_assessment, muted_assessment, demo_assessment))
    ]
    with open_store(store_url, write=True) as store:
        ids = [store.save(r, stored_at=DAY) for r in records]
        older, newer = store.resolve(str(ids[1])), store.resolve("latest")
        earlier = store.failed_until(older)
        one_two = diff_scans(store.resolve(str(ids[0])), older)
    assert ids == sorted(ids) and newer.scan_id == ids[2]
    assert [
        (c.change, c.finding.id) for c in one_two.changes if c.change is not Change.STILL_FAILING
    ] == [(Change.MUTED, first.id)]
    assert first.id in earlier
    drift = diff_scans(older, newer, failed_earlier=earlier)
    assert [(c.change, c.finding.id) for c in drift.of(Change.NEW)] == [(Change.NEW, first.id)]
    assert drift.counts()[Change.REGRESSED] == 0
    assert drift.counts()[Change.STILL_FAILING] == len(demo_assessment.failures) - 1
    assert diff_scans(older, newer).counts()[Change.NEW] == 1


def _account_not_assessed(check: str, partition: str = "aws") -> StoredFinding:
    """The finding the check registry yields when a data set the check needs is missing"""
    arn = f"arn:{partition}:iam::123456789012:root"
    return StoredFinding(
        id=Finding(
            check_id=check, resource_arn=arn, status=NA, severity=Severity.HIGH, message="m"
        ).id,
        check_id=check,
        resource_arn=arn,
        resource_type="AwsAccount",
        status=NA,
        severity=Severity.HIGH,
        message="not collected: credential_report",
    )


@pytest.mark.parametrize("partition", ["aws", "aws-us-gov"])
def test_a_check_not_run_on_the_account_resolves_nothing(partition: str) -> None:
    """A check whose only finding in B is NOT_ASSESSED on the account (its data set was not
    collected) said nothing of the account's users: their FAIL findings are not assessed,
    never resolved (DESIGN.md: missing data is never a pass)"""
    before = _scan(_finding("deploy-bot", F, check="mfa"), _finding("alice", F, check="mfa"))
    after = _scan(_account_not_assessed("mfa", partition))
    assert _kinds(before, after) == {"deploy-bot": "not_assessed", "alice": "not_assessed"}
    # beside a per-resource finding the account-wide NOT_ASSESSED still decides
    after = _scan(_account_not_assessed("mfa", partition), _finding("alice", P, check="mfa"))
    assert _kinds(before, after) == {"deploy-bot": "not_assessed", "alice": "resolved"}
    # the root ARN of another account is no statement about this one
    other = dataclasses.replace(
        _account_not_assessed("mfa"), resource_arn="arn:aws:iam::999999999999:root"
    )
    assert _kinds(before, _scan(other))["deploy-bot"] == "resolved"


def test_a_muted_finding_failing_again_is_new_despite_the_look_back() -> None:
    """MUTED in A (the suppression expired or was removed), FAIL in B: it was never fixed,
    so it is new (to look at again), not regressed, even when it failed before A"""
    again = _finding("expired", F)
    before, after = _scan(_finding("expired", M)), _scan(again)
    assert _kinds(before, after, failed_earlier=frozenset({again.id})) == {"expired": "new"}


def test_a_score_rising_with_fewer_assessed_requirements_is_flagged() -> None:
    """CIS 3/14 -> 3/12: two requirements no longer assessed raise the score by 3.57 points
    with nothing fixed; text and JSON say so"""
    import json

    cis = FrameworkScore(framework="CIS", version="3.0.0", passed=3, assessed=14)
    fewer = dataclasses.replace(cis, assessed=12)
    drift = diff_scans(_scan(scores=(cis,)), _scan(scores=(fewer,)))
    (score,) = drift.scores
    assert (score.points, score.fewer_assessed) == (3.57, 2)
    text = render_diff_text(drift, before_label="A", after_label="B")
    assert (
        "  CIS 3.0.0: 21.43% (3/14) -> 25.00% (3/12) (+3.57 points)\n"
        "    ! score rose with 2 requirements no longer assessed or muted "
        "(14 assessed before, 12 now): not a measure of fixes\n"
    ) in text
    data = json.loads(render_diff_json(drift, before_label="A", after_label="B"))
    assert data["scores"][0]["fewer_assessed"] == 2
    # as many or more assessed: no flag
    more = diff_scans(_scan(scores=(fewer,)), _scan(scores=(cis,)))
    assert more.scores[0].fewer_assessed == 0
    assert "!" not in render_diff_text(more, before_label="A", after_label="B")


@pytest.mark.parametrize(
    "dropped", ["credential_report", "authorization_details", "password_policy"]
)
def test_losing_a_data_set_resolves_nothing(demo_assessment: Assessment, dropped: str) -> None:
    """The newcomer review's case: the demo account assessed again with one data set not
    collected. No FAIL finding is resolved (the account changed in nothing); each is still
    failing or not assessed; a score that moves is flagged"""
    from iamwarden.snapshot.model import DataSet

    snapshot = demo_snapshot()
    lacking = dataclasses.replace(snapshot, collected=snapshot.collected - {DataSet(dropped)})
    drift = diff_scans(record_of(demo_assessment), record_of(assess(lacking)))
    counts = drift.counts()
    assert counts[Change.RESOLVED] == 0 and counts[Change.NOT_ASSESSED] > 0
    assert counts[Change.NOT_ASSESSED] + counts[Change.STILL_FAILING] == len(
        demo_assessment.failures
    )
    for score in drift.scores:
        if score.points:
            assert score.fewer_assessed > 0
