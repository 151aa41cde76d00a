"""Import an account exported in CloudMapper's collect layout into a `Snapshot`.

The layout is `DIR/<region>/<service>-<command>.json` plus per-resource folders such as
`s3-get-bucket-policy/<bucket>` (file names URL-encoded); `DIR` may also be one region folder.
Only the authorization details are required. Every other data set is recorded in
`Snapshot.collected` when its file was present and readable, and as a `Gap` ("file not found:
<name>") when it was not. Extra files that iamwarden defines (`organizations.json`,
`compute.json`, see `extras`) supply what CloudMapper does not collect. A policy document
iamwarden cannot read is a gap for that policy (`policies`), never the end of the import. The
README is the reference. This module reads files; it never decides access.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote_plus, unquote_plus, urlsplit

from iamwarden.errors import SnapshotFormatError
from iamwarden.policy.arn import try_parse_arn
from iamwarden.snapshot.credential_report import read_credential_report
from iamwarden.snapshot.extras import (
    COMPUTE_FILE,
    ORGANIZATIONS_FILE,
    JsonNode,
    load_json,
    parse_compute,
    parse_organization,
)
from iamwarden.snapshot.model import (
    AccessAnalyzer,
    AccessKey,
    Account,
    ComputeKind,
    ComputeResource,
    CredentialReport,
    CredentialReportRow,
    DataSet,
    Gap,
    Group,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    MfaDevice,
    MfaKind,
    Organization,
    PasswordPolicy,
    PolicyVersion,
    PublicAccessBlock,
    ResourcePolicy,
    Role,
    ServerCertificate,
    ServiceAccess,
    ServiceLastAccessed,
    Snapshot,
    User,
    VirtualMfaDevice,
)
from iamwarden.snapshot.policies import with_policy_gaps
from iamwarden.snapshot.responses import (
    bucket_region,
    mfa_kind,
    parse_password_policy,
    parse_public_access_block,
    parse_server_certificate,
    parse_virtual_mfa_device,
)

__all__ = [
    "AUTHORIZATION_DETAILS_FILE",
    "AuthorizationDetails",
    "import_cloudmapper",
    "parse_authorization_details",
]

AUTHORIZATION_DETAILS_FILE = "iam-get-account-authorization-details.json"
_CALLER_IDENTITY = "sts-get-caller-identity.json"
_ALIASES = "iam-list-account-aliases.json"
_CREDENTIAL_REPORT = "iam-get-credential-report.json"
_CREDENTIAL_REPORT_CSV = "credential-report.csv"
_PASSWORD_POLICY = "iam-get-account-password-policy.json"
_SUMMARY = "iam-get-account-summary.json"
_VIRTUAL_MFA = "iam-list-virtual-mfa-devices.json"
_SERVER_CERTIFICATES = "iam-list-server-certificates.json"
_ANALYZERS = ("accessanalyzer-list-analyzers.json", "accessanalzyer-list-analyzers.json")
_INSTANCES = "ec2-describe-instances.json"
_FUNCTIONS = "lambda-list-functions.json"
_SLA_JOBS = "iam-generate-service-last-accessed-details"
_SLA_DETAILS = "iam-get-service-last-accessed-details"
_PUBLIC_ACCESS_BLOCK = "s3control-get-public-access-block.json"
_HOME_REGIONS = ("us-east-1", "us-gov-west-1", "cn-north-1")

# service, per-resource folder, listing file (either present means the service was collected)
_RESOURCE_POLICY_SOURCES = (
    ("s3", "s3-get-bucket-policy", "s3-list-buckets.json"),
    ("lambda", "lambda-get-policy", "lambda-list-functions.json"),
    ("sqs", "sqs-get-queue-attributes", "sqs-list-queues.json"),
    ("sns", "sns-get-topic-attributes", "sns-list-topics.json"),
    ("secretsmanager", "secretsmanager-get-resource-policy", "secretsmanager-list-secrets.json"),
    ("ecr", "ecr-get-repository-policy", "ecr-describe-repositories.json"),
    ("kms", "kms-get-key-policy", "kms-list-keys.json"),
    ("es", "es-describe-elasticsearch-domain", "es-list-domain-names.json"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationDetails:
    """The entities of a GetAccountAuthorizationDetails response, sorted by ARN"""

    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    instance_profiles: tuple[InstanceProfile, ...] = ()
    missing_lists: tuple[str, ...] = ()
    """The lists no page has (`RoleDetailList`): their entities are not known, which is not
    the same as none (an empty list)"""


_DETAIL_LISTS: Final = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
_LIST_CONTENT: Final = {
    "UserDetailList": "users",
    "GroupDetailList": "groups",
    "RoleDetailList": "roles",
    "Policies": "managed policies",
}


def parse_authorization_details(data: Any, *, path: str = "") -> AuthorizationDetails:
    """Parse GetAccountAuthorizationDetails: one response or a list of pages (merged)

    Policy documents may be objects, JSON text or URL-encoded JSON text (the raw API).
    Date-times may be ISO strings or `datetime`s (boto3).

    Raises:
        SnapshotFormatError: with the JSON path of the first bad value.
    """
    root = data if isinstance(data, JsonNode) else JsonNode(data, at="$", path=path)
    pages = list(root.items()) if isinstance(root.value, list) else [root]
    # an answer without any of its lists (`{}`, `[]`) describes nothing: not an empty account
    missing = tuple(k for k in _DETAIL_LISTS if not any(page.obj().has(k) for page in pages))
    if len(missing) == len(_DETAIL_LISTS):
        root.fail(
            "not a GetAccountAuthorizationDetails answer: none of "
            + ", ".join(f"`{key}`" for key in _DETAIL_LISTS)
        )
    users: dict[str, User] = {}
    groups: dict[str, Group] = {}
    roles: dict[str, Role] = {}
    policies: dict[str, ManagedPolicy] = {}
    profiles: dict[str, InstanceProfile] = {}
    for page in pages:
        page.obj()
        for node in page.items("UserDetailList"):
            user = _user(node)
            users.setdefault(user.arn, user)
        for node in page.items("GroupDetailList"):
            group = _group(node)
            groups.setdefault(group.arn, group)
        for node in page.items("RoleDetailList"):
            for profile in _instance_profiles(node):
                profiles.setdefault(profile.arn, profile)
            role = _role(node)
            roles.setdefault(role.arn, role)
        for node in page.items("Policies"):
            policy = _managed_policy(node)
            policies.setdefault(policy.arn, policy)
    return AuthorizationDetails(
        users=_sorted(users),
        groups=_sorted(groups),
        roles=_sorted(roles),
        policies=_sorted(policies),
        instance_profiles=_sorted(profiles),
        missing_lists=missing,
    )


def _sorted(items: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(items[k] for k in sorted(items))


def _inline(node: JsonNode, key: str) -> tuple[InlinePolicy, ...]:
    return tuple(
        InlinePolicy(name=p.text_of("PolicyName"), document=p.key("PolicyDocument").document())
        for p in node.items(key)
    )


def _attached(node: JsonNode) -> tuple[str, ...]:
    return tuple(p.text_of("PolicyArn") for p in node.items("AttachedManagedPolicies"))


def _boundary(node: JsonNode) -> str | None:
    boundary = node.opt("PermissionsBoundary")
    return None if boundary is None else boundary.text_of("PermissionsBoundaryArn")


def _path(node: JsonNode) -> str:
    return node.str_of("Path", "/") or "/"


def _user(node: JsonNode) -> User:
    return User(
        name=node.text_of("UserName"),
        arn=node.text_of("Arn"),
        id=node.str_of("UserId"),
        path=_path(node),
        created=node.when_of("CreateDate"),
        groups=tuple(g.text() for g in node.items("GroupList")),
        inline_policies=_inline(node, "UserPolicyList"),
        attached_policies=_attached(node),
        permissions_boundary=_boundary(node),
        tags=node.tags(),
    )


def _group(node: JsonNode) -> Group:
    return Group(
        name=node.text_of("GroupName"),
        arn=node.text_of("Arn"),
        id=node.str_of("GroupId"),
        path=_path(node),
        created=node.when_of("CreateDate"),
        inline_policies=_inline(node, "GroupPolicyList"),
        attached_policies=_attached(node),
    )


def _instance_profiles(node: JsonNode) -> Iterator[InstanceProfile]:
    for profile in node.items("InstanceProfileList"):
        yield InstanceProfile(
            name=profile.text_of("InstanceProfileName"),
            arn=profile.text_of("Arn"),
            roles=tuple(r.text_of("Arn") for r in profile.items("Roles")),
        )


def _role(node: JsonNode) -> Role:
    last_used = node.opt("RoleLastUsed")
    return Role(
        name=node.text_of("RoleName"),
        arn=node.text_of("Arn"),
        trust_policy=node.key("AssumeRolePolicyDocument").document(),
        id=node.str_of("RoleId"),
        path=_path(node),
        created=node.when_of("CreateDate"),
        inline_policies=_inline(node, "RolePolicyList"),
        attached_policies=_attached(node),
        permissions_boundary=_boundary(node),
        last_used=None if last_used is None else last_used.when_of("LastUsedDate"),
        last_used_region="" if last_used is None else last_used.str_of("Region"),
        is_last_used_known=last_used is not None,
        instance_profiles=tuple(p.text_of("Arn") for p in node.items("InstanceProfileList")),
        tags=node.tags(),
        max_session_duration=node.int_of("MaxSessionDuration", 3600),
    )


def _managed_policy(node: JsonNode) -> ManagedPolicy:
    versions = tuple(
        PolicyVersion(
            id=v.text_of("VersionId"),
            document=v.key("Document").document(),
            is_default=v.flag_of("IsDefaultVersion"),
            created=v.when_of("CreateDate"),
        )
        for v in node.items("PolicyVersionList")
    )
    if sum(v.is_default for v in versions) != 1:
        node.key("PolicyVersionList").fail("expected exactly one default version")
    arn = node.text_of("Arn")
    return ManagedPolicy(
        name=node.str_of("PolicyName") or arn.rsplit("/", 1)[-1],  # the ARN ends with the name
        arn=arn,
        versions=versions,
        id=node.str_of("PolicyId"),
        path=_path(node),
        created=node.when_of("CreateDate"),
        attachment_count=node.int_of("AttachmentCount", 0),
        boundary_usage_count=node.int_of("PermissionsBoundaryUsageCount", 0),
    )


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where the account's files are: the folder given, the IAM region and every region"""

    base: Path
    home: Path
    regions: tuple[Path, ...]

    @classmethod
    def find(cls, base: Path) -> _Layout:
        if not base.exists():
            raise SnapshotFormatError("directory not found", path=str(base))
        if not base.is_dir():
            raise SnapshotFormatError("not a directory", path=str(base))
        if (base / AUTHORIZATION_DETAILS_FILE).exists():
            return cls(base=base, home=base, regions=(base,))
        regions = tuple(p for p in _listing(base) if p.is_dir() and not p.name.startswith("."))
        homes = [p for p in regions if (p / AUTHORIZATION_DETAILS_FILE).exists()]
        if not homes:
            raise SnapshotFormatError(
                f"file not found: {AUTHORIZATION_DETAILS_FILE} (in this folder or a region folder)",
                path=str(base),
            )
        preferred = [p for p in homes if p.name in _HOME_REGIONS]
        return cls(base=base, home=(preferred or homes)[0], regions=regions)


