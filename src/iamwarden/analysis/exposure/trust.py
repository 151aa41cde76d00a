"""Trust-policy questions behind confused deputies and open federation, asked of the engine.

Each question is a request the engine decides against a role's trust policy:

- *assumable without an external id*: `sts:AssumeRole` by a principal of an account outside
  the zone (any account for `*`, each account the policy names) with `sts:ExternalId`
  absent (IAM User Guide, id_roles_create_for-user_externalid and confused-deputy);
- *a service without its source*: the service principal acting for an outside account
  (`aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID` of that account), for services
  whose documentation has trust policies check those keys (`SOURCE_KEY_SERVICES`);
- *any subject of an OIDC provider*: `sts:AssumeRoleWithWebIdentity` with a token whose
  claims name a repository, project, organization or service account that is not the
  account's (`OIDC_PROVIDERS`: GitHub Actions, GitLab, Terraform Cloud, EKS IRSA, Cognito),
  and with wildcards of the policy's own `sub` patterns filled in where they name the
  owner (`repo:acme*/app` also admits `repo:acme-attacker/app`);
- *any audience*: the same with an `aud` claim no one configured; SAML with a `SAML:aud`
  that is not AWS's sign-in endpoint.

An answer that is ALLOWED only under clauses the engine could not decide is still allowed:
the caller controls those claims.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from iamwarden.analysis.exposure.context import named_keys, variants
from iamwarden.analysis.exposure.grants import OUTSIDE_IDENTITY, granting
from iamwarden.analysis.exposure.model import OutsiderKind
from iamwarden.analysis.exposure.outsiders import Outsider, outsiders
from iamwarden.analysis.exposure.zone import ZoneOfTrust
from iamwarden.policy import (
    Catalog,
    ConditionRef,
    Decision,
    Evaluation,
    Policy,
    PolicySet,
    Request,
    StatementRef,
    evaluate_many,
)
from iamwarden.policy.arn import try_parse_arn

__all__ = [
    "OIDC_PROVIDERS",
    "PROBE",
    "SOURCE_KEY_SERVICES",
    "OidcProvider",
    "TrustAnswer",
    "any_audience",
    "any_saml_audience",
    "any_subject",
    "federated_providers",
    "services_without_source",
    "without_external_id",
]

_Context = dict[str, str | Sequence[str]]

PROBE = "iamwarden-probe"
"""The owner (organization, group, namespace) of the tokens an attacker would present"""

SOURCE_KEY_SERVICES: Mapping[str, str] = MappingProxyType(
    {
        "codedeploy.amazonaws.com": "CodeDeploy User Guide, security_confused_deputy",
        "config.amazonaws.com": "AWS Config Developer Guide, iamrole-permissions",
        "datasync.amazonaws.com": "DataSync User Guide, cross-service-confused-deputy-prevention",
        "ecs-tasks.amazonaws.com": "ECS Developer Guide, task-iam-roles",
        "monitoring.rds.amazonaws.com": "RDS User Guide, cross-service-confused-deputy-prevention",
        "sagemaker.amazonaws.com": "SageMaker Developer Guide, security-confused-deputy",
        "scheduler.amazonaws.com": "EventBridge Scheduler User Guide, "
        "cross-service-confused-deputy",
        "ssm.amazonaws.com": "Systems Manager User Guide, cross-service-confused-deputy-prevention",
        "transfer.amazonaws.com": "Transfer Family User Guide, confused-deputy",
    }
)
"""Service principals whose documentation has role trust policies check `aws:SourceAccount`
or `aws:SourceArn` (the page that says so). Services that assume only roles the account
passes them (`ec2.amazonaws.com`, `lambda.amazonaws.com`) are not listed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OidcProvider:
    """An OpenID Connect provider whose tokens iamwarden knows how to impersonate

    `host` is a regular expression over the provider's host (the IAM provider ARN after
    `oidc-provider/`, or the `Federated` value); `claims` the claims (key suffix → value) of
    a token of another owner; `owner` a regular expression whose group 1 is the owner part
    of a `sub` value; `subject_key` the claim that names the caller (`sub`, or `aud` for
    Cognito identity pools).
    """

    name: str
    host: str
    claims: Mapping[str, str]
    owner: str = ""
    subject_key: str = "sub"
    audience: str = "sts.amazonaws.com"


