"""Explicit YAML tags the safe constructor cannot build (`!!timestamp foo`, `!!bool maybe`,
`!!set [a]`) in every file a command reads: one located line, exit 2, no traceback"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from iamwarden.cli.main import cli

_SCENARIO = """\
scenarios:
  - name: a
    principal: arn:aws:iam::111122223333:user/a
    requests:
      - action: s3:GetObject
        context: {{"aws:CurrentTime": {value}}}
"""
_POLICY = """\
Version: "2012-10-17"
Statement:
  - Effect: Allow
    Action: s3:GetObject
    Resource: {value}
"""
_SUPPRESSIONS = """\
suppressions:
  - check_id: root_mfa_enabled
    reason: {value}
"""
# (command, file name, file text, where the value starts)
_CASES = {
    "simulate": (["simulate", "--scenarios"], "s.yaml", _SCENARIO, "line 6:38"),
    "lint": (["lint"], "p.yaml", _POLICY, "line 5:15"),
    "check": (
        ["check", "access-not-granted", "--actions", "s3:GetObject"],
        "p.yaml",
        _POLICY,
        "line 5:15",
    ),
    "suppressions": (["assess", "--demo", "--suppressions"], "q.yaml", _SUPPRESSIONS, "line 3:13"),
}


@pytest.mark.parametrize("command", sorted(_CASES))
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("!!timestamp foo", "`foo` is not a valid !!timestamp"),
        ('!!timestamp ""', "an empty value is not a valid !!timestamp"),
        ("!!bool maybe", "`maybe` is not a valid !!bool"),
        ("!!set [a]", "expected a mapping node, but found sequence"),
        ("!!map [a]", "expected a mapping node, but found sequence"),
        ("2026-13-01", "`2026-13-01` is not a valid !!timestamp: month must be in 1..12"),
    ],
)
def test_a_value_yaml_cannot_build_is_one_located_line(
    tmp_path: Path, command: str, value: str, problem: str
) -> None:
    arguments, name, template, where = _CASES[command]
    path = tmp_path / name
    path.write_text(template.format(value=value))
    result = CliRunner().invoke(cli, [*arguments, str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines()[-1] == (
        f"error: {path}: {where}: invalid YAML: {problem}"
    )
