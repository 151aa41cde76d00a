"""The organization report as one HTML page: worst accounts, checks failing across accounts,
accounts not assessed with why, links to each account's report; escaped, self-contained,
checked in a real browser"""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path
from typing import Any

from iamwarden.analysis import AssessOptions, load_framework
from iamwarden.analysis.organization import assess_organization
from iamwarden.report.organization import render_organization_json
from iamwarden.report.organization_html import render_organization_html
from iamwarden.snapshot import Account, demo_snapshot
from tests.analysis.test_organization import _org

HOSTILE_NAME = "<script>window.__pwned = 1</script>"
HOSTILE_ALIAS = '"><img src=x onerror="window.__pwned = 2">'
HOSTILE_ERROR = "AccessDenied <b onmouseover=window.__pwned=3>x</b>"


def hostile_org() -> Any:
    """Hostile strings in every place the organization page shows: account names (from the
    index), an account alias (from the snapshot) and a collection error"""
    demo = demo_snapshot()
    snap = dataclasses.replace(demo, account=Account(id="222222222222", alias=HOSTILE_ALIAS))
    return assess_organization(
        "o-example",
        "111111111111",
        [
            ("222222222222", HOSTILE_NAME, snap, ""),
            ("333333333333", HOSTILE_ALIAS, None, HOSTILE_ERROR),
        ],
    )


def test_page_lists_worst_accounts_checks_and_accounts_not_assessed() -> None:
    page = render_organization_html(_org(), {"333333333333": "333333333333.html"})
    assert page.startswith("<!DOCTYPE html>")
    worst = page.index('id="worst-accounts"')
    rows = [page.index(f'data-account="{a}"', worst) for a in ("333333333333", "555555555555")]
    assert rows == sorted(rows)  # most critical failures first, as in the text summary
    assert '<a class="report-link" href="333333333333.html">333333333333</a>' in page
    assert 'data-check="root_access_key_absent"' in page
    assert "2 of 3" in page
    not_assessed = page[page.index('id="not-assessed"') :]
    assert "444444444444" in not_assessed and "AccessDenied assuming the role" in not_assessed


def test_page_is_self_contained_and_deterministic() -> None:
    page = render_organization_html(_org())
    assert page == render_organization_html(_org())
    assert "<script" not in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    csp = html.unescape(page.split('http-equiv="Content-Security-Policy" content="')[1])
    assert csp.startswith("default-src 'none'") and "script-src" not in csp.split('"')[0]


def test_one_score_column_per_framework() -> None:
    frameworks = (load_framework("cis-7.0"), load_framework("fsbp"))
    demo = dataclasses.replace(demo_snapshot(), account=Account(id="222222222222"))
    org = assess_organization(
        "o-example",
        "111111111111",
        [("222222222222", "prod", demo, "")],
        AssessOptions(frameworks=frameworks),
    )
    page = render_organization_html(org)
    assert (
        "<th>Score (CIS AWS Foundations Benchmark v7.0)</th>"
        "<th>Score (AWS Foundational Security Best Practices (IAM))</th>" in page
    )
    assert page.count('<td class="score">') == 2
    assert '<td class="score">15%</td><td class="score">25%</td>' in page
    data = json.loads(render_organization_json(org))
    assert data["accounts"][0]["compliance_scores"] == {"cis-7.0": 2 / 13, "fsbp": 0.25}


def test_links_are_percent_encoded_paths() -> None:
    page = render_organization_html(_org(), {"333333333333": "a dir/333333333333.html"})
    assert 'href="a%20dir/333333333333.html"' in page


def test_hostile_names_aliases_and_errors_are_escaped() -> None:
    page = render_organization_html(hostile_org(), {"222222222222": "222222222222.html"})
    for payload in (HOSTILE_NAME, HOSTILE_ALIAS, HOSTILE_ERROR):
        assert payload not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "&lt;b onmouseover=window.__pwned=3&gt;" in page
    assert "<img" not in page and "<script" not in page


def test_hostile_page_runs_nothing_in_chromium(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "org.html"
    path.write_text(render_organization_html(hostile_org()), encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append(f"dialog {d.message}"), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        page.hover("#not-assessed td:last-child")
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("document.querySelectorAll('script, img, b').length") == 0
        worst = page.text_content("#worst-accounts")
        assert HOSTILE_NAME in worst and HOSTILE_ALIAS in worst
        assert HOSTILE_ERROR in page.text_content("#not-assessed")
        assert errors == [] and requests == [path.as_uri()]
    finally:
        context.close()
