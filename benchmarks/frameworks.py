"""Benchmark compliance frameworks and the organization page: `python -m benchmarks.frameworks`

(1) The compliance views: the generated 5,000-role account of `benchmarks.assess` is assessed
    once; then every bundled framework's table is built over its findings (one view per
    framework, as `--framework` does), and the text, JSON and HTML reports rendered with one
    framework and with all six. Target: the six views together under 5% of the assessment.
(2) The organization page: an organization of 500 accounts (the demo account's assessment
    under 500 ids, 10 of them not assessed) rendered as the HTML summary. Target: under 2 s.
Peak memory is the process's (ru_maxrss). There is no peer: no open-source tool renders one
compliance view per framework from one set of findings offline (Prowler runs every check
again per framework file).
"""

from __future__ import annotations

import dataclasses
import resource
import time

from benchmarks.assess import build_snapshot
from iamwarden.analysis import (
    FRAMEWORK_FILES,
    AssessOptions,
    assess,
    compliance_view,
    load_framework,
)
from iamwarden.analysis.organization import AccountAssessment, OrganizationAssessment
from iamwarden.report import render_html, render_json, render_text
from iamwarden.report.organization_html import render_organization_html
from iamwarden.snapshot import demo_snapshot

ACCOUNTS = 500
FAILED = 10


def _timed(label: str, run: object, *, repeat: int = 3) -> float:
    assert callable(run)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    print(f"  {label:<44} {best * 1000:9.1f} ms")
    return best


def main() -> None:
    """Print the figures of (1) and (2)"""
    frameworks = tuple(load_framework(i) for i in FRAMEWORK_FILES)
    snapshot = build_snapshot()
    started = time.perf_counter()
    one = assess(snapshot)
    assessed = time.perf_counter() - started
    findings = one.findings
    print(
        f"(1) {len(snapshot.roles):,} roles, {len(findings):,} findings; assess: {assessed:.2f} s"
    )
    views = _timed(
        f"{len(frameworks)} compliance views",
        lambda: [compliance_view(f, findings) for f in frameworks],
    )
    print(f"  views / assess: {views / assessed:.2%} (target < 5%)")
    print(f"  throughput: {len(findings) * len(frameworks) / views:,.0f} finding-views/s")
    every = assess(snapshot, AssessOptions(frameworks=frameworks))
    for name, render in (("text", render_text), ("JSON", render_json), ("HTML", render_html)):
        _timed(f"{name} report, 1 framework", lambda r=render: r(one), repeat=1)
        _timed(f"{name} report, {len(frameworks)} frameworks", lambda r=render: r(every), repeat=1)
    demo = assess(demo_snapshot(), AssessOptions(frameworks=frameworks))
    accounts = tuple(
        AccountAssessment(account_id=f"{n:012d}", name=f"account-{n}", error="AccessDenied")
        if n < FAILED
        else AccountAssessment(
            account_id=f"{n:012d}",
            name=f"account-{n}",
            assessment=dataclasses.replace(demo, account_id=f"{n:012d}"),
        )
        for n in range(ACCOUNTS)
    )
    org = OrganizationAssessment(
        organization_id="o-bench", management_account_id=f"{FAILED:012d}", accounts=accounts
    )
    reports = {a.account_id: f"{a.account_id}.html" for a in accounts if a.assessment}
    page = render_organization_html(org, reports)
    print(f"(2) {ACCOUNTS} accounts ({FAILED} not assessed), page {len(page) / 1024:,.0f} KiB")
    seconds = _timed("organization HTML page", lambda: render_organization_html(org, reports))
    print(f"  throughput: {ACCOUNTS / seconds:,.0f} accounts/s (target: page under 2 s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"peak memory (ru_maxrss): {peak / 1024**2:.0f} MiB")


if __name__ == "__main__":
    main()
