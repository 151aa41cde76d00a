"""`iamwarden assess --format ... --output FILE | --output-dir DIR`: every report format"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from iamwarden.cli.main import cli
from iamwarden.report.formats import FORMATS


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["assess", "--quiet", *args])


def test_demo_html_opens_in_chromium_without_errors_or_requests(
    browser: Any, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    result = run("--demo", "--format", "html", "--output", str(report))
    assert result.exit_code == 0, result.output
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(report.as_uri())
        page.select_option("#filter-severity", "critical")
        assert page.text_content("#shown-count") == page.text_content("#card-critical .count")
        assert errors == [] and requests == [report.as_uri()]
    finally:
        context.close()


def test_output_dir_writes_every_format_asked(tmp_path: Path) -> None:
    target = tmp_path / "reports"
    args = [a for name in FORMATS for a in ("--format", name)]
    result = run("--demo", *args, "--output-dir", str(target))
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in target.iterdir())
    assert written == sorted(f.filename for f in FORMATS.values())
    assert json.loads((target / "report.json").read_text())["schema_version"] == 1
    assert (target / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (target / "report.txt").read_text().startswith("IAM Security Assessment Report")
    assert not [p for p in target.iterdir() if p.name.endswith(".tmp")]


def test_one_format_goes_to_stdout() -> None:
    result = run("--demo", "--format", "html")
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>")


def test_several_formats_need_an_output_dir() -> None:
    result = run("--demo", "--format", "html", "--format", "json")
    assert result.exit_code == 2
    assert "several --format need --output-dir DIR" in result.output


def test_output_and_output_dir_exclude_each_other(tmp_path: Path) -> None:
    result = run(
        "--demo", "--format", "html", "-o", str(tmp_path / "a.html"), "--output-dir", str(tmp_path)
    )
    assert result.exit_code == 2 and "not both" in result.output


def test_a_bad_output_dir_fails_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("--demo", "--format", "html", "--output-dir", str(blocker / "sub"))
    assert result.exit_code == 2
    assert "is not a directory" in result.output
    taken = tmp_path / "reports"
    (taken / "report.html").mkdir(parents=True)
    result = run("--demo", "--format", "html", "--output-dir", str(taken))
    assert result.exit_code == 2 and "report.html" in result.output


def test_organization_mode_takes_text_json_or_html_only(tmp_path: Path) -> None:
    result = run("--org-index", str(tmp_path), "--format", "sarif")
    assert result.exit_code == 2
    assert "organization mode writes one --format: text, json, html" in result.output


def test_a_format_whose_extra_is_missing_fails_before_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "py_ocsf_models" else real(name, *a),
    )
    result = run("--demo", "--format", "ocsf", "-o", str(tmp_path / "out.json"))
    assert result.exit_code == 2
    assert "--format ocsf needs `pip install 'iamwarden[ocsf]'`" in result.output
    assert not (tmp_path / "out.json").exists()


def test_asff_region_comes_from_the_option_or_the_aws_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    configured = json.loads(run("--demo", "--format", "asff").stdout)["Findings"][0]
    assert ":securityhub:eu-central-1:" in configured["ProductArn"]
    given = run("--demo", "--format", "asff", "--security-hub-region", "ap-south-1")
    assert json.loads(given.stdout)["Findings"][0]["Resources"][0]["Region"] == "ap-south-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    fallback = json.loads(run("--demo", "--format", "asff").stdout)["Findings"][0]
    assert ":securityhub:us-east-1:" in fallback["ProductArn"]
