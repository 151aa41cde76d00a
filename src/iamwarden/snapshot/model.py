"""The account model: one AWS account as typed, immutable data.

Every analysis reads a `Snapshot`. Importers and live collection build one; nothing here
reads files or calls AWS. Policy documents are held as canonical JSON text (`Document`) so
that snapshots compare, hash and serialise exactly; `policy.document.parse_policy` parses them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import cached_property
from typing import Any

from iamwarden.policy.arn import try_parse_arn

__all__ = [
    "AccessAnalyzer",
    "AccessKey",
    "Account",
    "AnalyzerFinding",
    "ComputeKind",
    "ComputeResource",
    "CredentialReport",
    "CredentialReportRow",
    "DataSet",
    "Document",
    "Gap",
    "Group",
    "InlinePolicy",
    "InstanceProfile",
    "ManagedPolicy",
    "MfaDevice",
    "MfaKind",
    "OrgLevel",
    "OrgLevelKind",
    "OrgPolicy",
    "Organization",
    "PasswordPolicy",
    "PolicyVersion",
    "PublicAccessBlock",
    "ResourcePolicy",
    "Role",
    "ServerCertificate",
    "ServiceAccess",
    "ServiceLastAccessed",
    "Snapshot",
    "Tag",
    "User",
    "VirtualMfaDevice",
]

SCHEMA_VERSION = 1
ROOT_USER = "<root_account>"


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
"""Sorted keys, compact: one encoder for every document"""


@dataclass(frozen=True, slots=True)
class Document:
    """A policy document as canonical JSON text (sorted keys, compact)"""

    text: str

    @classmethod
    def from_obj(cls, obj: Any) -> Document:
        """Canonicalise a decoded JSON value"""
        return cls(_CANONICAL.encode(obj))

    def obj(self) -> Any:
        """The decoded JSON value"""
        return json.loads(self.text)


class DataSet(Enum):
    """A unit of collected data; checks that need one not collected are NOT_ASSESSED"""

    AUTHORIZATION_DETAILS = "authorization_details"
    CREDENTIAL_REPORT = "credential_report"
    PASSWORD_POLICY = "password_policy"
    ACCOUNT_SUMMARY = "account_summary"
    VIRTUAL_MFA_DEVICES = "virtual_mfa_devices"
    ACCESS_KEY_LAST_USED = "access_key_last_used"
    SERVICE_LAST_ACCESSED = "service_last_accessed"
    SERVER_CERTIFICATES = "server_certificates"
    ACCESS_ANALYZER = "access_analyzer"
    ORGANIZATION = "organization"
    RESOURCE_POLICIES = "resource_policies"
    COMPUTE = "compute"


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """Something that could not be read, and why

    `resource` names the one item the gap is about when there is one: a policy that cannot
    be read is named as the analyses name it (a managed policy by ARN, an inline policy as
    `<entity arn>:<policy name>`, a trust policy as `<role arn>:trust`).
    """

    dataset: DataSet
    reason: str
    account: str = ""
    region: str = ""
    service: str = ""
    call: str = ""
    error_code: str = ""
    resource: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag:
    """An IAM or resource tag"""

    key: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InlinePolicy:
    """A policy embedded in a user, group or role"""

    name: str
    document: Document


class MfaKind(Enum):
    """Whether an MFA device is virtual or hardware"""

    VIRTUAL = "virtual"
    HARDWARE = "hardware"


@dataclass(frozen=True, slots=True, kw_only=True)
class MfaDevice:
    """An MFA device assigned to a user"""

    serial: str
    kind: MfaKind
    enabled: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessKey:
    """An access key (its id only; secrets are never held)"""

    id: str
    is_active: bool
    created: datetime | None = None
    last_used: datetime | None = None
    last_used_service: str = ""
    last_used_region: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """An IAM user"""

    name: str
    arn: str
    id: str = ""
    path: str = "/"
    created: datetime | None = None
    groups: tuple[str, ...] = ()
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policies: tuple[str, ...] = ()
    permissions_boundary: str | None = None
    tags: tuple[Tag, ...] = ()
    has_console_password: bool | None = None
    password_last_used: datetime | None = None
    mfa_devices: tuple[MfaDevice, ...] = ()
    access_keys: tuple[AccessKey, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """An IAM group"""

    name: str
    arn: str
    id: str = ""
    path: str = "/"
    created: datetime | None = None
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceProfile:
    """An EC2 instance profile and the roles in it"""

    name: str
    arn: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    """An IAM role

    `last_used` is `None` both when the role was never used and when the data does not say;
    `is_last_used_known` is false in the second case (an export without `RoleLastUsed`).
    """

    name: str
    arn: str
    trust_policy: Document
    id: str = ""
    path: str = "/"
    created: datetime | None = None
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policies: tuple[str, ...] = ()
    permissions_boundary: str | None = None
    last_used: datetime | None = None
    last_used_region: str = ""
    is_last_used_known: bool = True
    instance_profiles: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()
    max_session_duration: int = 3600

    @property
    def is_service_linked(self) -> bool:
        """Whether AWS created and owns the role"""
        return self.path.startswith("/aws-service-role/")


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyVersion:
    """One version of a managed policy"""

    id: str
    document: Document
    is_default: bool
    created: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ManagedPolicy:
    """A managed policy (AWS or customer) with every version collected"""

    name: str
    arn: str
    versions: tuple[PolicyVersion, ...]
    id: str = ""
    path: str = "/"
    created: datetime | None = None
    attachment_count: int = 0
    boundary_usage_count: int = 0

    def __post_init__(self) -> None:
        if sum(v.is_default for v in self.versions) != 1:
            raise ValueError(f"policy `{self.arn}` must have exactly one default version")

    @property
    def is_aws_managed(self) -> bool:
        """Whether AWS owns the policy (its ARN's account is `aws`)"""
        arn = try_parse_arn(self.arn)
        return (
            arn is not None
            and arn.service == "iam"
            and arn.account == "aws"
            and arn.resource_type == "policy"
        )

    @property
    def document(self) -> Document:
        """The default version's document"""
        return next(v.document for v in self.versions if v.is_default)


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialReportRow:
    """One row of the IAM credential report; `None` where the report says N/A"""

    user: str
    arn: str
    user_creation_time: datetime | None = None
    password_enabled: bool | None = None
    password_last_used: datetime | None = None
    password_last_changed: datetime | None = None
    password_next_rotation: datetime | None = None
    mfa_active: bool = False
    access_key_1_active: bool = False
    access_key_1_last_rotated: datetime | None = None
    access_key_1_last_used_date: datetime | None = None
    access_key_1_last_used_region: str = ""
    access_key_1_last_used_service: str = ""
    access_key_2_active: bool = False
    access_key_2_last_rotated: datetime | None = None
    access_key_2_last_used_date: datetime | None = None
    access_key_2_last_used_region: str = ""
    access_key_2_last_used_service: str = ""
    cert_1_active: bool = False
    cert_1_last_rotated: datetime | None = None
    cert_2_active: bool = False
    cert_2_last_rotated: datetime | None = None

    @property
    def is_root(self) -> bool:
        """Whether this row is the account's root user"""
        return self.user == ROOT_USER


@dataclass(frozen=True, kw_only=True)  # no slots: the lookup index is a cached property
class CredentialReport:
    """The credential report with the time AWS generated it"""

    rows: tuple[CredentialReportRow, ...]
    generated: datetime | None = None

    @property
    def root(self) -> CredentialReportRow | None:
        """The root user's row, if the report has one"""
        return next((r for r in self.rows if r.is_root), None)

    @cached_property
    def _rows_by_user(self) -> Mapping[str, CredentialReportRow]:
        return {r.user: r for r in self.rows}  # the last row of a user wins

    def row(self, user: str) -> CredentialReportRow | None:
        """The row of an IAM user by name (the last one when the report repeats the user)"""
        return self._rows_by_user.get(user)


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordPolicy:
    """The account password policy as IAM returns it"""

    minimum_length: int = 8
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change: bool = False
    expire_passwords: bool = False
    max_age_days: int | None = None
    reuse_prevention: int | None = None
    hard_expiry: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class VirtualMfaDevice:
    """A virtual MFA device, assigned or not"""

    serial: str
    user_arn: str | None = None
    enabled: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicAccessBlock:
    """An S3 Public Access Block configuration (of a bucket or of the whole account)"""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourcePolicy:
    """A resource-based policy, keyed by the resource's ARN

    For an S3 bucket, `public_access_block` is the bucket's own setting (`None`: none set).
    """

    arn: str
    service: str
    document: Document
    region: str = ""
    public_access_block: PublicAccessBlock | None = None


class OrgLevelKind(Enum):
    """A level of the organization tree"""

    ROOT = "root"
    OU = "ou"
    ACCOUNT = "account"


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgPolicy:
    """A service or resource control policy attached at one level"""

    id: str
    name: str
    document: Document
    arn: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgLevel:
    """One level of the path from the organization root to the account"""

    id: str
    kind: OrgLevelKind
    name: str = ""
    scps: tuple[OrgPolicy, ...] = ()
    rcps: tuple[OrgPolicy, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Organization:
    """The account's place in AWS Organizations"""

    id: str
    management_account_id: str
    path: tuple[OrgLevel, ...]

    def __post_init__(self) -> None:
        if not self.path or self.path[0].kind is not OrgLevelKind.ROOT:
            raise ValueError("an organization path starts at the root")
        if self.path[-1].kind is not OrgLevelKind.ACCOUNT:
            raise ValueError("an organization path ends at the account")


class ComputeKind(Enum):
    """A kind of resource that runs with an IAM role"""

    LAMBDA_FUNCTION = "lambda_function"
    EC2_INSTANCE = "ec2_instance"
    CODEBUILD_PROJECT = "codebuild_project"
    CLOUDFORMATION_STACK = "cloudformation_stack"
    ECS_TASK_DEFINITION = "ecs_task_definition"
    SAGEMAKER_NOTEBOOK = "sagemaker_notebook"
    GLUE_DEV_ENDPOINT = "glue_dev_endpoint"
    GLUE_JOB = "glue_job"


@dataclass(frozen=True, slots=True, kw_only=True)
class ComputeResource:
    """A resource that runs with a role (directly or through an instance profile)

    `execution_role_arn` is the role the platform itself uses to start the resource (an ECS
    task definition's execution role: image pulls, logs, secrets); the resource's own code
    does not receive its credentials.
    """

    arn: str
    kind: ComputeKind
    name: str = ""
    region: str = ""
    role_arn: str | None = None
    instance_profile_arn: str | None = None
    execution_role_arn: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerCertificate:
    """A server certificate stored in IAM"""

    name: str
    arn: str
    expiration: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyzerFinding:
    """An active IAM Access Analyzer finding: a resource shared outside the zone of trust"""

    id: str
    resource: str
    resource_type: str
    is_public: bool = False
    principal: Mapping[str, str] = field(default_factory=dict)
    actions: tuple[str, ...] = ()
    resource_owner_account: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessAnalyzer:
    """An IAM Access Analyzer analyzer in one region, with its active findings"""

    arn: str
    name: str
    region: str
    type: str = "ACCOUNT"
    status: str = "ACTIVE"
    findings: tuple[AnalyzerFinding, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceAccess:
    """When a principal last used one service"""

    namespace: str
    last_authenticated: datetime | None = None
    last_authenticated_entity: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceLastAccessed:
    """Service-last-accessed details of one user or role"""

    principal_arn: str
    services: tuple[ServiceAccess, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """The account the snapshot describes"""

    id: str
    alias: str = ""
    partition: str = "aws"

    @property
    def root_arn(self) -> str:
        """The root user's ARN"""
        return f"arn:{self.partition}:iam::{self.id}:root"


@dataclass(frozen=True, kw_only=True)  # no slots: the lookup indexes are cached properties
class Snapshot:
    """One AWS account, with what was collected, when, and what could not be read"""

    account: Account
    source: str
    collected_at: datetime | None = None
    collected: frozenset[DataSet] = frozenset()
    gaps: tuple[Gap, ...] = ()
    regions: tuple[str, ...] = ()
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    instance_profiles: tuple[InstanceProfile, ...] = ()
    credential_report: CredentialReport | None = None
    password_policy: PasswordPolicy | None = None
    account_summary: Mapping[str, int] = field(default_factory=dict)
    virtual_mfa_devices: tuple[VirtualMfaDevice, ...] = ()
    resource_policies: tuple[ResourcePolicy, ...] = ()
    account_public_access_block: PublicAccessBlock | None = None
    organization: Organization | None = None
    compute: tuple[ComputeResource, ...] = ()
    server_certificates: tuple[ServerCertificate, ...] = ()
    access_analyzers: tuple[AccessAnalyzer, ...] = ()
    service_last_accessed: tuple[ServiceLastAccessed, ...] = ()

    def has(self, dataset: DataSet) -> bool:
        """Whether `dataset` was collected"""
        return dataset in self.collected

    def gaps_for(self, dataset: DataSet) -> tuple[Gap, ...]:
        """The recorded gaps of one data set"""
        return tuple(g for g in self.gaps if g.dataset is dataset)

    @cached_property
    def _policies_by_arn(self) -> Mapping[str, ManagedPolicy]:
        return {p.arn: p for p in self.policies}

    @cached_property
    def _groups_by_name(self) -> Mapping[str, Group]:
        return {g.name: g for g in self.groups}

    @cached_property
    def _roles_by_arn(self) -> Mapping[str, Role]:
        return {r.arn: r for r in self.roles}

    @cached_property
    def _resource_policies_by_arn(self) -> Mapping[str, ResourcePolicy]:
        return {p.arn: p for p in reversed(self.resource_policies)}  # the first of an ARN wins

    def policy(self, arn: str) -> ManagedPolicy | None:
        """A managed policy by ARN"""
        return self._policies_by_arn.get(arn)

    def group(self, name: str) -> Group | None:
        """A group by name"""
        return self._groups_by_name.get(name)

    def role(self, arn: str) -> Role | None:
        """A role by ARN"""
        return self._roles_by_arn.get(arn)

    def resource_policy(self, arn: str) -> ResourcePolicy | None:
        """The resource-based policy of a resource, by its ARN"""
        return self._resource_policies_by_arn.get(arn)

    def principals(self) -> Iterator[User | Role]:
        """Every user and role"""
        yield from self.users
        yield from self.roles
