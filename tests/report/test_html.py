"""The HTML report: self-contained, escaped, filterable, checked in a real browser"""

from __future__ import annotations

import html
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from iamwarden.analysis import Assessment, assess
from iamwarden.findings import Severity, Status
from iamwarden.report import render_html
from iamwarden.report.html import draw_path
from iamwarden.snapshot import Account, Tag
from iamwarden.snapshot.demo import demo_snapshot
from tests.builders import inline, role, snapshot

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = (
    "<script>window.__pwned = 1</script>",
    '"><img src=x onerror="window.__pwned = 2">',
    "'><svg onload=window.__pwned=3>",
)


@pytest.fixture(scope="module")
def demo() -> Assessment:
    return assess(demo_snapshot())


@pytest.fixture(scope="module")
def demo_page(demo: Assessment) -> str:
    return render_html(demo)


def hostile_assessment() -> Assessment:
    """Every user-controlled place a finding can show: account alias, role name (in ARNs,
    messages and subjects), tag values, policy names and Sids (in evidence)"""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": HOSTILE[1], "Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    roles = tuple(
        role(
            f"r{i}{payload}",
            inline_policies=(inline(payload, document=document),),
            tags=(Tag(key=payload, value=payload),),
        )
        for i, payload in enumerate(HOSTILE)
    )
    snap = snapshot(roles=roles)
    return assess(replace(snap, account=Account(id=snap.account.id, alias=HOSTILE[0])))


def test_page_is_self_contained(demo_page: str) -> None:
    assert demo_page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", demo_page)
    assert "<link" not in demo_page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', demo_page)
    assert csp is not None and "default-src 'none'" in html.unescape(csp.group(1))


def test_same_assessment_same_bytes(demo: Assessment, demo_page: str) -> None:
    assert render_html(demo) == demo_page


def test_page_has_every_section(demo: Assessment, demo_page: str) -> None:
    for section in ("summary", "compliance", "findings", "escalation", "not-assessed"):
        assert f'<section id="{section}">' in demo_page
    for severity in Severity:
        count = demo.summary[severity]
        assert re.search(
            rf'id="card-{severity.value}">\s*<span class="count">{count}</span>', demo_page
        )
    assert demo_page.count('<details class="finding') == len(demo.findings)
    assert demo_page.count('<tr class="control') == len(demo.compliance)


def test_escalation_paths_are_drawn_as_svg(demo: Assessment, demo_page: str) -> None:
    paths = [
        f for f in demo.failures if f.check_id == "privilege_escalation" and f.evidence["path"]
    ]
    assert paths
    figures = demo_page.split('<section id="escalation">')[1].split("</section>")[0]
    assert figures.count("<svg") == sum(
        1 for f in demo.failures if isinstance(f.evidence.get("path"), tuple | list)
    )
    hops = paths[0].evidence["path"]
    drawing = draw_path(hops)
    assert drawing is not None
    assert len(drawing.nodes) == len(hops) + 1 and len(drawing.edges) == len(hops)
    assert drawing.nodes[-1].arn == "admin" and drawing.nodes[-1].is_admin
    assert draw_path([]) is None


def test_hostile_strings_are_escaped() -> None:
    page = render_html(hostile_assessment())
    for payload in HOSTILE:
        assert payload not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "onerror=&#34;window.__pwned = 2&#34;" in page or "onerror=&quot;" in page
    assert page.count("<script>") == 1  # ours, and only ours


def _open(browser: Any, path: Path) -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append(f"dialog {d.message}"), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page, errors, requests


def _shown(page: Any) -> int:
    return int(page.text_content("#shown-count"))


def test_browser_filters_critical(
    browser: Any, demo: Assessment, demo_page: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    report.write_text(demo_page, encoding="utf-8")
    context, page, errors, requests = _open(browser, report)
    try:
        assert _shown(page) == len(demo.failures)
        page.select_option("#filter-severity", "critical")
        critical = demo.summary[Severity.CRITICAL]
        assert _shown(page) == critical > 0
        visible = page.locator("#finding-list > .finding:visible")
        assert visible.count() == critical
        assert set(visible.evaluate_all("rows => rows.map(r => r.dataset.severity)")) == {
            "critical"
        }
        assert page.text_content('#shown-by-severity [data-count="critical"]') == str(critical)
        assert page.text_content('#shown-by-severity [data-count="high"]') == "0"
        page.select_option("#filter-status", "")
        every_critical = sum(f.severity is Severity.CRITICAL for f in demo.findings)
        assert _shown(page) == every_critical
        page.select_option("#filter-status", "PASS")
        page.select_option("#filter-severity", "")
        page.select_option("#filter-check", "root_mfa_enabled")
        assert _shown(page) == sum(
            f.status is Status.PASS and f.check_id == "root_mfa_enabled" for f in demo.findings
        )
        page.select_option("#filter-check", "")
        page.select_option("#filter-status", "FAIL")
        page.fill("#filter-text", "ops-automation-role")
        assert 0 < _shown(page) < len(demo.failures)
        page.fill("#filter-text", "")
        page.click("#card-high")
        assert _shown(page) == demo.summary[Severity.HIGH]
        assert page.locator("#escalation svg.path").count() > 0
        page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        assert (tmp_path / "report.png").stat().st_size > 10_000
        assert errors == []
        assert requests == [report.as_uri()]
    finally:
        context.close()


def test_browser_runs_no_hostile_string(browser: Any, tmp_path: Path) -> None:
    report = tmp_path / "hostile.html"
    report.write_text(render_html(hostile_assessment()), encoding="utf-8")
    context, page, errors, requests = _open(browser, report)
    try:
        assert page.evaluate("window.__pwned") is None
        assert page.locator("img").count() == 0
        assert page.locator("#finding-list script, #finding-list svg[onload]").count() == 0
        assert HOSTILE[0] in page.text_content("header")
        page.fill("#filter-text", "r0<script>")
        assert _shown(page) > 0
        assert errors == []
        assert requests == [report.as_uri()]
    finally:
        context.close()


@pytest.mark.skipif(
    not os.environ.get("IAMWARDEN_SCREENSHOT"),
    reason="writes the README screenshot when IAMWARDEN_SCREENSHOT names the file",
)
def test_readme_screenshot(browser: Any, demo_page: str, tmp_path: Path) -> None:
    """`IAMWARDEN_SCREENSHOT=docs/report.png pytest tests/report/test_html.py`"""
    report = tmp_path / "report.html"
    report.write_text(demo_page, encoding="utf-8")
    context, page, errors, _ = _open(browser, report)
    try:
        page.click("#card-critical")
        page.locator(
            "#finding-list details[data-check=privilege_escalation]:visible"
        ).first.evaluate("d => { d.open = true; }")
        target = ROOT / os.environ["IAMWARDEN_SCREENSHOT"]
        target.parent.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1280, "height": 1400})
        page.screenshot(path=str(target), full_page=False)
        assert target.stat().st_size > 10_000 and errors == []
    finally:
        context.close()
