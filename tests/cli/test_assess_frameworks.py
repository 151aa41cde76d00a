"""`iamwarden assess --framework ...` and `iamwarden checks list --framework ...`: every
bundled framework in the text, JSON and HTML reports"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner

from iamwarden.analysis import FRAMEWORK_FILES, AssessOptions, assess, load_framework
from iamwarden.cli.main import cli
from iamwarden.report.formats import render_format
from iamwarden.snapshot import demo_snapshot


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, [*args])


@pytest.mark.parametrize("framework_id", list(FRAMEWORK_FILES))
def test_text_score_line_and_table_name_each_framework(framework_id):
    result = run("assess", "--quiet", "--demo", "--framework", framework_id)
    assert result.exit_code == 0, result.output
    name = load_framework(framework_id).name
    lines = result.output.splitlines()
    score = [line for line in lines if line.startswith("Compliance Score: ")]
    assert len(score) == 1 and score[0].endswith(f"({name})")
    assert f"COMPLIANCE ({name}):" in lines


def test_several_frameworks_give_one_score_line_and_table_each_in_order():
    result = run("assess", "--quiet", "--demo", "--framework", "cis-7.0", "--framework", "pci-4.0")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    scores = [line for line in lines if line.startswith("Compliance Score: ")]
    assert scores == [
        "Compliance Score: 15% (CIS AWS Foundations Benchmark v7.0)",
        "Compliance Score: n/a (PCI DSS v4.0 (IAM))",  # every PCI requirement is manual
    ]
    first = lines.index("COMPLIANCE (CIS AWS Foundations Benchmark v7.0):")
    second = lines.index("COMPLIANCE (PCI DSS v4.0 (IAM)):")
    assert first < second
    assert lines[first + 1].startswith("2.1.1 ")
    # a finding names its requirement in each framework, by framework name
    assert (
        "- CIS AWS Foundations Benchmark v7.0: 2.4 "
        "(Ensure no 'root' user account access key exists)" in lines
    )


def test_without_framework_the_report_is_cis_v3_alone():
    result = run("assess", "--quiet", "--demo")
    lines = result.output.splitlines()
    assert [line for line in lines if line.startswith("Compliance Score: ")] == [
        "Compliance Score: 21% (CIS AWS Foundations Benchmark v3.0)"
    ]
    assert any(line.startswith("- CIS Benchmark: 1.4 ") for line in lines)


def test_a_single_non_cis_framework_names_its_requirements_by_name():
    result = run("assess", "--quiet", "--demo", "--framework", "soc2")
    lines = result.output.splitlines()
    assert any(line.startswith("- SOC 2 (IAM): CC6.1 ") for line in lines)
    assert not any(line.startswith("- CIS Benchmark:") for line in lines)


def test_json_lists_each_framework_table():
    result = run(
        "assess",
        "--quiet",
        "--demo",
        "--format",
        "json",
        "--framework",
        "fsbp",
        "--framework",
        "soc2",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [f["id"] for f in data["frameworks"]] == ["fsbp", "soc2"]
    assert data["framework"]["name"] == data["frameworks"][0]["name"]
    assert data["compliance"] == data["frameworks"][0]["compliance"]
    soc2 = data["frameworks"][1]
    assert [row["id"] for row in soc2["compliance"]] == ["CC6.1", "CC6.2", "CC6.3"]
    # SOC 2 sets no threshold a check decides: manual throughout, never scored
    assert soc2["compliance_score"] == {"passed": 0, "assessed": 0, "percent": None}


def test_html_has_one_table_per_framework(tmp_path):
    page = tmp_path / "report.html"
    result = run(
        "assess",
        "--quiet",
        "--demo",
        "--format",
        "html",
        "--output",
        str(page),
        "--framework",
        "cis-5.0",
        "--framework",
        "cis-7.0",
    )
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert html.count('<table class="compliance"') == 2
    assert 'data-framework="cis-5.0"' in html and 'data-framework="cis-7.0"' in html
    rows = len(load_framework("cis-5.0").requirements) + len(load_framework("cis-7.0").requirements)
    assert html.count('<tr class="control') == rows


def test_an_unknown_framework_is_bad_usage():
    result = run("assess", "--quiet", "--demo", "--framework", "iso-27001")
    assert result.exit_code == 2
    assert "iso-27001" in result.output


@pytest.mark.parametrize(
    ("framework_id", "heading", "root_key"),
    [("cis-5.0", "CIS-5.0", "1.3"), ("cis-7.0", "CIS-7.0", "2.4"), ("fsbp", "FSBP", "IAM.4")],
)
def test_checks_list_shows_a_chosen_framework_ids(framework_id, heading, root_key):
    result = run("checks", "list", "--framework", framework_id)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[3] == heading
    root = next(line for line in lines if line.startswith("root_access_key_absent "))
    assert root.split()[3] == root_key


def test_checks_list_shows_the_organization_check_under_cis_v7():
    result = run("checks", "list", "--framework", "cis-7.0")
    line = next(
        line
        for line in result.output.splitlines()
        if line.startswith("organization_guardrails_attached ")
    )
    assert line.split()[3] == "2.1.2"


def test_sarif_csv_asff_and_ocsf_carry_every_chosen_framework() -> None:
    """Each machine format names the root-key check's requirement in both frameworks:
    CIS v7.0.0 2.4 and Security Hub IAM.4 ("IAM root user access key should not exist")"""
    cis, fsbp = load_framework("cis-7.0"), load_framework("fsbp")
    result = assess(demo_snapshot(), AssessOptions(frameworks=(cis, fsbp)))
    both = [f"{cis.name} 2.4", f"{fsbp.name} IAM.4"]
    sarif = json.loads(render_format("sarif", result))
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["root_access_key_absent"]["properties"]["compliance"] == both
    rows = list(csv.DictReader(io.StringIO(render_format("csv", result))))
    row = next(r for r in rows if r["check_id"] == "root_access_key_absent")
    assert row["compliance"] == "; ".join(both)
    asff = json.loads(render_format("asff", result))
    finding = next(
        f for f in asff["Findings"] if f["GeneratorId"].endswith("root_access_key_absent")
    )
    assert finding["Compliance"]["RelatedRequirements"] == both
    events = json.loads(render_format("ocsf", result))
    event = next(
        e for e in events if e.get("unmapped", {}).get("check_id") == "root_access_key_absent"
    )
    assert event["unmapped"]["compliance"] == {cis.name: ["2.4"], fsbp.name: ["IAM.4"]}
