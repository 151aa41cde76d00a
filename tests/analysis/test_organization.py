"""Organization assessment: each account on its own, ranked, and checks counted across them"""

from __future__ import annotations

import dataclasses

import pytest

from iamwarden.analysis.organization import AccountAssessment, assess_organization
from iamwarden.findings import Severity
from iamwarden.snapshot import AccessKey, Account, CredentialReport, CredentialReportRow
from tests.builders import NOW, snapshot, user


def _with_root_key(account_id: str):
    root = CredentialReportRow(
        user="<root_account>",
        arn=f"arn:aws:iam::{account_id}:root",
        mfa_active=True,
        access_key_1_active=True,
    )
    return dataclasses.replace(
        snapshot(credential_report=CredentialReport(rows=(root,), generated=NOW)),
        account=Account(id=account_id),
    )


def _clean(account_id: str):
    root = CredentialReportRow(
        user="<root_account>", arn=f"arn:aws:iam::{account_id}:root", mfa_active=True
    )
    return dataclasses.replace(
        snapshot(
            credential_report=CredentialReport(rows=(root,), generated=NOW),
            users=(user("bob", access_keys=(AccessKey(id="AKIA1", is_active=True, created=NOW),)),),
        ),
        account=Account(id=account_id),
    )


def _org():
    return assess_organization(
        "o-example",
        "111111111111",
        [
            ("333333333333", "dev", _with_root_key("333333333333"), ""),
            ("222222222222", "prod", _clean("222222222222"), ""),
            ("444444444444", "sandbox", None, "AccessDenied assuming the role"),
            ("555555555555", "audit", _with_root_key("555555555555"), ""),
        ],
    )


def test_accounts_are_sorted_and_keep_their_errors() -> None:
    org = _org()
    assert [a.account_id for a in org.accounts] == [
        "222222222222",
        "333333333333",
        "444444444444",
        "555555555555",
    ]
    failed = org.accounts[2]
    assert failed.assessment is None and failed.error.startswith("AccessDenied")
    assert failed.failures_by_severity[Severity.CRITICAL] == 0


def test_worst_accounts_rank_critical_failures_first_and_skip_unassessed() -> None:
    worst = [a.account_id for a in _org().worst_accounts()]
    assert worst[:2] == ["333333333333", "555555555555"]
    assert worst[-1] == "222222222222"
    assert "444444444444" not in worst


def test_checks_across_accounts_name_every_failing_account() -> None:
    spreads = {s.check_id: s for s in _org().checks_across_accounts()}
    root_keys = next(s for s in spreads.values() if s.severity is Severity.CRITICAL)
    assert root_keys.accounts == ("333333333333", "555555555555")
    assert root_keys.resources == 2


def test_an_account_has_an_assessment_or_an_error_not_both() -> None:
    with pytest.raises(ValueError, match="either"):
        AccountAssessment(account_id="1", assessment=None, error="")
