"""IAM collectors: authorization details, credential report, account settings, MFA, keys, and
service-last-accessed details. Each returns model objects; failed calls are gaps in `Caller`.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from iamwarden.aws.calls import Caller, GapReason
from iamwarden.snapshot.model import (
    AccessKey,
    CredentialReport,
    CredentialReportRow,
    DataSet,
    Document,
    Group,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    MfaDevice,
    MfaKind,
    PasswordPolicy,
    PolicyVersion,
    Role,
    ServerCertificate,
    ServiceAccess,
    ServiceLastAccessed,
    Tag,
    User,
    VirtualMfaDevice,
)

__all__ = [
    "PENDING",
    "AuthorizationDetails",
    "collect_account_alias",
    "collect_account_summary",
    "collect_authorization_details",
    "collect_credential_report",
    "collect_password_policy",
    "collect_server_certificates",
    "collect_user_keys",
    "collect_user_mfa",
    "collect_virtual_mfa_devices",
    "fetch_service_last_accessed",
    "parse_credential_report",
    "start_service_last_accessed",
]

AUTH_FILTER = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
PENDING = "pending"
"""Returned by `fetch_service_last_accessed` while the job is still running"""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationDetails:
    """The principals and policies of `GetAccountAuthorizationDetails`"""

    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    instance_profiles: tuple[InstanceProfile, ...] = ()


def _document(value: Any) -> Document:
    """IAM returns documents URL-encoded; botocore usually decodes them already"""
    if isinstance(value, str):
        value = json.loads(unquote(value))
    return Document.from_obj(value)


def _tags(raw: Iterable[Mapping[str, str]]) -> tuple[Tag, ...]:
    return tuple(sorted((Tag(key=t["Key"], value=t.get("Value", "")) for t in raw),
                        key=lambda t: t.key))


def _inline(raw: Iterable[Mapping[str, Any]]) -> tuple[InlinePolicy, ...]:
    return tuple(sorted((InlinePolicy(name=p["PolicyName"], document=_document(p["PolicyDocument"]))
                         for p in raw), key=lambda p: p.name))


def _attached(raw: Iterable[Mapping[str, str]]) -> tuple[str, ...]:
    return tuple(sorted(p["PolicyArn"] for p in raw))


def _boundary(raw: Mapping[str, Any]) -> str | None:
    boundary = raw.get("PermissionsBoundary") or {}
    arn = boundary.get("PermissionsBoundaryArn")
    return str(arn) if arn else None


def _user(raw: Mapping[str, Any]) -> User:
    return User(
        name=raw["UserName"], arn=raw["Arn"], id=raw.get("UserId", ""), path=raw.get("Path", "/"),
        created=raw.get("CreateDate"), groups=tuple(sorted(raw.get("GroupList", ()))),
        inline_policies=_inline(raw.get("UserPolicyList", ())),
        attached_policies=_attached(raw.get("AttachedManagedPolicies", ())),
        permissions_boundary=_boundary(raw), tags=_tags(raw.get("Tags", ())),
    )


def _group(raw: Mapping[str, Any]) -> Group:
    return Group(
        name=raw["GroupName"], arn=raw["Arn"], id=raw.get("GroupId", ""),
        path=raw.get("Path", "/"), created=raw.get("CreateDate"),
        inline_policies=_inline(raw.get("GroupPolicyList", ())),
        attached_policies=_attached(raw.get("AttachedManagedPolicies", ())),
    )


def _role(raw: Mapping[str, Any]) -> Role:
    last_used = raw.get("RoleLastUsed") or {}
    return Role(
        name=raw["RoleName"], arn=raw["Arn"], id=raw.get("RoleId", ""), path=raw.get("Path", "/"),
        trust_policy=_document(raw.get("AssumeRolePolicyDocument") or {}),
        created=raw.get("CreateDate"), inline_policies=_inline(raw.get("RolePolicyList", ())),
        attached_policies=_attached(raw.get("AttachedManagedPolicies", ())),
        permissions_boundary=_boundary(raw), last_used=last_used.get("LastUsedDate"),
        last_used_region=last_used.get("Region", ""),
        instance_profiles=tuple(sorted(p["Arn"] for p in raw.get("InstanceProfileList", ()))),
        tags=_tags(raw.get("Tags", ())),
        max_session_duration=int(raw.get("MaxSessionDuration", 3600)),
    )


def _policy(raw: Mapping[str, Any]) -> ManagedPolicy:
    versions = tuple(sorted(
        (PolicyVersion(id=v["VersionId"], document=_document(v["Document"]),
                       is_default=bool(v["IsDefaultVersion"]), created=v.get("CreateDate"))
         for v in raw.get("PolicyVersionList", ())), key=lambda v: v.id))
    return ManagedPolicy(
        name=raw.get("PolicyName") or raw["Arn"].rsplit("/", 1)[1], arn=raw["Arn"],
        versions=versions, id=raw.get("PolicyId", ""),
        path=raw.get("Path", "/"), created=raw.get("CreateDate"),
        attachment_count=int(raw.get("AttachmentCount", 0)),
        boundary_usage_count=int(raw.get("PermissionsBoundaryUsageCount", 0)),
    )


def _instance_profiles(roles: Iterable[Mapping[str, Any]]) -> tuple[InstanceProfile, ...]:
    profiles: dict[str, InstanceProfile] = {}
    for role in roles:
        for raw in role.get("InstanceProfileList", ()):
            profiles[raw["Arn"]] = InstanceProfile(
                name=raw["InstanceProfileName"], arn=raw["Arn"],
                roles=tuple(sorted(r["Arn"] for r in raw.get("Roles", ()))))
    return tuple(profiles[arn] for arn in sorted(profiles))


def collect_authorization_details(caller: Caller) -> AuthorizationDetails:
    """Users, groups, roles, managed policies (customer, and AWS ones in use) and profiles"""
    pages = caller.paginate("iam", "", "get_account_authorization_details",
                            DataSet.AUTHORIZATION_DETAILS, Filter=list(AUTH_FILTER))
    if pages is None:
        return AuthorizationDetails()
    users = [u for p in pages for u in p.get("UserDetailList", ())]
    groups = [g for p in pages for g in p.get("GroupDetailList", ())]
    roles = [r for p in pages for r in p.get("RoleDetailList", ())]
    policies = [m for p in pages for m in p.get("Policies", ())]
    return AuthorizationDetails(
        users=tuple(sorted((_user(u) for u in users), key=lambda u: u.arn)),
        groups=tuple(sorted((_group(g) for g in groups), key=lambda g: g.arn)),
        roles=tuple(sorted((_role(r) for r in roles), key=lambda r: r.arn)),
        policies=tuple(sorted((_policy(m) for m in policies), key=lambda m: m.arn)),
        instance_profiles=_instance_profiles(roles),
    )


def _when(value: str) -> datetime | None:
    if value in ("", "N/A", "not_supported", "no_information"):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _flag(value: str) -> bool:
    return value == "true"


def _text(value: str) -> str:
    return "" if value in ("N/A", "not_supported", "no_information") else value


_DATES = ("user_creation_time", "password_last_used", "password_last_changed",
          "password_next_rotation", "access_key_1_last_rotated", "access_key_1_last_used_date",
          "access_key_2_last_rotated", "access_key_2_last_used_date", "cert_1_last_rotated",
          "cert_2_last_rotated")
_FLAGS = ("mfa_active", "access_key_1_active", "access_key_2_active", "cert_1_active",
          "cert_2_active")
_TEXTS = ("access_key_1_last_used_region", "access_key_1_last_used_service",
          "access_key_2_last_used_region", "access_key_2_last_used_service")


def parse_credential_report(content: str) -> tuple[CredentialReportRow, ...]:
    """The rows of a credential report's CSV text (`N/A` and `not_supported` become `None`)"""
    rows = []
    for raw in csv.DictReader(io.StringIO(content)):
        values: dict[str, Any] = {"user": raw["user"], "arn": raw["arn"]}
        values.update({k: _when(raw.get(k, "")) for k in _DATES})
        values.update({k: _flag(raw.get(k, "")) for k in _FLAGS})
        values.update({k: _text(raw.get(k, "")) for k in _TEXTS})
        enabled = raw.get("password_enabled", "")
        values["password_enabled"] = None if enabled == "not_supported" else _flag(enabled)
        rows.append(CredentialReportRow(**values))
    return tuple(rows)


