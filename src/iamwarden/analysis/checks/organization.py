"""Organization-wide checks read from the account's place in AWS Organizations: whether a
service or resource control policy other than AWS's default ones applies to the account"""

from __future__ import annotations

from collections.abc import Iterator

from iamwarden.analysis.evidence import counted
from iamwarden.analysis.registry import (
    CIS_REFERENCE,
    CheckContext,
    CheckSpec,
    Remediation,
    check,
)
from iamwarden.findings import Finding, Severity
from iamwarden.snapshot import DataSet, OrgPolicy

__all__ = ["DEFAULT_POLICY_IDS", "organization_guardrails_attached"]

DEFAULT_POLICY_IDS = frozenset({"p-FullAWSAccess", "p-RCPFullAWSAccess"})
"""AWS's own FullAWSAccess SCP and RCPFullAWSAccess RCP: attached by AWS, they allow all and
restrict nothing (Organizations User Guide, "Service control policies" and "Resource control
policies")"""

GUARDRAIL_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyLeavingTheOrganization",
      "Effect": "Deny",
      "Action": "organizations:LeaveOrganization",
      "Resource": "*"
    }
  ]
}"""


def _is_default(policy: OrgPolicy) -> bool:
    """Whether `policy` is one of AWS's managed allow-all policies (by id or AWS's ARN)"""
    return policy.id in DEFAULT_POLICY_IDS or "::aws:policy/" in policy.arn


@check(
    CheckSpec(
        id="organization_guardrails_attached",
        title="No SCP or RCP but AWS's allow-all defaults applies to the account",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        rationale="Without a guardrail SCP or RCP, nothing above the account limits what its "
        "principals may do or what its resource policies may grant",
        remediation=Remediation(
            text="In the management account, create a guardrail SCP (the policy below denies "
            "leaving the organization) and attach it to the root or the account's OU",
            command="aws organizations create-policy --type SERVICE_CONTROL_POLICY --name "
            "guardrails --description 'baseline guardrails' --content file://scp.json && aws "
            "organizations attach-policy --policy-id <policy-id> --target-id <root-or-ou-id>",
            policy=GUARDRAIL_POLICY,
        ),
        group_title="{count} accounts without a guardrail SCP or RCP",
        group_label="Accounts",
        references=(
            CIS_REFERENCE,
            "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html",
            "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html",
        ),
        needs=(DataSet.ORGANIZATION,),
    )
)
def organization_guardrails_attached(ctx: CheckContext) -> Iterator[Finding]:
    """Fail when only AWS's FullAWSAccess / RCPFullAWSAccess apply on the account's path from
    the organization root (CIS AWS v7.0.0 2.1.2, whose baseline content stays manual)

    The management account and an account in no organization are NOT_ASSESSED, with why:
    SCPs and RCPs never restrict the management account, and a standalone account has none.
    """
    arn = ctx.snapshot.account.root_arn
    org = ctx.snapshot.organization
    if org is None:
        yield ctx.not_assessed(
            arn,
            "the account is in no AWS Organization: no SCP or RCP can apply to it",
            subject="organization",
        )
        return
    if org.management_account_id == ctx.snapshot.account.id:
        yield ctx.not_assessed(
            arn,
            "the Organization's management account: SCPs and RCPs never restrict it",
            subject="organization",
            organization_id=org.id,
        )
        return
    guardrails = [
        {"kind": kind, "level": level.id, "id": policy.id, "name": policy.name}
        for level in org.path
        for kind, policies in (("scp", level.scps), ("rcp", level.rcps))
        for policy in policies
        if not _is_default(policy)
    ]
    if guardrails:
        yield ctx.passed(
            arn,
            f"{counted(len(guardrails), 'guardrail policy', 'guardrail policies')} apply "
            "to the account",
            subject="organization",
            organization_id=org.id,
            guardrails=guardrails,
        )
    else:
        yield ctx.fail(
            arn,
            "only AWS's allow-all FullAWSAccess / RCPFullAWSAccess apply to the account",
            subject="organization",
            organization_id=org.id,
            levels=[level.id for level in org.path],
        )
