"""Collect one account, or every account of an Organization, into snapshots.

Calls run on a bounded thread pool per account (`CollectOptions.max_workers`; 1 is sequential)
with per-service limits in `Caller`; accounts of an organization run `max_accounts` at a time.
A failed call, region or account becomes a `Gap`; a data set with a gap is not `collected`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from iamwarden.aws import iam
from iamwarden.aws.calls import (
    Caller,
    Clients,
    GapReason,
    Progress,
    ProgressEvent,
    ProgressKind,
    error_code,
    ignore_progress,
)
from iamwarden.aws.organizations import MemberAccount, OrganizationView, OrgReader
from iamwarden.aws.regional import (
    REGIONAL_COLLECTORS,
    RegionalPart,
    collect_account_public_access_block,
    collect_buckets,
)
from iamwarden.aws.session import (
    AccountAccess,
    CollectOptions,
    assume_role,
    botocore_config,
    sts_client,
)
from iamwarden.errors import CollectionError, SnapshotFormatError
from iamwarden.fileio import write_atomically
from iamwarden.snapshot.cloudmapper import AuthorizationDetails
from iamwarden.snapshot.extras import load_json
from iamwarden.snapshot.jsonform import dump_snapshot
from iamwarden.snapshot.model import (
    AccessKey,
    Account,
    CredentialReport,
    DataSet,
    Gap,
    MfaDevice,
    ServiceLastAccessed,
    Snapshot,
    User,
)
from iamwarden.snapshot.policies import with_policy_gaps

__all__ = [
    "INDEX_NAME",
    "Collection",
    "CollectionStats",
    "IndexedAccount",
    "OrganizationIndex",
    "collect_account",
    "collect_organization",
    "read_organization_index",
]

INDEX_NAME = "organization.json"
INDEX_VERSION = 1
SOURCE = "aws"
_REGIONAL = frozenset({DataSet.RESOURCE_POLICIES, DataSet.COMPUTE, DataSet.ACCESS_ANALYZER})
_PER_PRINCIPAL = (
    DataSet.VIRTUAL_MFA_DEVICES,
    DataSet.ACCESS_KEY_LAST_USED,
    DataSet.SERVICE_LAST_ACCESSED,
)
T = TypeVar("T")
DEFAULT_OPTIONS = CollectOptions()


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectionStats:
    """How a collection went: API calls (pages), retries taken, gaps, wall time"""

    calls: int
    retries: int
    gaps: int
    seconds: float
    operations: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Collection:
    """A collected snapshot with its statistics"""

    snapshot: Snapshot
    stats: CollectionStats


class _Tasks:
    """Submits tasks to the pool and reports them as progress"""

    def __init__(self, pool: ThreadPoolExecutor, account: str, progress: Progress) -> None:
        self._pool = pool
        self._account = account
        self._progress = progress

    def submit(
        self, service: str, function: Callable[..., T], *args: Any, region: str = "", **kwargs: Any
    ) -> Future[T]:
        self._progress(
            ProgressEvent(
                kind=ProgressKind.PLANNED, account=self._account, service=service, region=region
            )
        )
        future = self._pool.submit(function, *args, **kwargs)
        future.add_done_callback(
            lambda _: self._progress(
                ProgressEvent(
                    kind=ProgressKind.TASK_FINISHED,
                    account=self._account,
                    service=service,
                    region=region,
                )
            )
        )
        return future


def _open_caller(access: AccountAccess, options: CollectOptions, progress: Progress) -> Caller:
    """A caller for the account `access` reaches, identified by `GetCallerIdentity`"""
    clients = Clients(access.session, botocore_config(options), access.credentials)
    try:
        reply = clients.get("sts", options.home_region).get_caller_identity()
    except (ClientError, BotoCoreError) as error:
        raise CollectionError(f"cannot identify the account: {error}") from None
    return Caller(
        account=str(reply["Account"]),
        partition=str(reply["Arn"]).split(":")[1],
        clients=clients,
        home_region=options.home_region,
        service_limits=options.service_limits,
        default_limit=options.default_limit,
        progress=progress,
    )


def _regions(caller: Caller, options: CollectOptions) -> tuple[str, ...]:
    if options.regions:
        return tuple(sorted(set(options.regions)))
    reply = caller.call(
        "ec2",
        options.home_region,
        "describe_regions",
        tuple(sorted(_REGIONAL & options.datasets, key=lambda d: d.value)),
    )
    if reply is None:
        return (options.home_region,)
    return tuple(
        sorted(
            r["RegionName"]
            for r in reply.get("Regions", ())
            if r.get("OptInStatus") != "not-opted-in"
        )
    )


def _service_last_accessed(
    caller: Caller,
    tasks: _Tasks,
    arns: Iterable[str],
    options: CollectOptions,
    sleep: Callable[[float], None],
) -> tuple[ServiceLastAccessed, ...]:
    started = {
        arn: tasks.submit("iam", iam.start_service_last_accessed, caller, arn) for arn in arns
    }
    pending = {arn: job for arn, f in started.items() if (job := f.result()) is not None}
    done: list[ServiceLastAccessed] = []
    deadline = time.monotonic() + options.poll_timeout
    while pending:
        fetched = {
            arn: tasks.submit("iam", iam.fetch_service_last_accessed, caller, arn, job)
            for arn, job in pending.items()
        }
        for arn, future in fetched.items():
            result = future.result()
            if isinstance(result, ServiceLastAccessed):
                done.append(result)
            if result != iam.PENDING:
                del pending[arn]
        if pending and time.monotonic() >= deadline:
            caller.record(
                DataSet.SERVICE_LAST_ACCESSED,
                reason=GapReason.TIMED_OUT,
                service="iam",
                call="GetServiceLastAccessedDetails",
            )
            break
        if pending:
            sleep(options.poll_interval)
    return tuple(sorted(done, key=lambda s: s.principal_arn))


def _with_details(
    users: Iterable[User],
    mfa: Mapping[str, Future[tuple[MfaDevice, ...]]],
    keys: Mapping[str, Future[tuple[AccessKey, ...]]],
    report: CredentialReport | None,
) -> tuple[User, ...]:
    result = []
    for user in users:
        changes: dict[str, Any] = {}
        if user.name in mfa:
            changes["mfa_devices"] = mfa[user.name].result()
        if user.name in keys:
            changes["access_keys"] = keys[user.name].result()
        row = report.row(user.name) if report is not None else None
        if row is not None:
            changes["has_console_password"] = row.password_enabled
            changes["password_last_used"] = row.password_last_used
        result.append(replace(user, **changes))
    return tuple(result)


def collect_account(
    access: AccountAccess,
    *,
    options: CollectOptions = DEFAULT_OPTIONS,
    progress: Progress = ignore_progress,
    organization: OrganizationView | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Collection:
    """Collect one account

    `organization`, when another account read it already (org mode), is used as is, its gaps
    included; otherwise the account reads its own.

    Raises `CollectionError` only when the account cannot be identified at all.
    """
    began = time.monotonic()
    caller = _open_caller(access, options, progress)
    account_id, partition, stats = caller.account, caller.partition, caller.stats
    if organization is not None:
        caller.adopt(organization.gaps)
    progress(ProgressEvent(kind=ProgressKind.ACCOUNT_STARTED, account=account_id))
    wanted = options.datasets
    none: Future[Any] = Future()
    none.set_result(None)

    def want(
        dataset: DataSet, service: str, function: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Future[Any]:
        return tasks.submit(service, function, *args, **kwargs) if dataset in wanted else none

    with ThreadPoolExecutor(options.max_workers, thread_name_prefix="iamwarden") as pool:
        tasks = _Tasks(pool, account_id, progress)
        details = want(
            DataSet.AUTHORIZATION_DETAILS, "iam", iam.collect_authorization_details, caller
        )
        report = want(
            DataSet.CREDENTIAL_REPORT,
            "iam",
            iam.collect_credential_report,
            caller,
            poll_interval=options.poll_interval,
            poll_timeout=options.poll_timeout,
            sleep=sleep,
        )
        password = want(DataSet.PASSWORD_POLICY, "iam", iam.collect_password_policy, caller)
        summary = want(DataSet.ACCOUNT_SUMMARY, "iam", iam.collect_account_summary, caller)
        alias = want(DataSet.ACCOUNT_SUMMARY, "iam", iam.collect_account_alias, caller)
        virtual = want(DataSet.VIRTUAL_MFA_DEVICES, "iam", iam.collect_virtual_mfa_devices, caller)
        certificates = want(
            DataSet.SERVER_CERTIFICATES, "iam", iam.collect_server_certificates, caller
        )
        org = none
        if organization is None:
            org = want(
                DataSet.ORGANIZATION, "organizations", OrgReader(caller).organization, account_id
            )
        regions = _regions(caller, options) if wanted & _REGIONAL else ()
        buckets = want(DataSet.RESOURCE_POLICIES, "s3", collect_buckets, caller, regions)
        account_block = want(
            DataSet.RESOURCE_POLICIES, "s3", collect_account_public_access_block, caller
        )
        regional: list[Future[RegionalPart]] = [
            tasks.submit(service, collector, caller, region, region=region)
            for region in regions
            for service, (feeds, collector) in REGIONAL_COLLECTORS.items()
            if feeds & wanted
        ]

        authorization: AuthorizationDetails | None = details.result()
        if authorization is None and DataSet.AUTHORIZATION_DETAILS in wanted:  # its gap is recorded
            for dataset in _PER_PRINCIPAL:
                if dataset in wanted:
                    caller.record(
                        dataset,
                        reason=GapReason.DEPENDENCY,
                        service="iam",
                        call="GetAccountAuthorizationDetails",
                    )
        found = authorization or AuthorizationDetails()
        serials = frozenset(d.serial for d in virtual.result() or ())
        mfa = (
            {
                u.name: tasks.submit("iam", iam.collect_user_mfa, caller, u.name, serials)
                for u in found.users
            }
            if DataSet.VIRTUAL_MFA_DEVICES in wanted
            else {}
        )
        keys = (
            {
                u.name: tasks.submit("iam", iam.collect_user_keys, caller, u.name)
                for u in found.users
            }
            if DataSet.ACCESS_KEY_LAST_USED in wanted
            else {}
        )
        last_accessed: tuple[ServiceLastAccessed, ...] = ()
        if DataSet.SERVICE_LAST_ACCESSED in wanted:
            arns = [u.arn for u in found.users] + [r.arn for r in found.roles]
            last_accessed = _service_last_accessed(caller, tasks, arns, options, sleep)
        credential_report = report.result()
        users = _with_details(found.users, mfa, keys, credential_report)
        parts = [f.result() for f in regional]

    gaps = caller.gaps
    snapshot = Snapshot(
        account=Account(id=account_id, alias=alias.result() or "", partition=partition),
        source=SOURCE,
        collected_at=datetime.now(UTC),
        collected=frozenset(wanted - {g.dataset for g in gaps}),
        gaps=gaps,
        regions=regions,
        users=users,
        groups=found.groups,
        roles=found.roles,
        policies=found.policies,
        instance_profiles=found.instance_profiles,
        credential_report=credential_report,
        password_policy=password.result(),
        account_summary=summary.result() or {},
        virtual_mfa_devices=virtual.result() or (),
        resource_policies=tuple(
            sorted(
                (*(buckets.result() or ()), *(p for part in parts for p in part.resource_policies)),
                key=lambda p: p.arn,
            )
        ),
        account_public_access_block=account_block.result(),
        organization=org.result() if organization is None else organization.organization,
        compute=tuple(sorted((c for part in parts for c in part.compute), key=lambda c: c.arn)),
        server_certificates=certificates.result() or (),
        access_analyzers=tuple(
            sorted((a for part in parts for a in part.analyzers), key=lambda a: a.arn)
        ),
        service_last_accessed=last_accessed,
    )
    snapshot = with_policy_gaps(snapshot)
    gaps = snapshot.gaps
    progress(ProgressEvent(kind=ProgressKind.ACCOUNT_FINISHED, account=account_id, count=len(gaps)))
    return Collection(
        snapshot=snapshot,
        stats=CollectionStats(
            calls=stats.calls,
            retries=stats.retries,
            gaps=len(gaps),
            seconds=time.monotonic() - began,
            operations=dict(sorted(stats.by_operation.items())),
        ),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexedAccount:
    """One account of an organization collection and where its snapshot is"""

    id: str
    name: str
    snapshot: Path
    gaps: int = 0
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationIndex:
    """The accounts of one organization collection (one snapshot each)"""

    organization_id: str
    management_account_id: str
    accounts: tuple[IndexedAccount, ...]
    collected_at: datetime | None = None


def _unassumed(
    account: MemberAccount, partition: str, datasets: frozenset[DataSet], error: Exception
) -> Snapshot:
    code = error_code(error)
    gaps = tuple(
        Gap(
            dataset=d,
            reason=GapReason.ROLE_NOT_ASSUMED.value,
            account=account.id,
            service="sts",
            call="AssumeRole",
            error_code=code,
        )
        for d in sorted(datasets, key=lambda d: d.value)
    )
    return Snapshot(
        account=Account(id=account.id, alias=account.name, partition=partition),
        source=SOURCE,
        collected_at=datetime.now(UTC),
        gaps=gaps,
    )


def collect_organization(
    access: AccountAccess,
    *,
    role_name: str,
    out_dir: str | Path,
    external_id: str | None = None,
    options: CollectOptions = DEFAULT_OPTIONS,
    progress: Progress = ignore_progress,
    sleep: Callable[[float], None] = time.sleep,
) -> OrganizationIndex:
    """Collect every active account of the organization that `access` manages

    Assumes `role_name` in each member account (the management account is collected with
    `access` itself), writes `<account id>.json` per account and `organization.json` into
    `out_dir`, and returns the index. An account whose role cannot be assumed gets a snapshot
    with nothing collected and one gap per data set.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    caller = _open_caller(access, options, progress)
    management_id, partition = caller.account, caller.partition
    reader = OrgReader(caller)
    try:
        described = reader.describe()
    except LookupError:
        described = None
    accounts = reader.accounts() if described is not None else None
    if described is None or accounts is None:
        reasons = "; ".join(f"{g.call}: {g.reason} {g.error_code}".strip() for g in caller.gaps)
        raise CollectionError(
            "cannot list the organization's accounts" + (f": {reasons}" if reasons else "")
        )
    org_id, _ = described
    sts = sts_client(access, options.home_region)  # INVARIANT: made before the threads start

    def one(account: MemberAccount) -> IndexedAccount:
        path = out / f"{account.id}.json"
        organization = (
            reader.view(account.id)
            if DataSet.ORGANIZATION in options.datasets
            else OrganizationView(organization=None)
        )
        error = ""
        try:
            member = (
                access
                if account.id == management_id
                else assume_role(
                    access,
                    f"arn:{partition}:iam::{account.id}:role/{role_name}",
                    external_id=external_id,
                    sts=sts,
                )
            )
            snapshot = collect_account(
                member, options=options, progress=progress, organization=organization, sleep=sleep
            ).snapshot
        except (ClientError, BotoCoreError) as failure:
            snapshot = _unassumed(account, partition, options.datasets, failure)
            error = f"cannot assume `{role_name}`: {failure}"
        except CollectionError as failure:
            snapshot = _unassumed(account, partition, options.datasets, failure)
            error = str(failure)
        dump_snapshot(snapshot, path)
        return IndexedAccount(
            id=account.id, name=account.name, snapshot=path, gaps=len(snapshot.gaps), error=error
        )

    with ThreadPoolExecutor(options.max_accounts, thread_name_prefix="iamwarden-acct") as pool:
        indexed = tuple(pool.map(one, accounts))
    index = OrganizationIndex(
        organization_id=org_id,
        management_account_id=management_id,
        accounts=indexed,
        collected_at=datetime.now(UTC),
    )
    _write_index(index, out / INDEX_NAME)
    return index


