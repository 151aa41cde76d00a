"""`iamwarden watch`: sources named on the command line, bad options as one line (exit 2),
the text form of alerts and the closing summary"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamwarden.activity.watch import FolderSource, S3Source, SQSSource
from iamwarden.cli.main import cli
from iamwarden.cli.watch_cmd import _source
from tests.activity.conftest import record, write_records


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["watch", *args])
    return result.exit_code, result.stdout, result.stderr


def test_sources_by_their_form(tmp_path: Path) -> None:
    queue = _source("sqs://sqs.us-east-1.amazonaws.com/111122223333/trail", None, 0)
    assert isinstance(queue, SQSSource)
    assert queue.queue_url == "https://sqs.us-east-1.amazonaws.com/111122223333/trail"
    assert isinstance(_source("s3://trail/AWSLogs/", None, 0), S3Source)
    assert isinstance(_source(str(tmp_path), None, 0), FolderSource)
    assert isinstance(_source(None, "https://sqs.example/1/q", 0), SQSSource)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give one source: a folder, s3://bucket/prefix/ or --queue-url URL"),
        (("x", "--queue-url", "https://q"), "give one source"),
    ],
)
def test_one_source_is_required(args: tuple[str, ...], message: str) -> None:
    code, _, err = _run(*args, "--once")
    assert code == 2 and message in err


def test_bad_options_are_one_line_exit_2(tmp_path: Path) -> None:
    code, _, err = _run(str(tmp_path), "--once", "--rate-limit", "lots")
    assert code == 2
    assert err.strip().splitlines() == [
        "error: --rate-limit: `lots` is not a rate limit (alerts per period of event time, "
        "such as 5/60 or 5/1m)"
    ]
    code, _, err = _run(str(tmp_path / "nope"), "--once", "--state", str(tmp_path / "s.sqlite"))
    assert (code, err) == (2, f"error: {tmp_path / 'nope'}: no such directory\n")
    code, _, err = _run(str(tmp_path), "--once", "--webhook", "ftp://x")
    assert code == 2 and "a webhook is an http(s):// URL" in err


def test_text_alerts_on_stdout_and_a_summary_on_stderr(tmp_path: Path) -> None:
    folder = tmp_path / "trail"
    write_records(
        folder / "a.json",
        [record("CreateUser", source="iam.amazonaws.com", params={"userName": "x"}, eventID="e1")],
    )
    code, out, err = _run(str(folder), "--once", "--state", str(tmp_path / "s.sqlite"))
    assert code == 0
    assert out.startswith("[LOW] iam_user_created: ")
    assert "CreateUser by arn:aws:sts::111122223333:assumed-role/dev/alice" in out
    assert "(event e1)" in out
    assert err.splitlines()[-1] == (
        "watch: 1 item seen; alerts 1 delivered, 0 pending, 0 suppressed by the rate limit"
    )


def test_a_snapshot_decides_the_admin_condition(tmp_path: Path) -> None:
    """The demo's deploy-bot is admin (engine): a key made for it raises the critical alert
    decided; without the snapshot the alert is raised NOT_ASSESSED on that condition"""
    from iamwarden.snapshot import demo_snapshot
    from iamwarden.snapshot.jsonform import dump_snapshot

    snapshot = tmp_path / "snapshot.json"
    dump_snapshot(demo_snapshot(), snapshot)
    folder = tmp_path / "trail"
    write_records(
        folder / "a.json",
        [
            record(
                "CreateAccessKey",
                source="iam.amazonaws.com",
                params={"userName": "deploy-bot"},
                eventID="k1",
            )
        ],
    )

    def admin_alert(*extra: str) -> dict[str, object]:
        state = str(tmp_path / f"s{len(extra)}.sqlite")
        result = CliRunner().invoke(
            cli, ["watch", str(folder), "--once", "--format", "json", "--state", state, *extra]
        )
        assert result.exit_code == 0, result.stderr
        alerts = [json.loads(line) for line in result.stdout.splitlines()]
        return next(a for a in alerts if a["rule"] == "credentials_created_for_admin")

    assert admin_alert("--snapshot", str(snapshot))["not_assessed"] == []
    assert admin_alert()["not_assessed"] == ["target_is_admin"]


def test_the_webhook_url_may_come_from_the_environment(tmp_path: Path) -> None:
    """A Slack webhook URL is a secret: it can stay out of the command line"""
    result = CliRunner().invoke(
        cli,
        ["watch", str(tmp_path), "--once", "--state", str(tmp_path / "s.sqlite")],
        env={"IAMWARDEN_WEBHOOK_URL": "ftp://not-http"},
    )
    assert result.exit_code == 2 and "a webhook is an http(s):// URL" in result.stderr


def test_rules_are_added_to_the_built_in_pack_unless_no_builtin(tmp_path: Path) -> None:
    """`watch --rules` adds to the built-in pack as `rules list|test|export --rules` do;
    --no-builtin keeps only the given rules"""
    from tests.cli.test_rules_cmd import _rule_file

    rules = _rule_file(tmp_path)
    folder = tmp_path / "trail"
    write_records(
        folder / "a.json",
        [record("StopLogging", source="cloudtrail.amazonaws.com", eventID="stop-1")],
    )

    def raised(*extra: str) -> set[str]:
        state = str(tmp_path / f"s{len(extra)}.sqlite")
        code, out, err = _run(str(folder), "--once", "--state", state, "--format", "json", *extra)
        assert code == 0, err
        return {json.loads(line)["rule"] for line in out.splitlines()}

    added = raised("--rules", str(rules))
    assert {"my_stop", "cloudtrail_stopped_or_deleted"} <= added
    assert raised("--rules", str(rules), "--no-builtin") == {"my_stop"}
    code, _, err = _run(str(folder), "--once", "--no-builtin")
    assert code == 2 and "--no-builtin needs --rules" in err


def test_rules_commands_take_no_builtin_too(tmp_path: Path) -> None:
    from tests.cli.test_rules_cmd import _rule_file

    rules = _rule_file(tmp_path)
    result = CliRunner().invoke(
        cli, ["rules", "list", "--rules", str(rules), "--no-builtin", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert [e["id"] for e in json.loads(result.stdout)] == ["my_stop"]
