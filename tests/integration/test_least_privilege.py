"""policies/iamwarden-collect.json holds exactly the IAM actions a full collection uses"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path

import pytest

from iamwarden.aws import AccountAccess, CollectOptions, collect_account, collect_organization
from tests.integration.emulator import EmulatorHooks, seed_account, seed_organization, session

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "iamwarden-collect.json"
MAP = ROOT / ".." / "shared" / "corpora" / "sdk-iam-mapping" / "map.json"

# Operations whose IAM action is not named like the operation, or which map.json lacks
EXCEPTIONS = {
    ("S3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("S3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("S3 Control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("Lambda", "ListLayers"): "lambda:ListLayers",
    ("OpenSearch", "ListDomainNames"): "es:ListDomainNames",
    ("OpenSearch", "DescribeDomains"): "es:DescribeDomains",
    ("EFS", "DescribeFileSystems"): "elasticfilesystem:DescribeFileSystems",
    ("EFS", "DescribeFileSystemPolicy"): "elasticfilesystem:DescribeFileSystemPolicy",
}
PERMISSIONLESS = {("STS", "GetCallerIdentity")}
PREFIXES = {
    "S3 Control": "s3",
    "OpenSearch": "es",
    "EFS": "elasticfilesystem",
    "AccessAnalyzer": "access-analyzer",
}


@cache
def _sdk_map() -> dict[str, list[dict[str, object]]]:
    return dict(json.loads(MAP.read_text())["sdk_method_iam_mappings"])


def action_of(service_id: str, operation: str) -> str:
    """The IAM action an API call needs: the explicit table, then map.json"""
    if (service_id, operation) in EXCEPTIONS:
        return EXCEPTIONS[(service_id, operation)]
    entries = _sdk_map().get(f"{service_id.replace(' ', '')}.{operation}")
    if entries:
        return str(entries[0]["action"])
    prefix = PREFIXES.get(service_id, service_id.lower().replace(" ", ""))
    pytest.fail(f"no IAM action known for {service_id}.{operation} (prefix {prefix})")


def _policy_actions() -> set[str]:
    document = json.loads(POLICY.read_text())
    actions: set[str] = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
        actions.update(statement["Action"])
    return actions


def test_exception_table_agrees_with_the_sdk_mapping() -> None:
    if not MAP.exists():
        pytest.skip("shared corpora absent")
    sdk = _sdk_map()
    for (service_id, operation), action in EXCEPTIONS.items():
        entries = sdk.get(f"{service_id.replace(' ', '')}.{operation}")
        if entries:
            assert entries[0]["action"] == action


def test_collect_policy_lists_exactly_the_actions_used(emulator: str, tmp_path: Path) -> None:
    if not MAP.exists():
        pytest.skip("shared corpora absent")
    seed_account(session(), regions=("us-east-1",))
    seed_organization(session(), members=3)
    # Every regional collector runs in each region, so two regions use the same actions as
    # thirty; the short list stands in for DescribeRegions' answer, which is still called.
    hooks = EmulatorHooks(regions=("eu-west-1", "us-east-1"))
    options = CollectOptions(poll_interval=0.01)
    snapshot = collect_account(
        AccountAccess(session=session(hooks)), options=dataclasses.replace(options, regions=())
    ).snapshot
    assert snapshot.gaps == () and snapshot.regions == ("eu-west-1", "us-east-1")
    collect_organization(
        AccountAccess(session=session(hooks)),
        role_name="Audit",
        out_dir=tmp_path,
        options=dataclasses.replace(options, regions=("us-east-1",)),
    )
    used = {
        action_of(service_id, op)
        for service_id, op in set(hooks.calls)
        if (service_id, op) not in PERMISSIONLESS
    }
    allowed = _policy_actions()
    assert sorted(used - allowed) == [], "calls not allowed by the policy"
    assert sorted(allowed - used) == [], "policy actions no collection uses"