def _write_index(index: OrganizationIndex, path: Path) -> None:
    data = {
        "schema_version": INDEX_VERSION,
        "organization_id": index.organization_id,
        "management_account_id": index.management_account_id,
        "collected_at": index.collected_at.isoformat() if index.collected_at else None,
        "accounts": [
            {
                "id": a.id,
                "name": a.name,
                "snapshot": a.snapshot.name,
                "gaps": a.gaps,
                "error": a.error,
            }
            for a in index.accounts
        ],
    }
    write_atomically(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


def read_organization_index(path: str | Path) -> OrganizationIndex:
    """Read `organization.json` (or the directory holding it); snapshot paths become absolute

    Raises:
        SnapshotFormatError: not an index, a malformed entry, or an account id listed twice
            (each account is assessed and stored once, under its own id).
    """
    path = Path(path)
    if path.is_dir():
        path = path / INDEX_NAME
    root = load_json(path)
    if not isinstance(root.value, dict) or root.value.get("schema_version") != INDEX_VERSION:
        raise SnapshotFormatError(
            "not an iamwarden organization index", path=str(path), location="$.schema_version"
        )
    try:
        index = OrganizationIndex(
            organization_id=root.key("organization_id").text(),
            management_account_id=root.key("management_account_id").text(),
            accounts=tuple(
                IndexedAccount(
                    id=a.key("id").text(),
                    name=a.str_of("name"),
                    snapshot=path.parent / a.key("snapshot").text(),
                    gaps=a.int_of("gaps", 0),
                    error=a.str_of("error"),
                )
                for a in root.items("accounts")
            ),
            collected_at=root.when_of("collected_at"),
        )
    except SnapshotFormatError as error:
        raise SnapshotFormatError(
            f"malformed index: {error.problem}", path=str(path), location=error.location
        ) from None
    first: dict[str, int] = {}
    for position, account in enumerate(index.accounts):
        if account.id in first:
            raise SnapshotFormatError(
                f"account id `{account.id}` is listed twice (first at "
                f"$.accounts[{first[account.id]}])",
                path=str(path),
                location=f"$.accounts[{position}].id",
            )
        first[account.id] = position
    return index
