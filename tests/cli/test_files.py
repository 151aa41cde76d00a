"""Every command's files: outputs checked before the work and written atomically; inputs read
through the one guarded reader (depth, aliases, gzip by content, BOM, directories)"""

from __future__ import annotations

import dataclasses
import errno
import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from iamwarden.cli.main import cli
from iamwarden.snapshot import Account, demo_snapshot, dump_snapshot, snapshot_to_json
from tests.builders import CSV, auth_details, write_export

AUTH = "iam-get-account-authorization-details.json"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
SCENARIOS = """\
scenarios:
  - name: s1
    principal: arn:aws:iam::111122223333:user/alice
    identity_policies:
      - Version: "2012-10-17"
        Statement: [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
    requests:
      - {action: s3:GetObject, expect: allowed}
"""
DEEP = "[" * 100_000 + "]" * 100_000


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_error_line(result: Result) -> str:
    """The single `error: ...` line of an exit-2 result, checked to be the only stderr line"""
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def fill_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on every `os.write` writes half its bytes, then fails as a full disk does"""
    real_write = os.write

    def write(fd: int, data: Any) -> int:
        real_write(fd, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", write)


def _read_only_directory(tmp_path: Path) -> Path:
    """A folder nobody can create a file in, even root: `/sys` (sysfs), else a chmod-ed folder
    when not running as root; skip when neither holds"""
    sysfs = Path("/sys")
    try:
        probe = sysfs / ".iamwarden-test"
        probe.write_text("")
        probe.unlink()
    except OSError:
        return sysfs
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    pytest.skip("no read-only folder available to this user")


# -- outputs: checked before the work -------------------------------------------------------


def test_collect_into_a_missing_folder_fails_before_collecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iamwarden.cli import collect_cmd

    started: list[str] = []
    monkeypatch.setattr(collect_cmd, "open_access", lambda *a, **k: started.append("open"))
    monkeypatch.setattr(collect_cmd, "collect_account", lambda *a, **k: started.append("collect"))
    target = tmp_path / "no" / "such" / "dir" / "live.json"
    line = one_error_line(run("collect", "-o", str(target)))
    assert str(target) in line and "does not exist" in line
    assert started == []


def test_collect_into_a_directory_fails_before_collecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iamwarden.cli import collect_cmd

    started: list[str] = []
    monkeypatch.setattr(collect_cmd, "open_access", lambda *a, **k: started.append("open"))
    line = one_error_line(run("collect", "-o", str(tmp_path)))
    assert line == f"error: {tmp_path}: is a directory"
    assert started == []


def test_collect_org_into_a_file_fails_before_collecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iamwarden.cli import collect_cmd

    started: list[str] = []
    monkeypatch.setattr(collect_cmd, "open_access", lambda *a, **k: started.append("open"))
    file = tmp_path / "file"
    file.write_text("x")
    line = one_error_line(run("collect", "--org", "--role-name", "R", "-o", str(file)))
    assert line == f"error: {file}: not a directory"
    assert started == []


OUTPUT_COMMANDS = (("snapshot", "--demo"), ("assess", "--demo"), ("access", "--demo"), ("collect",))
"""Every command with a file output (`-o`)"""


@pytest.mark.parametrize("command", OUTPUT_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("name", ["newdir/", "existing", "existing/"])
def test_output_naming_a_directory_is_one_line_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...], name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()
    line = one_error_line(run(*command, "-o", name))
    if name.endswith("/"):
        assert line == f"error: {name}: names a directory (ends with `/`): give a file name"
    else:
        assert line == f"error: {name}: is a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"]
    assert list((tmp_path / "existing").iterdir()) == []


def test_snapshot_into_a_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "s.json"
    line = one_error_line(run("snapshot", "--demo", "-o", str(target)))
    assert line == f"error: {target}: directory `{target.parent}` does not exist"


def test_snapshot_into_a_read_only_folder(tmp_path: Path) -> None:
    folder = _read_only_directory(tmp_path)
    target = folder / "s.json"
    line = one_error_line(run("snapshot", "--demo", "-o", str(target)))
    assert line == f"error: {target}: directory `{folder}` is not writable"
    assert not target.exists()


def test_snapshot_on_a_full_disk_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "s.json"
    target.write_text("previous\n")
    fill_disk(monkeypatch)
    line = one_error_line(run("snapshot", "--demo", "-o", str(target)))
    assert line == f"error: {target}: no space left on device"
    assert target.read_text() == "previous\n"
    assert _leftovers(tmp_path) == []


def test_json_report_on_a_full_disk_keeps_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "report.json"
    report.write_text('{"previous": true}\n')
    fill_disk(monkeypatch)
    line = one_error_line(run("assess", "--demo", "--format", "json", "-o", str(report)))
    assert line == f"error: {report}: no space left on device"
    assert json.loads(report.read_text()) == {"previous": True}
    assert _leftovers(tmp_path) == []


def test_report_into_a_missing_folder_fails_before_assessing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iamwarden.cli import assess_cmd

    monkeypatch.setattr(assess_cmd, "load_source", lambda **k: pytest.fail("source was read"))
    target = tmp_path / "missing" / "report.txt"
    line = one_error_line(run("assess", "--demo", "-o", str(target)))
    assert line == f"error: {target}: directory `{target.parent}` does not exist"


def test_report_is_replaced_whole(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("old")
    report.chmod(0o640)
    result = run("assess", "--demo", "--format", "json", "-o", str(report))
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text())["schema_version"] == 1
    assert report.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path) == []


def _org_index(tmp_path: Path) -> Path:
    directory = tmp_path / "org"
    directory.mkdir()
    member = dataclasses.replace(demo_snapshot(), account=Account(id="111111111111"))
    dump_snapshot(member, directory / "111111111111.json")  # the index id is its account's
    (directory / "organization.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "organization_id": "o-abc123",
                "management_account_id": "111111111111",
                "collected_at": None,
                "accounts": [{"id": "111111111111", "name": "m", "snapshot": "111111111111.json"}],
            }
        )
    )
    return directory


def test_report_dir_that_is_a_file_fails_before_assessing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iamwarden.cli import assess_org

    monkeypatch.setattr(assess_org, "read_index", lambda *a: pytest.fail("index was read"))
    file = tmp_path / "file"
    file.write_text("x")
    report_dir = file / "reports"
    line = one_error_line(
        run("assess", "--org-index", str(_org_index(tmp_path)), "--report-dir", str(report_dir))
    )
    assert line == f"error: {report_dir}: `{file}` is not a directory"


def test_org_summary_into_a_missing_folder_fails_before_assessing(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "org.txt"
    reports = tmp_path / "reports"
    line = one_error_line(
        run(
            "assess",
            "--org-index",
            str(_org_index(tmp_path)),
            "--report-dir",
            str(reports),
            "-o",
            str(target),
        )
    )
    assert line == f"error: {target}: directory `{target.parent}` does not exist"
    assert not any(reports.glob("*.txt"))


def test_account_reports_on_a_full_disk_fail_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = tmp_path / "reports"
    index = _org_index(tmp_path)
    fill_disk(monkeypatch)
    line = one_error_line(run("assess", "--org-index", str(index), "--report-dir", str(reports)))
    assert line == f"error: {reports / '111111111111.txt'}: no space left on device"
    assert list(reports.iterdir()) == []


# -- inputs: one guarded reader -------------------------------------------------------------


def test_lint_deeply_nested_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"Statement": ' + DEEP + "}")
    line = one_error_line(run("lint", str(path)))
    assert line == f"error: {path}: line 1:270: JSON nested too deeply (more than 256 levels)"


def test_simulate_deeply_nested_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("scenarios: " + DEEP)
    line = one_error_line(run("simulate", "--scenarios", str(path)))
    assert line.startswith(f"error: {path}: line 1:")
    assert line.endswith("YAML nested too deeply (more than 256 levels)")


def test_simulate_deeply_nested_policy_in_json_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"scenarios": [{"name": "s", "identity_policies": [' + DEEP + "]}]}")
    assert "nested too deeply" in one_error_line(run("simulate", "--scenarios", str(path)))


def test_assess_deeply_nested_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"schema_version": 1, "snapshot": ' + DEEP + "}")
    line = one_error_line(run("assess", "--snapshot", str(path)))
    assert line.endswith("JSON nested too deeply (more than 256 levels)")
    assert line.startswith(f"error: {path}: line 1:")


def test_assess_deeply_nested_export(tmp_path: Path) -> None:
    account = write_export(tmp_path, {AUTH: {"UserDetailList": []}})
    (account / "us-east-1" / AUTH).write_text('{"UserDetailList": ' + DEEP + "}")
    assert "JSON nested too deeply" in one_error_line(run("assess", "--input", str(account)))


def test_deeply_nested_suppressions(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("suppressions: " + DEEP)
    line = one_error_line(run("assess", "--demo", "--suppressions", str(path)))
    assert line.startswith(f"error: {path}: line 1:") and "nested too deeply" in line


def test_deeply_nested_org_index(tmp_path: Path) -> None:
    directory = _org_index(tmp_path)
    (directory / "organization.json").write_text('{"accounts": ' + DEEP + "}")
    line = one_error_line(
        run("assess", "--org-index", str(directory), "--report-dir", str(tmp_path / "r"))
    )
    assert "organization.json: line 1:" in line and "nested too deeply" in line


def _laughs(levels: int = 8) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels + 1):
        refs = ",".join(f"*a{level - 1}" for _ in range(9))
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_scenario_policy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    laughs = _laughs().replace("\n", "\n  ")
    path.write_text(
        f"defs:\n  {laughs}\nscenarios:\n  - name: s\n"
        "    principal: arn:aws:iam::111122223333:user/alice\n"
        "    identity_policies: [{Version: '2012-10-17', Statement: *a8}]\n"
        "    requests: [{action: s3:GetObject}]\n"
    )
    line = one_error_line(run("simulate", "--scenarios", str(path)))
    assert line.startswith(f"error: {path}: line ")
    assert line.endswith("YAML aliases expand to more than 100000 nodes")


def test_billion_laughs_suppressions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(_laughs() + "suppressions: *a8\n")
    line = one_error_line(run("assess", "--demo", "--suppressions", str(path)))
    assert line.endswith("YAML aliases expand to more than 100000 nodes")


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "policy: &p {Version: '2012-10-17', Statement: {Effect: Allow, Action: 's3:*', "
        "Resource: '*'}}\n"
        "scenarios:\n"
        "  - {name: a, principal: 'arn:aws:iam::111122223333:user/a', identity_policies: [*p],"
        " requests: [{action: s3:GetObject, expect: allowed}]}\n"
        "  - {name: b, principal: 'arn:aws:iam::111122223333:user/b', identity_policies: [*p],"
        " requests: [{action: s3:PutObject, expect: allowed}]}\n"
    )
    result = run("simulate", "--scenarios", str(path))
    assert result.exit_code == 0, result.output


def test_gzip_snapshot_named_json(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(gzip.compress(json.dumps(snapshot_to_json(demo_snapshot())).encode()))
    result = run("assess", "--snapshot", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["account"]["id"] == demo_snapshot().account.id


def test_gzip_export_file_named_json(tmp_path: Path) -> None:
    account = write_export(tmp_path, {AUTH: auth_details()})
    file = account / "us-east-1" / AUTH
    file.write_bytes(gzip.compress(file.read_bytes()))
    result = run("snapshot", "--input", str(account), "-o", str(tmp_path / "out.json"))
    assert result.exit_code == 0, result.output


def test_gzip_and_bom_policy_for_lint(tmp_path: Path) -> None:
    zipped = tmp_path / "a.json"
    zipped.write_bytes(gzip.compress(json.dumps(POLICY).encode()))
    marked = tmp_path / "b.json"
    marked.write_bytes(b"\xef\xbb\xbf" + json.dumps(POLICY).encode())
    result = run("lint", str(zipped), str(marked))
    assert result.exit_code == 0, result.output


def test_gzip_and_bom_scenarios(tmp_path: Path) -> None:
    zipped = tmp_path / "a.yaml"
    zipped.write_bytes(gzip.compress(SCENARIOS.encode()))
    marked = tmp_path / "b.yaml"
    marked.write_bytes(b"\xef\xbb\xbf" + SCENARIOS.encode())
    for path in (zipped, marked):
        result = run("simulate", "--scenarios", str(path))
        assert result.exit_code == 0, result.output


def test_bom_snapshot_and_suppressions(tmp_path: Path) -> None:
    snapshot = tmp_path / "s.json"
    snapshot.write_bytes(b"\xef\xbb\xbf" + json.dumps(snapshot_to_json(demo_snapshot())).encode())
    rules = tmp_path / "rules.yaml"
    rules.write_bytes(b"\xef\xbb\xbfsuppressions:\n  - check_id: root_access_key_absent\n")
    result = run("assess", "--snapshot", str(snapshot), "--suppressions", str(rules))
    assert result.exit_code == 0, result.output
    as_json = run(
        "assess", "--snapshot", str(snapshot), "--suppressions", str(rules), "--format", "json"
    )
    assert "MUTED" in as_json.stdout


def test_directory_where_the_authorization_details_belong(tmp_path: Path) -> None:
    account = write_export(tmp_path, {AUTH: auth_details()})
    (account / "us-east-1" / AUTH).unlink()
    (account / "us-east-1" / AUTH).mkdir()
    line = one_error_line(run("assess", "--input", str(account)))
    assert line.endswith(f"{AUTH}: is a directory")


def test_directory_where_the_credential_report_belongs_is_not_a_gap(tmp_path: Path) -> None:
    account = write_export(tmp_path, {AUTH: auth_details()})
    (account / "us-east-1" / "credential-report.csv").mkdir()
    line = one_error_line(run("assess", "--input", str(account)))
    assert line.endswith("credential-report.csv: is a directory")


def test_credential_report_gzip_named_csv(tmp_path: Path) -> None:
    account = write_export(tmp_path, {AUTH: auth_details()})
    (account / "us-east-1" / "credential-report.csv").write_bytes(gzip.compress(CSV.encode()))
    result = run("assess", "--input", str(account), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["credential_report"]["collected"] is True


def test_scenario_syntax_error_is_located_by_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - name: [unclosed\n")
    line = one_error_line(run("simulate", "--scenarios", str(path)))
    assert line.startswith(f"error: {path}: line 3:1: ")


def test_snapshot_syntax_error_is_located_by_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{\n "schema_version": 1,\n   oops\n}')
    line = one_error_line(run("assess", "--snapshot", str(path)))
    assert line.startswith(f"error: {path}: line 3:4: invalid JSON")


def test_simulate_deeply_nested_policy_text_inside_scenarios(tmp_path: Path) -> None:
    """A policy given as JSON text is a string to the file's reader: checked on its own"""
    policy = '{"Version": "2012-10-17", "Statement": ' + DEEP + "}"
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps(
            {
                "scenarios": [
                    {
                        "name": "s",
                        "principal": "arn:aws:iam::111122223333:user/a",
                        "identity_policies": [policy],
                        "requests": [{"action": "s3:GetObject"}],
                    }
                ]
            }
        )
    )
    line = one_error_line(run("simulate", "--scenarios", str(path)))
    assert line == (
        f"error: {path}: scenarios[0] (s).identity_policies[0] line 1:295: "
        "JSON nested too deeply (more than 256 levels)"
    )


