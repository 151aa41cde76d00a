from rich.console import Console

from iamwarden.analysis import assess
from iamwarden.report import render_terminal
from tests.builders import credential_report, root_row, snapshot


def test_terminal_report_has_the_text_report_content():
    console = Console(record=True, width=200, color_system=None)
    render_terminal(
        assess(snapshot(credential_report=credential_report(root_row(access_key_1_active=True)))),
        console,
    )
    out = console.export_text()
    for text in (
        "IAM Security Assessment Report",
        "CRITICAL FINDINGS:",
        "[C-001] Root user has access keys",
        "SUMMARY:",
        "Compliance Score:",
        "DATA NOT ASSESSED:",
        "CIS Benchmark: 1.4",
    ):
        assert text in out