def collect_credential_report(caller: Caller, *, poll_interval: float,
                              poll_timeout: float,
                              sleep: Callable[[float], None] = time.sleep) -> CredentialReport | None:
    """Generate the credential report, wait for it, and fetch it"""
    dataset = DataSet.CREDENTIAL_REPORT
    deadline = time.monotonic() + poll_timeout
    while True:
        state = caller.call("iam", "", "generate_credential_report", dataset)
        if state is None:
            return None
        if state.get("State") == "COMPLETE":
            break
        if time.monotonic() >= deadline:
            caller.record(dataset, reason=GapReason.TIMED_OUT, service="iam",
                          call="GenerateCredentialReport")
            return None
        sleep(poll_interval)
    reply = caller.call("iam", "", "get_credential_report", dataset)
    if reply is None:
        return None
    content = reply.get("Content", b"")
    if isinstance(content, str):
        content = base64.b64decode(content)
    return CredentialReport(rows=parse_credential_report(content.decode()),
                            generated=reply.get("GeneratedTime"))


def collect_password_policy(caller: Caller) -> PasswordPolicy | None:
    """The password policy; `None` when the account has none (or on a gap)"""
    reply = caller.call("iam", "", "get_account_password_policy", DataSet.PASSWORD_POLICY,
                        absent=("NoSuchEntity",))
    raw = (reply or {}).get("PasswordPolicy")
    if not raw:
        return None
    return PasswordPolicy(
        minimum_length=int(raw.get("MinimumPasswordLength", 8)),
        require_symbols=bool(raw.get("RequireSymbols", False)),
        require_numbers=bool(raw.get("RequireNumbers", False)),
        require_uppercase=bool(raw.get("RequireUppercaseCharacters", False)),
        require_lowercase=bool(raw.get("RequireLowercaseCharacters", False)),
        allow_users_to_change=bool(raw.get("AllowUsersToChangePassword", False)),
        expire_passwords=bool(raw.get("ExpirePasswords", False)),
        max_age_days=raw.get("MaxPasswordAge"),
        reuse_prevention=raw.get("PasswordReusePrevention"),
        hard_expiry=bool(raw.get("HardExpiry", False)),
    )


