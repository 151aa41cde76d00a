"""The organization report as one HTML page: worst accounts, the checks failing most across
accounts and the accounts not assessed with why, each account linking to its own report.

Rendered with jinja2 and autoescaping like the account report (`report.html`): every name,
alias and error from the organization reaches the page as text, never markup. The page loads
nothing and runs no script: its Content-Security-Policy allows only its inline CSS (by hash).
Links are the report paths the caller gives, percent-encoded. Writes no file.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from markupsafe import Markup

from iamwarden import __version__
from iamwarden.analysis.organization import OrganizationAssessment
from iamwarden.findings import Severity
from iamwarden.report.html import asset_text, csp_hash, template_environment
from iamwarden.report.organization import TITLE

__all__ = ["render_organization_html"]

_SHOWN = tuple(Severity)


def _percent(score: float | None) -> str:
    return f"{round(score * 100)}%" if score is not None else "n/a"


def render_organization_html(
    org: OrganizationAssessment, reports: Mapping[str, str] | None = None
) -> str:
    """The organization summary as one self-contained HTML page (same input, same bytes)

    `reports` maps account ids to each account's report, as a path relative to the page
    (`111122223333.html`) with `/` separators; an account without one is shown unlinked.
    """
    reports = reports or {}
    links = {
        a.account_id: quote(reports[a.account_id]) if a.account_id in reports else ""
        for a in org.accounts
    }
    style = asset_text("report.css")
    csp = f"default-src 'none'; base-uri 'none'; form-action 'none'; style-src {csp_hash(style)}"
    assessed = [a for a in org.accounts if a.assessment is not None]
    counts = {a.account_id: a.failures_by_severity for a in assessed}  # each computed once
    totals = {s: sum(c[s] for c in counts.values()) for s in _SHOWN}
    first = assessed[0].assessment if assessed else None
    names = [view.framework.name for view in first.views] if first is not None else []
    return (
        template_environment()
        .get_template("organization.html.j2")
        .render(
            title=TITLE,
            version=__version__,
            org=org,
            csp=csp,
            style=Markup(style),  # our own file, hashed into the CSP
            severities=_SHOWN,
            totals=totals,
            counts=counts,
            assessed=len(assessed),
            worst=[(a, links[a.account_id]) for a in org.worst_accounts()],
            spreads=org.checks_across_accounts(),
            failed=[a for a in org.accounts if a.assessment is None],
            links=links,
            percent=_percent,
            framework_names=names,
        )
    )
