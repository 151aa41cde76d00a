"""`iamwarden assess --org-index DIR --format html`: one page across accounts whose links
open each account's HTML report, checked in headless Chromium"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from click.testing import CliRunner

from iamwarden.cli.main import cli
from tests.cli.test_assess_org import _index


def _links(page: Any) -> list[str]:
    return page.eval_on_selector_all("a.report-link", "links => links.map(a => a.href)")


def _open(browser: Any, path: Path) -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page, errors, requests


def test_output_dir_writes_the_page_beside_each_account_report(
    browser: Any, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "assess",
            "--quiet",
            "--org-index",
            str(_index(tmp_path)),
            "--format",
            "html",
            "--output-dir",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "111111111111.html",
        "222222222222.html",
        "report.html",
    ]
    context, page, errors, requests = _open(browser, out / "report.html")
    try:
        links = _links(page)
        # each assessed account twice: worst accounts, and the check failing in both
        assert {Path(unquote(urlparse(h).path)).name for h in links} == {
            "111111111111.html",
            "222222222222.html",
        }
        assert all(Path(unquote(urlparse(h).path)).is_file() for h in links)
        assert "333333333333" in page.text_content("#not-assessed")
        assert "AccessDenied: cannot assume OrgAudit" in page.text_content("#not-assessed")
        assert errors == [] and requests == [(out / "report.html").as_uri()]
        page.click("#worst-accounts a.report-link >> nth=0")
        page.wait_for_load_state("load")
        assert page.title().startswith("IAM Security Assessment Report: 1111")
        assert errors == []
    finally:
        context.close()


def test_output_file_links_relative_to_where_the_page_is(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    page = tmp_path / "site" / "org.html"
    page.parent.mkdir()
    result = CliRunner().invoke(
        cli,
        [
            "assess",
            "--quiet",
            "--org-index",
            str(_index(tmp_path)),
            "--format",
            "html",
            "--report-dir",
            str(reports),
            "--output",
            str(page),
        ],
    )
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert 'href="../reports/222222222222.html"' in html
    assert (page.parent / "../reports/222222222222.html").resolve().is_file()