OIDC_PROVIDERS: tuple[OidcProvider, ...] = (
    OidcProvider(
        name="GitHub Actions",
        host=r"token\.actions\.githubusercontent\.com(/.*)?",
        claims=MappingProxyType(
            {
                "sub": f"repo:{PROBE}/{PROBE}:ref:refs/heads/main",
                "repository": f"{PROBE}/{PROBE}",
                "repository_owner": PROBE,
                "job_workflow_ref": f"{PROBE}/{PROBE}/.github/workflows/deploy.yml@refs/heads/main",
            }
        ),
        owner=r"repo:([^/]*)(?:/|$)",
    ),
    OidcProvider(
        name="GitLab",
        host=r"gitlab\.com|gitlab\..*",
        claims=MappingProxyType(
            {
                "sub": f"project_path:{PROBE}/{PROBE}:ref_type:branch:ref:main",
                "namespace_path": PROBE,
                "project_path": f"{PROBE}/{PROBE}",
            }
        ),
        owner=r"project_path:([^/]*)(?:/|$)",
        audience="https://gitlab.com",
    ),
    OidcProvider(
        name="Terraform Cloud",
        host=r"app\.terraform\.io",
        claims=MappingProxyType(
            {
                "sub": f"organization:{PROBE}:project:Default Project:workspace:{PROBE}"
                ":run_phase:apply",
                "terraform_organization_name": PROBE,
            }
        ),
        owner=r"organization:([^:]*):",
        audience="aws.workload.identity",
    ),
    OidcProvider(
        name="EKS (IRSA)",
        host=r"oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/id/.*",
        claims=MappingProxyType({"sub": f"system:serviceaccount:{PROBE}:{PROBE}"}),
        owner=r"system:serviceaccount:([^:]*):",
    ),
    OidcProvider(
        name="Cognito identity pools",
        host=r"cognito-identity\.amazonaws\.com",
        claims=MappingProxyType(
            {"aud": "us-east-1:00000000-0000-4000-8000-000000000000", "amr": "authenticated"}
        ),
        subject_key="aud",
        audience="",
    ),
)
"""The providers the issue names, most specific first; any other provider is asked with a
`sub` and `aud` no one configured"""

