from datetime import timedelta

import pytest

from iamwarden.findings import Severity, Status
from iamwarden.snapshot import DataSet, VirtualMfaDevice
from tests.analysis.checking import only, run_check
from tests.builders import ACCOUNT_ID, NOW, credential_report, root_row, snapshot

ROOT = f"arn:aws:iam::{ACCOUNT_ID}:root"
ALL_BUT = frozenset(DataSet)


def with_root(**kw):
    return snapshot(credential_report=credential_report(root_row(**kw)))


@pytest.mark.parametrize(
    ("snap", "status"),
    [
        (with_root(), Status.PASS),
        (with_root(access_key_1_active=True), Status.FAIL),
        (with_root(access_key_2_active=True), Status.FAIL),
        (snapshot(account_summary={"AccountAccessKeysPresent": 1}), Status.FAIL),
        (
            snapshot(collected=ALL_BUT - {DataSet.CREDENTIAL_REPORT, DataSet.ACCOUNT_SUMMARY}),
            Status.NOT_ASSESSED,
        ),
    ],
)
def test_root_access_key_absent(snap, status):
    finding = only(run_check("root_access_key_absent", snap))
    assert (finding.status, finding.resource_arn) == (status, ROOT)
    assert finding.severity is Severity.CRITICAL


def test_root_access_key_not_assessed_names_the_gap():
    finding = only(
        run_check(
            "root_access_key_absent", snapshot(collected=frozenset({DataSet.PASSWORD_POLICY}))
        )
    )
    assert finding.evidence["missing_data"] == ["credential_report", "account_summary"]


@pytest.mark.parametrize(
    ("snap", "status"),
    [
        (with_root(mfa_active=True), Status.PASS),
        (with_root(mfa_active=False), Status.FAIL),
        (snapshot(account_summary={"AccountMFAEnabled": 0}), Status.FAIL),
        (
            snapshot(collected=ALL_BUT - {DataSet.CREDENTIAL_REPORT, DataSet.ACCOUNT_SUMMARY}),
            Status.NOT_ASSESSED,
        ),
    ],
)
def test_root_mfa_enabled(snap, status):
    assert only(run_check("root_mfa_enabled", snap)).status is status


ROOT_SERIAL = f"arn:aws:iam::{ACCOUNT_ID}:mfa/root-account-mfa-device"


@pytest.mark.parametrize(
    ("devices", "mfa", "collected", "status"),
    [
        ((), True, ALL_BUT, Status.PASS),
        ((VirtualMfaDevice(serial=ROOT_SERIAL),), True, ALL_BUT, Status.FAIL),
        (
            (VirtualMfaDevice(serial="arn:aws:iam::1:mfa/x", user_arn=ROOT),),
            True,
            ALL_BUT,
            Status.FAIL,
        ),
        ((), False, ALL_BUT, Status.FAIL),
        ((), True, ALL_BUT - {DataSet.VIRTUAL_MFA_DEVICES}, Status.NOT_ASSESSED),
    ],
)
def test_root_hardware_mfa(devices, mfa, collected, status):
    snap = snapshot(
        collected=collected,
        virtual_mfa_devices=devices,
        credential_report=credential_report(root_row(mfa_active=mfa)),
    )
    assert only(run_check("root_hardware_mfa", snap)).status is status


@pytest.mark.parametrize(
    ("kw", "status"),
    [
        ({"password_last_used": NOW - timedelta(days=200)}, Status.PASS),
        ({}, Status.PASS),
        ({"password_last_used": NOW - timedelta(days=3)}, Status.FAIL),
        ({"access_key_1_last_used_date": NOW - timedelta(days=10)}, Status.FAIL),
    ],
)
def test_root_recent_use(kw, status):
    finding = only(run_check("root_recent_use", with_root(**kw)))
    assert finding.status is status


def test_root_recent_use_not_assessed_without_report():
    snap = snapshot(collected=ALL_BUT - {DataSet.CREDENTIAL_REPORT})
    assert only(run_check("root_recent_use", snap)).status is Status.NOT_ASSESSED
