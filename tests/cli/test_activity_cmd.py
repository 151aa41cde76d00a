"""`iamwarden activity …` on the command line"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamwarden.cli import activity_cmd
from iamwarden.cli.main import cli
from tests.activity.conftest import record, write_records


def test_ingest_summarises_and_lists_problems(tmp_path: Path) -> None:
    write_records(tmp_path / "logs" / "a.json", [record(), record("PutObject")])
    (tmp_path / "logs" / "bad.json.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    db = tmp_path / "t.duckdb"
    result = CliRunner().invoke(
        cli, ["activity", "ingest", str(tmp_path / "logs"), "--db", str(db), "--quiet"]
    )
    assert result.exit_code == 1, result.output  # a file skipped whole is not missed
    assert "ingested 1 file, 2 events" in result.stdout
    assert "bad.json.gz: file skipped: corrupt gzip" in result.stdout
    assert "ingest: 2/2 files, 2 events" in result.stderr
    again = CliRunner().invoke(cli, ["activity", "ingest", str(tmp_path / "logs"), "--db", str(db)])
    assert "ingested 0 files, 0 events" in again.stdout and "1 file already" in again.stdout
    assert again.exit_code == 1  # the corrupt file is tried again, and skipped again


def test_ingest_under_ci_prints_plain_lines_while_a_batch_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One batch is one DuckDB statement: the plain lines say the total at the start and the
    time spent while it runs, not only the final count"""
    for n in range(40):
        write_records(
            tmp_path / "logs" / f"{n}.json", [record(eventID=f"e{n}-{i}") for i in range(50)]
        )
    monkeypatch.setenv("CI", "1")
    monkeypatch.setattr(activity_cmd, "_PLAIN_EVERY", 0.01)
    result = CliRunner().invoke(
        cli, ["activity", "ingest", str(tmp_path / "logs"), "--db", str(tmp_path / "t.duckdb")]
    )
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "ingest: 0/40 files, 0 events, 0 events/s"
    assert any(line.endswith(" s, reading)") for line in lines[1:-1]), lines
    assert lines[-1].startswith("ingest: 40/40 files, 2000 events")


def test_ingest_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(
        cli, ["activity", "ingest", str(tmp_path / "none"), "--db", str(tmp_path / "x.duckdb")]
    )
    assert missing.exit_code == 2
    assert missing.stderr.strip().endswith("none: no such file or directory")
    not_db = tmp_path / "a.json"
    not_db.write_text(json.dumps({"Records": []}))
    refused = runner.invoke(cli, ["activity", "ingest", str(not_db), "--db", str(not_db)])
    assert refused.exit_code == 2
    assert (
        refused.stderr == f"error: {not_db}: not an activity store (not a DuckDB database file)\n"
    )
    bad_time = runner.invoke(
        cli,
        ["activity", "ingest", str(not_db), "--db", str(tmp_path / "y.duckdb"), "--since", "soon"],
    )
    assert bad_time.exit_code == 2
    assert bad_time.stderr.startswith("error: --since: `soon` is not a time")
    window = ["--since", "2026-10-02", "--until", "2026-10-01"]
    db = tmp_path / "z.duckdb"
    reversed_window = runner.invoke(
        cli, ["activity", "ingest", str(not_db), "--db", str(db), *window]
    )
    assert reversed_window.exit_code == 2
    assert reversed_window.stderr == (
        "error: --since 2026-10-02T00:00:00 is not before --until 2026-10-01T00:00:00: "
        "no event is in that window\n"
    )
    assert not db.exists()  # refused before the store is made


DEV_ROLE = "arn:aws:iam::210987654321:role/dev-role-01"


