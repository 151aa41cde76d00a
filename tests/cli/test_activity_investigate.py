"""`iamwarden activity investigate`: text and JSON over a three-account store, secrets never
printed, an unknown key and a missing store"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamwarden.activity import find_files, ingest_files, open_store
from iamwarden.cli.main import cli
from tests.activity.conftest import write_records
from tests.activity.test_investigate import (
    ALICE,
    BACKDOOR_KEY,
    DEPLOY_KEY,
    LEAKED,
    OPS_KEY,
    SECRETS,
    A,
    B,
    C,
    _events,
    db,  # noqa: F401  (fixture)
    trail,  # noqa: F401  (fixture)
)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["activity", "investigate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_text_names_the_chain_the_persistence_and_the_plan(db: Path) -> None:  # noqa: F811
    code, out, _ = _run("--access-key", LEAKED, "--db", str(db))
    assert code == 0
    assert out.splitlines()[0] == (
        f"{LEAKED}: 15 calls in 3 accounts (2026-02-01 10:05 to 2026-03-03 10:05 UTC), "
        "2 denied, 3 flagged actions"
    )
    assert f"used as {ALICE}" in out
    assert f"  {OPS_KEY} arn:aws:sts::{B}:assumed-role/ops/leak: AssumeRole by {LEAKED}" in out
    assert (
        f"    {DEPLOY_KEY} arn:aws:sts::{C}:assumed-role/deploy/hop: AssumeRole by {OPS_KEY}"
        in (out)
    )
    assert (
        f"[persistence] CreateAccessKey: created an access key (user=backdoor, "
        f"key={BACKDOOR_KEY})" in out
    )
    assert "[defense-evasion] StopLogging" in out
    plan = out[out.index("response plan:") :]
    assert plan.index("1. deactivate") < plan.index("4. delete")
    assert f"aws iam update-access-key --user-name alice --access-key-id {LEAKED} " in plan


def test_json_has_every_part(db: Path) -> None:  # noqa: F811
    code, out, _ = _run("--access-key", LEAKED, "--store", str(db), "--format", "json")
    assert code == 0
    found = json.loads(out)
    assert found["calls"] == 15 and found["denied"] == 2 and found["not_assessed"] == []
    assert found["first_use"] == "2026-03-01T10:00:00Z"
    assert found["credentials"][0]["access_key_id"] == LEAKED
    assert {r["value"] for r in found["breakdowns"]["account"]} == {A, B, C}
    assert found["plan"][0]["title"] == "deactivate"
    assert {e["event_name"] for e in found["flagged"]} == {
        "CreateUser",
        "CreateAccessKey",
        "StopLogging",
    }


def test_secrets_in_the_records_are_never_printed(db: Path) -> None:  # noqa: F811
    """The records hold a session token, a secret key and an access secret: none is shown"""
    for fmt in ("text", "json"):
        for subject in (("--access-key", LEAKED), ("--principal", ALICE)):
            code, out, _ = _run(*subject, "--db", str(db), "--format", fmt, "--days", "90")
            assert code == 0
            assert OPS_KEY in out  # the minted key id is shown; its secrets are not
            for secret in SECRETS:
                assert secret not in out, (fmt, subject, secret)


def test_an_unknown_key_says_no_calls(db: Path) -> None:  # noqa: F811
    code, out, _ = _run("--access-key", "AKIANOBODY0000000001", "--db", str(db))
    assert code == 0
    assert out.startswith("AKIANOBODY0000000001: no calls in the store in ")


def test_a_missing_store_is_one_line_exit_2(tmp_path: Path) -> None:
    code, _, err = _run("--access-key", LEAKED, "--db", str(tmp_path / "none.duckdb"))
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: {tmp_path / 'none.duckdb'}: no such activity store (run `iamwarden activity "
        "ingest` first)"
    ]


def test_exactly_one_subject_is_a_usage_error(db: Path) -> None:  # noqa: F811
    code, _, err = _run("--db", str(db))
    assert code == 2 and "give exactly one of --access-key KEY and --principal ARN" in err


@pytest.mark.parametrize(
    "bad",
    [
        "akialeaked0000000001",
        "",
        "   ",
        "hello",
        "AKIA123",
        "AKIALEAKED 0000000001",
        "AIDAALICE000000000001",
    ],
)
def test_a_value_not_shaped_as_an_access_key_id_is_refused(db: Path, bad: str) -> None:  # noqa: F811
    """IAM API Reference, "AccessKey": AccessKeyId is 16 to 128 word characters; IAM User
    Guide, "IAM identifiers": AKIA… and ASIA… are access keys (AIDA… is a user's id)"""
    code, out, err = _run("--access-key", bad, "--db", str(db))
    assert code == 2 and out == ""
    assert "is not an access key id (AKIA… or ASIA…" in err


def test_surrounding_whitespace_is_stripped_from_the_key(db: Path) -> None:  # noqa: F811
    code, out, _ = _run("--access-key", f"  {LEAKED}\n", "--db", str(db))
    assert code == 0 and out.startswith(f"{LEAKED}: 15 calls")


def test_follow_up_commands_carry_the_store_investigated(db: Path, tmp_path: Path) -> None:  # noqa: F811
    spaced = tmp_path / "my trail.duckdb"
    spaced.write_bytes(db.read_bytes())
    code, out, _ = _run("--access-key", LEAKED, "--db", str(spaced))
    assert code == 0
    quoted = shlex.quote(str(spaced))
    assert f"   iamwarden activity investigate --access-key {LEAKED} --days 90 --db {quoted}" in out
    assert f"   iamwarden activity generate --principal {ALICE} --days 90 --db {quoted}" in out


def test_more_days_than_the_calendar_holds_is_the_whole_history_said_on_stderr(
    db: Path,  # noqa: F811
) -> None:
    code, out, err = _run("--access-key", LEAKED, "--db", str(db), "--days", "1000000")
    assert code == 0 and "(the whole history)" in out.splitlines()[0]
    assert err.strip() == (
        "note: --days 1000000 counts back past the earliest date; investigated the whole history"
    )


def test_control_characters_in_records_never_start_a_printed_line(tmp_path: Path) -> None:
    """A newline (or an escape sequence) in a record's account, region or user agent is
    printed escaped: every value stays on its line of the timeline, breakdowns and plan"""
    records = _events()[A][:4]
    for record in records:
        record["recipientAccountId"] = f"{A}\ntouch /tmp/PWNED"
        record["userAgent"] = "aws-cli\r\x1b]0;owned\x07"
    write_records(tmp_path / "r.json", records)
    store = tmp_path / "s.duckdb"
    with open_store(store) as opened:
        ingest_files(opened, list(find_files([tmp_path / "r.json"])))
    code, out, _ = _run("--access-key", LEAKED, "--db", str(store), "--days", "3650")
    assert code == 0 and "touch /tmp/PWNED" in out
    assert not any(line.lstrip().startswith("touch") for line in out.splitlines())
    assert not any(ch in out for ch in "\r\x1b\x07")
