"""`iamwarden rules list | test | export` end to end through the command line"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from iamwarden.activity.rules import load_builtin_pack
from iamwarden.cli.main import cli
from iamwarden.snapshot import demo_snapshot
from iamwarden.snapshot.jsonform import dump_snapshot

PACK = load_builtin_pack()

STOP = {
    "eventSource": "cloudtrail.amazonaws.com",
    "eventName": "StopLogging",
    "eventType": "AwsApiCall",
    "eventID": "stop-1",
    "eventTime": "2026-01-01T00:00:00Z",
    "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/eve"},
}
READ = {
    "eventSource": "ec2.amazonaws.com",
    "eventName": "DescribeInstances",
    "eventType": "AwsApiCall",
    "eventID": "read-1",
    "sourceIPAddress": "203.0.113.9",
}
KEY_FOR_DEPLOY_BOT = {
    "eventSource": "iam.amazonaws.com",
    "eventName": "CreateAccessKey",
    "eventType": "AwsApiCall",
    "eventID": "key-1",
    "requestParameters": {"userName": "deploy-bot"},
    "userIdentity": {"type": "IAMUser", "userName": "eve"},
}


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_names_every_rule_with_its_severity_and_cis_ids() -> None:
    result = _run("rules", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "MITRE", "CIS", "TITLE"]
    assert len(lines) == len(PACK) + 1
    root = next(line for line in lines if line.startswith("cis_root_account_usage "))
    assert "critical" in root and "4.3" in root
    entries = _json(_run("rules", "list", "--format", "json"))
    assert [e["id"] for e in entries] == [r.id for r in PACK.rules]
    assert {"id", "severity", "mitre", "cis", "pattern", "source", "line"} <= set(entries[0])


def test_test_without_files_checks_the_examples() -> None:
    result = _run("rules", "test")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"examples: {len(PACK)} rules, ")
    assert "all behave as written" in result.stdout


def test_test_reports_each_alert_with_its_file_position_and_event_id(tmp_path: Path) -> None:
    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": [READ, STOP]}), encoding="utf-8")
    report = _json(_run("rules", "test", str(trail), "--format", "json"))
    assert report["events"] == 2 and report["example_failures"] == []
    found = {(a["rule"], a["source"], a["index"], a["event_id"]) for a in report["alerts"]}
    assert found == {
        ("cloudtrail_stopped_or_deleted", str(trail), 1, "stop-1"),
        ("cis_cloudtrail_changes", str(trail), 1, "stop-1"),
    }
    text = _run("rules", "test", str(trail))
    assert text.exit_code == 0
    assert "cloudtrail_stopped_or_deleted (critical): 1" in text.stdout
    assert f"{trail}#1" in text.stdout and "stop-1" in text.stdout


def test_test_reads_folders_gzip_arrays_and_json_lines(tmp_path: Path) -> None:
    logs = tmp_path / "AWSLogs"
    logs.mkdir()
    with gzip.open(logs / "a.json.gz", "wt", encoding="utf-8") as stream:
        json.dump({"Records": [STOP]}, stream)
    (logs / "b.json").write_text(json.dumps([READ, STOP]), encoding="utf-8")
    (logs / "c.jsonl").write_text(f"{json.dumps(READ)}\n\n{json.dumps(STOP)}\n", encoding="utf-8")
    report = _json(_run("rules", "test", str(logs), "--format", "json"))
    assert report["events"] == 5
    stops = sorted(
        (Path(a["source"]).name, a["index"])
        for a in report["alerts"]
        if a["rule"] == "cloudtrail_stopped_or_deleted"
    )
    assert stops == [("a.json.gz", 0), ("b.json", 1), ("c.jsonl", 1)]


def test_a_snapshot_decides_the_admin_condition(tmp_path: Path) -> None:
    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": [KEY_FOR_DEPLOY_BOT]}), encoding="utf-8")
    without = _json(_run("rules", "test", str(trail), "--format", "json"))
    (admin,) = [a for a in without["alerts"] if a["rule"] == "credentials_created_for_admin"]
    assert admin["not_assessed"] == ["target_is_admin"]
    snapshot = tmp_path / "snapshot.json"
    dump_snapshot(demo_snapshot(), snapshot)
    decided = _json(
        _run("rules", "test", str(trail), "--snapshot", str(snapshot), "--format", "json")
    )
    (admin,) = [a for a in decided["alerts"] if a["rule"] == "credentials_created_for_admin"]
    assert admin["not_assessed"] == []


def _rule_file(tmp_path: Path, **changes: Any) -> Path:
    rule = {
        "id": "my_stop",
        "title": "Trail stopped",
        "severity": "high",
        "description": "A trail stopped.",
        "runbook": "Restart it.",
        "mitre": ["T1562.008"],
        "pattern": {"source": ["aws.cloudtrail"], "detail": {"eventName": ["StopLogging"]}},
        "examples": {"match": [STOP], "no_match": [READ]},
        **changes,
    }
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"rules": [rule]}), encoding="utf-8")
    return path


def test_user_rules_join_the_pack(tmp_path: Path) -> None:
    rules = _rule_file(tmp_path)
    listed = _json(_run("rules", "list", "--rules", str(rules), "--format", "json"))
    assert "my_stop" in {e["id"] for e in listed}
    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": [STOP]}), encoding="utf-8")
    report = _json(_run("rules", "test", str(trail), "--rules", str(rules), "--format", "json"))
    assert "my_stop" in {a["rule"] for a in report["alerts"]}


def test_a_rule_whose_example_fails_exits_1(tmp_path: Path) -> None:
    rules = _rule_file(tmp_path, examples={"match": [READ], "no_match": [STOP]})
    result = _run("rules", "test", "--rules", str(rules))
    assert result.exit_code == 1
    assert "FAIL my_stop: examples.match[0] does not match" in result.stdout
    assert "FAIL my_stop: examples.no_match[0] matches" in result.stdout


def test_a_bad_rule_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    rules = _rule_file(tmp_path, severity="urgent")
    result = _run("rules", "test", "--rules", str(rules))
    assert result.exit_code == 2
    lines = rules.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "severity: urgent" in text)
    assert result.stderr.strip().splitlines() == [
        f"error: {rules}: line {line} rules[0].severity: severity `urgent` is not one of "
        "critical, high, medium, low, info"
    ]
    assert "Traceback" not in result.output


def test_an_unreadable_cloudtrail_file_is_exit_2(tmp_path: Path) -> None:
    trail = tmp_path / "trail.json"
    trail.write_text('{"Records": [1]}', encoding="utf-8")
    result = _run("rules", "test", str(trail))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {trail}: Records[0]: a record is not a JSON object"
    broken = tmp_path / "broken.json"
    broken.write_text('{"Records": [', encoding="utf-8")
    assert _run("rules", "test", str(broken)).exit_code == 2
    assert _run("rules", "test", str(tmp_path / "absent")).exit_code == 2


def test_export_to_a_file_and_to_standard_output(tmp_path: Path) -> None:
    out = tmp_path / "rules.yaml"
    result = _run("rules", "export", "--format", "cloudformation", "--output", str(out))
    assert result.exit_code == 0, result.output
    template = yaml.safe_load(out.read_text(encoding="utf-8"))
    kinds = [r["Type"] for r in template["Resources"].values()]
    assert kinds.count("AWS::Events::Rule") == len(PACK)
    raw = _json(_run("rules", "export", "--format", "eventbridge"))
    assert len(raw) == len(PACK)
    terraform = _json(_run("rules", "export", "--format", "terraform"))
    assert len(terraform["resource"]["aws_cloudwatch_event_rule"]) == len(PACK)


def test_export_to_an_unwritable_place_fails_before_work(tmp_path: Path) -> None:
    result = _run(
        "rules", "export", "--format", "terraform", "--output", str(tmp_path / "no" / "x.tf.json")
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert _run("rules", "export").exit_code == 2  # --format is required


def _laughs(levels: int = 8) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels + 1):
        refs = ",".join(f"*a{level - 1}" for _ in range(9))
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\nrules: *a8\n"


def test_hostile_rule_files_and_trails_are_one_line_and_exit_2(tmp_path: Path) -> None:
    """fileio's limits hold for rule files (YAML alias bomb, deep nesting) and CloudTrail
    files (deep nesting): one located line, no traceback; a CloudTrail record nested too
    deeply is skipped with one located warning (exit 0)"""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_laughs(), encoding="utf-8")
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    trail = tmp_path / "deep.json"
    trail.write_text('{"Records": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    for args, expected in (
        (("rules", "list", "--rules", str(bomb)), "line "),
        (("rules", "list", "--rules", str(deep)), "nested too deeply"),
        (("rules", "test", str(trail)), "Records[0]: JSON nested too deeply"),
    ):
        result = _run(*args)
        assert result.exit_code == (0 if args[1] == "test" else 2), result.output
        (line,) = result.stderr.strip().splitlines()
        assert expected in line and "Traceback" not in result.output


def test_export_scopes_split_global_from_regional_rules() -> None:
    """EventBridge User Guide, "Events from AWS services": global services' events arrive in
    us-east-1 only; the rest stay in their Region"""
    names = {
        scope: {
            r["Name"]
            for r in _json(_run("rules", "export", "--format", "eventbridge", "--scope", scope))
        }
        for scope in ("all", "global", "regional")
    }
    assert names["global"] and names["regional"]
    assert names["global"] | names["regional"] == names["all"]
    assert not names["global"] & names["regional"]
    assert "iamwarden-cloudtrail-stopped-or-deleted" in names["regional"]
    assert "iamwarden-iam-user-created" in names["global"]


def test_test_skips_a_record_nested_too_deeply_with_a_warning(tmp_path: Path) -> None:
    value: Any = "x"
    for _ in range(400):
        value = {"k": value}
    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": [{"requestParameters": value}, STOP]}))
    result = _run("rules", "test", str(trail), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["events"] == 1
    assert "cloudtrail_stopped_or_deleted" in {
        a["rule"] for a in json.loads(result.stdout)["alerts"]
    }
    assert f"{trail}: Records[0]: JSON nested too deeply" in result.stderr
    assert "record skipped" in result.stderr