def test_a_failed_org_run_leaves_no_report_dir_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert "file not found" in one_error_line(run("assess", "--org-index", "missing"))
    assert list(tmp_path.iterdir()) == []


# -- the README sweep: every command, every hostile input or destination ---------------------

_BOMB = _laughs() + "scenarios: *a8\nsuppressions: *a8\nStatement: *a8\n"
_PRINCIPAL = "arn:aws:iam::210987654321:user/deploy-bot"
# each README command with `{in}` for its input file (`json` or `yaml`) and `{out}` for its
# output file where it has one
SWEEP = {
    "assess": ("json", "assess", "--snapshot", "{in}", "-o", "{out}"),
    "assess --format json": (
        "json",
        "assess",
        "--snapshot",
        "{in}",
        "--format",
        "json",
        "-o",
        "{out}",
    ),
    "assess --input": ("json", "assess", "--input", "{export}", "-o", "{out}"),
    "assess --suppressions": ("yaml", "assess", "--demo", "--suppressions", "{in}", "-o", "{out}"),
    "assess --org-index": ("json", "assess", "--org-index", "{in}", "-o", "{out}"),
    "snapshot": ("json", "snapshot", "--snapshot", "{in}", "-o", "{out}"),
    "simulate": (
        "json",
        "simulate",
        "--snapshot",
        "{in}",
        "--principal",
        _PRINCIPAL,
        "--action",
        "s3:GetObject",
    ),
    "simulate --scenarios": ("yaml", "simulate", "--scenarios", "{in}"),
    "access": ("json", "access", "--snapshot", "{in}", "-o", "{out}"),
    "paths": ("json", "paths", "--snapshot", "{in}"),
    "who-can": ("json", "who-can", "iam:CreateUser", "--snapshot", "{in}"),
    "lint": ("json", "lint", "{in}"),
    "lint yaml": ("yaml", "lint", "{in}"),
}
HOSTILE = {"nested": DEEP, "yaml bomb": _BOMB}


