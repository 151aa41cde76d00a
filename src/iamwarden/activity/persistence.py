"""Persistence, privilege and defence-evasion actions a responder must find after a leak: which
CloudTrail events they are, what each one created or changed (read from the record's
requestParameters and responseElements), and the AWS CLI commands that undo it

The table is data: one `Tactic` per (eventSource, eventName). Each names the fields to read as
dotted paths and the undo commands as templates over those fields. Values come from the
records, which an attacker may have shaped, so every value put in a command is shell-quoted.
Only the named fields are ever read: a record's secrets (`secretAccessKey`, `sessionToken`)
are never copied out.

This module matches and formats; it queries nothing.
"""

from __future__ import annotations

import re
import shlex
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["TACTICS", "Flagged", "Tactic", "flag", "normalise_event_name"]

_VERSIONED = re.compile(r"^(?P<name>[A-Za-z]+?)(?:\d{8}(?:v\d+)?)$")
_SECRET_FIELDS = frozenset({"secretaccesskey", "sessiontoken", "password", "privatekey"})


def normalise_event_name(name: str) -> str:
    """The API operation of a CloudTrail eventName without Lambda's version suffix
    (`UpdateFunctionCode20150331v2` → `UpdateFunctionCode`), as the Lambda API reference
    names the operations"""
    found = _VERSIONED.match(name)
    return found.group("name") if found else name


@dataclass(frozen=True, slots=True, kw_only=True)
class Tactic:
    """One flagged action: its category, what it does, the fields naming what it created or
    changed (label → dotted path under `request.` or `response.`), and undo commands (AWS CLI
    templates whose `{label}` placeholders are those fields, `{account}` and `{region}`)"""

    category: str
    description: str
    fields: tuple[tuple[str, str], ...] = ()
    undo: tuple[str, ...] = ()


_IAM = "iam.amazonaws.com"
_PERSIST = "persistence"
_PRIVILEGE = "privilege"
_EVASION = "defense-evasion"
_EXFIL = "exfiltration"