def _listing(folder: Path) -> list[Path]:
    """The entries of a folder, sorted; an unreadable folder is an input error"""
    try:
        return sorted(folder.iterdir())
    except OSError as error:
        raise SnapshotFormatError(f"cannot read: {error.strerror}", path=str(folder)) from None


def _optional(file: Path) -> JsonNode | None:
    """The JSON object in `file`, or `None` when there is no such file"""
    return load_json(file).obj() if file.exists() else None


def _entries(folder: Path) -> Iterator[tuple[str, Path]]:
    """The files of a per-resource folder with their decoded names"""
    if folder.is_dir():
        for file in _listing(folder):
            if file.is_file() and not file.name.startswith("."):
                yield unquote_plus(file.name), file


class _Importer:
    """One import: reads files, records what was collected and the gaps"""

    def __init__(self, layout: _Layout) -> None:
        self.layout = layout
        self.collected: set[DataSet] = set()
        self.gaps: list[Gap] = []
        self.account = Account(id="")
        self.function_listings: dict[Path, JsonNode | None] = {}
        self.functions: dict[Path, dict[str, str]] = {}
        self.entity_folders: dict[str, Path | None] = {}

    def region_of(self, folder: Path) -> str:
        return folder.name

    def missing(self, dataset: DataSet, name: str, folder: Path | None = None) -> None:
        service, _, call = (
            ("", "", "")
            if name in (COMPUTE_FILE, ORGANIZATIONS_FILE)
            else (name.removesuffix(".json").partition("-"))
        )
        self.gaps.append(
            Gap(
                dataset=dataset,
                reason=f"file not found: {name}",
                account=self.account.id,
                region="" if folder is None else self.region_of(folder),
                service=service,
                call=call,
            )
        )

    def read(self, dataset: DataSet, name: str, folder: Path | None = None) -> JsonNode | None:
        """A file of the home region (or `folder`), recording the data set or the gap"""
        file = (folder or self.layout.home) / name
        if not file.exists():
            self.missing(dataset, name, folder)
            return None
        self.collected.add(dataset)
        return load_json(file)

    # -- account -----------------------------------------------------------------------
    def read_account(self, details: AuthorizationDetails) -> Account:
        aliases = _optional(self.layout.home / _ALIASES)
        names = () if aliases is None else aliases.items("AccountAliases")
        alias = next((a.text() for a in names), "")
        identity = _optional(self.layout.home / _CALLER_IDENTITY)
        if identity is not None:
            caller = try_parse_arn(identity.str_of("Arn"))
            return Account(
                id=identity.text_of("Account"),
                alias=alias,
                partition="aws" if caller is None else caller.partition,
            )
        for text in (*(r.arn for r in details.roles), *(u.arn for u in details.users)):
            arn = try_parse_arn(text)
            if arn is not None and arn.account.isdigit():
                return Account(id=arn.account, alias=alias, partition=arn.partition)
        raise SnapshotFormatError(
            f"cannot tell the account id: file not found: {_CALLER_IDENTITY}",
            path=str(self.layout.home),
        )

    def arn(self, service: str, region: str, resource: str, account: str = "") -> str:
        owner = account or self.account.id
        return f"arn:{self.account.partition}:{service}:{region}:{owner}:{resource}"

    # -- IAM ---------------------------------------------------------------------------
    def merge_get_calls(self, details: AuthorizationDetails) -> AuthorizationDetails:
        """Fill role/user fields that only get-role and get-user return"""
        roles = []
        for role in details.roles:
            response = self.entity_file("get-role", role.name)
            if response is None:
                roles.append(role)
                continue
            got = response.key("Role")
            last_used = got.opt("RoleLastUsed")
            if role.last_used is None and last_used is not None:
                role = dataclasses.replace(
                    role,
                    last_used=last_used.when_of("LastUsedDate"),
                    last_used_region=last_used.str_of("Region"),
                    is_last_used_known=True,
                )
            roles.append(
                dataclasses.replace(
                    role,
                    max_session_duration=got.int_of(
                        "MaxSessionDuration", role.max_session_duration
                    ),
                    permissions_boundary=role.permissions_boundary or _boundary(got),
                    tags=role.tags or got.tags(),
                )
            )
        users = []
        for user in details.users:
            response = self.entity_file("get-user", user.name)
            if response is None:
                users.append(user)
                continue
            got = response.key("User")
            users.append(
                dataclasses.replace(
                    user,
                    permissions_boundary=user.permissions_boundary or _boundary(got),
                    tags=user.tags or got.tags(),
                )
            )
        return dataclasses.replace(details, roles=tuple(roles), users=tuple(users))

    def credential_report(self) -> CredentialReport | None:
        for folder, name in (
            (self.layout.home, _CREDENTIAL_REPORT),
            (self.layout.home, _CREDENTIAL_REPORT_CSV),
            (self.layout.base, _CREDENTIAL_REPORT_CSV),
        ):
            if (folder / name).exists():
                report = read_credential_report(folder / name)
                root = None if report.root is None else try_parse_arn(report.root.arn)
                if root is not None and self.account.id and root.account != self.account.id:
                    raise SnapshotFormatError(
                        f"the credential report is of account `{root.account}`, the export of "
                        f"`{self.account.id}`",
                        path=str(folder / name),
                    )
                self.collected |= {DataSet.CREDENTIAL_REPORT, DataSet.ACCESS_KEY_LAST_USED}
                return report
        self.missing(DataSet.CREDENTIAL_REPORT, _CREDENTIAL_REPORT)
        self.missing(DataSet.ACCESS_KEY_LAST_USED, _CREDENTIAL_REPORT)
        return None

    def password_policy(self) -> PasswordPolicy | None:
        root = self.read(DataSet.PASSWORD_POLICY, _PASSWORD_POLICY)
        if root is None:
            return None
        return parse_password_policy(root.obj().key("PasswordPolicy"))

    def account_summary(self) -> dict[str, int]:
        root = self.read(DataSet.ACCOUNT_SUMMARY, _SUMMARY)
        if root is None:
            return {}
        return {name: value.integer() for name, value in root.obj().key("SummaryMap").entries()}

    def virtual_mfa_devices(self) -> tuple[VirtualMfaDevice, ...]:
        root = self.read(DataSet.VIRTUAL_MFA_DEVICES, _VIRTUAL_MFA)
        if root is None:
            return ()
        devices = map(parse_virtual_mfa_device, root.obj().items("VirtualMFADevices"))
        return tuple(sorted(devices, key=lambda d: d.serial))

    def server_certificates(self) -> tuple[ServerCertificate, ...]:
        root = self.read(DataSet.SERVER_CERTIFICATES, _SERVER_CERTIFICATES)
        if root is None:
            return ()
        return tuple(
            map(parse_server_certificate, root.obj().items("ServerCertificateMetadataList"))
        )

    def service_last_accessed(self) -> tuple[ServiceLastAccessed, ...]:
        jobs_dir = self.layout.home / _SLA_JOBS
        details_dir = self.layout.home / _SLA_DETAILS
        if not jobs_dir.is_dir() or not details_dir.is_dir():
            self.missing(
                DataSet.SERVICE_LAST_ACCESSED, _SLA_JOBS if not jobs_dir.is_dir() else _SLA_DETAILS
            )
            return ()
        self.collected.add(DataSet.SERVICE_LAST_ACCESSED)
        out = []
        for principal, file in _entries(jobs_dir):
            job_node = load_json(file).obj().key("JobId")
            job = job_node.text()
            details_file = details_dir / quote_plus(job)
            if not details_file.exists():
                self.missing(DataSet.SERVICE_LAST_ACCESSED, f"{_SLA_DETAILS}/{job}")
                continue
            details = load_json(details_file).obj()
            status = details.str_of("JobStatus", "COMPLETED")
            if status != "COMPLETED":
                self.gaps.append(
                    Gap(
                        dataset=DataSet.SERVICE_LAST_ACCESSED,
                        account=self.account.id,
                        reason=f"job `{job}` of `{principal}` is {status}",
                        service="iam",
                        call="get-service-last-accessed-details",
                    )
                )
                continue
            services = tuple(
                ServiceAccess(
                    namespace=s.text_of("ServiceNamespace"),
                    last_authenticated=s.when_of("LastAuthenticated"),
                    last_authenticated_entity=s.str_of("LastAuthenticatedEntity"),
                )
                for s in details.items("ServicesLastAccessed")
            )
            out.append(ServiceLastAccessed(principal_arn=principal, services=services))
        return tuple(out)

    def entity_file(self, command: str, name: str) -> JsonNode | None:
        """The object in `iam-<command>/<name>` of the home region, if the file is there"""
        if command not in self.entity_folders:
            path = self.layout.home / f"iam-{command}"
            self.entity_folders[command] = path if path.exists() else None
        folder = self.entity_folders[command]
        if folder is None:
            return None  # no such folder: one look, not one per entity
        return _optional(folder / quote_plus(name))

    def user_files(self, command: str, user: User, key: str) -> list[JsonNode]:
        """The entries of `iam-<command>/<user>` (list-mfa-devices, list-access-keys)"""
        response = self.entity_file(command, user.name)
        return [] if response is None else list(response.items(key))

    def complete_user(
        self,
        user: User,
        report: CredentialReport | None,
        virtual: Mapping[str, list[VirtualMfaDevice]],
    ) -> User:
        """Add the credential report's password and keys, and the user's MFA devices
        (`virtual`: the virtual devices by the ARN of their user)"""
        devices = {
            d.serial: MfaDevice(serial=d.serial, kind=MfaKind.VIRTUAL, enabled=d.enabled)
            for d in virtual.get(user.arn, ())
        }
        for node in self.user_files("list-mfa-devices", user, "MFADevices"):
            serial = node.text_of("SerialNumber")
            devices.setdefault(
                serial,
                MfaDevice(serial=serial, kind=mfa_kind(serial), enabled=node.when_of("EnableDate")),
            )
        listed = sorted(
            (
                AccessKey(
                    id=n.text_of("AccessKeyId"),
                    is_active=n.str_of("Status") == "Active",
                    created=n.when_of("CreateDate"),
                )
                for n in self.user_files("list-access-keys", user, "AccessKeyMetadata")
            ),
            key=lambda k: (k.created is None, k.created, k.id),
        )
        row = None if report is None else report.row(user.name)
        keys = _keys(listed, row)
        return dataclasses.replace(
            user,
            has_console_password=None if row is None else row.password_enabled,
            password_last_used=None if row is None else row.password_last_used,
            mfa_devices=tuple(devices[s] for s in sorted(devices)),
            access_keys=tuple(keys),
        )

    # -- regional ----------------------------------------------------------------------
    def access_analyzers(self) -> tuple[AccessAnalyzer, ...]:
        out = []
        for folder in self.layout.regions:
            file = next((folder / n for n in _ANALYZERS if (folder / n).exists()), None)
            if file is None:
                self.missing(DataSet.ACCESS_ANALYZER, _ANALYZERS[0], folder)
                continue
            self.collected.add(DataSet.ACCESS_ANALYZER)
            for node in load_json(file).obj().items("analyzers"):
                out.append(
                    AccessAnalyzer(
                        arn=node.text_of("arn"),
                        name=node.text_of("name"),
                        region=self.region_of(folder),
                        type=node.str_of("type", "ACCOUNT"),
                        status=node.str_of("status", "ACTIVE"),
                    )
                )
        return tuple(out)

    def function_listing(self, folder: Path) -> JsonNode | None:
        """One region's Lambda listing, read once for resource policies and compute"""
        if folder not in self.function_listings:
            self.function_listings[folder] = _optional(folder / _FUNCTIONS)
        return self.function_listings[folder]

    def function_arns(self, folder: Path) -> dict[str, str]:
        """Lambda function ARNs by name in one region"""
        if folder not in self.functions:
            listing = self.function_listing(folder)
            self.functions[folder] = {
                f.text_of("FunctionName"): f.text_of("FunctionArn")
                for f in (() if listing is None else listing.items("Functions"))
            }
        return self.functions[folder]

    def resource_policies(self) -> tuple[ResourcePolicy, ...]:
        found: dict[str, ResourcePolicy] = {}
        for service, folder_name, listing in _RESOURCE_POLICY_SOURCES:
            present = False
            for folder in self.layout.regions:
                present |= (folder / folder_name).is_dir() or (folder / listing).is_file()
                for name, file in _entries(folder / folder_name):
                    policy = self.resource_policy(service, name, load_json(file), folder)
                    if policy is not None:
                        found.setdefault(policy.arn, policy)
            if present:
                self.collected.add(DataSet.RESOURCE_POLICIES)
            else:
                self.missing(DataSet.RESOURCE_POLICIES, folder_name)
        return _sorted(found)

    def resource_policy(
        self, service: str, name: str, root: JsonNode, folder: Path
    ) -> ResourcePolicy | None:
        """The policy in one per-resource file, under the resource's ARN"""
        region = self.region_of(folder)
        root.obj()
        match service:
            case "s3":
                arn, policy = f"arn:{self.account.partition}:s3:::{name}", root.opt("Policy")
                region = self.bucket_region(name)
            case "lambda":
                arn = self.function_arns(folder).get(name) or self.arn(
                    "lambda", region, f"function:{name}"
                )
                policy = root.opt("Policy")
            case "sqs":
                attributes = root.key("Attributes")
                arn = attributes.str_of("QueueArn") or self.queue_arn(name, region, root)
                policy = attributes.opt("Policy")
            case "sns":
                attributes = root.key("Attributes")
                arn, policy = attributes.str_of("TopicArn", name), attributes.opt("Policy")
            case "secretsmanager":
                arn = root.str_of("ARN") or self.arn("secretsmanager", region, f"secret:{name}")
                policy = root.opt("ResourcePolicy")
            case "ecr":
                arn = self.arn("ecr", region, f"repository/{name}", root.str_of("registryId"))
                policy = root.opt("policyText")
            case "kms":
                arn = name if name.startswith("arn:") else self.arn("kms", region, f"key/{name}")
                policy = root.opt("Policy")
            case _:  # es
                domain = root.key("DomainStatus")
                arn = domain.str_of("ARN") or self.arn("es", region, f"domain/{name}")
                policy = domain.opt("AccessPolicies")
        if policy is None or policy.value in ("", {}):
            return None
        return ResourcePolicy(arn=arn, service=service, region=region, document=policy.document())

    def public_access_block(self) -> PublicAccessBlock | None:
        """The account's S3 Public Access Block (absent: none set, or not collected)"""
        root = _optional(self.layout.home / _PUBLIC_ACCESS_BLOCK)
        if root is None:
            return None
        return parse_public_access_block(root.key("PublicAccessBlockConfiguration"))

    def bucket_region(self, bucket: str) -> str:
        location = _optional(self.layout.home / "s3-get-bucket-location" / quote_plus(bucket))
        return "" if location is None else bucket_region(location.str_of("LocationConstraint"))

    def queue_arn(self, url: str, region: str, root: JsonNode) -> str:
        parts = urlsplit(url)
        steps = parts.path.strip("/").split("/")
        if len(steps) != 2 or not parts.hostname:
            raise SnapshotFormatError(
                f"`{url}` is not an SQS queue URL", path=root.path, location="file name"
            )
        host = parts.hostname.split(".")
        if host[0] == "sqs" and len(host) > 2:
            region = host[1]
        elif host[1:3] == ["queue", "amazonaws"]:
            region = host[0]
        return self.arn("sqs", region, steps[1], steps[0])

    def compute(self, profiles: tuple[InstanceProfile, ...]) -> tuple[ComputeResource, ...]:
        roles_of = {p.arn: p.roles for p in profiles}
        found: dict[str, ComputeResource] = {}
        extra = self.layout.base / COMPUTE_FILE
        if extra.exists():
            self.collected.add(DataSet.COMPUTE)
            for resource in parse_compute(load_json(extra)):
                found.setdefault(resource.arn, resource)
        else:
            self.missing(DataSet.COMPUTE, COMPUTE_FILE)
        for folder in self.layout.regions:
            region = self.region_of(folder)
            instances = self.read(DataSet.COMPUTE, _INSTANCES, folder)
            for reservation in () if instances is None else instances.obj().items("Reservations"):
                owner = reservation.str_of("OwnerId", self.account.id)
                for node in reservation.items("Instances"):
                    profile = node.opt("IamInstanceProfile")
                    if profile is None:
                        continue
                    profile_arn = profile.text_of("Arn")
                    instance_id = node.text_of("InstanceId")
                    name = next((t.value for t in node.tags() if t.key == "Name"), instance_id)
                    resource = ComputeResource(
                        arn=self.arn("ec2", region, f"instance/{instance_id}", owner),
                        kind=ComputeKind.EC2_INSTANCE,
                        name=name,
                        region=region,
                        role_arn=next(iter(roles_of.get(profile_arn, ())), None),
                        instance_profile_arn=profile_arn,
                    )
                    found.setdefault(resource.arn, resource)
            functions = self.function_listing(folder)
            if functions is None:
                self.missing(DataSet.COMPUTE, _FUNCTIONS, folder)
            else:
                self.collected.add(DataSet.COMPUTE)
            for node in () if functions is None else functions.items("Functions"):
                resource = ComputeResource(
                    arn=node.text_of("FunctionArn"),
                    kind=ComputeKind.LAMBDA_FUNCTION,
                    name=node.str_of("FunctionName"),
                    region=region,
                    role_arn=node.text_of("Role"),
                )
                found.setdefault(resource.arn, resource)
        return _sorted(found)

    def organization(self) -> Organization | None:
        file = self.layout.base / ORGANIZATIONS_FILE
        if not file.exists():
            self.missing(DataSet.ORGANIZATION, ORGANIZATIONS_FILE)
            return None
        self.collected.add(DataSet.ORGANIZATION)
        return parse_organization(load_json(file), self.account.id)

    def run(self) -> Snapshot:
        details_file = self.layout.home / AUTHORIZATION_DETAILS_FILE
        details = parse_authorization_details(load_json(details_file))
        self.account = self.read_account(details)
        # a list the file lacks is not known to be empty: the data set is not collected, so
        # what needs it is NOT_ASSESSED with this gap, never PASS
        for name in details.missing_lists:
            self.gaps.append(
                Gap(
                    dataset=DataSet.AUTHORIZATION_DETAILS,
                    reason=f"{AUTHORIZATION_DETAILS_FILE} has no `{name}` "
                    f"({_LIST_CONTENT[name]} not known)",
                    account=self.account.id,
                    service="iam",
                    call="get-account-authorization-details",
                )
            )
        if not details.missing_lists:
            self.collected.add(DataSet.AUTHORIZATION_DETAILS)
        details = self.merge_get_calls(details)
        report = self.credential_report()
        virtual = self.virtual_mfa_devices()
        by_user: dict[str, list[VirtualMfaDevice]] = {}
        for device in virtual:
            if device.user_arn is not None:
                by_user.setdefault(device.user_arn, []).append(device)
        users = tuple(self.complete_user(u, report, by_user) for u in details.users)
        snapshot = Snapshot(
            account=self.account,
            source=f"cloudmapper:{self.layout.base.resolve().name}",
            collected_at=None if report is None else report.generated,
            regions=tuple(self.region_of(f) for f in self.layout.regions),
            users=users,
            groups=details.groups,
            roles=details.roles,
            policies=details.policies,
            instance_profiles=details.instance_profiles,
            credential_report=report,
            password_policy=self.password_policy(),
            account_summary=self.account_summary(),
            virtual_mfa_devices=virtual,
            server_certificates=self.server_certificates(),
            service_last_accessed=self.service_last_accessed(),
            access_analyzers=self.access_analyzers(),
            resource_policies=self.resource_policies(),
            account_public_access_block=self.public_access_block(),
            compute=self.compute(details.instance_profiles),
            organization=self.organization(),
            collected=frozenset(self.collected),
            gaps=tuple(self.gaps),
        )
        return with_policy_gaps(snapshot)