@pytest.fixture(scope="module")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo history for the module, in a cache folder of its own"""
    from iamwarden.activity.demo import ensure_demo_store

    cache = tmp_path_factory.mktemp("cache")
    ensure_demo_store(cache / "iamwarden")
    return cache


def test_generate_on_the_demo_history(demo_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(demo_cache))
    result = CliRunner().invoke(
        cli, ["activity", "generate", "--demo", "--principal", DEV_ROLE, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    actions = {a for s in found["policy"]["Statement"] for a in s["Action"]}
    assert {a.split(":")[0] for a in actions} == {"s3", "lambda", "dynamodb"}
    verification = found["verification"]
    assert verification["denied"] == []
    assert verification["allowed_requests"] == verification["requests"] > 10
    # AdministratorAccess today: everything but the S3, Lambda and DynamoDB use is dropped
    dropped = found["dropped"]
    assert dropped["assessed"] and "iam" in dropped["services_dropped"]
    assert set(dropped["services_narrowed"]) == {"s3", "lambda", "dynamodb"}
    text = CliRunner().invoke(cli, ["activity", "generate", "--demo", "--principal", DEV_ROLE])
    # `generate > p.json`: stdout is the policy alone, the report is on stderr
    assert json.loads(text.stdout) == found["policy"]
    assert text.stderr.startswith(
        f"generated policy for {DEV_ROLE}: {len(actions)} actions from "
        f"{found['calls']} recorded calls ("
    )
    assert (
        f"verified by the engine: {verification['requests']} of {verification['requests']} "
        "requests (action on resource) allowed by the generated policy (recorded calls made "
        f"them {verification['calls']} times: {verification['calls']} allowed)\n"
    ) in text.stderr
    # one style for every count: thousands separated
    assert dropped["dropped"] > 1000
    assert (
        f"dropped: the current policies allow {dropped['allowed_now']:,} actions; "
        f"the generated policy drops {dropped['dropped']:,} of them\n"
    ) in text.stderr


def test_generate_writes_the_policy_and_replay_passes_on_it(
    demo_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(demo_cache))
    policy = tmp_path / "policy.json"
    runner = CliRunner()
    made = runner.invoke(
        cli, ["activity", "generate", "--demo", "--principal", DEV_ROLE, "-o", str(policy)]
    )
    assert made.exit_code == 0, made.output
    replayed = runner.invoke(
        cli, ["activity", "replay", "--demo", "--principal", DEV_ROLE, "--policy", str(policy)]
    )
    assert replayed.exit_code == 0, replayed.output
    assert "DENIED" not in replayed.stdout


def test_replay_reports_what_breaks_exit_1(
    demo_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(demo_cache))
    policy = tmp_path / "p.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:*", "dynamodb:*", "lambda:Get*", "lambda:List*"],
                        "Resource": "*",
                    }
                ],
            }
        )
    )
    scp = tmp_path / "scp.json"
    scp.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"},
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                ],
            }
        )
    )
    result = CliRunner().invoke(
        cli,
        [
            "activity",
            "replay",
            "--demo",
            "--principal",
            DEV_ROLE,
            "--policy",
            str(policy),
            "--scp",
            str(scp),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    denied = {d["action"]: d for d in json.loads(result.stdout)["denied"]}
    assert set(denied) == {"dynamodb:PutItem", "lambda:UpdateFunctionCode"}
    assert denied["dynamodb:PutItem"]["denied_by"] == "scp"
    assert denied["dynamodb:PutItem"]["decision"] == "explicitDeny"
    assert denied["lambda:UpdateFunctionCode"]["denied_by"] == "identity"
    assert denied["lambda:UpdateFunctionCode"]["count"] > 0


def test_replay_bad_policy_is_one_line_exit_2(demo_cache: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Version": "2012-10-17", "Statement": [')
    result = CliRunner().invoke(
        cli,
        [
            "activity",
            "replay",
            "--db",
            str(tmp_path / "x.duckdb"),
            "--principal",
            DEV_ROLE,
            "--policy",
            str(bad),
        ],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {bad}: ") and result.stderr.count("\n") == 1


def test_a_missing_store_is_one_line_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["activity", "principals", "--db", str(tmp_path / "none.duckdb")]
    )
    assert result.exit_code == 2
    assert "no such activity store" in result.stderr


def test_principals_and_unmapped(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    write_records(
        logs / "a.json",
        [record(), record("Mystery", source="nowhere.amazonaws.com")],
    )
    db = tmp_path / "t.duckdb"
    runner = CliRunner()
    assert runner.invoke(cli, ["activity", "ingest", str(logs), "--db", str(db)]).exit_code == 0
    who = runner.invoke(cli, ["activity", "principals", "--db", str(db), "--format", "json"])
    (row,) = json.loads(who.stdout)
    assert (row["principal"], row["kind"], row["events"]) == (
        "arn:aws:iam::111122223333:role/dev",
        "role",
        2,
    )
    unmapped = runner.invoke(cli, ["activity", "unmapped", "--db", str(db)])
    assert unmapped.stdout == (
        "nowhere.amazonaws.com Mystery: 1 event; unknown event source `nowhere.amazonaws.com`\n"
    )


def test_unused_needs_one_account_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["activity", "unused", "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 2
    assert "give exactly one source" in result.output


def test_unused_on_the_demo(demo_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(demo_cache))
    result = CliRunner().invoke(cli, ["activity", "unused", "--demo", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    unused = {(c["principal"], c["kind"]) for c in found["credentials"]}
    assert ("arn:aws:iam::210987654321:role/legacy-admin-role", "role") in unused
    assert ("arn:aws:iam::210987654321:role/dev-role-01", "role") not in unused
    # carol-ops' key: snapshot last used 2026-10-31, in the window 2026-08-02..2026-10-31
    assert not any(p.endswith("user/carol-ops") for p, _ in unused)
    assert found["access"] is None


def test_unused_on_a_store_of_another_account_is_not_assessed(tmp_path: Path) -> None:
    """Missing data is never a pass: no event of the demo account, nothing listed, exit 2"""
    write_records(tmp_path / "logs" / "a.json", [record()])  # account 111122223333
    db = tmp_path / "other.duckdb"
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["activity", "ingest", str(tmp_path / "logs"), "--db", str(db)]
        ).exit_code
        == 0
    )
    result = runner.invoke(cli, ["activity", "unused", "--demo", "--db", str(db)])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "NOT ASSESSED: no recorded event of account 210987654321" in line
    assert result.stdout == ""


def test_replay_of_a_principal_without_recorded_calls_exits_2(
    demo_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Zero calls replayed is no evidence that the policy holds"""
    monkeypatch.setenv("XDG_CACHE_HOME", str(demo_cache))
    allow = tmp_path / "p.json"
    allow.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        )
    )
    result = CliRunner().invoke(
        cli,
        [
            "activity",
            "replay",
            "--demo",
            "--principal",
            "arn:aws:iam::1:user/none",
            "--policy",
            str(allow),
        ],
    )
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "no recorded call of arn:aws:iam::1:user/none in " in line and "NOT ASSESSED" in line


