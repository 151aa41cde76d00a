"""The credential report's CSV: values, tolerated variations and located errors"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from iamwarden.errors import SnapshotFormatError
from iamwarden.snapshot import parse_credential_report, read_credential_report
from tests.builders import ALICE_ROW, CSV, HEADER, ROOT_ROW


def test_values_are_typed() -> None:
    generated = datetime(2026, 10, 31, tzinfo=UTC)
    report = parse_credential_report(CSV, generated=generated)
    assert report.generated == generated
    root = report.root
    assert root is not None and root.password_enabled is None and not root.mfa_active
    assert root.password_next_rotation is None and root.access_key_1_last_used_region == ""
    alice = report.row("alice")
    assert alice is not None and alice.password_enabled is True and alice.mfa_active
    assert alice.access_key_1_last_used_date == datetime(2026, 10, 29, tzinfo=UTC)
    assert alice.access_key_2_last_rotated == datetime(2025, 6, 1, tzinfo=UTC)
    assert alice.access_key_2_last_used_date is None  # no_information


def test_bytes_with_byte_order_mark_blank_lines_and_extra_columns() -> None:
    extra = HEADER + ",future_column"
    text = "\n".join((extra, ROOT_ROW + ",x", "", ALICE_ROW + ",y", ""))
    report = parse_credential_report(b"\xef\xbb\xbf" + text.encode())
    assert [r.user for r in report.rows] == ["<root_account>", "alice"]


def test_offsets_are_normalised_to_utc() -> None:
    row = ALICE_ROW.replace("2026-10-30T00:00:00+00:00", "2026-10-30T02:00:00+02:00")
    alice = parse_credential_report(f"{HEADER}\n{row}").row("alice")
    assert alice is not None and alice.password_last_used == datetime(2026, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "location", "problem"),
    [
        ("", "line 1", "credential report is empty"),
        (b"\xff\xfe", "", "credential report is not UTF-8 text"),
        (f'{HEADER}\n"unterminated', "line 2", "malformed CSV"),
        (
            f"{HEADER}\n{ROOT_ROW}\n{ALICE_ROW.replace(',true,true,', ',true,yes,', 1)}",
            "line 3",
            "column `access_key_1_active`: bad value `yes`",
        ),
    ],
)
def test_errors_name_the_line(content: str | bytes, location: str, problem: str) -> None:
    with pytest.raises(SnapshotFormatError) as raised:
        parse_credential_report(content, path="report.csv")
    assert raised.value.path == "report.csv"
    assert raised.value.location == location and raised.value.problem.startswith(problem)


def test_read_file_variants(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text(CSV)
    (tmp_path / "r.json").write_text('{"Content": "' + CSV.replace("\n", "\\n") + '"}')
    assert read_credential_report(tmp_path / "r.csv") == read_credential_report(tmp_path / "r.json")
    with pytest.raises(SnapshotFormatError, match="file not found"):
        read_credential_report(tmp_path / "absent.csv")
