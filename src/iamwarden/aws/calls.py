"""Every AWS call of live collection goes through `Caller`.

`Caller` bounds concurrency per service, counts calls and retries, reports progress and turns
a failed call into a `Gap` instead of an exception. It catches only botocore's client, HTTP and
response-parsing errors; anything else is a bug and propagates. It never prints.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.parsers import ResponseParserError

from iamwarden.errors import SnapshotFormatError
from iamwarden.snapshot.extras import JsonNode
from iamwarden.snapshot.model import DataSet, Gap

__all__ = [
    "DEFAULT_SERVICE_LIMITS",
    "CallStats",
    "Caller",
    "Clients",
    "GapReason",
    "Progress",
    "ProgressEvent",
    "ProgressKind",
    "error_code",
    "ignore_progress",
]

T = TypeVar("T")

DEFAULT_SERVICE_LIMITS: Mapping[str, int] = {"iam": 8, "organizations": 2, "sts": 2}
"""Concurrent calls allowed per service and account; other services get `default_limit`"""

_CLIENT_LOCK = threading.Lock()  # INVARIANT: boto3 sessions are not thread-safe

_TRANSPORT_ERRORS = (BotoConnectionError, HTTPClientError, ResponseParserError)
"""Unreachable endpoints, timeouts and unparseable answers (after botocore's retries)"""

_ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AuthorizationError",
        "AuthorizationErrorException",
        "UnauthorizedOperation",
        "UnauthorizedException",
        "Forbidden",
        "403",
    }
)
_REGION_UNAVAILABLE = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "AuthFailure",
        "OptInRequired",
        "SubscriptionRequiredException",
        "InvalidSignatureException",
    }
)
_THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestThrottled",
        "EC2ThrottledException",
    }
)


class GapReason(Enum):
    """Why a call recorded a gap"""

    ACCESS_DENIED = "access denied"
    REGION_UNAVAILABLE = "region unavailable"
    THROTTLED = "throttled after retries"
    DEPENDENCY = "depends on data that could not be read"
    ROLE_NOT_ASSUMED = "role could not be assumed"
    SERVICE_ERROR = "service error"
    UNREACHABLE = "endpoint unreachable"
    TIMED_OUT = "timed out"
    MALFORMED = "malformed answer"


class ProgressKind(Enum):
    """What a progress event reports"""

    ACCOUNT_STARTED = "account_started"
    PLANNED = "planned"
    TASK_FINISHED = "task_finished"
    CALL = "call"
    GAP = "gap"
    ACCOUNT_FINISHED = "account_finished"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressEvent:
    """One step of a collection: `PLANNED` announces `count` more tasks of `service`"""

    kind: ProgressKind
    account: str
    service: str = ""
    region: str = ""
    count: int = 1
    detail: str = ""


Progress = Callable[[ProgressEvent], None]
"""A progress sink; called from worker threads, so it must be thread-safe"""


def ignore_progress(event: ProgressEvent) -> None:
    """The default progress sink: drops every event"""


