"""`iamwarden activity investigate`: text and JSON over a three-account store, secrets never
printed, an unknown key and a missing store"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from iamwarden.cli.main import cli
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