def test_ingest_checks_the_store_destination_first(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["activity", "ingest", str(tmp_path), "--db", str(tmp_path / "nowhere" / "t.duckdb")]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "does not exist" in result.stderr


def test_replay_on_the_real_stratus_records(tmp_path: Path) -> None:
    """Generate for a Stratus principal, then replay a policy that drops one used action"""
    from tests.activity.conftest import STRATUS

    if not STRATUS.is_dir():
        pytest.skip("../shared/corpora/cloudtrail-stratus is absent")
    db = tmp_path / "s.duckdb"
    runner = CliRunner()
    assert runner.invoke(cli, ["activity", "ingest", str(STRATUS), "--db", str(db)]).exit_code == 0
    principal = "arn:aws:iam::229654561268:user/christophe"
    policy = tmp_path / "p.json"
    made = runner.invoke(
        cli,
        [
            "activity",
            "generate",
            "--db",
            str(db),
            "--principal",
            principal,
            "-o",
            str(policy),
            "--days",
            "3650",
        ],
    )
    assert made.exit_code == 0, made.output
    assert "verified by the engine: 3 of 3 requests" in made.stderr
    assert (
        runner.invoke(
            cli,
            [
                "activity",
                "replay",
                "--db",
                str(db),
                "--principal",
                principal,
                "--policy",
                str(policy),
                "--days",
                "3650",  # the corpus is years old: the default 90 days held no call (0 of 0)
            ],
        ).exit_code
        == 0
    )
    document = json.loads(policy.read_text())
    for statement in document["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != "iam:CreateUser"]
    document["Statement"] = [s for s in document["Statement"] if s["Action"]]
    policy.write_text(json.dumps(document))
    broken = runner.invoke(
        cli,
        [
            "activity",
            "replay",
            "--db",
            str(db),
            "--principal",
            principal,
            "--policy",
            str(policy),
            "--days",
            "3650",
        ],
    )
    assert broken.exit_code == 1
    assert "DENIED iam:CreateUser on arn:aws:iam::229654561268:user/malicious-iam-user" in (
        broken.stdout
    )


def test_replay_decides_each_call_from_its_source_ip_and_counts_unmapped_calls(
    tmp_path: Path,
) -> None:
    """`activity replay`: an SCP denying the calls' source range denies them (aws:SourceIp
    is the record's sourceIPAddress, IAM User Guide global condition keys), and a call no
    action was found for is counted as not verified (exit 1), never dropped"""
    role = "arn:aws:iam::111122223333:role/dev"
    items = {"transactItems": [{"other": {"tableName": "T"}}]}
    records = [record(params={"bucketName": "b", "key": "k"})]
    write_records(tmp_path / "c" / "a.json", records)
    db = tmp_path / "a.duckdb"
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["activity", "ingest", str(tmp_path / "c"), "--db", str(db)]).exit_code
        == 0
    )
    allow = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [allow]}))
    scp = tmp_path / "scp.json"
    deny = {
        **allow,
        "Effect": "Deny",
        "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
    }
    scp.write_text(json.dumps({"Version": "2012-10-17", "Statement": [allow, deny]}))
    base = ["activity", "replay", "--db", str(db), "--principal", role, "--policy", str(policy)]
    assert runner.invoke(cli, base).exit_code == 0
    denied = runner.invoke(cli, [*base, "--scp", str(scp), "--format", "json"])
    assert denied.exit_code == 1
    assert json.loads(denied.stdout)["allowed_calls"] == 0
    unmapped = [record("TransactWriteItems", source="dynamodb.amazonaws.com", params=items)]
    write_records(tmp_path / "c" / "b.json", unmapped)
    assert (
        runner.invoke(cli, ["activity", "ingest", str(tmp_path / "c"), "--db", str(db)]).exit_code
        == 0
    )
    found = runner.invoke(cli, [*base, "--format", "json"])
    assert found.exit_code == 1
    assert json.loads(found.stdout)["unmapped_calls"] == 1
