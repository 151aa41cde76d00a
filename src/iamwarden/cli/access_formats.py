"""`iamwarden access --format sarif|csv|asff|ocsf`: the external-access findings through the
assessment renderers of `iamwarden.report`

The access checks answer no framework, so their `Assessment` has an empty one (no compliance
table, no score): the machine formats fit, the HTML page and its compliance table do not.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from types import MappingProxyType

from iamwarden.analysis import Assessment, Framework
from iamwarden.analysis.registry import registered_checks
from iamwarden.config import Suppression
from iamwarden.findings import Finding
from iamwarden.snapshot import Snapshot

__all__ = ["ACCESS_FRAMEWORK", "MACHINE_FORMATS", "access_assessment"]

MACHINE_FORMATS = ("sarif", "csv", "asff", "ocsf")
"""The report formats `access` writes besides its own text and JSON"""

ACCESS_FRAMEWORK = Framework(name="iamwarden external access", version="1", requirements=())


def access_assessment(
    snapshot: Snapshot,
    findings: tuple[Finding, ...],
    expired: Iterable[Suppression],
    *,
    check_ids: Iterable[str],
    assessed_at: datetime,
) -> Assessment:
    """The access checks' findings as an `Assessment` the report renderers take"""
    checks = registered_checks()
    return Assessment(
        account_id=snapshot.account.id,
        account_alias=snapshot.account.alias,
        source=snapshot.source,
        assessed_at=assessed_at,
        framework=ACCESS_FRAMEWORK,
        checks=MappingProxyType({c: checks[c].spec for c in check_ids}),
        findings=findings,
        compliance=(),
        missing_data=(),
        expired_suppressions=tuple(expired),
    )
