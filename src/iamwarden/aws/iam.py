"""IAM collectors: authorization details, credential report, account settings, MFA, keys, and
service-last-accessed details. Each returns model objects; failed calls are gaps in `Caller`.

The authorization details and the credential report are parsed by `iamwarden.snapshot` (the
same parsers as exported files); an answer they reject is a `MALFORMED` gap, never an abort.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from iamwarden.aws.calls import Caller, GapReason
from iamwarden.errors import SnapshotFormatError
from iamwarden.snapshot.cloudmapper import AuthorizationDetails, parse_authorization_details
from iamwarden.snapshot.credential_report import parse_credential_report
from iamwarden.snapshot.model import (
    AccessKey,
    CredentialReport,
    DataSet,
    MfaDevice,
    PasswordPolicy,
    ServerCertificate,
    ServiceAccess,
    ServiceLastAccessed,
    VirtualMfaDevice,
)
from iamwarden.snapshot.responses import (
    mfa_kind,
    parse_password_policy,
    parse_server_certificate,
    parse_virtual_mfa_device,
)

__all__ = [
    "PENDING",
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
    "start_service_last_accessed",
]

AUTH_FILTER = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
PENDING = "pending"
"""Returned by `fetch_service_last_accessed` while the job is still running"""


def collect_authorization_details(caller: Caller) -> AuthorizationDetails | None:
    """Users, groups, roles, managed policies (customer, and AWS ones in use) and profiles

    `None` on a gap (a failed call, or an answer that does not parse).
    """
    pages = caller.paginate(
        "iam",
        "",
        "get_account_authorization_details",
        DataSet.AUTHORIZATION_DETAILS,
        Filter=list(AUTH_FILTER),
    )
    if pages is None:
        return None
    try:
        return parse_authorization_details(pages, path="GetAccountAuthorizationDetails")
    except SnapshotFormatError as error:
        _malformed(caller, DataSet.AUTHORIZATION_DETAILS, "GetAccountAuthorizationDetails", error)
        return None


def _malformed(caller: Caller, dataset: DataSet, call: str, error: SnapshotFormatError) -> None:
    caller.record(dataset, reason=GapReason.MALFORMED, service="iam", call=call, detail=str(error))


def _text(value: str) -> str:
    return "" if value in ("N/A", "not_supported", "no_information") else value


def collect_credential_report(
    caller: Caller,
    *,
    poll_interval: float,
    poll_timeout: float,
    sleep: Callable[[float], None] = time.sleep,
) -> CredentialReport | None:
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
            caller.record(
                dataset, reason=GapReason.TIMED_OUT, service="iam", call="GenerateCredentialReport"
            )
            return None
        sleep(poll_interval)
    reply = caller.call("iam", "", "get_credential_report", dataset)
    if reply is None:
        return None
    try:
        return parse_credential_report(
            reply.get("Content", b""),
            path="GetCredentialReport",
            generated=reply.get("GeneratedTime"),
        )
    except SnapshotFormatError as error:
        _malformed(caller, dataset, "GetCredentialReport", error)
        return None


def collect_password_policy(caller: Caller) -> PasswordPolicy | None:
    """The password policy; `None` when the account has none (or on a gap)"""
    reply = caller.call(
        "iam", "", "get_account_password_policy", DataSet.PASSWORD_POLICY, absent=("NoSuchEntity",)
    )
    raw = (reply or {}).get("PasswordPolicy")
    if not raw:
        return None
    return caller.parsed(
        parse_password_policy,
        raw,
        dataset=DataSet.PASSWORD_POLICY,
        service="iam",
        call="GetAccountPasswordPolicy",
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
        caller.parsed(
            parse_virtual_mfa_device,
            d,
            dataset=DataSet.VIRTUAL_MFA_DEVICES,
            service="iam",
            call="ListVirtualMFADevices",
        )
        for page in pages or ()
        for d in page.get("VirtualMFADevices", ())
    ]
    return tuple(sorted((d for d in devices if d), key=lambda d: d.serial))


def collect_server_certificates(caller: Caller) -> tuple[ServerCertificate, ...]:
    """Server certificates stored in IAM"""
    pages = caller.paginate("iam", "", "list_server_certificates", DataSet.SERVER_CERTIFICATES)
    certs = [
        caller.parsed(
            parse_server_certificate,
            m,
            dataset=DataSet.SERVER_CERTIFICATES,
            service="iam",
            call="ListServerCertificates",
        )
        for page in pages or ()
        for m in page.get("ServerCertificateMetadataList", ())
    ]
    return tuple(sorted((c for c in certs if c), key=lambda c: c.arn))


def collect_user_mfa(
    caller: Caller, user: str, virtual_serials: frozenset[str]
) -> tuple[MfaDevice, ...]:
    """A user's MFA devices; virtual when listed as a virtual device, else hardware"""
    pages = caller.paginate(
        "iam", "", "list_mfa_devices", DataSet.VIRTUAL_MFA_DEVICES, UserName=user
    )
    devices = []
    for page in pages or ():
        for raw in page.get("MFADevices", ()):
            serial = raw["SerialNumber"]
            devices.append(
                MfaDevice(
                    serial=serial,
                    enabled=raw.get("EnableDate"),
                    kind=mfa_kind(serial, virtual_serials),
                )
            )
    return tuple(sorted(devices, key=lambda d: d.serial))


