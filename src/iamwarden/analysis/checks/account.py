"""Account-wide checks: support role, EC2 instance roles, certificates, Access Analyzer,
CloudShell access"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iamwarden.analysis.checks.root import ACCOUNT_TRUST
from iamwarden.analysis.evidence import counted, iso
from iamwarden.analysis.registry import (
    CIS_REFERENCE,
    CheckContext,
    CheckSpec,
    Remediation,
    check,
)
from iamwarden.findings import Finding, Severity
from iamwarden.snapshot import ComputeKind, DataSet

__all__ = [
    "access_analyzer_all_regions",
    "cloudshell_full_access_restricted",
    "ec2_instance_profile_attached",
    "server_certificate_not_expired",
    "support_role_exists",
]


def _managed_arn(ctx: CheckContext, name: str) -> str:
    return f"arn:{ctx.snapshot.account.partition}:iam::aws:policy/{name}"


def _holders(ctx: CheckContext, policy_arn: str) -> dict[str, Any]:
    """The users, groups and roles `policy_arn` is attached to, by kind"""
    return {
        kind: sorted(e.arn for e in entities if policy_arn in e.attached_policies)
        for kind, entities in (
            ("users", ctx.snapshot.users),
            ("groups", ctx.snapshot.groups),
            ("roles", ctx.snapshot.roles),
        )
    }


@check(
    CheckSpec(
        id="support_role_exists",
        title="No role can manage incidents with AWS Support",
        severity=Severity.LOW,
        resource_type="AwsAccount",
        rationale="Without a support role, incident handling falls back to root or admin users",
        remediation=Remediation(
            text="Create a role that trusted users assume (trust.json below), with "
            "AWSSupportAccess attached",
            command="aws iam create-role --role-name aws-support --assume-role-policy-document "
            "file://trust.json && aws iam attach-role-policy --role-name aws-support "
            "--policy-arn arn:aws:iam::aws:policy/AWSSupportAccess",
            policy=ACCOUNT_TRUST,
        ),
        group_title="{count} accounts without a support role",
        group_label="Accounts",
        references=(
            CIS_REFERENCE,
            "https://docs.aws.amazon.com/awssupport/latest/user/accessing-support.html",
        ),
        needs=(DataSet.AUTHORIZATION_DETAILS,),
    )
)
def support_role_exists(ctx: CheckContext) -> Iterator[Finding]:
    """Fail when no role has AWSSupportAccess attached (CIS 1.17)"""
    arn = ctx.snapshot.account.root_arn
    holders = _holders(ctx, _managed_arn(ctx, "AWSSupportAccess"))
    if holders["roles"]:
        yield ctx.passed(
            arn,
            f"AWSSupportAccess is attached to {counted(len(holders['roles']), 'role')}",
            subject="support role",
            **holders,
        )
    else:
        yield ctx.fail(
            arn, "no role has AWSSupportAccess attached", subject="support role", **holders
        )


@check(
    CheckSpec(
        id="ec2_instance_profile_attached",
        title="EC2 instance runs without an instance role",
        severity=Severity.MEDIUM,
        resource_type="AwsEc2Instance",
        rationale="Instances without a role tend to carry long-lived access keys on disk",
        remediation=Remediation(
            text="Attach an instance profile with the permissions the workload needs and remove "
            "any keys stored on the instance",
            command="aws ec2 associate-iam-instance-profile --instance-id <id> "
            "--iam-instance-profile Name=<profile>",
        ),
        group_title="{count} EC2 instances without an instance role",
        group_label="Instances",
        references=(
            CIS_REFERENCE,
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html",
        ),
        needs=(DataSet.COMPUTE,),
    )
)
def ec2_instance_profile_attached(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for every EC2 instance with no instance profile (CIS 1.18); a region whose
    instances could not be listed (a recorded `ec2` gap) is NOT_ASSESSED, never a pass"""
    account = ctx.snapshot.account
    unread: dict[str, list[str]] = {}
    for gap in ctx.snapshot.gaps_for(DataSet.COMPUTE):
        if gap.service == "ec2":
            unread.setdefault(gap.region, []).append(gap.reason)
    for region, reasons in sorted(unread.items()):
        yield ctx.not_assessed(
            f"arn:{account.partition}:ec2:{region}:{account.id}:instance/*",
            f"instances of {region or 'a region'} could not be listed",
            subject=region or "instances",
            missing_data=[DataSet.COMPUTE.value],
            gaps=reasons,
        )
    instances = [c for c in ctx.snapshot.compute if c.kind is ComputeKind.EC2_INSTANCE]
    for instance in sorted(instances, key=lambda c: c.arn):
        name = instance.name or instance.arn
        if instance.instance_profile_arn:
            yield ctx.passed(
                instance.arn,
                f"{name} runs with an instance profile",
                subject=name,
                instance_profile=instance.instance_profile_arn,
            )
        else:
            yield ctx.fail(
                instance.arn,
                f"{name} has no instance profile",
                subject=name,
                region=instance.region,
            )


