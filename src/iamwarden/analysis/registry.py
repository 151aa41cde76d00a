"""The check registry: typed check metadata, the context a check reads, and registration.

A check is a small pure function of a `CheckContext` that yields one `Finding` per resource.
Its `CheckSpec` sits next to it; `@check(spec)` validates the spec and registers the function.
This module knows nothing of frameworks (the CIS mapping is data, see `compliance`) and runs
no check itself (see `assessment`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from iamwarden.analysis.evidence import counted
from iamwarden.analysis.exposure.zone import ZoneOfTrust
from iamwarden.analysis.permissions import Permissions
from iamwarden.analysis.principals import PrincipalPolicies
from iamwarden.findings import Finding, Severity, Status
from iamwarden.policy import Catalog
from iamwarden.snapshot import DataSet, Group, Role, Snapshot, User

__all__ = [
    "CIS_REFERENCE",
    "RESOURCE_TYPES",
    "Check",
    "CheckContext",
    "CheckSpec",
    "Remediation",
    "check",
    "registered_checks",
]

RESOURCE_TYPES = frozenset(
    {
        "AwsAccount",
        "AwsAccessAnalyzerRegion",
        "AwsEc2Instance",
        "AwsEcrRepository",
        "AwsEfsFileSystem",
        "AwsIamAccessKey",
        "AwsIamGroup",
        "AwsIamPolicy",
        "AwsIamRole",
        "AwsIamServerCertificate",
        "AwsIamUser",
        "AwsKmsKey",
        "AwsLambdaFunction",
        "AwsLambdaLayerVersion",
        "AwsOpenSearchServiceDomain",
        "AwsS3Bucket",
        "AwsSecretsManagerSecret",
        "AwsSnsTopic",
        "AwsSqsQueue",
        "Other",
    }
)
"""Resource types a check may name (AWS Security Hub's spelling where it has one)"""

CIS_REFERENCE = "https://www.cisecurity.org/benchmark/amazon_web_services"
"""The CIS AWS Foundations Benchmark, cited by every check a CIS requirement maps to"""

_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@dataclass(frozen=True, slots=True, kw_only=True)
class Remediation:
    """How to fix a failing resource: prose plus a concrete command or policy"""

    text: str
    command: str = ""
    policy: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckSpec:
    """A check's metadata; `group_title` names many failing resources (`{count}` is replaced)

    `needs` are the data sets the check cannot run without: when one was not collected, the
    registry yields one NOT_ASSESSED finding on the account instead of running the check.
    """

    id: str
    title: str
    severity: Severity
    resource_type: str
    rationale: str
    remediation: Remediation
    group_title: str
    group_label: str
    references: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    needs: tuple[DataSet, ...] = ()

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError(f"check spec `{self.id}`: " + "; ".join(problems))

    def problems(self) -> tuple[str, ...]:
        """Every way this spec breaks the rules (empty when valid)"""
        found = []
        if not _ID.fullmatch(self.id):
            found.append("id must be snake_case")
        for name in ("title", "rationale", "group_title", "group_label"):
            value = getattr(self, name)
            if not value or "\n" in value:
                found.append(f"{name} must be one non-empty line")
        if "{count}" not in self.group_title:
            found.append("group_title must contain `{count}`")
        if self.resource_type not in RESOURCE_TYPES:
            found.append(f"unknown resource type `{self.resource_type}`")
        if not self.remediation.text or not (self.remediation.command or self.remediation.policy):
            found.append("remediation needs text and a command or a policy")
        if not self.references or any(not r.startswith("https://") for r in self.references):
            found.append("references must be https URLs, at least one")
        if any(not _ID.fullmatch(a) for a in self.aliases):
            found.append("aliases must be snake_case")
        return tuple(found)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckContext:
    """Everything a check may read: the account, the engine, the catalogue and the date

    `now` is the assessment date (the snapshot's collection time unless given); checks never
    read the clock. `spec` is the running check's spec, so `fail`/`passed`/`not_assessed`
    build findings with its id, severity and resource type. `trust` is the zone of trust of
    the external-access checks.
    """

    snapshot: Snapshot
    catalog: Catalog
    permissions: Permissions
    now: datetime
    spec: CheckSpec | None = None
    trust: ZoneOfTrust | None = None
    """The zone of trust external-access checks use (None: the account, no known accounts)"""

    def _finding(
        self,
        status: Status,
        resource_arn: str,
        message: str,
        resource_type: str,
        evidence: Mapping[str, Any],
    ) -> Finding:
        if self.spec is None:
            raise RuntimeError("findings are built inside a running check")
        return Finding(
            check_id=self.spec.id,
            resource_arn=resource_arn,
            status=status,
            severity=self.spec.severity,
            # names from the account (an imported inline policy's, a tag's) may hold line
            # breaks AWS itself would refuse: shown escaped, never an aborted assessment
            message=message.replace("\r", "\\r").replace("\n", "\\n"),
            resource_type=resource_type or self.spec.resource_type,
            evidence=evidence,
        )

    def fail(
        self, resource_arn: str, message: str, *, resource_type: str = "", **evidence: Any
    ) -> Finding:
        """A failing finding of the running check (`resource_type` overrides the spec's)"""
        return self._finding(Status.FAIL, resource_arn, message, resource_type, evidence)

    def passed(
        self, resource_arn: str, message: str, *, resource_type: str = "", **evidence: Any
    ) -> Finding:
        """A passing finding of the running check"""
        return self._finding(Status.PASS, resource_arn, message, resource_type, evidence)

    def not_assessed(
        self, resource_arn: str, message: str, *, resource_type: str = "", **evidence: Any
    ) -> Finding:
        """A finding that data was missing for, with the gap as evidence"""
        return self._finding(Status.NOT_ASSESSED, resource_arn, message, resource_type, evidence)

    def missing(self, resource_arn: str, *datasets: DataSet, **evidence: Any) -> Finding:
        """NOT_ASSESSED because `datasets` were not collected; the recorded gaps are evidence"""
        names = [d.value for d in datasets]
        gaps = [gap.reason for dataset in datasets for gap in self.snapshot.gaps_for(dataset)]
        return self.not_assessed(
            resource_arn,
            "not collected: " + ", ".join(names),
            missing_data=names,
            gaps=gaps,
            **evidence,
        )

    def unreadable(
        self, resource_arn: str, message: str, policies: tuple[str, ...], **evidence: Any
    ) -> Finding:
        """NOT_ASSESSED because the policies named `policies` cannot be read; the gaps recorded
        for them (and their data sets) are evidence"""
        gaps = [gap for gap in self.snapshot.gaps if gap.resource and gap.resource in policies]
        return self.not_assessed(
            resource_arn,
            message,
            unreadable_policies=list(policies),
            missing_data=sorted({gap.dataset.value for gap in gaps}),
            gaps=[gap.reason for gap in gaps],
            **evidence,
        )

    def incomplete(
        self, resource_arn: str, kind: str, policies: PrincipalPolicies, **evidence: Any
    ) -> Finding:
        """NOT_ASSESSED for a `kind` (user, group, role) some of whose policies are missing
        from the snapshot or cannot be read"""
        facts = {"missing_policies": list(policies.missing), **evidence}
        if policies.unreadable:
            what = counted(len(policies.unreadable), "policy", "policies")
            message = f"{what} of the {kind} cannot be read"
            return self.unreadable(resource_arn, message, policies.unreadable, **facts)
        return self.not_assessed(
            resource_arn, f"some of the {kind}'s policies are missing", **facts
        )

    def lacks(self, *datasets: DataSet) -> tuple[DataSet, ...]:
        """The data sets among `datasets` that were not collected"""
        return tuple(d for d in datasets if not self.snapshot.has(d))

    def entities(self) -> tuple[User | Group | Role, ...]:
        """Every user, group and role, in that order"""
        return (*self.snapshot.users, *self.snapshot.groups, *self.snapshot.roles)


CheckFunction = Callable[[CheckContext], Iterator[Finding]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """A registered check: its spec and its function"""

    spec: CheckSpec
    run: CheckFunction = field(repr=False)


_REGISTRY: dict[str, Check] = {}


def check(spec: CheckSpec) -> Callable[[CheckFunction], CheckFunction]:
    """Register `spec` with the decorated function; ids and aliases must be unique

    The registered (and returned) function first checks `spec.needs`: a data set not
    collected makes it yield one NOT_ASSESSED finding on the account and nothing else.
    """

    def register(function: CheckFunction) -> CheckFunction:
        taken = {name for c in _REGISTRY.values() for name in (c.spec.id, *c.spec.aliases)}
        clash = {spec.id, *spec.aliases} & taken
        if clash:
            raise ValueError(f"check id `{sorted(clash)[0]}` is already registered")

        @functools.wraps(function)
        def guarded(ctx: CheckContext) -> Iterator[Finding]:
            lacking = ctx.lacks(*spec.needs)
            if lacking:
                account = ctx.snapshot.account.root_arn
                yield ctx.missing(account, *lacking, resource_type="AwsAccount")
                return
            yield from function(ctx)

        _REGISTRY[spec.id] = Check(spec=spec, run=guarded)
        return guarded

    return register


def registered_checks() -> Mapping[str, Check]:
    """Every check, by id, in id order (loads the built-in checks on first use)"""
    import iamwarden.analysis.checks  # noqa: F401  (registers the built-in checks)

    return MappingProxyType(dict(sorted(_REGISTRY.items())))
