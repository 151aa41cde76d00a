"""AWS's special cases that depend on the action or resource, not on any policy"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from iamwarden.policy.arn import try_parse_arn
from iamwarden.policy.engine.globs import globs_cover, globs_intersect
from iamwarden.policy.engine.model import PrincipalType
from iamwarden.policy.engine.principals import SERVICE_LINKED_PREFIX, Principal

ROLE_ACTIONS: Final = frozenset(
    {"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity"}
)


def needs_resource_grant(action: str, resource: str) -> bool:
    """Whether AWS requires the resource policy itself to grant (KMS key policies, role
    trust policies), so an identity-policy Allow alone is not enough

    AWS: IAM User Guide, "Policy evaluation logic" (KMS keys and role trust policies).
    """
    if action in ROLE_ACTIONS:
        arn = try_parse_arn(resource)
        return arn is not None and arn.service == "iam" and arn.resource.startswith("role/")
    if action.startswith("kms:"):
        arn = try_parse_arn(resource)
        return arn is not None and arn.service == "kms" and arn.resource.startswith("key/")
    return False


CALLER_IDENTITY: Final = "sts:getcalleridentity"
CALLER_IDENTITY_NOTE: Final = (
    "sts:GetCallerIdentity needs no permission and an explicit deny does not block it "
    "(STS API Reference, GetCallerIdentity)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Guardrail:
    """A refusal AWS enforces whatever the policies say: `actions` (lowercased) on any
    resource matching one of `resources` (whole-ARN wildcard patterns)"""

    name: str
    actions: frozenset[str]
    resources: tuple[str, ...]
    reason: str


_ROLE_CHANGES: Final = frozenset(
    {
        "iam:attachrolepolicy",
        "iam:detachrolepolicy",
        "iam:putrolepolicy",
        "iam:deleterolepolicy",
        "iam:updaterole",
        "iam:updateassumerolepolicy",
        "iam:deleterole",
        "iam:putrolepermissionsboundary",
        "iam:deleterolepermissionsboundary",
    }
)

GUARDRAILS: Final = (
    Guardrail(
        name="aws_managed_policy",
        actions=frozenset(
            {
                "iam:createpolicy",
                "iam:createpolicyversion",
                "iam:deletepolicy",
                "iam:deletepolicyversion",
                "iam:setdefaultpolicyversion",
                "iam:tagpolicy",
                "iam:untagpolicy",
            }
        ),
        resources=("arn:*:iam::aws:policy/*",),
        reason="AWS-managed resource: AWS managed policies (account `aws`) cannot be "
        "created, changed, tagged or deleted by anyone but AWS (IAM User Guide, "
        "access_policies_managed-vs-inline.md#aws-managed-policies)",
    ),
    Guardrail(
        name="service_linked_role",
        actions=_ROLE_CHANGES,
        resources=("arn:*:iam::*:role/aws-service-role/*",),
        reason="AWS-managed resource: a service-linked role (path `/aws-service-role/`) "
        "is changed only by its service (UnmodifiableEntity); its description can be "
        "edited, and iam:DeleteServiceLinkedRole deletes it (IAM User Guide, "
        "id_roles_update-service-linked-role.md; IAM API Reference, DeleteRole)",
    ),
    Guardrail(
        name="identity_center_role",
        actions=_ROLE_CHANGES | {"iam:updateroledescription"},
        resources=("arn:*:iam::*:role/aws-reserved/*",),
        reason="AWS-managed resource: a role under `/aws-reserved/` (IAM Identity Center "
        "`AWSReservedSSO_…`) is only modifiable by AWS, through its permission set "
        "(IAM Identity Center User Guide, identity-center-and-iam-roles.md and "
        "using-service-linked-roles.md)",
    ),
    Guardrail(
        name="aws_managed_kms_alias",
        actions=frozenset({"kms:createalias", "kms:updatealias", "kms:deletealias"}),
        resources=("arn:*:kms:*:*:alias/aws/*",),
        reason="AWS-managed resource: aliases beginning `alias/aws/` belong to AWS managed "
        "keys and cannot be created, updated or deleted (AWS KMS Developer Guide, "
        "Aliases in AWS KMS)",
    ),
)
"""AWS's refusals that no policy states, one row per kind of AWS-managed resource"""

_BY_ACTION: Final = {
    action: tuple(rule for rule in GUARDRAILS if action in rule.actions)
    for rule in GUARDRAILS
    for action in rule.actions
}

SPECIAL_ACTIONS: Final = (
    *(rule.actions for rule in GUARDRAILS),
    frozenset({CALLER_IDENTITY}),
)
"""Action sets these rules treat alike (wildcard requests keep each apart)"""


def guardrail(action: str, resource: str, principal: Principal | None = None) -> Guardrail | None:
    """The guardrail refusing lowercased `action` on `resource` to `principal`, if any

    A wildcard `resource` is refused only when every resource it matches is protected:
    some other resource could still be allowed, and a question about every resource
    ("full admin?") means every resource a policy can grant. The owning service (its
    service principal, or its service-linked role) is not refused its own roles: those
    under `/aws-service-role/<service>/` or `/aws-reserved/<service>/` (`owned_roles`).
    """
    rules = _BY_ACTION.get(action)
    if not rules:
        return None
    owned = owned_roles(principal) if principal is not None else ()
    for rule in rules:
        if globs_cover(rule.resources, resource) and not any(
            globs_intersect(pattern, resource) for pattern in owned
        ):
            return rule
    return None


_SERVICE_NAME: Final = re.compile(r"[a-z0-9][a-z0-9.-]*")
_OWNED_PATHS: Final = ("role/aws-service-role/", "role/aws-reserved/")


@lru_cache(maxsize=4096)
def owned_roles(principal: Principal) -> tuple[str, ...]:
    """Patterns of the AWS-managed roles `principal` may change as their owning service:
    empty unless it is a service principal or a service-linked role

    AWS: IAM User Guide, using-service-linked-roles.md ("the linked service also defines
    how you create, modify, and delete a service-linked role"). A service-linked role's
    service is the path segment after `/aws-service-role/`; a session's ARN drops the
    path, so its role name `AWSServiceRoleFor<Name>` is read as `<name>.amazonaws.com`
    (the guardrail stays for a session whose name does not follow that form).
    """
    service: str | None = None
    if principal.type is PrincipalType.SERVICE:
        service = principal.text
    elif principal.is_service_linked:
        arn = try_parse_arn(principal.text) if principal.is_direct_role else None
        path = arn.resource if arn is not None else ""
        if path.startswith(_OWNED_PATHS[0]):
            service = path[len(_OWNED_PATHS[0]) :].split("/", 1)[0]
        elif principal.role_account_name is not None:
            name = principal.role_account_name[1]
            if name.startswith(SERVICE_LINKED_PREFIX) and len(name) > len(SERVICE_LINKED_PREFIX):
                service = f"{name[len(SERVICE_LINKED_PREFIX) :].lower()}.amazonaws.com"
    if service is None or _SERVICE_NAME.fullmatch(service) is None:
        return ()
    return tuple(f"arn:*:iam::*:{path}{service}/*" for path in _OWNED_PATHS)


def owner_service(resource: str) -> str | None:
    """The service owning an AWS-managed role ARN (the path segment after
    `/aws-service-role/` or `/aws-reserved/`), None for other resources"""
    arn = try_parse_arn(resource)
    if arn is None or arn.service != "iam":
        return None
    for path in _OWNED_PATHS:
        if arn.resource.startswith(path):
            return arn.resource[len(path) :].split("/", 1)[0] or None
    return None
