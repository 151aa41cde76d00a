"""AWS's special cases that depend on the action or resource, not on any policy"""

from __future__ import annotations

from typing import Final

from iamwarden.policy.arn import try_parse_arn

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
