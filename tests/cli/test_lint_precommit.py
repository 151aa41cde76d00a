"""The `iamwarden-lint` pre-commit hook, run by pre-commit itself on a sample git repository
(issue 14 §5). pre-commit's `try-repo` runs this checkout's `.pre-commit-hooks.yaml` (copied
into a hooks repository of its own, so the test does not depend on what is committed here);
the `iamwarden-lint-system` hook uses the installed iamwarden, so nothing is downloaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(cwd.parent / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_hooks_file_declares_both_hooks() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"iamwarden-lint", "iamwarden-lint-system"}
    assert hooks["iamwarden-lint"]["language"] == "python"
    assert hooks["iamwarden-lint-system"]["language"] == "system"
    for hook in hooks.values():
        assert hook["entry"] == "iamwarden lint --skip-other-files"


def test_pre_commit_runs_the_hook_on_a_sample_repository(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    shutil.copy(HOOKS, hooks / ".pre-commit-hooks.yaml")
    for step in (("git", "init", "-q"), ("git", "add", "."), ("git", "commit", "-qm", "hooks")):
        assert _run(*step, cwd=hooks).returncode == 0
    repo = tmp_path / "repo"
    repo.mkdir()
    assert _run("git", "init", "-q", cwd=repo).returncode == 0
    good = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    (repo / "policy.json").write_text(json.dumps(good, indent=2))
    (repo / "package.json").write_text('{"name": "app"}')  # not a policy: skipped
    # nor these, though none parses as one JSON or YAML document
    (repo / "k8s.yaml").write_text("kind: ConfigMap\n---\nkind: Service\n")
    (repo / "chart.yaml").write_text("data:\n  {{- toYaml .Values.data | nindent 2 }}\n")
    (repo / "tsconfig.json").write_text('{\n  // comment\n  "compilerOptions": {}\n}\n')
    _run("git", "add", ".", cwd=repo)
    run = (
        sys.executable,
        "-m",
        "pre_commit",
        "try-repo",
        str(hooks),
        "iamwarden-lint-system",
        "--all-files",
    )
    passed = _run(*run, cwd=repo)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    bad = {**good, "Statement": [{**good["Statement"][0], "Principal": "*"}]}
    (repo / "policy.json").write_text(json.dumps(bad, indent=2))
    _run("git", "add", ".", cwd=repo)
    failed = _run(*run, cwd=repo)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "principal_not_allowed" in failed.stdout
    assert "policy.json" in failed.stdout and "package.json" not in failed.stdout
