"""ASFF findings imported into Security Hub (the moto emulator): batches, retries, updates"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from iamwarden.analysis import assess
from iamwarden.aws.securityhub import import_findings
from iamwarden.cli.main import cli
from iamwarden.errors import CollectionError
from iamwarden.report.asff import assessment_to_asff
from iamwarden.snapshot.demo import demo_snapshot
from tests.integration.emulator import EmulatorHooks, boto3_session

pytestmark = pytest.mark.integration
REGION = "us-east-1"


@pytest.fixture(scope="module")
def findings() -> list[dict[str, Any]]:
    return assessment_to_asff(assess(demo_snapshot()), region=REGION)


def _stored(session: boto3.Session) -> list[dict[str, Any]]:
    client = session.client("securityhub", region_name=REGION)
    stored: list[dict[str, Any]] = []
    for page in client.get_paginator("get_findings").paginate():
        stored.extend(page["Findings"])
    return stored


def test_import_in_batches_of_100_updates_on_the_second_run(
    emulator: str, findings: list[dict[str, Any]]
) -> None:
    hooks = EmulatorHooks()
    session = hooks.install(boto3_session())
    result = import_findings(findings, region=REGION, session=session)
    assert result.imported == len(findings) and result.rejected == ()
    assert result.batches == -(-len(findings) // 100)
    assert hooks.calls.count(("SecurityHub", "BatchImportFindings")) == result.batches
    again = import_findings(findings, region=REGION, session=session)
    assert again.imported == len(findings)
    stored = _stored(session)
    assert sorted(f["Id"] for f in stored) == sorted(f["Id"] for f in findings)


def test_throttled_batches_are_retried(
    emulator: str, fast_retries: None, findings: list[dict[str, Any]]
) -> None:
    hooks = EmulatorHooks(throttle_every=2)
    session = hooks.install(boto3_session())
    result = import_findings(findings, region=REGION, session=session)
    assert hooks.throttled >= 2
    assert result.imported == len(findings)
    assert len(_stored(session)) == len(findings)


def test_a_refused_finding_is_reported_not_raised(emulator: str) -> None:
    findings = assessment_to_asff(assess(demo_snapshot()), region=REGION)[:3]
    findings[1] = {**findings[1], "Resources": []}
    result = import_findings(findings, region=REGION, session=boto3_session())
    assert result.imported == 2
    assert [r.id for r in result.rejected] == [findings[1]["Id"]]
    assert result.rejected[0].error_code == "InvalidInput"


def test_denied_access_is_one_collection_error(
    emulator: str, findings: list[dict[str, Any]]
) -> None:
    session = EmulatorHooks(denied_services=frozenset({"securityhub"})).install(boto3_session())
    with pytest.raises(CollectionError, match="securityhub:BatchImportFindings in us-east-1: "):
        import_findings(findings, region=REGION, session=session, max_attempts=1)


def test_cli_sends_only_when_asked(emulator: str, findings: list[dict[str, Any]]) -> None:
    runner = CliRunner()
    dry = runner.invoke(cli, ["assess", "--demo", "-q", "--to-security-hub", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert '"Findings": [' in dry.stdout and "not sent" in dry.stderr
    assert _stored(boto3_session()) == []
    sent = runner.invoke(
        cli,
        ["assess", "--demo", "-q", "--to-security-hub", "--security-hub-region", REGION],
    )
    assert sent.exit_code == 0, sent.output
    count, batches = len(findings), -(-len(findings) // 100)
    assert (
        f"sent {count} findings to Security Hub in us-east-1 ({batches} batches); 0 rejected"
        in sent.stderr
    )
    assert len(_stored(boto3_session())) == count
    alone = runner.invoke(cli, ["assess", "--demo", "--dry-run"])
    assert alone.exit_code == 2 and "--dry-run goes with --to-security-hub" in alone.output
