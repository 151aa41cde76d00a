"""The organization summary in text and JSON"""

from __future__ import annotations

import json

from iamwarden.analysis.organization import assess_organization
from iamwarden.report.organization import render_organization_json, render_organization_text
from iamwarden.snapshot import demo_snapshot
from tests.analysis.test_organization import _org

DEMO_ID = demo_snapshot().account.id


def test_text_summary_lists_worst_accounts_checks_and_failures() -> None:
    text = render_organization_text(_org(), {"333333333333": "reports/333333333333.txt"})
    lines = text.splitlines()
    assert lines[0] == "IAM Security Assessment: Organization Summary"
    assert "Accounts: 4 (3 assessed)" in lines
    worst = lines.index("WORST ACCOUNTS:")
    assert lines[worst + 2].startswith("333333333333  dev")
    assert any(
        line.startswith("[CRITICAL]")
        and "2 of 3 accounts" in line
        and line.endswith("333333333333, 555555555555")
        for line in lines
    )
    assert "- 444444444444 (sandbox): AccessDenied assuming the role" in lines
    assert "- 333333333333: reports/333333333333.txt" in lines


def test_json_summary_is_deterministic_and_complete() -> None:
    first = render_organization_json(_org())
    assert first == render_organization_json(_org())
    data = json.loads(first)
    assert data["organization"] == {"id": "o-example", "management_account_id": "111111111111"}
    assert [a["id"] for a in data["accounts"]] == [
        "222222222222",
        "333333333333",
        "444444444444",
        "555555555555",
    ]
    assert data["accounts"][2]["error"] == "AccessDenied assuming the role"
    assert data["worst_accounts"][0] == "333333333333"
    assert data["checks_across_accounts"][0]["accounts"] == ["333333333333", "555555555555"]


def test_worst_accounts_and_json_count_info_failures() -> None:
    """Every FAIL counts once: the severity columns and `failures_by_severity` sum to the
    account's failures, INFO included (the demo account has INFO findings)"""
    org = assess_organization("o-example", "111111111111", [(DEMO_ID, "demo", demo_snapshot(), "")])
    account = org.accounts[0]
    assert account.assessment is not None
    total = len(account.assessment.failures)
    row = json.loads(render_organization_json(org))["accounts"][0]["failures_by_severity"]
    assert row["info"] > 0
    assert sum(row.values()) == total
    lines = render_organization_text(org).splitlines()
    header = lines[lines.index("WORST ACCOUNTS:") + 1]
    assert header.split()[-2:] == ["info", "score"]
    cells = lines[lines.index("WORST ACCOUNTS:") + 2].split()
    assert sum(int(n) for n in cells[2:7]) == total
