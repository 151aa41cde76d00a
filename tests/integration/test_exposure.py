"""External access of a live account (moto in server mode): every collected resource policy
is decided, and the account-level S3 Block Public Access collected from S3 Control applies"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from iamwarden.analysis.exposure import Reach, ZoneOfTrust, analyse_exposure
from iamwarden.aws import AccountAccess, CollectOptions, collect_account
from iamwarden.cli.main import cli
from iamwarden.policy import load_catalog
from iamwarden.snapshot import dump_snapshot
from tests.integration.emulator import seed_account, session

pytestmark = pytest.mark.integration
FAST = CollectOptions(regions=("us-east-1",), poll_interval=0.01, max_attempts=6)


def test_every_seeded_public_policy_is_found_and_s3_is_neutralised(emulator: str, tmp_path):
    seeded = seed_account(session())
    snap = collect_account(AccountAccess(session=session()), options=FAST).snapshot
    assert snap.account_public_access_block is not None
    assert snap.account_public_access_block.restrict_public_buckets
    report = analyse_exposure(snap, ZoneOfTrust.of(snap), load_catalog())
    public = {e.resource_type: e for e in report.exposures if e.reach is Reach.PUBLIC}
    assert set(public) == {
        "AwsS3Bucket",
        "AwsKmsKey",
        "AwsLambdaFunction",
        "AwsLambdaLayerVersion",
        "AwsSqsQueue",
        "AwsSnsTopic",
        "AwsSecretsManagerSecret",
        "AwsEcrRepository",
        "AwsEfsFileSystem",
        "AwsOpenSearchServiceDomain",
    }
    bucket = public["AwsS3Bucket"]
    assert bucket.actions == ("s3:GetObject",)
    # the bucket's own setting leaves public policies alone; the account's restricts them
    assert bucket.blocked_by == "RestrictPublicBuckets (account level)"
    assert not any(e.is_blocked for e in public.values() if e is not bucket)
    assert "kms:Decrypt" in public["AwsKmsKey"].actions
    path = tmp_path / "live.json"
    dump_snapshot(snap, path)
    result = CliRunner().invoke(cli, ["access", "--snapshot", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert seeded.account in result.output