def collect_account_summary(caller: Caller) -> dict[str, int]:
    """`GetAccountSummary`'s counters (AccountMFAEnabled, AccountAccessKeysPresent, ...)"""
    reply = caller.call("iam", "", "get_account_summary", DataSet.ACCOUNT_SUMMARY)
    return {k: int(v) for k, v in sorted((reply or {}).get("SummaryMap", {}).items())}


def collect_account_alias(caller: Caller) -> str:
    """The account alias, or `""`"""
    reply = caller.call("iam", "", "list_account_aliases", DataSet.ACCOUNT_SUMMARY)
    aliases = (reply or {}).get("AccountAliases", ())
    return str(aliases[0]) if aliases else ""


def collect_virtual_mfa_devices(caller: Caller) -> tuple[VirtualMfaDevice, ...]:
    """Every virtual MFA device, assigned or not"""
    pages = caller.paginate("iam", "", "list_virtual_mfa_devices", DataSet.VIRTUAL_MFA_DEVICES)
    devices = [
        VirtualMfaDevice(serial=d["SerialNumber"], user_arn=(d.get("User") or {}).get("Arn"),
                         enabled=d.get("EnableDate"))
        for page in pages or () for d in page.get("VirtualMFADevices", ())
    ]
    return tuple(sorted(devices, key=lambda d: d.serial))


