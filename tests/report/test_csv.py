"""The CSV report: one row per resource-level result, round-tripping through `csv`"""

from __future__ import annotations

import csv
import io

from iamwarden.analysis import assess
from iamwarden.report.csv_report import CSV_COLUMNS, read_csv, render_csv
from iamwarden.report.json_report import plain_data
from iamwarden.snapshot.demo import demo_snapshot
from tests.builders import inline, role, snapshot

AWKWARD = ('=HYPERLINK("http://x")', "+cmd", "-2+3", "@SUM(A1)", 'a,b "quoted"')


def test_demo_round_trips() -> None:
    assessment = assess(demo_snapshot())
    text = render_csv(assessment)
    rows = list(read_csv(text))
    assert len(rows) == len(assessment.findings)
    for row, finding in zip(rows, assessment.findings, strict=True):
        assert row["finding_id"] == finding.id
        assert row["check_id"] == finding.check_id
        assert row["status"] == finding.status.value
        assert row["severity"] == finding.severity.value
        assert row["resource_arn"] == finding.resource_arn
        assert row["message"] == finding.message
        assert row["evidence"] == plain_data(finding.evidence)
        assert row["title"] == assessment.checks[finding.check_id].title
    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")
    assert render_csv(assessment) == text


def test_formula_cells_are_defused_and_restored() -> None:
    roles = tuple(role(name, inline_policies=(inline(name),)) for name in AWKWARD)
    assessment = assess(snapshot(roles=roles))
    text = render_csv(assessment)
    raw = list(csv.DictReader(io.StringIO(text, newline="")))
    for cells in raw:
        for value in cells.values():
            assert not value.startswith(("=", "+", "-", "@"))
    rows = list(read_csv(text))
    assert [r["message"] for r in rows] == [f.message for f in assessment.findings]
    arns = {r["resource_arn"] for r in rows}
    assert {f"{r.arn}:{r.name}" for r in roles} <= arns
    starts = {value[:2] for cells in raw for value in cells.values()}
    assert {"'=", "'+", "'-", "'@"} <= starts
