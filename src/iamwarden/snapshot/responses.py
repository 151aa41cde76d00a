"""AWS API responses as model objects, shared by the export importer and live collection.

Each function reads one response shape through a `JsonNode`, so that a malformed value is a
located `SnapshotFormatError` whether it came from a file or from boto3.
"""

from __future__ import annotations

from iamwarden.policy.arn import try_parse_arn
from iamwarden.snapshot.extras import JsonNode
from iamwarden.snapshot.model import (
    MfaKind,
    PasswordPolicy,
    PublicAccessBlock,
    ServerCertificate,
    VirtualMfaDevice,
)

__all__ = [
    "bucket_region",
    "mfa_kind",
    "parse_password_policy",
    "parse_public_access_block",
    "parse_server_certificate",
    "parse_virtual_mfa_device",
]


def parse_password_policy(node: JsonNode) -> PasswordPolicy:
    """`GetAccountPasswordPolicy`'s `PasswordPolicy` object"""
    max_age = node.opt("MaxPasswordAge")
    reuse = node.opt("PasswordReusePrevention")
    return PasswordPolicy(
        minimum_length=node.int_of("MinimumPasswordLength", 8),
        require_symbols=node.flag_of("RequireSymbols"),
        require_numbers=node.flag_of("RequireNumbers"),
        require_uppercase=node.flag_of("RequireUppercaseCharacters"),
        require_lowercase=node.flag_of("RequireLowercaseCharacters"),
        allow_users_to_change=node.flag_of("AllowUsersToChangePassword"),
        expire_passwords=node.flag_of("ExpirePasswords"),
        max_age_days=None if max_age is None else max_age.integer(),
        reuse_prevention=None if reuse is None else reuse.integer(),
        hard_expiry=node.flag_of("HardExpiry"),
    )


def parse_public_access_block(node: JsonNode) -> PublicAccessBlock:
    """A `PublicAccessBlockConfiguration` object (bucket or account level)"""
    return PublicAccessBlock(
        block_public_acls=node.flag_of("BlockPublicAcls"),
        ignore_public_acls=node.flag_of("IgnorePublicAcls"),
        block_public_policy=node.flag_of("BlockPublicPolicy"),
        restrict_public_buckets=node.flag_of("RestrictPublicBuckets"),
    )


def parse_virtual_mfa_device(node: JsonNode) -> VirtualMfaDevice:
    """One entry of `ListVirtualMFADevices`"""
    user = node.opt("User")
    return VirtualMfaDevice(
        serial=node.key("SerialNumber").text(),
        user_arn=None if user is None else user.key("Arn").text(),
        enabled=node.when_of("EnableDate"),
    )


def parse_server_certificate(node: JsonNode) -> ServerCertificate:
    """One entry of `ListServerCertificates`"""
    return ServerCertificate(
        name=node.key("ServerCertificateName").text(),
        arn=node.key("Arn").text(),
        expiration=node.when_of("Expiration"),
    )


def mfa_kind(serial: str, virtual_serials: frozenset[str] = frozenset()) -> MfaKind:
    """Virtual when listed as a virtual device or when the serial is an `mfa/` ARN (a
    virtual device's serial is its ARN), else hardware"""
    arn = try_parse_arn(serial)
    is_virtual = serial in virtual_serials or (arn is not None and arn.resource_type == "mfa")
    return MfaKind.VIRTUAL if is_virtual else MfaKind.HARDWARE


def bucket_region(location_constraint: str) -> str:
    """The region `GetBucketLocation`'s constraint names (none is us-east-1, `EU` eu-west-1)"""
    if not location_constraint:
        return "us-east-1"
    return "eu-west-1" if location_constraint == "EU" else location_constraint