def collect_user_keys(caller: Caller, user: str) -> tuple[AccessKey, ...]:
    """A user's access keys with when, where and for what each was last used"""
    dataset = DataSet.ACCESS_KEY_LAST_USED
    pages = caller.paginate("iam", "", "list_access_keys", dataset, UserName=user)
    keys = []
    for page in pages or ():
        for raw in page.get("AccessKeyMetadata", ()):
            used = (
                caller.call(
                    "iam", "", "get_access_key_last_used", dataset, AccessKeyId=raw["AccessKeyId"]
                )
                or {}
            )
            last = used.get("AccessKeyLastUsed", {})
            keys.append(
                AccessKey(
                    id=raw["AccessKeyId"],
                    is_active=raw.get("Status") == "Active",
                    created=raw.get("CreateDate"),
                    last_used=last.get("LastUsedDate"),
                    last_used_service=_text(last.get("ServiceName", "")),
                    last_used_region=_text(last.get("Region", "")),
                )
            )
    return tuple(sorted(keys, key=lambda k: k.id))


def start_service_last_accessed(caller: Caller, arn: str) -> str | None:
    """Start a service-last-accessed job for a user or role; its job id"""
    reply = caller.call(
        "iam", "", "generate_service_last_accessed_details", DataSet.SERVICE_LAST_ACCESSED, Arn=arn
    )
    return None if reply is None else str(reply["JobId"])


def fetch_service_last_accessed(
    caller: Caller, arn: str, job_id: str
) -> ServiceLastAccessed | str | None:
    """The finished job's details, `PENDING` while it runs, `None` on a gap"""
    dataset = DataSet.SERVICE_LAST_ACCESSED
    services: list[ServiceAccess] = []
    marker: dict[str, str] = {}
    while True:
        reply = caller.call(
            "iam", "", "get_service_last_accessed_details", dataset, JobId=job_id, **marker
        )
        if reply is None:
            return None
        status = reply.get("JobStatus")
        if status == "IN_PROGRESS":
            return PENDING
        if status == "FAILED":
            caller.record(
                dataset,
                reason=GapReason.SERVICE_ERROR,
                service="iam",
                call="GetServiceLastAccessedDetails",
                error_code="JobFailed",
            )
            return None
        services.extend(
            ServiceAccess(
                namespace=s["ServiceNamespace"],
                last_authenticated=s.get("LastAuthenticated"),
                last_authenticated_entity=s.get("LastAuthenticatedEntity", ""),
            )
            for s in reply.get("ServicesLastAccessed", ())
        )
        if not reply.get("IsTruncated"):
            break
        marker = {"Marker": reply["Marker"]}
    return ServiceLastAccessed(
        principal_arn=arn, services=tuple(sorted(services, key=lambda s: s.namespace))
    )
