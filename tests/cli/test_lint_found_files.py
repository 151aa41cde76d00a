"""`iamwarden lint` on the files a directory or a pre-commit hook hands over: one that is
not a policy is skipped even when it does not parse as one document, one that may be a
policy is an error at its line, and the run never ends on one of them (newcomer review of
issue 14)"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from iamwarden.cli.main import cli

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:PutObjct", "Resource": "*"}],
}
KUBERNETES = "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Service\n"
HELM = "apiVersion: v1\nkind: ConfigMap\ndata:\n  {{- toYaml .Values.data | nindent 2 }}\n"
TSCONFIG = '{\n  // comments are not JSON\n  "compilerOptions": {}\n}\n'


def _others(folder: Path) -> list[Path]:
    folder.mkdir()
    files = {"multi.yaml": KUBERNETES, "helm.yaml": HELM, "tsconfig.json": TSCONFIG}
    for name, text in files.items():
        (folder / name).write_text(text)
    return sorted(folder / name for name in files)


def test_a_directory_skips_files_that_are_not_policies_and_do_not_parse(tmp_path: Path) -> None:
    _others(tmp_path / "d")
    (tmp_path / "d" / "zz.json").write_text(json.dumps(POLICY))
    result = CliRunner().invoke(cli, ["lint", str(tmp_path / "d")])
    assert result.exit_code == 1, result.output  # the policy's unknown action
    assert "unknown_action" in result.output
    assert "3 files skipped" in result.stderr


def test_the_hook_skips_named_files_that_are_not_policies(tmp_path: Path) -> None:
    others = _others(tmp_path / "d")
    result = CliRunner().invoke(cli, ["lint", "--skip-other-files", *map(str, others)])
    assert result.exit_code == 0, result.output
    assert "3 files skipped" in result.stderr


def test_a_found_file_that_may_be_a_policy_and_does_not_parse_is_an_error_at_its_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "p.yaml").write_text("Statement:\n  - Effect: Allow\n---\nVersion: x\n")
    (tmp_path / "q.json").write_text(json.dumps(POLICY))
    result = CliRunner().invoke(cli, ["lint", "--format", "json", str(tmp_path)])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    (broken,) = data[str(tmp_path / "p.yaml")]
    assert (broken["code"], broken["line"]) == ("syntax", 3)
    assert data[str(tmp_path / "q.json")][0]["code"] == "unknown_action"


def test_a_named_file_that_does_not_parse_is_still_bad_input(tmp_path: Path) -> None:
    (tmp_path / "multi.yaml").write_text(KUBERNETES)
    result = CliRunner().invoke(cli, ["lint", str(tmp_path / "multi.yaml")])
    assert result.exit_code == 2
    assert "another document" in result.stderr


def test_a_json_syntax_error_is_at_the_line_and_column_the_reader_names(tmp_path: Path) -> None:
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow",}]\n}\n'
    (tmp_path / "trailing.json").write_text(text)
    (tmp_path / "empty.json").write_text("")
    result = CliRunner().invoke(
        cli,
        ["lint", "--format", "json", str(tmp_path / "trailing.json"), str(tmp_path / "empty.json")],
    )
    data = json.loads(result.stdout)
    (trailing,) = data[str(tmp_path / "trailing.json")]
    assert (trailing["line"], trailing["column"]) == (3, 36)
    (empty,) = data[str(tmp_path / "empty.json")]
    assert (empty["line"], empty["column"]) == (1, 1)
