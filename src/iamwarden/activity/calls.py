"""The recorded calls of a principal, as distinct requests mapped to IAM actions, and the
events no action could be found for

A call is successful when its record has no errorCode. Calls alike (same source, name,
region, account, resources and the request parameters the mapping reads) are one request
with a count and the time of the last. The window ends at the store's latest event, so
answers do not depend on the day they are asked.

This module queries the store and maps; it decides nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from iamwarden.activity.mapping import EventMapper, EventMapping
from iamwarden.activity.store import ActivityStore
from iamwarden.policy import try_parse_arn

__all__ = [
    "RecordedCall",
    "UnmappedEvent",
    "calls_by_principal",
    "recorded_calls",
    "unmapped_events",
    "unmapped_of",
    "window",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedCall:
    """One distinct successful request of a principal: how often, when last (UTC), and the
    actions it needed"""

    event_source: str
    event_name: str
    region: str
    account: str
    count: int
    last_seen: datetime
    mapping: EventMapping


@dataclass(frozen=True, slots=True, kw_only=True)
class UnmappedEvent:
    """An event name no action was found for, with how many events had it and why"""

    event_source: str
    event_name: str
    count: int
    problem: str


def window(store: ActivityStore, days: int | None) -> tuple[datetime | None, datetime | None]:
    """(since, until) of the last `days` days of the store's history, ending just after its
    latest event; (None, None) for the whole history or an empty store, and for more days
    than a date can count back (`--days 1000000`: the whole history, not an overflow)"""
    if days is None:
        return None, None
    row = store.connection.execute("SELECT max(event_time) FROM events").fetchone()
    latest = row[0] if row else None
    if latest is None:
        return None, None
    until = latest + timedelta(microseconds=1)
    try:
        return until - timedelta(days=days), until
    except OverflowError:
        return None, None


def _json(text: str | None) -> Any:
    return json.loads(text) if text else None


_CALLS_SQL = """
WITH needs AS (SELECT unnest($needs, recursive := true))
SELECT principal_arn, e.event_source, e.event_name, coalesce(aws_region, ''),
       coalesce(recipient_account_id, identity_account_id, ''),
       CASE WHEN len(needs.keys) > 0 THEN to_json(map_from_entries(list_filter(
           map_entries(json_transform(request_parameters, '"MAP(VARCHAR, JSON)"')),
           lambda p: list_contains(needs.keys, lower(p.key))))) END,
       resources, count(*), max(event_time)
FROM events e JOIN needs ON e.event_source = needs.source AND e.event_name = needs.name
WHERE e.error_code IS NULL AND e.principal_arn IS NOT NULL
  AND ($principals IS NULL OR list_contains($principals, e.principal_arn))
  AND ($since IS NULL OR e.event_time >= $since)
  AND ($until IS NULL OR e.event_time < $until)
GROUP BY ALL
"""


def calls_by_principal(
    store: ActivityStore,
    mapper: EventMapper,
    *,
    principals: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, tuple[RecordedCall, ...]]:
    """The distinct successful calls of every principal (or of `principals`) in
    [since, until), mapped, each principal's sorted; principals without calls are absent

    One query groups the events of all principals: calls alike in source, name, region,
    account, resources and the request parameters the mapping reads
    (`EventMapper.parameter_names`) are one call, so parameters no ARN template names (a
    DynamoDB item's key) do not multiply the calls to map. Each distinct call is mapped once
    for all the principals that made it.
    """
    con = store.connection
    pairs = con.execute(
        "SELECT DISTINCT event_source, event_name FROM events "
        "WHERE error_code IS NULL AND event_source IS NOT NULL AND event_name IS NOT NULL"
    ).fetchall()
    needs = [
        {"source": source, "name": name, "keys": sorted(mapper.parameter_names(source, name))}
        for source, name in pairs
    ]
    if not needs:
        return {}
    rows = con.execute(
        _CALLS_SQL,
        {
            "needs": needs,
            "principals": list(principals) if principals is not None else None,
            "since": since,
            "until": until,
        },
    ).fetchall()
    # JSON columns arrive as text; sorting here is cheaper than in SQL (and as stable)
    rows.sort(key=lambda row: tuple("" if v is None else str(v) for v in row[:7]))
    mapped: dict[tuple[str, ...], EventMapping] = {}
    found: dict[str, list[RecordedCall]] = {}
    for principal, source, name, region, account, params, resources, count, last in rows:
        parsed = try_parse_arn(principal)
        partition = parsed.partition if parsed else "aws"
        key = (source, name, region, account, params or "", resources or "", partition)
        mapping = mapped.get(key)
        if mapping is None:
            parameters = _json(params)
            record_resources = _json(resources)
            mapping = mapped[key] = mapper.map_event(
                event_source=source,
                event_name=name,
                parameters=parameters if isinstance(parameters, dict) else {},
                resources=record_resources if isinstance(record_resources, list) else (),
                region=region,
                account=account,
                partition=partition,
            )
        found.setdefault(principal, []).append(
            RecordedCall(
                event_source=source,
                event_name=name,
                region=region,
                account=account,
                count=count,
                last_seen=last,
                mapping=mapping,
            )
        )
    return {principal: tuple(calls) for principal, calls in found.items()}


def recorded_calls(
    store: ActivityStore,
    principal_arn: str,
    mapper: EventMapper,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[RecordedCall, ...]:
    """The distinct successful calls of `principal_arn` (a role, user, root or federated
    user ARN as `activity.principals` attributes them) in [since, until), mapped, sorted
    (see `calls_by_principal`)"""
    return calls_by_principal(
        store, mapper, principals=[principal_arn], since=since, until=until
    ).get(principal_arn, ())


def unmapped_events(
    store: ActivityStore, mapper: EventMapper, *, principal_arn: str | None = None
) -> tuple[UnmappedEvent, ...]:
    """Every (eventSource, eventName) no action was found for, most events first"""
    rows = store.connection.execute(
        """
        SELECT event_source, event_name, count(*) FROM events
        WHERE $principal IS NULL OR principal_arn = $principal
        GROUP BY ALL ORDER BY count(*) DESC, event_source, event_name
        """,
        {"principal": principal_arn},
    ).fetchall()
    found = []
    for source, name, count in rows:
        mapping = mapper.map_event(event_source=source, event_name=name)
        if not mapping.is_mapped:
            found.append(
                UnmappedEvent(
                    event_source=source, event_name=name, count=count, problem=mapping.problem
                )
            )
    return tuple(found)


def unmapped_of(calls: Sequence[RecordedCall]) -> tuple[UnmappedEvent, ...]:
    """The calls among `calls` no action was found for, grouped by source and name"""
    counts: dict[tuple[str, str, str], int] = {}
    for call in calls:
        if not call.mapping.is_mapped:
            key = (call.event_source, call.event_name, call.mapping.problem)
            counts[key] = counts.get(key, 0) + call.count
    return tuple(
        UnmappedEvent(event_source=s, event_name=n, count=c, problem=p)
        for (s, n, p), c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
