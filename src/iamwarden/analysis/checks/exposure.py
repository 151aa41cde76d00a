"""External-access and trust-policy checks: findings over `analysis.exposure`'s answers.

The analysis runs once per assessment (shared by the checks below) and every answer comes
from the engine; these functions only sort exposures into checks by reach and access level.
Severity follows exposure: public write (or any public use of a KMS key, a role or a
secret) is critical, public read high, an unknown account medium, a known third party low.
"""

from __future__ import annotations

import dataclasses
import json
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from iamwarden.analysis.evidence import counted, statement_refs, undecided_conditions
from iamwarden.analysis.exposure import (
    Exposure,
    ExposureReport,
    Reach,
    ZoneOfTrust,
    analyse_exposure,
)
from iamwarden.analysis.exposure import trust as trust_questions
from iamwarden.analysis.exposure.grants import names_no_resource, renamed
from iamwarden.analysis.registry import CheckContext, CheckSpec, Remediation, check
from iamwarden.errors import PolicySyntaxError
from iamwarden.findings import Finding, Severity
from iamwarden.policy import AccessLevel, PolicyKind, parse_policy
from iamwarden.snapshot import DataSet, Snapshot

__all__ = [
    "exposure_report",
    "external_access_cross_account",
    "external_access_federated",
    "external_access_known_account",
    "external_access_public_read",
    "external_access_public_write",
    "external_access_service",
    "role_trust_oidc_any_subject",
    "role_trust_oidc_no_audience",
    "role_trust_saml_no_audience",
    "role_trust_service_without_source",
    "role_trust_without_external_id",
]

_ANALYZER = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-concepts.html"
_RESOURCES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html"
_BPA = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
)
_DEPUTY = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
_EXTERNAL_ID = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html"
)
_OIDC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html"
_SAML = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html"
_KEYS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
_GITHUB = "token.actions.githubusercontent.com"
_GITHUB_PROVIDER = f"arn:aws:iam::ACCOUNT:oidc-provider/{_GITHUB}"
_NEEDS = (DataSet.AUTHORIZATION_DETAILS,)
"""Role trust policies come with the authorization details; without resource policies the
checks still judge them, and say on the account that resource policies were not assessed"""


def _policy(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


_ORG_ONLY = _policy(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::BUCKET/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-EXAMPLE"}},
    }
)


def _trust_policy(principal: dict[str, str], action: str, condition: dict[str, Any]) -> str:
    return _policy(
        {"Effect": "Allow", "Principal": principal, "Action": action, "Condition": condition}
    )


_REPORTS: dict[tuple[int, int], tuple[weakref.ref[Snapshot], ZoneOfTrust, ExposureReport]] = {}


def exposure_report(ctx: CheckContext) -> ExposureReport:
    """The exposure analysis of the running assessment (computed once, shared by the checks)"""
    zone = ctx.trust or ZoneOfTrust.of(ctx.snapshot)
    key = (id(ctx.snapshot), id(zone))
    found = _REPORTS.get(key)
    if found is not None and found[0]() is ctx.snapshot and found[1] is zone:
        return found[2]
    report = analyse_exposure(ctx.snapshot, zone, ctx.catalog)
    # INVARIANT: only the latest assessment's report is kept, and it keeps no snapshot alive
    _REPORTS.clear()
    _REPORTS[key] = (weakref.ref(ctx.snapshot), zone, report)
    return report


_CRITICAL_TYPES = frozenset({"AwsKmsKey", "AwsIamRole", "AwsSecretsManagerSecret"})
_WRITE_LEVELS = frozenset({AccessLevel.WRITE, AccessLevel.PERMISSIONS_MANAGEMENT})


