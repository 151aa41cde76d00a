"""Assessment of every account of an organization, and the summary across them.

Each account is assessed on its own snapshot; this module only ranks accounts and counts
findings by check across them. Reading the organization index is the caller's job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from iamwarden.analysis.assessment import Assessment, AssessOptions, assess
from iamwarden.findings import Severity, Status
from iamwarden.snapshot import Snapshot

__all__ = ["AccountAssessment", "CheckSpread", "OrganizationAssessment", "assess_organization"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountAssessment:
    """One member account: its assessment, or why it has none"""

    account_id: str
    name: str = ""
    assessment: Assessment | None = None
    error: str = ""

    def __post_init__(self) -> None:
        if (self.assessment is None) == (not self.error):
            raise ValueError("an account has either an assessment or an error")

    @property
    def failures_by_severity(self) -> Mapping[Severity, int]:
        """FAIL findings by severity (zeros when the account could not be assessed)"""
        if self.assessment is None:
            return MappingProxyType({severity: 0 for severity in Severity})
        return self.assessment.summary


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckSpread:
    """How many accounts fail one check, and how many resources fail it in all"""

    check_id: str
    title: str
    severity: Severity
    accounts: tuple[str, ...]
    resources: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationAssessment:
    """Every account's assessment with the organization-wide views"""

    organization_id: str
    management_account_id: str
    accounts: tuple[AccountAssessment, ...]

    def worst_accounts(self) -> tuple[AccountAssessment, ...]:
        """Assessed accounts, most critical failures first, then high, medium, low"""

        def weight(account: AccountAssessment) -> tuple[int, ...]:
            counts = account.failures_by_severity
            return (*(-counts[s] for s in Severity), 0)

        assessed = (a for a in self.accounts if a.assessment is not None)
        return tuple(sorted(assessed, key=lambda a: (weight(a), a.account_id)))

    def checks_across_accounts(self) -> tuple[CheckSpread, ...]:
        """Each failing check with the accounts it fails in, most severe and widest first"""
        accounts: defaultdict[str, set[str]] = defaultdict(set)
        resources: defaultdict[str, int] = defaultdict(int)
        specs = {}
        for account in self.accounts:
            if account.assessment is None:
                continue
            for finding in account.assessment.findings:
                if finding.status is Status.FAIL:
                    accounts[finding.check_id].add(account.account_id)
                    resources[finding.check_id] += 1
                    specs[finding.check_id] = account.assessment.checks[finding.check_id]
        spreads = (
            CheckSpread(
                check_id=check_id,
                title=specs[check_id].title,
                severity=specs[check_id].severity,
                accounts=tuple(sorted(ids)),
                resources=resources[check_id],
            )
            for check_id, ids in accounts.items()
        )
        return tuple(sorted(spreads, key=lambda s: (s.severity.rank, -len(s.accounts), s.check_id)))


def assess_organization(
    organization_id: str,
    management_account_id: str,
    members: Iterable[tuple[str, str, Snapshot | None, str]],
    options: AssessOptions | None = None,
) -> OrganizationAssessment:
    """Assess each member, given as (account id, name, snapshot or None, error)"""
    accounts = tuple(
        AccountAssessment(
            account_id=account_id,
            name=name,
            assessment=assess(snapshot, options or AssessOptions())
            if snapshot is not None
            else None,
            error="" if snapshot is not None else (error or "not collected"),
        )
        for account_id, name, snapshot, error in sorted(members, key=lambda m: m[0])
    )
    return OrganizationAssessment(
        organization_id=organization_id,
        management_account_id=management_account_id,
        accounts=accounts,
    )
