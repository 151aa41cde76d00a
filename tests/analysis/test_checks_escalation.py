"""privilege_escalation and boundary_bypass, on the demo account and on small accounts"""

from __future__ import annotations

from iamwarden.findings import Severity, Status
from iamwarden.snapshot import DataSet
from iamwarden.snapshot.demo import DEMO_ACCOUNT_ID, demo_snapshot
from tests.analysis.checking import run_check, statuses
from tests.builders import inline, snapshot, user

IAM = f"arn:aws:iam::{DEMO_ACCOUNT_ID}"


def test_demo_escalations() -> None:
    findings = {f.resource_arn: f for f in run_check("privilege_escalation", demo_snapshot())}
    multi = findings[f"{IAM}:user/build-trigger"]
    assert multi.status is Status.FAIL and multi.severity is Severity.CRITICAL
    assert [h["technique"] for h in multi.evidence["path"]] == ["sts-001", "lambda-001", "iw-admin"]
    assert any("release-role" in fix for fix in multi.evidence["fix"])
    mfa = findings[f"{IAM}:user/oncall-olga"]
    assert mfa.status is Status.FAIL and mfa.severity is Severity.HIGH
    assert "only with MFA" in mfa.message and mfa.evidence["requires_mfa"]
    assert findings[f"{IAM}:role/report-writer-role"].status is Status.PASS
    assert f"{IAM}:user/deploy-bot" not in findings  # an administrator already


def test_every_demo_escalation_carries_a_confirmed_cut() -> None:
    failing = [
        f for f in run_check("privilege_escalation", demo_snapshot()) if f.status is Status.FAIL
    ]
    assert failing
    for finding in failing:
        cut = finding.evidence["cut"]
        assert cut is not None and cut["confirmed_by_engine"], finding.resource_arn
        (statement,) = cut["policy"]["Statement"]
        assert statement["Effect"] == "Deny" and statement["Resource"]
        assert cut["hop"] in {h["technique"] for h in finding.evidence["path"]}
    build = next(f for f in failing if f.resource_arn == f"{IAM}:user/build-trigger")
    assert build.evidence["cut"]["policy"]["Statement"][0]["Action"] == ["sts:AssumeRole"]


def test_demo_boundary_bypass() -> None:
    found = statuses(run_check("boundary_bypass", demo_snapshot()))
    assert found == {
        f"{IAM}:role/app-lambda-role": Status.PASS,
        f"{IAM}:role/app-worker-role": Status.PASS,
        f"{IAM}:role/app-builder-role": Status.FAIL,
        f"{IAM}:role/report-writer-role": Status.PASS,
    }


def test_no_path_without_compute_data_is_not_assessed() -> None:
    plain = user(
        "alice",
        inline_policies=(
            inline(
                "p",
                document={
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                },
            ),
        ),
    )
    collected = frozenset(DataSet) - {DataSet.COMPUTE}
    (finding,) = run_check("privilege_escalation", snapshot(users=(plain,), collected=collected))
    assert finding.status is Status.NOT_ASSESSED
    (finding,) = run_check("privilege_escalation", snapshot(users=(plain,)))
    assert finding.status is Status.PASS


def test_missing_policy_is_not_assessed() -> None:
    holder = user("alice", attached_policies=("arn:aws:iam::111122223333:policy/Gone",))
    (finding,) = run_check("privilege_escalation", snapshot(users=(holder,)))
    assert finding.status is Status.NOT_ASSESSED


def test_too_many_principals_is_not_assessed_on_the_account(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from iamwarden.analysis.checks import escalation

    monkeypatch.setattr(escalation, "MAX_PRINCIPALS", 1)
    (finding,) = run_check("privilege_escalation", snapshot(users=(user("a"), user("b"))))
    assert finding.status is Status.NOT_ASSESSED and "iamwarden paths" in finding.message
    assert finding.resource_arn.endswith(":root")