def collect_server_certificates(caller: Caller) -> tuple[ServerCertificate, ...]:
    """Server certificates stored in IAM"""
    pages = caller.paginate("iam", "", "list_server_certificates", DataSet.SERVER_CERTIFICATES)
    certs = [
        ServerCertificate(name=m["ServerCertificateName"], arn=m["Arn"],
                          expiration=m.get("Expiration"))
        for page in pages or () for m in page.get("ServerCertificateMetadataList", ())
    ]
    return tuple(sorted(certs, key=lambda c: c.arn))


def collect_user_mfa(caller: Caller, user: str,
                     virtual_serials: frozenset[str]) -> tuple[MfaDevice, ...]:
    """A user's MFA devices; virtual when listed as a virtual device, else hardware"""
    pages = caller.paginate("iam", "", "list_mfa_devices", DataSet.VIRTUAL_MFA_DEVICES,
                            UserName=user)
    devices = []
    for page in pages or ():
        for raw in page.get("MFADevices", ()):
            serial = raw["SerialNumber"]
            is_virtual = serial in virtual_serials or ":mfa/" in serial
            devices.append(MfaDevice(serial=serial, enabled=raw.get("EnableDate"),
                                     kind=MfaKind.VIRTUAL if is_virtual else MfaKind.HARDWARE))
    return tuple(sorted(devices, key=lambda d: d.serial))


def collect_user_keys(caller: Caller, user: str) -> tuple[AccessKey, ...]:
    """A user's access keys with when, where and for what each was last used"""
    dataset = DataSet.ACCESS_KEY_LAST_USED
    pages = caller.paginate("iam", "", "list_access_keys", dataset, UserName=user)
    keys = []
    for page in pages or ():
        for raw in page.get("AccessKeyMetadata", ()):
            used = caller.call("iam", "", "get_access_key_last_used", dataset,
                               AccessKeyId=raw["AccessKeyId"]) or {}
            last = used.get("AccessKeyLastUsed", {})
            keys.append(AccessKey(
                id=raw["AccessKeyId"], is_active=raw.get("Status") == "Active",
                created=raw.get("CreateDate"), last_used=last.get("LastUsedDate"),
                last_used_service=_text(last.get("ServiceName", "")),
                last_used_region=_text(last.get("Region", ""))))
    return tuple(sorted(keys, key=lambda k: k.id))


def start_service_last_accessed(caller: Caller, arn: str) -> str | None:
    """Start a service-last-accessed job for a user or role; its job id"""
    reply = caller.call("iam", "", "generate_service_last_accessed_details",
                        DataSet.SERVICE_LAST_ACCESSED, Arn=arn)
    return None if reply is None else str(reply["JobId"])


def fetch_service_last_accessed(caller: Caller, arn: str,
                                job_id: str) -> ServiceLastAccessed | str | None:
    """The finished job's details, `PENDING` while it runs, `None` on a gap"""
    dataset = DataSet.SERVICE_LAST_ACCESSED
    services: list[ServiceAccess] = []
    marker: dict[str, str] = {}
    while True:
        reply = caller.call("iam", "", "get_service_last_accessed_details", dataset,
                            JobId=job_id, **marker)
        if reply is None:
            return None
        status = reply.get("JobStatus")
        if status == "IN_PROGRESS":
            return PENDING
        if status == "FAILED":
            caller.record(dataset, reason=GapReason.SERVICE_ERROR, service="iam",
                          call="GetServiceLastAccessedDetails", error_code="JobFailed")
            return None
        services.extend(
            ServiceAccess(namespace=s["ServiceNamespace"],
                          last_authenticated=s.get("LastAuthenticated"),
                          last_authenticated_entity=s.get("LastAuthenticatedEntity", ""))
            for s in reply.get("ServicesLastAccessed", ()))
        if not reply.get("IsTruncated"):
            break
        marker = {"Marker": reply["Marker"]}
    return ServiceLastAccessed(principal_arn=arn,
                               services=tuple(sorted(services, key=lambda s: s.namespace)))