class CallStats:
    """Thread-safe counters of API calls, retries and gaps"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.retries = 0
        self.gaps = 0
        self.by_operation: dict[str, int] = {}

    def count(self, operation: str, retries: int) -> None:
        """Count one call (one page) and the retries it took"""
        with self._lock:
            self.calls += 1
            self.retries += retries
            self.by_operation[operation] = self.by_operation.get(operation, 0) + 1

    def count_gap(self) -> None:
        """Count one recorded gap"""
        with self._lock:
            self.gaps += 1


class Clients:
    """boto3 clients by (service, region), each made once under a lock"""

    def __init__(
        self, session: boto3.Session, config: Config, credentials: Mapping[str, str] | None = None
    ) -> None:
        self._session = session
        self._config = config
        self._credentials = dict(credentials or {})
        self._clients: dict[tuple[str, str], BaseClient] = {}

    def get(self, service: str, region: str) -> BaseClient:
        """The client of `service` in `region`"""
        key = (service, region)
        with _CLIENT_LOCK:
            client = self._clients.get(key)
            if client is None:
                client = self._session.client(
                    service, region_name=region, config=self._config, **self._credentials
                )
                self._clients[key] = client
            return client


def error_code(error: Exception) -> str:
    """AWS's error code of a `ClientError`; the exception's class name otherwise"""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return type(error).__name__


def _classify(error: Exception) -> tuple[GapReason, str]:
    if isinstance(error, ClientError):
        code = error_code(error)
        if code in _ACCESS_DENIED:
            return GapReason.ACCESS_DENIED, code
        if code in _REGION_UNAVAILABLE:
            return GapReason.REGION_UNAVAILABLE, code
        if code in _THROTTLED:
            return GapReason.THROTTLED, code
        return GapReason.SERVICE_ERROR, code
    if isinstance(error, HTTPClientError | BotoConnectionError):
        return GapReason.UNREACHABLE, error_code(error)
    return GapReason.SERVICE_ERROR, error_code(error)


Datasets = DataSet | tuple[DataSet, ...]


class _Limits:
    """One bounded semaphore per service, made on first use"""

    def __init__(self, service_limits: Mapping[str, int], default_limit: int) -> None:
        self._limits = dict(service_limits)
        self._default = default_limit
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}

    def of(self, service: str) -> threading.BoundedSemaphore:
        with self._lock:
            semaphore = self._semaphores.get(service)
            if semaphore is None:
                limit = self._limits.get(service, self._default)
                semaphore = threading.BoundedSemaphore(max(1, limit))
                self._semaphores[service] = semaphore
            return semaphore


class Caller:
    """Calls AWS for one account; failed calls become gaps, never exceptions"""

    def __init__(
        self,
        *,
        account: str,
        partition: str = "aws",
        clients: Clients,
        home_region: str,
        service_limits: Mapping[str, int],
        default_limit: int,
        progress: Progress = ignore_progress,
        stats: CallStats | None = None,
    ) -> None:
        self.account = account
        self.partition = partition
        self.home_region = home_region
        self.stats = stats or CallStats()
        self._clients = clients
        self._progress = progress
        self._limits = _Limits(service_limits, default_limit)
        self._lock = threading.Lock()
        self._gaps: list[Gap] = []

    def on_behalf_of(self, account: str) -> Caller:
        """A caller with these credentials, limits and counters whose gaps name `account`

        Org mode reads each member's organization path with the management account's
        credentials; what fails there belongs in the member's snapshot.
        """
        twin = Caller(
            account=account,
            partition=self.partition,
            clients=self._clients,
            home_region=self.home_region,
            service_limits={},
            default_limit=1,
            progress=self._progress,
            stats=self.stats,
        )
        twin._limits = self._limits  # INVARIANT: one set of limits per set of credentials
        return twin

    @property
    def gaps(self) -> tuple[Gap, ...]:
        """Every gap recorded so far, in a stable order"""
        with self._lock:
            gaps = list(self._gaps)
        return tuple(
            sorted(
                set(gaps),
                key=lambda g: (
                    g.dataset.value,
                    g.region,
                    g.service,
                    g.call,
                    g.error_code,
                    g.reason,
                ),
            )
        )

    def adopt(self, gaps: Iterable[Gap]) -> None:
        """Add gaps recorded elsewhere in this account's name (see `on_behalf_of`)"""
        with self._lock:
            self._gaps.extend(gaps)

    def record(
        self,
        datasets: Datasets,
        *,
        reason: GapReason,
        service: str,
        region: str = "",
        call: str = "",
        error_code: str = "",
        detail: str = "",
    ) -> None:
        """Record a gap in every data set named; `detail` is appended to the reason"""
        sets = datasets if isinstance(datasets, tuple) else (datasets,)
        text = f"{reason.value}: {detail}" if detail else reason.value
        with self._lock:
            for dataset in sets:
                self._gaps.append(
                    Gap(
                        dataset=dataset,
                        reason=text,
                        account=self.account,
                        region=region,
                        service=service,
                        call=call,
                        error_code=error_code,
                    )
                )
        self.stats.count_gap()
        self._progress(
            ProgressEvent(
                kind=ProgressKind.GAP,
                account=self.account,
                service=service,
                region=region,
                detail=f"{call}: {text} {error_code}",
            )
        )

    def parsed(
        self,
        parse: Callable[[JsonNode], T],
        value: Any,
        *,
        dataset: DataSet,
        service: str,
        call: str,
        region: str = "",
    ) -> T | None:
        """`parse` over an answer (read as the importer reads files); an answer it rejects
        is a MALFORMED gap and `None`"""
        try:
            return parse(JsonNode(value, at="$", path=call))
        except SnapshotFormatError as error:
            self.record(
                dataset,
                reason=GapReason.MALFORMED,
                service=service,
                region=region,
                call=call,
                detail=str(error),
            )
            return None

    def _client(self, service: str, region: str, operation: str) -> tuple[BaseClient, str]:
        """The client for `region` (`""`: the home region) and the operation's API name"""
        client = self._clients.get(service, region or self.home_region)
        return client, str(client.meta.method_to_api_mapping.get(operation, operation))

    def _counted(self, service: str, region: str, reply: Mapping[str, Any], api: str) -> None:
        retries = int(reply.get("ResponseMetadata", {}).get("RetryAttempts", 0))
        self.stats.count(f"{service}:{api}", retries)
        self._progress(
            ProgressEvent(
                kind=ProgressKind.CALL, account=self.account, service=service, region=region
            )
        )

    def _failed(
        self,
        error: ClientError | BotoConnectionError | HTTPClientError | ResponseParserError,
        absent: Iterable[str],
        datasets: Datasets,
        service: str,
        region: str,
        api: str,
    ) -> bool:
        """Count a failed call and record its gap; `True` when its code means absent"""
        if isinstance(error, ClientError):
            self._counted(service, region, error.response, api)
            if error_code(error) in frozenset(absent):
                return True
        reason, code = _classify(error)
        self.record(
            datasets, reason=reason, service=service, region=region, call=api, error_code=code
        )
        return False

    def call(
        self,
        service: str,
        region: str,
        operation: str,
        datasets: Datasets,
        *,
        absent: Iterable[str] = (),
        **params: Any,
    ) -> dict[str, Any] | None:
        """Call one operation (snake_case name); `{}` for an `absent` error code, `None` on a gap

        `region=""` means a global service, called in the home region.
        """
        client, api = self._client(service, region, operation)
        try:
            with self._limits.of(service):
                reply: dict[str, Any] = getattr(client, operation)(**params)
        except (ClientError, *_TRANSPORT_ERRORS) as error:
            is_absent = self._failed(error, absent, datasets, service, region, api)
            return {} if is_absent else None
        self._counted(service, region, reply, api)
        return reply

    def paginate(
        self,
        service: str,
        region: str,
        operation: str,
        datasets: Datasets,
        *,
        absent: Iterable[str] = (),
        **params: Any,
    ) -> list[dict[str, Any]] | None:
        """Every page of a paginated operation; `[]` for an `absent` error code, `None` on a gap"""
        client, api = self._client(service, region, operation)
        pages: list[dict[str, Any]] = []
        iterator = iter(client.get_paginator(operation).paginate(**params))
        semaphore = self._limits.of(service)
        while True:
            try:
                with semaphore:
                    page = next(iterator, None)
            except (ClientError, *_TRANSPORT_ERRORS) as error:
                is_absent = self._failed(error, absent, datasets, service, region, api)
                return [] if is_absent else None
            if page is None:
                return pages
            self._counted(service, region, page, api)
            pages.append(page)