_GENERIC = OidcProvider(
    name="OIDC provider", host=".*", claims=MappingProxyType({"sub": PROBE}), audience=""
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrustAnswer:
    """An allowed request the role's trust policy should have refused, and why"""

    principal: str
    label: str
    statements: tuple[StatementRef, ...]
    conditions: tuple[ConditionRef, ...] = ()
    detail: str = ""


def _host(principal: str) -> str:
    arn = try_parse_arn(principal)
    if arn is not None and arn.resource.startswith("oidc-provider/"):
        return arn.resource[len("oidc-provider/") :]
    return principal


def provider_of(principal: str) -> OidcProvider:
    """The known provider a `Federated` value names (the generic one when none)"""
    host = _host(principal)
    return next((p for p in OIDC_PROVIDERS if re.fullmatch(p.host, host)), _GENERIC)


def federated_providers(policy: Policy, zone: ZoneOfTrust) -> tuple[Outsider, ...]:
    """The identity providers a trust policy names (OIDC by ARN or host, SAML by ARN)"""
    return tuple(o for o in outsiders(policy, zone) if o.kind is OutsiderKind.FEDERATED)


def _is_saml(principal: str) -> bool:
    arn = try_parse_arn(principal)
    return arn is not None and arn.resource.startswith("saml-provider/")


def _ask(
    policy: Policy,
    role_arn: str,
    outsider: Outsider,
    action: str,
    contexts: list[tuple[_Context, frozenset[str]]],
    account: str,
    catalog: Catalog,
    principal_id: str | None = None,
) -> tuple[Evaluation, int] | None:
    """The first ALLOWED answer among `contexts` and its index (None when all are refused)"""
    requests = [
        Request(
            principal=outsider.principal,
            action=action,
            resource=role_arn,
            resource_account=account,
            context=MappingProxyType(context),
            unknown_keys=unknown,
            principal_id=principal_id,
        )
        for context, unknown in contexts
    ]
    identity = (OUTSIDE_IDENTITY,) if outsider.has_account else ()
    answers = evaluate_many(
        requests, PolicySet(identity=identity, resource=policy), catalog=catalog
    )
    return next(((a, i) for i, a in enumerate(answers) if a.decision is Decision.ALLOWED), None)


_ACCOUNT_WIDE = frozenset(
    {OutsiderKind.ANY_ACCOUNT, OutsiderKind.ACCOUNT, OutsiderKind.ORGANIZATION}
)
"""Outsiders standing for every principal of one or more accounts"""


def without_external_id(
    policy: Policy, role_arn: str, zone: ZoneOfTrust, catalog: Catalog
) -> tuple[TrustAnswer, ...]:
    """Accounts outside the zone whose principals may assume the role with no external id
    (`*` for any account, the Organization's id for any account of another Organization)"""
    keys = named_keys((policy,))
    found = []
    for outsider in outsiders(policy, zone):
        if outsider.kind not in _ACCOUNT_WIDE:
            continue
        contexts = [
            (dict(v.context), v.unknown - {"sts:externalid"})
            for v in variants(outsider, policy, keys, zone, catalog)
        ]
        answer = _ask(
            policy,
            role_arn,
            outsider,
            "sts:AssumeRole",
            contexts,
            zone.account_id,
            catalog,
            principal_id="AROAIAMWARDENOUTSIDER:session",
        )
        if answer is not None:
            label = {
                OutsiderKind.ANY_ACCOUNT: "any AWS account",
                OutsiderKind.ORGANIZATION: f"any account of Organization {outsider.organization}",
            }.get(outsider.kind, zone.label(outsider.account))
            found.append(
                TrustAnswer(
                    principal="*" if outsider.kind is OutsiderKind.ANY_ACCOUNT else outsider.shown,
                    label=label,
                    statements=granting(answer[0]),
                    conditions=answer[0].undecided,
                )
            )
    return tuple(found)


def services_without_source(
    policy: Policy, role_arn: str, zone: ZoneOfTrust, catalog: Catalog
) -> tuple[TrustAnswer, ...]:
    """Services of `SOURCE_KEY_SERVICES` the trust policy lets assume the role for an
    account outside the zone"""
    keys = named_keys((policy,))
    found = []
    for outsider in outsiders(policy, zone):
        if (
            outsider.kind is not OutsiderKind.SERVICE
            or outsider.principal not in SOURCE_KEY_SERVICES
        ):
            continue
        contexts = [
            (dict(v.context), v.unknown) for v in variants(outsider, policy, keys, zone, catalog)
        ]
        answer = _ask(
            policy, role_arn, outsider, "sts:AssumeRole", contexts, zone.account_id, catalog
        )
        if answer is not None:
            found.append(
                TrustAnswer(
                    principal=outsider.shown,
                    label=outsider.shown,
                    statements=granting(answer[0]),
                    conditions=answer[0].undecided,
                    detail=SOURCE_KEY_SERVICES[outsider.principal],
                )
            )
    return tuple(found)


def _subject_probes(provider: OidcProvider, policy: Policy, key: str) -> tuple[str, ...]:
    """The foreign subject, plus each of the policy's own patterns with the wildcards of its
    owner part filled by the probe owner"""
    found = [provider.claims.get(provider.subject_key, PROBE)]
    if provider.owner:
        for statement in policy.statements:
            for condition in statement.conditions:
                if condition.key.lower() != key:
                    continue
                for value in condition.values:
                    match = re.match(provider.owner, value)
                    if match is None or not re.search(r"[*?]", match.group(1)):
                        continue
                    owner = re.sub(r"[*?]+", f"-{PROBE}", match.group(1))
                    rest = value[match.end(1) :].replace("*", "x").replace("?", "x")
                    if not rest:  # `repo:acme*`: the owner's wildcard takes the repository too
                        rest = f"/{PROBE}"
                    found.append(value[: match.start(1)] + owner + rest)
    return tuple(dict.fromkeys(found))


def _web_identity(
    policy: Policy,
    role_arn: str,
    zone: ZoneOfTrust,
    catalog: Catalog,
    *,
    audience_only: bool,
) -> tuple[TrustAnswer, ...]:
    keys = named_keys((policy,))
    found = []
    for outsider in federated_providers(policy, zone):
        if _is_saml(outsider.principal):
            continue
        provider = provider_of(outsider.principal)
        prefix = _host(outsider.principal).lower() + ":"
        base = variants(outsider, policy, keys, zone, catalog)[0]
        contexts: list[tuple[_Context, frozenset[str]]] = []
        if audience_only:
            if provider.subject_key == "aud":
                continue  # the audience is the subject: `any_subject` asks it
            context = {**base.context, prefix + "aud": f"{PROBE}-audience"}
            contexts.append((dict(context), base.unknown - {prefix + "aud"}))
            detail = "the token's audience (aud) is not checked"
        else:
            claims = {prefix + k: v for k, v in provider.claims.items()}
            audience = {prefix + "aud": provider.audience} if provider.audience else {}
            subject = prefix + provider.subject_key
            for probe in _subject_probes(provider, policy, subject):
                context = {**base.context, **audience, **claims, subject: probe}
                contexts.append((dict(context), base.unknown - set(context)))
            detail = f"a {provider.name} token of another owner is accepted"
        answer = _ask(
            policy,
            role_arn,
            outsider,
            "sts:AssumeRoleWithWebIdentity",
            contexts,
            zone.account_id,
            catalog,
        )
        if answer is not None:
            accepted = contexts[answer[1]][0].get(prefix + provider.subject_key, "")
            found.append(
                TrustAnswer(
                    principal=outsider.shown,
                    label=provider.name if provider is not _GENERIC else outsider.shown,
                    statements=granting(answer[0]),
                    conditions=answer[0].undecided,
                    detail=detail if audience_only else f"{detail} (`{accepted}`)",
                )
            )
    return tuple(found)


def any_subject(
    policy: Policy, role_arn: str, zone: ZoneOfTrust, catalog: Catalog
) -> tuple[TrustAnswer, ...]:
    """OIDC providers whose tokens for another repository, project, organization or
    service account may assume the role"""
    return _web_identity(policy, role_arn, zone, catalog, audience_only=False)


def any_audience(
    policy: Policy, role_arn: str, zone: ZoneOfTrust, catalog: Catalog
) -> tuple[TrustAnswer, ...]:
    """OIDC providers whose tokens for any audience may assume the role"""
    return _web_identity(policy, role_arn, zone, catalog, audience_only=True)


SAML_AUDIENCE_PROBE = "https://iamwarden-probe.invalid/saml"


def any_saml_audience(
    policy: Policy, role_arn: str, zone: ZoneOfTrust, catalog: Catalog
) -> tuple[TrustAnswer, ...]:
    """SAML providers whose assertions for any audience (`SAML:aud`) may assume the role"""
    keys = named_keys((policy,))
    found = []
    for outsider in federated_providers(policy, zone):
        if not _is_saml(outsider.principal):
            continue
        base = variants(outsider, policy, keys, zone, catalog)[0]
        context = {**base.context, "SAML:aud": SAML_AUDIENCE_PROBE}
        answer = _ask(
            policy,
            role_arn,
            outsider,
            "sts:AssumeRoleWithSAML",
            [(dict(context), base.unknown - {"saml:aud"})],
            zone.account_id,
            catalog,
        )
        if answer is not None:
            found.append(
                TrustAnswer(
                    principal=outsider.shown,
                    label=outsider.shown,
                    statements=granting(answer[0]),
                    conditions=answer[0].undecided,
                    detail="the assertion's audience (SAML:aud) is not checked",
                )
            )
    return tuple(found)
