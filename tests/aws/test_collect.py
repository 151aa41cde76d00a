"""Options, the organization index, and the public surface of `iamwarden.aws`"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iamwarden.aws
from iamwarden.aws import CollectOptions, read_organization_index
from iamwarden.aws.session import botocore_config
from iamwarden.errors import SnapshotFormatError


def test_public_names_are_exported() -> None:
    exported = {n for n in dir(iamwarden.aws) if not n.startswith("_")}
    modules = {"calls", "collect", "iam", "organizations", "regional", "securityhub", "session"}
    assert set(iamwarden.aws.__all__) == exported - modules


def test_options_reject_zero_workers() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CollectOptions(max_workers=0)


def test_retries_are_adaptive() -> None:
    config = botocore_config(CollectOptions(max_attempts=7))
    assert config.retries == {"mode": "adaptive", "max_attempts": 7}


def test_index_round_trip_resolves_snapshot_paths(tmp_path: Path) -> None:
    (tmp_path / "organization.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "organization_id": "o-1",
                "management_account_id": "1",
                "collected_at": "2026-11-01T00:00:00+00:00",
                "accounts": [
                    {"id": "2", "name": "dev", "snapshot": "2.json", "gaps": 3, "error": ""}
                ],
            }
        )
    )
    index = read_organization_index(tmp_path)
    (account,) = index.accounts
    assert account.snapshot == tmp_path / "2.json" and account.gaps == 3
    assert index.organization_id == "o-1"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "invalid JSON"),
        ('{"schema_version": 9}', "not an iamwarden organization index"),
        ('{"schema_version": 1, "accounts": []}', "malformed index"),
    ],
)
def test_bad_index_is_an_input_error(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "organization.json"
    path.write_text(text)
    with pytest.raises(SnapshotFormatError, match=problem):
        read_organization_index(path)


def test_missing_index_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotFormatError, match="file not found"):
        read_organization_index(tmp_path / "nope.json")
