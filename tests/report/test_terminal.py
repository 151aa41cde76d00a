import json

from rich.console import Console

from iamwarden.analysis import Assessment, assess
from iamwarden.report import render_terminal
from iamwarden.report.groups import finding_groups
from iamwarden.snapshot import demo_snapshot
from tests.builders import credential_report, root_row, snapshot


def test_terminal_report_has_the_text_report_content() -> None:
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


def _demo_at(width: int) -> tuple[list[str], Assessment]:
    assessment = assess(demo_snapshot())
    console = Console(record=True, width=width, color_system=None)
    render_terminal(assessment, console)
    return console.export_text().splitlines(), assessment


def _findings_part(lines: list[str]) -> list[str]:
    return lines[lines.index("CRITICAL FINDINGS:") : lines.index("SUMMARY:")]


def test_header_breaks_between_fields_at_60_columns() -> None:
    lines, _ = _demo_at(60)
    header = lines[1:3]
    assert header == [
        "Account ID: 210987654321 (acme-startup)",
        "Assessment Date: 2026-11-01   Analyzer: iamwarden 0.1.0",
    ]
    assert lines[3:5] == [
        "Credential report: generated 2026-10-31T23:00:00+00:00 (1",
        "                   hour before assessment)",
    ]


def test_wrapped_lines_keep_their_indent_and_the_width() -> None:
    lines, _ = _demo_at(60)
    in_policy = False
    for line in _findings_part(lines):
        in_policy = line == "  Policy:" or (in_policy and line.startswith("    "))
        if line and not line.startswith(" "):  # only headings start at the margin
            assert line.endswith("FINDINGS:") or line.startswith("[") or line == "None", line
        if not in_policy and not line.startswith("  Command: "):  # code is never wrapped
            assert len(line) <= 60, line
    remediation = next(i for i, line in enumerate(lines) if line.startswith("  Remediation: "))
    continued = lines[remediation + 1]
    assert continued.startswith(" " * len("  Remediation: ")) and continued[15] != " "
    message = next(i for i, line in enumerate(lines) if line.startswith("  - arn:"))
    assert lines[message + 1].startswith("    ") and lines[message + 1].strip()


def test_policy_json_is_printed_whole_and_parses() -> None:
    lines, assessment = _demo_at(60)
    policies = []
    for i, line in enumerate(lines):
        if line == "  Policy:":
            block = []
            for following in lines[i + 1 :]:
                if not following.startswith("    "):
                    break
                block.append(following)
            policies.append(json.loads("\n".join(block)))
    expected = {
        json.dumps(json.loads(f.spec.remediation.policy), sort_keys=True)
        for f in finding_groups(assessment)
        if f.spec.remediation.policy
    }
    assert policies and {json.dumps(p, sort_keys=True) for p in policies} == expected


def test_empty_data_sections_are_left_out() -> None:
    lines, assessment = _demo_at(200)
    assert not assessment.data_warnings and not assessment.data_gaps
    assert "DATA WARNINGS:" not in lines and "DATA NOT ASSESSED:" not in lines
    assert "None" not in lines[lines.index("SUMMARY:") :]