def _keys(listed: list[AccessKey], row: CredentialReportRow | None) -> list[AccessKey]:
    """Access keys, joining listed keys and report slots 1/2 by order of creation"""
    slots = []
    if row is not None:
        for n in (1, 2):
            active = getattr(row, f"access_key_{n}_active")
            created = getattr(row, f"access_key_{n}_last_rotated")
            if active or created is not None:
                slots.append(
                    AccessKey(
                        id=f"access_key_{n}",
                        is_active=active,
                        created=created,
                        last_used=getattr(row, f"access_key_{n}_last_used_date"),
                        last_used_service=getattr(row, f"access_key_{n}_last_used_service"),
                        last_used_region=getattr(row, f"access_key_{n}_last_used_region"),
                    )
                )
    if not listed:
        return slots
    if len(listed) != len(slots):
        return listed
    return [
        dataclasses.replace(
            slot, id=key.id, is_active=key.is_active, created=key.created or slot.created
        )
        for key, slot in zip(listed, slots, strict=True)
    ]


def import_cloudmapper(path: Path) -> Snapshot:
    """Import a CloudMapper account folder (or one region folder) into a `Snapshot`

    Raises:
        SnapshotFormatError: the authorization details are missing, or a file is malformed
            (the error names the file, the JSON path or CSV line, and the problem). A policy
            document that cannot be read is a recorded gap instead.
    """
    return _Importer(_Layout.find(Path(path))).run()