@check(
    CheckSpec(
        id="server_certificate_not_expired",
        title="Expired server certificate stored in IAM",
        severity=Severity.MEDIUM,
        resource_type="AwsIamServerCertificate",
        rationale="An expired certificate deployed by mistake breaks clients and trust",
        remediation=Remediation(
            text="Delete the expired certificate (move live ones to ACM)",
            command="aws iam delete-server-certificate --server-certificate-name <name>",
        ),
        group_title="{count} expired server certificates",
        group_label="Certificates",
        references=(
            CIS_REFERENCE,
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html",
        ),
        needs=(DataSet.SERVER_CERTIFICATES,),
    )
)
def server_certificate_not_expired(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for every server certificate that expired before the assessment date (CIS 1.19)"""
    for cert in sorted(ctx.snapshot.server_certificates, key=lambda c: c.arn):
        if cert.expiration is None:
            yield ctx.not_assessed(cert.arn, "expiration not known", subject=cert.name)
        elif cert.expiration < ctx.now:
            yield ctx.fail(
                cert.arn,
                f"{cert.name} expired {cert.expiration.date().isoformat()}",
                subject=cert.name,
                expiration=iso(cert.expiration),
            )
        else:
            yield ctx.passed(
                cert.arn,
                f"{cert.name} valid until {cert.expiration.date().isoformat()}",
                subject=cert.name,
                expiration=iso(cert.expiration),
            )


@check(
    CheckSpec(
        id="access_analyzer_all_regions",
        title="IAM Access Analyzer not enabled in region",
        severity=Severity.MEDIUM,
        resource_type="AwsAccessAnalyzerRegion",
        rationale="Without an analyzer, resources shared outside the account go unnoticed",
        remediation=Remediation(
            text="Create an account (or organization) analyzer in every enabled region",
            command="for r in $(aws ec2 describe-regions --query 'Regions[].RegionName' "
            "--output text); do aws accessanalyzer create-analyzer --analyzer-name default "
            "--type ACCOUNT --region $r; done",
        ),
        group_title="{count} regions without IAM Access Analyzer",
        group_label="Regions",
        references=(
            CIS_REFERENCE,
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/what-is-access-analyzer.html",
        ),
        needs=(DataSet.ACCESS_ANALYZER,),
    )
)
def access_analyzer_all_regions(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for every region of the snapshot with no active analyzer (CIS 1.20); a region
    whose analyzers could not be listed (a recorded gap) is NOT_ASSESSED"""
    account = ctx.snapshot.account
    if not ctx.snapshot.regions:
        yield ctx.not_assessed(
            account.root_arn, "enabled regions not known", resource_type="AwsAccount"
        )
        return
    unread = {g.region: g.reason for g in ctx.snapshot.gaps_for(DataSet.ACCESS_ANALYZER)}
    active: dict[str, list[str]] = {}
    for analyzer in ctx.snapshot.access_analyzers:
        if analyzer.status == "ACTIVE":
            active.setdefault(analyzer.region, []).append(analyzer.arn)
    for region in sorted(ctx.snapshot.regions):
        arn = f"arn:{account.partition}:access-analyzer:{region}:{account.id}:analyzer"
        if region in active:
            yield ctx.passed(
                arn,
                f"{region} has an active analyzer",
                subject=region,
                analyzers=sorted(active[region]),
            )
        elif region in unread:
            yield ctx.not_assessed(
                arn,
                f"analyzers of {region} could not be listed",
                subject=region,
                missing_data=[DataSet.ACCESS_ANALYZER.value],
                gaps=[unread[region]],
            )
        else:
            yield ctx.fail(arn, f"{region} has no active analyzer", subject=region)


@check(
    CheckSpec(
        id="cloudshell_full_access_restricted",
        title="AWSCloudShellFullAccess is attached",
        severity=Severity.LOW,
        resource_type="AwsIamPolicy",
        rationale="CloudShell full access allows file upload and download, a data exfiltration "
        "path",
        remediation=Remediation(
            text="Detach AWSCloudShellFullAccess from every user, group and role listed, and "
            "grant a narrower CloudShell policy",
            command="aws iam detach-role-policy --role-name <role> --policy-arn "
            "arn:aws:iam::aws:policy/AWSCloudShellFullAccess  # detach-user-policy --user-name, "
            "detach-group-policy --group-name likewise",
        ),
        group_title="{count} attachments of AWSCloudShellFullAccess",
        group_label="Policies",
        references=(
            CIS_REFERENCE,
            "https://docs.aws.amazon.com/cloudshell/latest/userguide/sec-auth-with-identities.html",
        ),
        needs=(DataSet.AUTHORIZATION_DETAILS,),
    )
)
def cloudshell_full_access_restricted(ctx: CheckContext) -> Iterator[Finding]:
    """Fail when AWSCloudShellFullAccess is attached to anyone (CIS 1.22, reported as fact)"""
    arn = _managed_arn(ctx, "AWSCloudShellFullAccess")
    holders = _holders(ctx, arn)
    count = sum(len(v) for v in holders.values())
    if count:
        yield ctx.fail(
            arn,
            f"AWSCloudShellFullAccess is attached to {counted(count, 'identity', 'identities')}",
            subject="AWSCloudShellFullAccess",
            **holders,
        )
    else:
        yield ctx.passed(
            arn,
            "AWSCloudShellFullAccess is not attached",
            subject="AWSCloudShellFullAccess",
            **holders,
        )
