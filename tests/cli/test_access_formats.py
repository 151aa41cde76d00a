"""`iamwarden access --format sarif|csv|asff|ocsf`: the access findings in the report formats"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import jsonschema
from botocore.validate import ParamValidator
from click.testing import CliRunner

from iamwarden.cli.main import cli
from iamwarden.report.csv_report import read_csv

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-2.1.0-rtm.5.json"


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, ["access", "--demo", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _findings() -> list[dict[str, Any]]:
    return list(json.loads(run("--format", "json"))["findings"])


def test_access_sarif_is_valid_and_has_every_failure() -> None:
    log = json.loads(run("--format", "sarif"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft4Validator(schema).iter_errors(log)) == []
    failing = [f for f in _findings() if f["status"] != "PASS"]
    results = log["runs"][0]["results"]
    assert {r["partialFingerprints"]["iamwardenFindingId/v1"] for r in results} == {
        f["id"] for f in failing
    }
    assert all(r["ruleId"].startswith(("external_access", "role_trust")) for r in results)


def test_access_csv_asff_and_ocsf_have_every_result() -> None:
    """Every result, PASS included (the access JSON lists PASS only when a block decided it)"""
    shown = [f["id"] for f in _findings()]
    rows = list(read_csv(run("--format", "csv")))
    every = [r["finding_id"] for r in rows]
    assert [i for i in every if i in set(shown)] == shown
    assert {r["status"] for r in rows if r["finding_id"] not in set(shown)} == {"PASS"}
    asff = json.loads(run("--format", "asff"))["Findings"]
    shape = (
        botocore.session.get_session()
        .get_service_model("securityhub")
        .operation_model("BatchImportFindings")
        .input_shape
    )
    assert not ParamValidator().validate({"Findings": asff[:100]}, shape).has_errors()
    assert [a["ProductFields"]["iamwarden/finding_id"] for a in asff] == every
    events = json.loads(run("--format", "ocsf"))
    assert [e["class_uid"] for e in events] == [2004] * len(every)