def _sweep_arguments(tmp_path: Path, command: str, content: str) -> tuple[list[str], Path]:
    """The command line with `content` as its input, and its output (holding earlier work)"""
    kind, *args = SWEEP[command]
    source = tmp_path / f"in.{kind}"
    source.write_text(content)
    export = tmp_path / "export" / "us-east-1"
    export.mkdir(parents=True)
    (export / AUTH).write_text(content)
    out = tmp_path / "out.txt"
    out.write_text("earlier output\n")
    values = {"{in}": str(source), "{out}": str(out), "{export}": str(export.parent)}
    return [values.get(a, a) for a in args], out


@pytest.mark.parametrize("hazard", HOSTILE)
@pytest.mark.parametrize("command", SWEEP)
def test_readme_commands_refuse_hostile_input_in_one_line_keeping_earlier_output(
    tmp_path: Path, command: str, hazard: str
) -> None:
    arguments, out = _sweep_arguments(tmp_path, command, HOSTILE[hazard])
    if (command, hazard) == ("lint", "yaml bomb"):  # a .json file is JSON: a lint syntax error
        result = run(*arguments)
        assert result.exit_code == 1
        assert "error syntax: (document): policy is not valid json" in result.output
        return
    line = one_error_line(run(*arguments))
    assert ("nested too deeply" in line) if hazard == "nested" else ("line " in line), line
    assert out.read_text() == "earlier output\n"