def _split(ctx: CheckContext, exposure: Exposure) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(write-like actions, read-like actions) of a public exposure"""
    if exposure.resource_type in _CRITICAL_TYPES:
        return exposure.actions, ()
    write = tuple(a for a in exposure.actions if ctx.catalog.access_levels(a) & _WRITE_LEVELS)
    return write, tuple(a for a in exposure.actions if a not in write)


def _facts(exposure: Exposure, actions: tuple[str, ...]) -> dict[str, Any]:
    return {
        "principal": exposure.principal,
        "label": exposure.label,
        "kind": exposure.kind.value,
        "reach": exposure.reach.value,
        "account_block_public_access_known": not exposure.block_unknown,
        "uncertain": list(exposure.issues),
        "actions": list(actions),
        "access_levels": [level.value for level in exposure.levels],
        "statements": statement_refs(exposure.statements),
        "undecided": undecided_conditions(exposure.conditions),
        "conditions": [
            {"operator": c.operator, "key": c.key, "values": list(c.values)}
            for c in exposure.statement_conditions
        ],
    }


def _levels(ctx: CheckContext, actions: tuple[str, ...]) -> str:
    found = {level for a in actions for level in ctx.catalog.access_levels(a)}
    return ", ".join(level.value.lower() for level in AccessLevel if level in found)


def _actions(actions: tuple[str, ...]) -> str:
    shown = ", ".join(actions[:3])
    return shown + (f" and {len(actions) - 3} more" if len(actions) > 3 else "")


def _external(
    ctx: CheckContext,
    select: Callable[[CheckContext, Exposure], tuple[str, ...]],
    reaches: frozenset[Reach],
    what: str,
) -> Iterator[Finding]:
    """One FAIL per resource with exposures of `reaches` that `select` keeps actions of; a
    PASS per resource whose grant S3 Block Public Access neutralises; NOT_ASSESSED per
    unreadable policy; one PASS on the account when nothing is found"""
    report = exposure_report(ctx)
    by_resource: dict[str, list[tuple[Exposure, tuple[str, ...]]]] = {}
    blocked: dict[str, list[Exposure]] = {}
    for exposure in report.exposures:
        if exposure.reach not in reaches:
            continue
        actions = select(ctx, exposure)
        if not actions:
            continue
        if exposure.is_blocked:
            blocked.setdefault(exposure.resource_arn, []).append(exposure)
        else:
            by_resource.setdefault(exposure.resource_arn, []).append((exposure, actions))
    for arn, found in by_resource.items():
        who = "; ".join(
            f"{e.label if e.reach is not Reach.PUBLIC else _anyone(e)} may {_actions(a)} "
            f"({_levels(ctx, a)})" + (" if the caller meets conditions" if e.conditions else "")
            for e, a in found
        )
        yield ctx.fail(
            arn,
            f"{what}: {who}",
            resource_type=found[0][0].resource_type,
            principals=sorted({e.principal for e, _ in found}),
            exposures=[_facts(e, a) for e, a in found],
        )
    for arn, exposures in blocked.items():
        if arn in by_resource:
            continue
        yield ctx.passed(
            arn,
            f"the public policy is neutralised by {exposures[0].blocked_by}",
            resource_type=exposures[0].resource_type,
            principals=sorted({e.principal for e in exposures}),
            blocked_by=exposures[0].blocked_by,
        )
    for skipped in report.skipped:
        yield ctx.unreadable(
            skipped.resource_arn,
            skipped.reason,
            (skipped.policy,),
            resource_type=skipped.resource_type,
        )
    if not ctx.snapshot.has(DataSet.RESOURCE_POLICIES):
        # an IAM-only export: trust policies were judged above, resource policies cannot be
        yield ctx.missing(
            ctx.snapshot.account.root_arn, DataSet.RESOURCE_POLICIES, resource_type="AwsAccount"
        )
    elif not by_resource:
        yield ctx.passed(
            ctx.snapshot.account.root_arn,
            f"no {what.lower()} in {counted(report.analysed, 'policy', 'policies')} analysed",
            resource_type="AwsAccount",
            policies_analysed=report.analysed,
        )


def _anyone(exposure: Exposure) -> str:
    return "anyone" if exposure.kind.value == "anonymous" else "any AWS account"


def _public_write(ctx: CheckContext, exposure: Exposure) -> tuple[str, ...]:
    return _split(ctx, exposure)[0]


def _public_read(ctx: CheckContext, exposure: Exposure) -> tuple[str, ...]:
    return _split(ctx, exposure)[1]


def _every(ctx: CheckContext, exposure: Exposure) -> tuple[str, ...]:
    return exposure.actions


def _spec(
    check_id: str,
    title: str,
    severity: Severity,
    rationale: str,
    remediation: Remediation,
    group: str,
    references: tuple[str, ...],
    *,
    resource_type: str = "Other",
    needs: tuple[DataSet, ...] = _NEEDS,
) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=title,
        severity=severity,
        resource_type=resource_type,
        rationale=rationale,
        remediation=remediation,
        group_title=group,
        group_label="Resources" if resource_type == "Other" else "Roles",
        references=references,
        needs=needs,
    )


_NARROW = Remediation(
    text="Remove the statement, or narrow it to the accounts meant (aws:PrincipalOrgID for "
    "the Organization, aws:SourceVpce for a network path); for S3 turn on Block Public Access",
    command="aws s3control put-public-access-block --account-id ACCOUNT "
    "--public-access-block-configuration RestrictPublicBuckets=true,BlockPublicPolicy=true,"
    "BlockPublicAcls=true,IgnorePublicAcls=true",
    policy=_ORG_ONLY,
)


@check(
    _spec(
        "external_access_public_write",
        "A resource policy lets anyone write to, manage or use a sensitive resource",
        Severity.CRITICAL,
        "Anyone on the internet (or any AWS account) can change the data, the policy, or use "
        "the key, role or secret",
        _NARROW,
        "{count} resources anyone can write to or use",
        (_ANALYZER, _RESOURCES, _BPA),
    )
)
def external_access_public_write(ctx: CheckContext) -> Iterator[Finding]:
    """Public write or permissions-management access, or any public access to a KMS key, a
    role or a secret"""
    yield from _external(ctx, _public_write, frozenset({Reach.PUBLIC}), "Public write access")


@check(
    _spec(
        "external_access_public_read",
        "A resource policy lets anyone read or list a resource",
        Severity.HIGH,
        "Anyone on the internet (or any AWS account) can read the data",
        _NARROW,
        "{count} resources anyone can read",
        (_ANALYZER, _RESOURCES, _BPA),
    )
)
def external_access_public_read(ctx: CheckContext) -> Iterator[Finding]:
    """Public read, list or tagging access"""
    yield from _external(ctx, _public_read, frozenset({Reach.PUBLIC}), "Public read access")


@check(
    _spec(
        "external_access_cross_account",
        "A resource or trust policy grants access to an account no one named",
        Severity.MEDIUM,
        "An account outside the zone of trust that is not a known third party can use the resource",
        Remediation(
            text="Remove the account, or name it in iamwarden.toml ([trust.known_accounts]) if "
            "it is a trusted third party",
            command="aws s3api get-bucket-policy --bucket BUCKET  # then edit and put it back",
            policy=_ORG_ONLY,
        ),
        "{count} resources shared with unknown accounts",
        (_ANALYZER, _RESOURCES),
    )
)
def external_access_cross_account(ctx: CheckContext) -> Iterator[Finding]:
    """Access by principals of an account outside the zone that is not named as known"""
    yield from _external(ctx, _every, frozenset({Reach.CROSS_ACCOUNT}), "Cross-account access")


@check(
    _spec(
        "external_access_known_account",
        "A resource or trust policy grants access to a known third party",
        Severity.LOW,
        "A named third party (iamwarden.toml) can use the resource; review it as a vendor",
        Remediation(
            text="Keep the grant as narrow as the vendor documents, or archive the finding "
            "with a reason and an expiry date",
            command='printf \'[[archive_rules]]\\ncheck_id = "external_access_known_account"\\n'
            'principal = "ACCOUNT"\\nreason = "vendor"\\n\' >> iamwarden.toml',
        ),
        "{count} resources shared with known third parties",
        (_ANALYZER, _RESOURCES),
    )
)
def external_access_known_account(ctx: CheckContext) -> Iterator[Finding]:
    """Access by principals of a known third-party account"""
    yield from _external(
        ctx, _every, frozenset({Reach.KNOWN_ACCOUNT}), "Access by a known third party"
    )


@check(
    _spec(
        "external_access_service",
        "A resource policy lets an AWS service act on it for any account",
        Severity.MEDIUM,
        "Without aws:SourceAccount or aws:SourceArn, another customer can point the service "
        "at this resource (a cross-service confused deputy)",
        Remediation(
            text="Add aws:SourceAccount (and aws:SourceArn) conditions naming the account's own "
            "resources to the service's statement",
            policy=_policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": "arn:aws:sqs:REGION:ACCOUNT:QUEUE",
                    "Condition": {
                        "ArnEquals": {"aws:SourceArn": "arn:aws:sns:REGION:ACCOUNT:TOPIC"}
                    },
                }
            ),
        ),
        "{count} resources a service may use for any account",
        (_DEPUTY, _KEYS),
    )
)
def external_access_service(ctx: CheckContext) -> Iterator[Finding]:
    """Access by a service principal acting for an account outside the zone"""
    yield from _external(ctx, _every, frozenset({Reach.SERVICE}), "Service access for any account")


@check(
    _spec(
        "external_access_federated",
        "A role trusts an external identity provider",
        Severity.INFO,
        "Users of a web identity or SAML provider can assume the role; the trust-policy checks "
        "say whether its conditions hold them to the account's own identities",
        Remediation(
            text="Keep the provider's subject and audience conditions (see the role_trust_* "
            "checks)",
            command="aws iam get-role --role-name ROLE --query Role.AssumeRolePolicyDocument",
        ),
        "{count} roles trusting external identity providers",
        (_ANALYZER, _OIDC, _SAML),
        resource_type="AwsIamRole",
    )
)
def external_access_federated(ctx: CheckContext) -> Iterator[Finding]:
    """Access by users of an identity provider (OIDC or SAML)"""
    yield from _external(ctx, _every, frozenset({Reach.FEDERATED}), "Federated access")


# -- trust policies ------------------------------------------------------------------------

_Question = Callable[..., tuple[trust_questions.TrustAnswer, ...]]


def _renamed_answer(
    answer: trust_questions.TrustAnswer, old: str, new: str
) -> trust_questions.TrustAnswer:
    statements, conditions = renamed(answer.statements, answer.conditions, old, new)
    return dataclasses.replace(answer, statements=statements, conditions=conditions)


def _trust(ctx: CheckContext, question: _Question, what: str, cleared: str) -> Iterator[Finding]:
    """One finding per role (service-linked roles aside): FAIL (`what`, then the answers),
    PASS (`cleared`), or NOT_ASSESSED when the trust policy cannot be read"""
    zone = ctx.trust or ZoneOfTrust.of(ctx.snapshot)
    seen: dict[str, tuple[str, tuple[trust_questions.TrustAnswer, ...]]] = {}
    for role in ctx.snapshot.roles:
        if role.is_service_linked:
            continue
        name = f"{role.arn}:trust"
        try:
            policy = parse_policy(role.trust_policy.text, name=name, kind=PolicyKind.RESOURCE)
        except PolicySyntaxError as error:
            yield ctx.unreadable(
                role.arn, f"policy `{name}` cannot be read: {error.problem}", (name,)
            )
            continue
        memo = seen.get(policy.digest) if names_no_resource(policy) else None
        if memo is None:
            answers = question(policy, role.arn, zone, ctx.catalog)
            if names_no_resource(policy):
                seen[policy.digest] = (name, answers)
        else:
            answers = tuple(_renamed_answer(a, memo[0], name) for a in memo[1])
        if not answers:
            yield ctx.passed(role.arn, f"{role.name}: {cleared}")
            continue
        shown = "; ".join(a.label + (f": {a.detail}" if a.detail else "") for a in answers)
        yield ctx.fail(
            role.arn,
            f"{role.name}: {what}: {shown}",
            principals=sorted({a.principal for a in answers}),
            answers=[
                {
                    "principal": a.principal,
                    "label": a.label,
                    "detail": a.detail,
                    "statements": statement_refs(a.statements),
                    "undecided": undecided_conditions(a.conditions),
                }
                for a in answers
            ],
        )


_TRUST_NEEDS = (DataSet.AUTHORIZATION_DETAILS,)


@check(
    _spec(
        "role_trust_without_external_id",
        "A role trusts a whole other account (or anyone) without an external id",
        Severity.HIGH,
        "A vendor that assumes roles for many customers can be tricked into using this role "
        "for another customer (the confused deputy); sts:ExternalId prevents it",
        Remediation(
            text="Require the external id the vendor gave you",
            policy=_trust_policy(
                {"AWS": "arn:aws:iam::VENDOR-ACCOUNT:root"},
                "sts:AssumeRole",
                {"StringEquals": {"sts:ExternalId": "EXTERNAL-ID"}},
            ),
        ),
        "{count} roles assumable by other accounts without an external id",
        (_DEPUTY, _EXTERNAL_ID),
        resource_type="AwsIamRole",
        needs=_TRUST_NEEDS,
    )
)
def role_trust_without_external_id(ctx: CheckContext) -> Iterator[Finding]:
    """Principals of an outside account (or any account) may assume the role with no
    `sts:ExternalId`"""
    yield from _trust(
        ctx,
        trust_questions.without_external_id,
        "assumable without an external id by",
        "no other account may assume it without an external id",
    )


@check(
    _spec(
        "role_trust_service_without_source",
        "A role trusts an AWS service without aws:SourceAccount or aws:SourceArn",
        Severity.MEDIUM,
        "The service documents these keys for its role trust policies; without them it can "
        "be made to assume the role for another account (cross-service confused deputy)",
        Remediation(
            text="Add aws:SourceAccount (or aws:SourceArn) naming the account's own resources",
            policy=_trust_policy(
                {"Service": "scheduler.amazonaws.com"},
                "sts:AssumeRole",
                {"StringEquals": {"aws:SourceAccount": "ACCOUNT"}},
            ),
        ),
        "{count} roles trusting services without a source condition",
        (_DEPUTY, _KEYS),
        resource_type="AwsIamRole",
        needs=_TRUST_NEEDS,
    )
)
def role_trust_service_without_source(ctx: CheckContext) -> Iterator[Finding]:
    """A service of `trust.SOURCE_KEY_SERVICES` may assume the role for an outside account"""
    yield from _trust(
        ctx,
        trust_questions.services_without_source,
        "assumable for any account by",
        "no trusted service may assume it for another account",
    )


@check(
    _spec(
        "role_trust_oidc_any_subject",
        "A role trusts an OIDC provider's tokens for any repository, project or organization",
        Severity.CRITICAL,
        "Anyone who can get a token from the provider (a GitHub workflow in any repository, "
        "any GitLab project, any EKS service account) can assume the role",
        Remediation(
            text="Require the sub claim of your own repository and branch (StringEquals, or "
            "StringLike with a fixed owner)",
            policy=_trust_policy(
                {"Federated": _GITHUB_PROVIDER},
                "sts:AssumeRoleWithWebIdentity",
                {
                    "StringEquals": {
                        f"{_GITHUB}:aud": "sts.amazonaws.com",
                        f"{_GITHUB}:sub": "repo:ORG/REPO:ref:refs/heads/main",
                    }
                },
            ),
        ),
        "{count} roles open to other owners' OIDC tokens",
        (
            _OIDC,
            "https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services",
        ),
        resource_type="AwsIamRole",
        needs=_TRUST_NEEDS,
    )
)
def role_trust_oidc_any_subject(ctx: CheckContext) -> Iterator[Finding]:
    """A token of another owner (repository, project, organization, service account, identity
    pool) is accepted"""
    yield from _trust(
        ctx,
        trust_questions.any_subject,
        "open to other owners' tokens",
        "accepts no other owner's tokens",
    )


@check(
    _spec(
        "role_trust_oidc_no_audience",
        "A role trusts an OIDC provider without checking the token's audience",
        Severity.MEDIUM,
        "Without aud the role accepts tokens minted for other applications",
        Remediation(
            text="Require the audience the provider issues for AWS",
            policy=_trust_policy(
                {"Federated": _GITHUB_PROVIDER},
                "sts:AssumeRoleWithWebIdentity",
                {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
            ),
        ),
        "{count} roles not checking the OIDC audience",
        (_OIDC,),
        resource_type="AwsIamRole",
        needs=_TRUST_NEEDS,
    )
)
def role_trust_oidc_no_audience(ctx: CheckContext) -> Iterator[Finding]:
    """A token for any audience is accepted"""
    yield from _trust(
        ctx,
        trust_questions.any_audience,
        "audience not checked for",
        "accepts no OIDC token minted for another audience",
    )


@check(
    _spec(
        "role_trust_saml_no_audience",
        "A role trusts a SAML provider without SAML:aud",
        Severity.MEDIUM,
        "Without SAML:aud the role accepts assertions meant for another service provider",
        Remediation(
            text="Require AWS's sign-in endpoint as the audience",
            policy=_trust_policy(
                {"Federated": "arn:aws:iam::ACCOUNT:saml-provider/IDP"},
                "sts:AssumeRoleWithSAML",
                {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            ),
        ),
        "{count} roles not checking the SAML audience",
        (_SAML,),
        resource_type="AwsIamRole",
        needs=_TRUST_NEEDS,
    )
)
def role_trust_saml_no_audience(ctx: CheckContext) -> Iterator[Finding]:
    """An assertion for any audience is accepted"""
    yield from _trust(
        ctx,
        trust_questions.any_saml_audience,
        "audience not checked for",
        "accepts no SAML assertion meant for another audience",
    )


ACCESS_CHECKS = (
    "external_access_public_write",
    "external_access_public_read",
    "external_access_cross_account",
    "external_access_known_account",
    "external_access_service",
    "external_access_federated",
    "role_trust_without_external_id",
    "role_trust_service_without_source",
    "role_trust_oidc_any_subject",
    "role_trust_oidc_no_audience",
    "role_trust_saml_no_audience",
)
"""The checks `iamwarden access` runs, in report order"""
