"""The snapshot's versioned JSON form round-trips and rejects malformed input with a path"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from iamwarden.errors import SnapshotFormatError
from iamwarden.snapshot import (
    AccessKey,
    DataSet,
    MfaDevice,
    MfaKind,
    demo_snapshot,
    dump_snapshot,
    read_snapshot,
    snapshot_from_json,
    snapshot_to_json,
)
from tests.builders import NOW, inline, managed_policy, role, snapshot, user


def _sample():
    return snapshot(
        users=(
            user(
                access_keys=(AccessKey(id="AKIAEXAMPLE", is_active=True, created=NOW),),
                mfa_devices=(MfaDevice(serial="arn:mfa", kind=MfaKind.VIRTUAL),),
                inline_policies=(inline(),),
            ),
        ),
        roles=(role(attached_policies=("arn:aws:iam::111122223333:policy/Custom",)),),
        policies=(managed_policy(),),
        account_summary={"Users": 1},
    )


@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_round_trip_through_a_file_is_identity(tmp_path: Path, name: str) -> None:
    original = _sample()
    dump_snapshot(original, tmp_path / name)
    assert read_snapshot(tmp_path / name) == original


def test_json_form_is_deterministic() -> None:
    assert json.dumps(snapshot_to_json(_sample())) == json.dumps(snapshot_to_json(_sample()))


def test_gzip_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    dump_snapshot(_sample(), tmp_path / "a.json.gz")
    dump_snapshot(_sample(), tmp_path / "b.json.gz")
    assert (tmp_path / "a.json.gz").read_bytes() == (tmp_path / "b.json.gz").read_bytes()
    assert gzip.decompress((tmp_path / "a.json.gz").read_bytes()).startswith(b"{")


def test_wrong_type_names_the_json_path() -> None:
    data = snapshot_to_json(_sample())
    data["snapshot"]["users"][0]["access_keys"][0]["is_active"] = "yes"
    with pytest.raises(SnapshotFormatError) as raised:
        snapshot_from_json(data)
    assert raised.value.location == "$.snapshot.users[0].access_keys[0].is_active"


def test_unknown_schema_version_is_rejected() -> None:
    data = snapshot_to_json(_sample()) | {"schema_version": 99}
    with pytest.raises(SnapshotFormatError, match="schema_version"):
        snapshot_from_json(data)


def test_malformed_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n "schema_version": 1,\n oops\n}')
    with pytest.raises(SnapshotFormatError) as raised:
        read_snapshot(path)
    assert str(raised.value).startswith(f"{path}: line 3:2: invalid JSON")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotFormatError, match="file not found"):
        read_snapshot(tmp_path / "absent.json")


def test_a_snapshot_lacking_an_entity_list_has_its_authorization_details_uncollected() -> None:
    """A snapshot that claims the authorization details but has no `roles` does not say the
    account has no roles: a gap, and the data set not collected (an empty list is none)"""
    data = snapshot_to_json(demo_snapshot())
    del data["snapshot"]["roles"]
    read = snapshot_from_json(data)
    assert not read.has(DataSet.AUTHORIZATION_DETAILS) and read.roles == ()
    assert [g.reason for g in read.gaps_for(DataSet.AUTHORIZATION_DETAILS)] == [
        "the snapshot has no `roles` (roles not known)"
    ]
    data["snapshot"]["roles"] = []
    assert snapshot_from_json(data).has(DataSet.AUTHORIZATION_DETAILS)
