"""Run one registered check against a snapshot (shared by the check tests)"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from iamwarden.analysis import CheckContext, Permissions, registered_checks
from iamwarden.findings import Finding, Status
from iamwarden.policy import load_catalog
from iamwarden.snapshot import Snapshot


def run_check(check_id: str, snap: Snapshot, *, now: datetime | None = None) -> list[Finding]:
    """Every finding `check_id` yields on `snap`"""
    entry = registered_checks()[check_id]
    catalog = load_catalog()
    ctx = CheckContext(
        snapshot=snap,
        catalog=catalog,
        permissions=Permissions(snap, catalog),
        now=now or snap.collected_at,
        spec=entry.spec,
    )
    return list(entry.run(dataclasses.replace(ctx, spec=entry.spec)))


def statuses(findings: list[Finding]) -> dict[str, Status]:
    """Resource ARN → status"""
    return {f.resource_arn: f.status for f in findings}


def only(findings: list[Finding]) -> Finding:
    """The one finding (fails the test when there are more or none)"""
    assert len(findings) == 1, findings
    return findings[0]