OUTPUT_SWEEP = {
    "assess": ("assess", "--demo", "-o", "{out}"),
    "assess --format json": ("assess", "--demo", "--format", "json", "-o", "{out}"),
    "assess --org-index --report-dir": (
        "assess",
        "--org-index",
        "{index}",
        "--report-dir",
        "{dir}",
    ),
    "access": ("access", "--demo", "-o", "{out}"),
    "snapshot": ("snapshot", "--demo", "-o", "{out}"),
    "collect": ("collect", "-o", "{out}"),
    "collect --org": ("collect", "--org", "--role-name", "R", "-o", "{dir}"),
}


@pytest.mark.parametrize("place", ["missing folder", "read-only folder"])
@pytest.mark.parametrize("command", OUTPUT_SWEEP)
def test_readme_commands_refuse_an_unwritable_destination_in_one_line_before_working(
    tmp_path: Path, command: str, place: str
) -> None:
    if place == "missing folder":
        folder = tmp_path / "no" / "such"
        if "{dir}" in OUTPUT_SWEEP[command]:  # a missing directory is created: block it
            (tmp_path / "no").write_text("a file where a folder belongs")
    else:
        folder = _read_only_directory(tmp_path)
    index = _org_index(tmp_path)
    values = {
        "{out}": str(folder / "report.txt"),
        "{dir}": str(folder / "d"),
        "{index}": str(index),
    }
    line = one_error_line(run(*(values.get(a, a) for a in OUTPUT_SWEEP[command])))
    assert str(folder) in line, line
    assert not (folder / "report.txt").exists() and not (folder / "d").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("args", [["checks", "list"], ["assess", "--demo", "-q"]])
def test_a_full_standard_output_is_one_line_and_exit_2(args: list[str]) -> None:
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-c", "from iamwarden.cli.main import main; main()", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr == "error: cannot write the output: No space left on device\n"


def test_an_empty_output_path_is_named_by_its_option() -> None:
    """`--output ''` is `Path('.')` once converted: refuse it as given, naming the option"""
    result = CliRunner().invoke(cli, ["assess", "--demo", "--quiet", "--output", ""])
    assert result.exit_code == 2
    assert result.output.strip() == "error: --output: empty path"
