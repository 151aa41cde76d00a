"""External access of one account: every resource and trust policy, decided by the engine.

`analyse_exposure(snapshot, zone)` asks, for every resource-based policy in the snapshot (S3
buckets, KMS keys, Lambda functions and layers, SQS queues, SNS topics, Secrets Manager
secrets, ECR repositories, EFS file systems, OpenSearch domains, whatever the snapshot
holds) and every role's trust policy, who outside the zone of trust may do what
(`grants`), applies S3 Block Public Access (`blocking`) and returns `Exposure`s with the
catalogue's access levels. A policy that cannot be read is a `SkippedPolicy` (NOT_ASSESSED),
never "not exposed".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from iamwarden.analysis.exposure.blocking import account_block_known, restricting_level
from iamwarden.analysis.exposure.grants import (
    Grant,
    decide_grants,
    names_no_resource,
    reach_of,
    renamed,
)
from iamwarden.analysis.exposure.model import (
    Exposure,
    ExposureReport,
    OutsiderKind,
    Reach,
    SkippedPolicy,
)
from iamwarden.analysis.exposure.zone import ZoneOfTrust
from iamwarden.analysis.principals import in_organization
from iamwarden.errors import PolicySyntaxError
from iamwarden.policy import AccessLevel, Catalog, Policy, PolicyKind, PolicySet, parse_policy
from iamwarden.policy.arn import try_parse_arn
from iamwarden.policy.document import Condition
from iamwarden.snapshot import Document, ResourcePolicy, Snapshot

__all__ = ["RESOURCE_TYPE_BY_SERVICE", "analyse_exposure", "resource_type_of"]

RESOURCE_TYPE_BY_SERVICE = {
    ("s3", ""): "AwsS3Bucket",
    ("kms", "key"): "AwsKmsKey",
    ("iam", "role"): "AwsIamRole",
    ("lambda", "function"): "AwsLambdaFunction",
    ("lambda", "layer"): "AwsLambdaLayerVersion",
    ("sqs", ""): "AwsSqsQueue",
    ("sns", ""): "AwsSnsTopic",
    ("secretsmanager", "secret"): "AwsSecretsManagerSecret",
    ("ecr", "repository"): "AwsEcrRepository",
    ("elasticfilesystem", "file-system"): "AwsEfsFileSystem",
    ("es", "domain"): "AwsOpenSearchServiceDomain",
}
"""Resource types (AWS Security Hub's spelling) by ARN service and resource type"""


def resource_type_of(resource_arn: str) -> str:
    """The resource type of an ARN (`Other` when not one iamwarden names)"""
    arn = try_parse_arn(resource_arn)
    if arn is None:
        return "Other"
    kind = arn.resource_type if arn.service not in ("s3", "sqs", "sns") else ""
    return RESOURCE_TYPE_BY_SERVICE.get((arn.service, kind), "Other")


def _levels(catalog: Catalog, actions: tuple[str, ...]) -> tuple[AccessLevel, ...]:
    found = {level for action in actions for level in catalog.access_levels(action)}
    return tuple(level for level in AccessLevel if level in found)


def _statement_conditions(policy: Policy, grant: Grant) -> tuple[Condition, ...]:
    indexes = {ref.index for ref in grant.statements}
    found: dict[tuple[str, str, tuple[str, ...]], Condition] = {}
    for statement in policy.statements:
        if statement.index in indexes:
            for condition in statement.conditions:
                found.setdefault((condition.operator, condition.key, condition.values), condition)
    return tuple(found.values())


def _renamed_grant(grant: Grant, old: str, new: str) -> Grant:
    statements, conditions = renamed(grant.statements, grant.conditions, old, new)
    return dataclasses.replace(grant, statements=statements, conditions=conditions)


def _policies(snapshot: Snapshot) -> Iterator[tuple[str, Document, str, ResourcePolicy | None]]:
    for stored in snapshot.resource_policies:
        yield stored.arn, stored.document, stored.arn, stored
    for role in snapshot.roles:
        yield role.arn, role.trust_policy, f"{role.arn}:trust", None


_MAYBE_OWN_ORGANIZATION = (
    "the account's Organization was not collected: the Organization the policy names may be "
    "the account's own"
)


def analyse_exposure(snapshot: Snapshot, zone: ZoneOfTrust, catalog: Catalog) -> ExposureReport:
    """Every exposure of `snapshot`'s resource policies and role trust policies

    Service-linked roles are left out (AWS owns their trust policies and no one can change
    them), and so are service principals of trust policies: a service assumes a role only
    for the account that passes it the role (`iam:PassRole`); which services should still
    check the source account is `trust`'s question. Exposures are sorted by resource,
    reach and principal.
    """
    # the resource side: RCPs (an outside principal's SCPs are its own Organization's)
    organization = None
    if snapshot.organization is not None:
        organization = dataclasses.replace(in_organization(snapshot, PolicySet()), scps=None)
    exposures: list[Exposure] = []
    skipped: list[SkippedPolicy] = []
    inside: list[str] = []
    analysed = 0
    linked = {role.arn for role in snapshot.roles if role.is_service_linked}
    trusts: dict[str, tuple[str, tuple[Grant, ...], bool]] = {}
    """Trust policies without a Resource element decide alike for every role: by digest"""
    block_known = account_block_known(snapshot)
    for arn, document, name, stored in _policies(snapshot):
        if arn in linked:
            continue
        resource_type = resource_type_of(arn)
        try:
            policy = parse_policy(document.text, name=name, kind=PolicyKind.RESOURCE)
        except PolicySyntaxError as error:
            skipped.append(
                SkippedPolicy(
                    resource_arn=arn,
                    resource_type=resource_type,
                    reason=f"policy `{name}` cannot be read: {error.problem}",
                    policy=name,
                )
            )
            continue
        analysed += 1
        reusable = stored is None and names_no_resource(policy)
        memo = trusts.get(policy.digest) if reusable else None
        if memo is not None:
            first, grants, in_org = memo
            grants = tuple(_renamed_grant(g, first, name) for g in grants)
        else:
            grants, in_org = decide_grants(policy, arn, zone, catalog, organization=organization)
            if reusable:
                trusts[policy.digest] = (name, grants, in_org)
        if in_org:
            inside.append(arn)
        public = any(
            g.outsider.kind is OutsiderKind.ANONYMOUS or g.outsider.kind is OutsiderKind.ANY_ACCOUNT
            for g in grants
        )
        blocked = ""
        unknown = False
        if stored is not None and stored.service == "s3" and public:
            level = restricting_level(snapshot, stored)
            if level:
                blocked = f"RestrictPublicBuckets ({level} level)"
            else:
                unknown = not block_known
        for grant in grants:
            if stored is None and grant.outsider.kind is OutsiderKind.SERVICE:
                continue  # a service assumes a role only when the account passes it to it
            reach = reach_of(grant.outsider, zone)
            account = grant.outsider.account
            label = grant.outsider.shown
            issues = grant.issues
            if grant.outsider.kind is OutsiderKind.ORGANIZATION:
                label = f"any account of Organization {grant.outsider.organization}"
                if not zone.organization_known:
                    issues = (*issues, _MAYBE_OWN_ORGANIZATION)
            elif reach in (Reach.CROSS_ACCOUNT, Reach.KNOWN_ACCOUNT):
                label = zone.label(account)
                if grant.outsider.kind is OutsiderKind.PRINCIPAL:
                    label = f"{grant.outsider.shown} ({zone.label(account)})"
            exposures.append(
                Exposure(
                    resource_arn=arn,
                    resource_type=resource_type,
                    kind=grant.outsider.kind,
                    reach=reach,
                    principal=grant.outsider.shown,
                    label=label,
                    actions=grant.actions,
                    levels=_levels(catalog, grant.actions),
                    statements=grant.statements,
                    conditions=grant.conditions,
                    statement_conditions=_statement_conditions(policy, grant),
                    blocked_by=blocked if reach is not Reach.SERVICE else "",
                    block_unknown=unknown and reach is not Reach.SERVICE,
                    issues=issues,
                )
            )
    exposures.sort(key=lambda e: (e.resource_arn, list(Reach).index(e.reach), e.principal))
    return ExposureReport(
        exposures=tuple(exposures),
        skipped=tuple(skipped),
        analysed=analysed,
        within_organization=tuple(sorted(inside)),
    )
