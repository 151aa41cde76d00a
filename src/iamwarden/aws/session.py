"""Sessions and options of live collection.

Credentials come from boto3's default chain (or a named profile), optionally followed by an
assumed role. Nothing here reads the environment itself; boto3 does, as it always does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from iamwarden.aws.calls import DEFAULT_SERVICE_LIMITS
from iamwarden.errors import CollectionError
from iamwarden.snapshot.model import DataSet

__all__ = [
    "AccountAccess",
    "AwsTarget",
    "CollectOptions",
    "assume_role",
    "botocore_config",
    "open_access",
    "sts_client",
]

SESSION_NAME = "iamwarden"


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsTarget:
    """Where credentials come from: a profile (or the default chain) and an optional role"""

    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectOptions:
    """How to collect: which regions and data sets, how parallel, how patient

    `regions=()` collects every region enabled in the account. `max_workers=1` is sequential.
    """

    regions: tuple[str, ...] = ()
    home_region: str = "us-east-1"
    datasets: frozenset[DataSet] = frozenset(DataSet)
    max_workers: int = 16
    max_accounts: int = 4
    service_limits: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_SERVICE_LIMITS))
    default_limit: int = 8
    max_attempts: int = 10
    poll_interval: float = 1.0
    poll_timeout: float = 300.0

    def __post_init__(self) -> None:
        if self.max_workers < 1 or self.max_accounts < 1:
            raise ValueError("max_workers and max_accounts must be at least 1")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


def botocore_config(options: CollectOptions) -> Config:
    """Adaptive retries (jittered exponential back-off plus client-side rate limiting)"""
    return Config(
        retries={"mode": "adaptive", "max_attempts": options.max_attempts},
        max_pool_connections=max(10, options.max_workers),
        user_agent_extra="iamwarden",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountAccess:
    """A boto3 session and, for an assumed role, the temporary credentials to use with it

    Clients are made from `session` (so its event hooks apply) with `credentials` if given.
    """

    session: boto3.Session
    credentials: Mapping[str, str] = field(default_factory=dict)


def sts_client(access: AccountAccess, region: str = "us-east-1") -> BaseClient:
    """An STS client of `access`, to assume many roles with (`assume_role(..., sts=...)`)"""
    return access.session.client("sts", region_name=region, **access.credentials)


def assume_role(
    access: AccountAccess,
    role_arn: str,
    *,
    external_id: str | None = None,
    region: str = "us-east-1",
    sts: BaseClient | None = None,
) -> AccountAccess:
    """Access through the temporary credentials of `role_arn`

    `sts` is a client made with `sts_client(access)`; without it one is made for this call.
    Pass one when assuming roles from several threads: boto3 sessions are not thread-safe.

    Raises `ClientError` when the role cannot be assumed; callers decide whether that is fatal.
    """
    params = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
    if external_id:
        params["ExternalId"] = external_id
    sts = sts or sts_client(access, region)
    credentials = sts.assume_role(**params)["Credentials"]
    return AccountAccess(
        session=access.session,
        credentials={
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        },
    )


def open_access(target: AwsTarget, *, home_region: str = "us-east-1") -> AccountAccess:
    """Access for `target`; raises `CollectionError` when it cannot be had"""
    try:
        access = AccountAccess(
            session=boto3.Session(profile_name=target.profile, region_name=target.region)
        )
    except BotoCoreError as error:
        raise CollectionError(f"cannot open a session: {error}") from None
    if target.role_arn:
        try:
            access = assume_role(
                access,
                target.role_arn,
                external_id=target.external_id,
                region=target.region or home_region,
            )
        except (ClientError, BotoCoreError) as error:
            raise CollectionError(f"cannot assume `{target.role_arn}`: {error}") from None
    return access
