"""Data that looks wrong is questioned: every oddity is a recorded `DataWarning`"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from iamwarden.analysis import AssessOptions, WarningKind, assess, data_warnings
from iamwarden.analysis.credentials import user_credentials
from iamwarden.findings import Status
from iamwarden.snapshot import CredentialReport, User
from tests.builders import NOW, credential_report, credential_row, role, root_row, snapshot, user

FUTURE = datetime(2099, 1, 1, tzinfo=UTC)


def kinds(snap, **kw):
    return [w.kind for w in data_warnings(snap, now=kw.pop("now", NOW), **kw)]


def test_clean_data_has_no_warning():
    snap = snapshot(users=(user("alice"),), credential_report=credential_report(root_row()))
    assert data_warnings(snap, now=NOW, today=NOW) == ()


def test_duplicate_report_rows_are_a_warning_and_the_last_row_is_used_everywhere():
    first = credential_row(password_enabled=True, mfa_active=False)
    last = credential_row(password_enabled=True, mfa_active=True)
    report = credential_report(root_row(), first, last)
    snap = snapshot(users=(user("alice"),), credential_report=report)
    (warning,) = data_warnings(snap, now=NOW)
    assert warning.kind is WarningKind.DUPLICATE_REPORT_ROW
    assert warning.message == "the credential report has 2 rows for `alice`; the last one is used"
    assert report.row("alice") is last
    assert [c.has_mfa for c in user_credentials(snap)] == [True]


def test_report_generated_in_the_future_is_questioned():
    report = CredentialReport(rows=(root_row(),), generated=FUTURE)
    snap = dataclasses.replace(snapshot(credential_report=report), collected_at=FUTURE)
    (warning,) = data_warnings(snap, now=FUTURE, today=NOW)
    assert warning.kind is WarningKind.FUTURE_DATE
    assert warning.message.startswith(
        "the credential report was generated 2099-01-01T00:00:00+00:00, after today (2026-11-01)"
    )
    assert "--as-of" in warning.message


def test_report_generated_after_the_assessment_date_is_questioned():
    report = CredentialReport(rows=(root_row(),), generated=NOW + timedelta(days=2))
    assert kinds(snapshot(credential_report=report)) == [WarningKind.FUTURE_DATE]


def test_entities_of_another_account_are_questioned():
    stranger = User(name="mallory", arn="arn:aws:iam::999988887777:user/mallory")
    snap = snapshot(
        users=(user("alice"), stranger), credential_report=credential_report(root_row())
    )
    (warning,) = data_warnings(snap, now=NOW)
    assert warning.kind is WarningKind.OTHER_ACCOUNT and warning.resource == stranger.arn
    assert "belongs to account `999988887777`" in warning.message


def test_user_created_after_the_report_is_questioned():
    late = user("late", created=NOW + timedelta(hours=1))
    snap = snapshot(users=(late,), credential_report=credential_report(root_row()))
    assert kinds(snap, now=NOW + timedelta(days=1)) == [WarningKind.CREATED_AFTER_REPORT]
    (warning,) = data_warnings(snap, now=NOW + timedelta(days=1))
    assert "after the credential report" in warning.message


def test_role_created_after_the_assessment_date_is_questioned():
    snap = snapshot(roles=(role("app", created=NOW + timedelta(days=3)),))
    assert kinds(snap) == [WarningKind.CREATED_AFTER_REPORT]


def test_warnings_never_change_findings_and_reach_the_assessment():
    report = credential_report(root_row(), credential_row(), credential_row())
    snap = snapshot(users=(user("alice"),), credential_report=report)
    result = assess(snap, AssessOptions(today=NOW))
    assert [w.kind for w in result.data_warnings] == [WarningKind.DUPLICATE_REPORT_ROW]
    plain = assess(snap)
    assert [(f.check_id, f.status) for f in result.findings] == [
        (f.check_id, f.status) for f in plain.findings
    ]
    assert all(f.status is not Status.MUTED for f in result.findings)