TACTICS: Mapping[tuple[str, str], Tactic] = {
    (_IAM, "CreateUser"): Tactic(
        category=_PERSIST,
        description="created an IAM user",
        fields=(("user", "request.userName"), ("user_arn", "response.user.arn")),
        undo=(
            "aws iam list-access-keys --user-name {user}",
            "aws iam list-attached-user-policies --user-name {user}",
            "aws iam list-user-policies --user-name {user}",
            "aws iam list-mfa-devices --user-name {user}",
            "aws iam list-groups-for-user --user-name {user}",
            "aws iam delete-login-profile --user-name {user}",
            "aws iam delete-user --user-name {user}",
        ),
    ),
    (_IAM, "CreateAccessKey"): Tactic(
        category=_PERSIST,
        description="created an access key",
        fields=(("user", "request.userName"), ("key", "response.accessKey.accessKeyId")),
        undo=(
            "aws iam update-access-key --user-name {user} --access-key-id {key} --status Inactive",
            "aws iam delete-access-key --user-name {user} --access-key-id {key}",
        ),
    ),
    (_IAM, "CreateLoginProfile"): Tactic(
        category=_PERSIST,
        description="gave a user a console password",
        fields=(("user", "request.userName"),),
        undo=("aws iam delete-login-profile --user-name {user}",),
    ),
    (_IAM, "UpdateLoginProfile"): Tactic(
        category=_PRIVILEGE,
        description="changed a user's console password",
        fields=(("user", "request.userName"),),
        undo=("aws iam delete-login-profile --user-name {user}",),
    ),
    (_IAM, "AttachUserPolicy"): Tactic(
        category=_PRIVILEGE,
        description="attached a managed policy to a user",
        fields=(("user", "request.userName"), ("policy_arn", "request.policyArn")),
        undo=("aws iam detach-user-policy --user-name {user} --policy-arn {policy_arn}",),
    ),
    (_IAM, "AttachRolePolicy"): Tactic(
        category=_PRIVILEGE,
        description="attached a managed policy to a role",
        fields=(("role", "request.roleName"), ("policy_arn", "request.policyArn")),
        undo=("aws iam detach-role-policy --role-name {role} --policy-arn {policy_arn}",),
    ),
    (_IAM, "AttachGroupPolicy"): Tactic(
        category=_PRIVILEGE,
        description="attached a managed policy to a group",
        fields=(("group", "request.groupName"), ("policy_arn", "request.policyArn")),
        undo=("aws iam detach-group-policy --group-name {group} --policy-arn {policy_arn}",),
    ),
    (_IAM, "PutUserPolicy"): Tactic(
        category=_PRIVILEGE,
        description="put an inline policy on a user",
        fields=(("user", "request.userName"), ("policy_name", "request.policyName")),
        undo=("aws iam delete-user-policy --user-name {user} --policy-name {policy_name}",),
    ),
    (_IAM, "PutRolePolicy"): Tactic(
        category=_PRIVILEGE,
        description="put an inline policy on a role",
        fields=(("role", "request.roleName"), ("policy_name", "request.policyName")),
        undo=("aws iam delete-role-policy --role-name {role} --policy-name {policy_name}",),
    ),
    (_IAM, "PutGroupPolicy"): Tactic(
        category=_PRIVILEGE,
        description="put an inline policy on a group",
        fields=(("group", "request.groupName"), ("policy_name", "request.policyName")),
        undo=("aws iam delete-group-policy --group-name {group} --policy-name {policy_name}",),
    ),
    (_IAM, "AddUserToGroup"): Tactic(
        category=_PRIVILEGE,
        description="added a user to a group",
        fields=(("user", "request.userName"), ("group", "request.groupName")),
        undo=("aws iam remove-user-from-group --user-name {user} --group-name {group}",),
    ),
    (_IAM, "CreatePolicyVersion"): Tactic(
        category=_PRIVILEGE,
        description="created a policy version",
        fields=(
            ("policy_arn", "request.policyArn"),
            ("version", "response.policyVersion.versionId"),
            ("set_as_default", "request.setAsDefault"),
        ),
        undo=(
            "aws iam list-policy-versions --policy-arn {policy_arn}",
            "aws iam set-default-policy-version --policy-arn {policy_arn} --version-id <previous>",
            "aws iam delete-policy-version --policy-arn {policy_arn} --version-id {version}",
        ),
    ),
    (_IAM, "SetDefaultPolicyVersion"): Tactic(
        category=_PRIVILEGE,
        description="changed a policy's default version",
        fields=(("policy_arn", "request.policyArn"), ("version", "request.versionId")),
        undo=("aws iam list-policy-versions --policy-arn {policy_arn}",),
    ),
    (_IAM, "CreatePolicy"): Tactic(
        category=_PRIVILEGE,
        description="created a managed policy",
        fields=(("policy_arn", "response.policy.arn"),),
        undo=(
            "aws iam list-entities-for-policy --policy-arn {policy_arn}",
            "aws iam delete-policy --policy-arn {policy_arn}",
        ),
    ),
    (_IAM, "UpdateAssumeRolePolicy"): Tactic(
        category=_PERSIST,
        description="changed who may assume a role (trust policy)",
        fields=(("role", "request.roleName"),),
        undo=(
            "aws iam get-role --role-name {role} --query Role.AssumeRolePolicyDocument",
            "aws iam update-assume-role-policy --role-name {role} "
            "--policy-document file://trust-before.json",
        ),
    ),
    (_IAM, "CreateRole"): Tactic(
        category=_PERSIST,
        description="created a role",
        fields=(("role", "request.roleName"), ("role_arn", "response.role.arn")),
        undo=(
            "aws iam list-attached-role-policies --role-name {role}",
            "aws iam list-role-policies --role-name {role}",
            "aws iam delete-role --role-name {role}",
        ),
    ),
    (_IAM, "CreateOpenIDConnectProvider"): Tactic(
        category=_PERSIST,
        description="created an OIDC identity provider",
        fields=(("provider_arn", "response.openIDConnectProviderArn"), ("url", "request.url")),
        undo=(
            "aws iam delete-open-id-connect-provider --open-id-connect-provider-arn {provider_arn}",
        ),
    ),
    (_IAM, "CreateSAMLProvider"): Tactic(
        category=_PERSIST,
        description="created a SAML identity provider",
        fields=(("provider_arn", "response.sAMLProviderArn"), ("name", "request.name")),
        undo=("aws iam delete-saml-provider --saml-provider-arn {provider_arn}",),
    ),
    (_IAM, "DeactivateMFADevice"): Tactic(
        category=_EVASION,
        description="deactivated a user's MFA device",
        fields=(("user", "request.userName"), ("serial", "request.serialNumber")),
        undo=("aws iam list-mfa-devices --user-name {user}",),
    ),
    ("sts.amazonaws.com", "GetFederationToken"): Tactic(
        category=_PERSIST,
        description="minted federation credentials (outlive the key's deactivation)",
        fields=(("name", "request.name"), ("session_key", "response.credentials.accessKeyId")),
        undo=(),
    ),
    ("cloudtrail.amazonaws.com", "StopLogging"): Tactic(
        category=_EVASION,
        description="stopped a CloudTrail trail",
        fields=(("trail", "request.name"),),
        undo=("aws cloudtrail start-logging --name {trail} --region {region}",),
    ),
    ("cloudtrail.amazonaws.com", "DeleteTrail"): Tactic(
        category=_EVASION,
        description="deleted a CloudTrail trail",
        fields=(("trail", "request.name"),),
        undo=(
            "aws cloudtrail create-trail --name {trail} --s3-bucket-name <trail-bucket> "
            "--is-multi-region-trail --region {region}",
            "aws cloudtrail start-logging --name {trail} --region {region}",
        ),
    ),
    ("cloudtrail.amazonaws.com", "UpdateTrail"): Tactic(
        category=_EVASION,
        description="changed a CloudTrail trail",
        fields=(("trail", "request.name"),),
        undo=("aws cloudtrail get-trail --name {trail} --region {region}",),
    ),
    ("cloudtrail.amazonaws.com", "PutEventSelectors"): Tactic(
        category=_EVASION,
        description="changed what a CloudTrail trail records",
        fields=(("trail", "request.trailName"),),
        undo=("aws cloudtrail get-event-selectors --trail-name {trail} --region {region}",),
    ),
    ("guardduty.amazonaws.com", "DeleteDetector"): Tactic(
        category=_EVASION,
        description="deleted a GuardDuty detector",
        fields=(("detector", "request.detectorId"),),
        undo=("aws guardduty create-detector --enable --region {region}",),
    ),
    ("guardduty.amazonaws.com", "UpdateDetector"): Tactic(
        category=_EVASION,
        description="changed a GuardDuty detector",
        fields=(("detector", "request.detectorId"), ("enable", "request.enable")),
        undo=("aws guardduty update-detector --detector-id {detector} --enable --region {region}",),
    ),
    ("config.amazonaws.com", "StopConfigurationRecorder"): Tactic(
        category=_EVASION,
        description="stopped the AWS Config recorder",
        fields=(("recorder", "request.configurationRecorderName"),),
        undo=(
            "aws configservice start-configuration-recorder "
            "--configuration-recorder-name {recorder} --region {region}",
        ),
    ),
    ("config.amazonaws.com", "DeleteConfigurationRecorder"): Tactic(
        category=_EVASION,
        description="deleted the AWS Config recorder",
        fields=(("recorder", "request.configurationRecorderName"),),
        undo=(
            "aws configservice put-configuration-recorder --configuration-recorder "
            "name={recorder},roleARN=<config-role-arn> --region {region}",
        ),
    ),
    ("config.amazonaws.com", "DeleteDeliveryChannel"): Tactic(
        category=_EVASION,
        description="deleted the AWS Config delivery channel",
        fields=(("channel", "request.deliveryChannelName"),),
        undo=("aws configservice describe-delivery-channels --region {region}",),
    ),
    ("access-analyzer.amazonaws.com", "DeleteAnalyzer"): Tactic(
        category=_EVASION,
        description="deleted an IAM Access Analyzer analyzer",
        fields=(("analyzer", "request.analyzerName"),),
        undo=("aws accessanalyzer create-analyzer --analyzer-name {analyzer} --type ACCOUNT",),
    ),
    ("ec2.amazonaws.com", "DeleteFlowLogs"): Tactic(
        category=_EVASION,
        description="deleted VPC flow logs",
        fields=(("flow_logs", "request.DeleteFlowLogsRequest.FlowLogId.content"),),
        undo=("aws ec2 describe-flow-logs --region {region}",),
    ),
    ("route53resolver.amazonaws.com", "DeleteResolverQueryLogConfig"): Tactic(
        category=_EVASION,
        description="deleted DNS query logging",
        fields=(("config", "request.resolverQueryLogConfigId"),),
        undo=("aws route53resolver list-resolver-query-log-configs --region {region}",),
    ),
    ("organizations.amazonaws.com", "LeaveOrganization"): Tactic(
        category=_EVASION,
        description="took the account out of its Organization (its SCPs no longer apply)",
        undo=(
            "aws organizations invite-account-to-organization --target Id={account},Type=ACCOUNT"
            "  # from the management account",
        ),
    ),
    ("s3.amazonaws.com", "PutBucketPolicy"): Tactic(
        category=_EXFIL,
        description="replaced a bucket policy",
        fields=(("bucket", "request.bucketName"),),
        undo=(
            "aws s3api get-bucket-policy --bucket {bucket}",
            "aws s3api delete-bucket-policy --bucket {bucket}",
        ),
    ),
    ("s3.amazonaws.com", "PutBucketAcl"): Tactic(
        category=_EXFIL,
        description="changed a bucket ACL",
        fields=(("bucket", "request.bucketName"),),
        undo=("aws s3api put-bucket-acl --bucket {bucket} --acl private",),
    ),
    ("s3.amazonaws.com", "DeleteBucketPublicAccessBlock"): Tactic(
        category=_EXFIL,
        description="removed a bucket's public access block",
        fields=(("bucket", "request.bucketName"),),
        undo=(
            "aws s3api put-public-access-block --bucket {bucket} --public-access-block-"
            "configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,"
            "RestrictPublicBuckets=true",
        ),
    ),
    ("s3.amazonaws.com", "PutBucketPublicAccessBlock"): Tactic(
        category=_EXFIL,
        description="changed a bucket's public access block",
        fields=(("bucket", "request.bucketName"),),
        undo=("aws s3api get-public-access-block --bucket {bucket}",),
    ),
    ("s3.amazonaws.com", "DeleteAccountPublicAccessBlock"): Tactic(
        category=_EXFIL,
        description="removed the account's S3 public access block",
        undo=(
            "aws s3control put-public-access-block --account-id {account} --public-access-"
            "block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
            "BlockPublicPolicy=true,RestrictPublicBuckets=true",
        ),
    ),
    ("ec2.amazonaws.com", "ModifySnapshotAttribute"): Tactic(
        category=_EXFIL,
        description="shared an EBS snapshot",
        fields=(("snapshot", "request.snapshotId"),),
        undo=(
            "aws ec2 describe-snapshot-attribute --snapshot-id {snapshot} "
            "--attribute createVolumePermission --region {region}",
            "aws ec2 reset-snapshot-attribute --snapshot-id {snapshot} "
            "--attribute createVolumePermission --region {region}",
        ),
    ),
    ("ec2.amazonaws.com", "ModifyImageAttribute"): Tactic(
        category=_EXFIL,
        description="shared an AMI",
        fields=(("image", "request.imageId"),),
        undo=(
            "aws ec2 reset-image-attribute --image-id {image} --attribute launchPermission "
            "--region {region}",
        ),
    ),
    ("rds.amazonaws.com", "ModifyDBSnapshotAttribute"): Tactic(
        category=_EXFIL,
        description="shared an RDS snapshot",
        fields=(
            ("snapshot", "request.dBSnapshotIdentifier"),
            ("shared_with", "request.valuesToAdd"),
        ),
        undo=(
            "aws rds describe-db-snapshot-attributes --db-snapshot-identifier {snapshot} "
            "--region {region}",
            "aws rds modify-db-snapshot-attribute --db-snapshot-identifier {snapshot} "
            "--attribute-name restore --values-to-remove {shared_with} --region {region}",
        ),
    ),
    ("rds.amazonaws.com", "ModifyDBClusterSnapshotAttribute"): Tactic(
        category=_EXFIL,
        description="shared an RDS cluster snapshot",
        fields=(
            ("snapshot", "request.dBClusterSnapshotIdentifier"),
            ("shared_with", "request.valuesToAdd"),
        ),
        undo=(
            "aws rds describe-db-cluster-snapshot-attributes --db-cluster-snapshot-identifier "
            "{snapshot} --region {region}",
            "aws rds modify-db-cluster-snapshot-attribute --db-cluster-snapshot-identifier "
            "{snapshot} --attribute-name restore --values-to-remove {shared_with} "
            "--region {region}",
        ),
    ),
    ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress"): Tactic(
        category=_EXFIL,
        description="opened a security group",
        fields=(("group", "request.groupId"),),
        undo=(
            "aws ec2 describe-security-group-rules --filters Name=group-id,Values={group} "
            "--region {region}",
        ),
    ),
    ("lambda.amazonaws.com", "AddPermission"): Tactic(
        category=_PERSIST,
        description="let another principal invoke a Lambda function",
        fields=(
            ("function", "request.functionName"),
            ("statement", "request.statementId"),
            ("principal", "request.principal"),
        ),
        undo=(
            "aws lambda remove-permission --function-name {function} "
            "--statement-id {statement} --region {region}",
        ),
    ),
    ("lambda.amazonaws.com", "UpdateFunctionCode"): Tactic(
        category=_PERSIST,
        description="replaced a Lambda function's code",
        fields=(("function", "request.functionName"),),
        undo=("aws lambda list-versions-by-function --function-name {function} --region {region}",),
    ),
    ("lambda.amazonaws.com", "UpdateFunctionConfiguration"): Tactic(
        category=_PERSIST,
        description="changed a Lambda function's configuration (layers, role, environment)",
        fields=(("function", "request.functionName"),),
        undo=(
            "aws lambda get-function-configuration --function-name {function} --region {region}",
        ),
    ),
    ("lambda.amazonaws.com", "CreateFunction"): Tactic(
        category=_PERSIST,
        description="created a Lambda function",
        fields=(("function", "request.functionName"), ("role_arn", "request.role")),
        undo=("aws lambda delete-function --function-name {function} --region {region}",),
    ),
    ("lambda.amazonaws.com", "PublishLayerVersion"): Tactic(
        category=_PERSIST,
        description="published a Lambda layer version",
        fields=(("layer", "request.layerName"), ("version", "response.version")),
        undo=(
            "aws lambda delete-layer-version --layer-name {layer} --version-number {version} "
            "--region {region}",
        ),
    ),
    ("lambda.amazonaws.com", "AddLayerVersionPermission"): Tactic(
        category=_PERSIST,
        description="shared a Lambda layer version",
        fields=(
            ("layer", "request.layerName"),
            ("version", "request.versionNumber"),
            ("statement", "request.statementId"),
        ),
        undo=(
            "aws lambda remove-layer-version-permission --layer-name {layer} "
            "--version-number {version} --statement-id {statement} --region {region}",
        ),
    ),
    ("rolesanywhere.amazonaws.com", "CreateTrustAnchor"): Tactic(
        category=_PERSIST,
        description="created an IAM Roles Anywhere trust anchor",
        fields=(
            ("name", "request.name"),
            ("trust_anchor", "response.trustAnchor.trustAnchorId"),
        ),
        undo=(
            "aws rolesanywhere delete-trust-anchor --trust-anchor-id {trust_anchor} "
            "--region {region}",
        ),
    ),
    ("rolesanywhere.amazonaws.com", "CreateProfile"): Tactic(
        category=_PERSIST,
        description="created an IAM Roles Anywhere profile",
        fields=(("name", "request.name"), ("profile", "response.profile.profileId")),
        undo=("aws rolesanywhere delete-profile --profile-id {profile} --region {region}",),
    ),
}
"""Every flagged action by (eventSource, API operation); descriptions and commands follow the
AWS CLI Command Reference of each service"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Flagged:
    """A flagged call: its tactic, what it created or changed (label, value) and the commands
    that undo it (values shell-quoted; a value the record lacks shows as `<label>`)"""

    category: str
    description: str
    created: tuple[tuple[str, str], ...]
    undo: tuple[str, ...]


def _dig(value: Any, path: str) -> Any:
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        parts = [_text(v) for v in value]
        return ",".join(p for p in parts if p) or None
    return str(value)


class _Filler(string.Formatter):
    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        if isinstance(key, str) and key in self.values:
            return shlex.quote(self.values[key])
        return f"<{key}>"


def flag(
    event_source: str,
    event_name: str,
    request: Any,
    response: Any,
    *,
    account: str,
    region: str,
    caller_user: str | None = None,
) -> Flagged | None:
    """The flagged reading of one successful call, None if the action is not in `TACTICS`

    `request` and `response` are the record's parsed requestParameters and responseElements;
    `caller_user` stands in for a missing `userName` (IAM acts on the caller then, per the
    IAM API reference). Fields whose name says secret are never read.
    """
    tactic = TACTICS.get((event_source, normalise_event_name(event_name)))
    if tactic is None:
        return None
    sources = {"request": request, "response": response}
    created: list[tuple[str, str]] = []
    for label, path in tactic.fields:
        head, _, rest = path.partition(".")
        if rest.rsplit(".", 1)[-1].lower() in _SECRET_FIELDS:
            continue
        found = _text(_dig(sources[head], rest))
        if found is None and label == "user" and caller_user:
            found = caller_user
        if found is not None:
            created.append((label, found))
    values = {**dict(created), "account": account, "region": region}
    filler = _Filler(values)
    return Flagged(
        category=tactic.category,
        description=tactic.description,
        created=tuple(created),
        undo=tuple(filler.format(command) for command in tactic.undo),
    )
