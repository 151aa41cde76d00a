"""The recorded calls of a principal, as distinct requests mapped to IAM actions, and the
events no action could be found for

A call is successful when its record has no errorCode. Calls alike (same source, name,
region, account, resources and the request parameters the mapping reads) are one request
with a count, the time of the last and, when asked, where its calls came from
(`activity.origins`). The window ends at the latest event, so answers do not depend on the
day they are asked.

The calls query is written once (DuckDB's dialect) and runs wherever the events are: the
store, Spark or Athena (`activity.dialect`, `calls_on`). This module queries and maps; it
decides nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlglot import exp

from iamwarden.activity.dialect import EventTable, run_sql
from iamwarden.activity.mapping import EventMapper, EventMapping
from iamwarden.activity.origins import CallOrigin
from iamwarden.activity.store import ActivityStore
from iamwarden.policy import try_parse_arn

__all__ = [
    "EventSurvey",
    "RecordedCall",
    "UnmappedEvent",
    "calls_by_principal",
    "calls_on",
    "recorded_calls",
    "survey",
    "unmapped_events",
    "unmapped_of",
    "window",
    "window_ending",
    "window_filter",
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
    origins: tuple[CallOrigin, ...] = ()
    """where the calls came from, sorted (none when not asked: `calls_on`'s `with_origins`)"""


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
    return window_ending(row[0] if row else None, days)


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # beyond orjson (an integer of more than 64 bits)
        try:
            return json.loads(text)
        except ValueError:
            return None


def _canonical(value: Any) -> str:
    """JSON text equal for equal values (keys sorted)"""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(value, sort_keys=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventSurvey:
    """What one pass over the events finds: the (eventSource, eventName) pairs with a
    successful call, and the latest event's time (UTC; None for no event)"""

    succeeded: tuple[tuple[str, str], ...]
    latest: datetime | None


_SURVEY_SQL = """
SELECT event_source, event_name, max(CASE WHEN error_code IS NULL THEN 1 ELSE 0 END),
       max(event_time)
FROM events
GROUP BY event_source, event_name
"""


def survey(events: EventTable) -> EventSurvey:
    """The event pairs with a successful call and the latest event, in one query wherever
    the events are (`activity.dialect`)

    Raises:
        InputError: the Athena query failed.
    """
    rows = run_sql(events, _SURVEY_SQL, ("text", "text", "int", "time"))
    times = [row[3] for row in rows if row[3] is not None]
    return EventSurvey(
        succeeded=tuple(sorted((s, n) for s, n, ok, _ in rows if ok and s and n)),
        latest=max(times) if times else None,
    )


def window_ending(
    latest: datetime | None, days: int | None
) -> tuple[datetime | None, datetime | None]:
    """(since, until) of the `days` days ending at `latest`, both included: [since, until)
    with `since` = `latest` - `days` and `until` just after `latest` (see `window`)"""
    if days is None or latest is None:
        return None, None
    try:
        return latest - timedelta(days=days), latest + timedelta(microseconds=1)
    except OverflowError:
        return None, None


_CALLS_SQL = """
SELECT principal_arn, event_source, event_name, region, account, min(parameters),
       json_text(resources), count(*), max(event_time){origins}
FROM (
    SELECT e.principal_arn, e.event_source, e.event_name,
           coalesce(e.aws_region, '') AS region,
           coalesce(e.recipient_account_id, e.identity_account_id, '') AS account,
           parameters_read(e.request_parameters, needs.keys) AS parameters_key,
           CASE WHEN needs.keys IS NOT NULL THEN e.request_parameters END AS parameters,
           e.resources, e.event_time{origin_fields}
    FROM events AS e
    LEFT JOIN (VALUES {needs}) AS needs(source, name, keys)
        ON e.event_source = needs.source AND e.event_name = needs.name
    WHERE e.error_code IS NULL AND e.principal_arn IS NOT NULL{filters}
) AS calls
GROUP BY principal_arn, event_source, event_name, region, account, parameters_key, resources{by}
"""
_CALLS_KINDS = ("text", "text", "text", "text", "text", "text", "text", "int", "time")
_ORIGINS = {
    "origins": ", parameters_key, address, "
    "CASE WHEN count(DISTINCT user_agent) = 1 THEN min(user_agent) ELSE '' END",
    "origin_fields": ", coalesce(e.source_ip_address, '') AS address, e.user_agent",
    "by": ", address",
}
"""The calls query by origin: each call's rows by source address, with the call's grouping
key of request parameters (engine text, compared only with the same engine's) and the one
user agent of its calls from that address (empty for several)"""
_ORIGINS_KINDS = ("text", "text", "text")


def _literal(text: str) -> str:
    return exp.Literal.string(text).sql(dialect="duckdb")


def _calls_sql(
    needs: Mapping[tuple[str, str], Sequence[str]],
    principals: Sequence[str] | None,
    since: datetime | None,
    until: datetime | None,
    *,
    with_origins: bool = False,
) -> str:
    """The calls query (by origin: `_ORIGINS`): `needs` as an inline table (no event
    matches the placeholder row of an empty one), the filters as literals"""
    rows = [
        f"({_literal(s)}, {_literal(n)}, [{', '.join(_literal(k) for k in keys)}])"
        for (s, n), keys in sorted(needs.items())
    ] or ["('', '', [''])"]
    filters = ""
    if principals is not None:
        listed = ", ".join(_literal(p) for p in sorted(set(principals)))
        filters += f" AND e.principal_arn IN ({listed})" if listed else " AND 1 = 0"
    filters += window_filter(since, until)
    origins = _ORIGINS if with_origins else dict.fromkeys(_ORIGINS, "")
    return _CALLS_SQL.format(needs=", ".join(rows), filters=filters, **origins)


def window_filter(
    since: datetime | None, until: datetime | None, *, column: str = "e.event_time"
) -> str:
    """`AND` conditions (DuckDB's dialect, literals) keeping `column` in [since, until);
    empty for an open window"""
    filters = ""
    for bound, operator in ((since, ">="), (until, "<")):
        if bound is not None:
            text = _literal(f"{bound:%Y-%m-%d %H:%M:%S.%f}")
            filters += f" AND {column} {operator} CAST({text} AS TIMESTAMP)"
    return filters


def _read(params: str | None, keys: frozenset[str]) -> dict[str, Any]:
    """The parameters of the JSON text `params` whose lowercase names are in `keys`"""
    parsed = _json(params)
    if not isinstance(parsed, dict):
        return {}
    return {k: v for k, v in parsed.items() if str(k).lower() in keys}


def _arns(resources: str | None) -> list[dict[str, str]]:
    """The record's resources as the mapping reads them: each one's ARN (CloudTrail's `ARN`,
    Athena's and Spark's `arn`)"""
    parsed = _json(resources)
    if not isinstance(parsed, list):
        return []
    found = []
    for item in parsed:
        if isinstance(item, dict):
            arn = item.get("ARN") or item.get("arn")
            found.append({"ARN": str(arn)} if arn else {})
    return found


def calls_on(
    events: EventTable,
    mapper: EventMapper,
    *,
    principals: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    surveyed: EventSurvey | None = None,
    with_origins: bool = False,
) -> dict[str, tuple[RecordedCall, ...]]:
    """`calls_by_principal` wherever the events are: the activity store (DuckDB), Spark or
    Athena (`activity.dialect`); the same answer on each

    The engine groups the calls (one query, written once in DuckDB's dialect and
    transpiled; `surveyed` saves the first pass, `survey`) and returns each group's request
    parameters and resources as JSON text; Python maps each distinct call once.
    `with_origins`: each call with where its calls came from (`RecordedCall.origins`), the
    same query grouped by source address too, its rows merged back into the calls.

    Raises:
        InputError: the Athena query failed.
    """
    found_pairs = surveyed if surveyed is not None else survey(events)
    if not found_pairs.succeeded:
        return {}
    needs: dict[tuple[str, str], frozenset[str]] = {}
    for source, name in found_pairs.succeeded:
        keys = mapper.parameter_names(source, name)
        if keys:
            needs[(source, name)] = keys
    sql = _calls_sql(
        {pair: sorted(keys) for pair, keys in needs.items()},
        principals,
        since,
        until,
        with_origins=with_origins,
    )
    if with_origins:
        rows = _merged(run_sql(events, sql, _CALLS_KINDS + _ORIGINS_KINDS))
    else:
        rows = [(*row, ()) for row in run_sql(events, sql, _CALLS_KINDS)]
    # each principal's calls: (source, name, region, account, parameters and resources as
    # JSON text), parameters, resources, count, last seen, origins
    keyed: dict[
        str, list[tuple[tuple[str, ...], dict[str, Any], list[dict[str, str]], int, Any, Any]]
    ]
    keyed = {}
    for principal, source, name, region, account, params, resources, count, last, seen in rows:
        read = _read(params, needs.get((source, name), frozenset()))
        arns = _arns(resources)
        alike = (source, name, region, account, _canonical(read), _canonical(arns))
        keyed.setdefault(principal, []).append((alike, read, arns, count, last, seen))
    mapped: dict[tuple[str, ...], EventMapping] = {}
    found: dict[str, tuple[RecordedCall, ...]] = {}
    for principal in sorted(keyed):
        parsed = try_parse_arn(principal)
        partition = parsed.partition if parsed else "aws"
        calls = []
        for key, read, arns, count, last, seen in sorted(
            keyed[principal], key=lambda item: (item[0], item[4], item[3], item[5])
        ):
            source, name, region, account = key[:4]
            cache = (*key, partition)
            mapping = mapped.get(cache)
            if mapping is None:
                mapping = mapped[cache] = mapper.map_event(
                    event_source=source,
                    event_name=name,
                    parameters=read,
                    resources=arns,
                    region=region,
                    account=account,
                    partition=partition,
                )
            calls.append(
                RecordedCall(
                    event_source=source,
                    event_name=name,
                    region=region,
                    account=account,
                    count=count,
                    last_seen=last,
                    mapping=mapping,
                    origins=seen,
                )
            )
        found[principal] = tuple(calls)
    return found


def _merged(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows of the calls query by origin (`_ORIGINS`) merged into one row per call, as
    the query without origins answers, each with its origins (sorted) last"""
    calls: dict[tuple[Any, ...], list[Any]] = {}
    for *row, parameters_key, address, agent in rows:
        principal, source, name, region, account, params, resources, count, last = row
        origin = CallOrigin(region=region, source=address or "", user_agent=agent or "")
        key = (principal, source, name, region, account, parameters_key, resources)
        found = calls.get(key)
        if found is None:
            calls[key] = [*row, {origin}]
            continue
        if params is not None and (found[5] is None or params < found[5]):
            found[5] = params
        found[7] += count
        found[8] = max(found[8], last)
        found[9].add(origin)
    return [(*call[:9], tuple(sorted(call[9]))) for call in calls.values()]


def calls_by_principal(
    store: ActivityStore,
    mapper: EventMapper,
    *,
    principals: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    with_origins: bool = False,
) -> dict[str, tuple[RecordedCall, ...]]:
    """The distinct successful calls of every principal (or of `principals`) in
    [since, until), mapped, each principal's sorted, with where they came from when
    `with_origins`; principals without calls are absent

    One query groups the events of all principals: calls alike in source, name, region,
    account, resources and the request parameters the mapping reads
    (`EventMapper.parameter_names`) are one call, so parameters no ARN template names (a
    DynamoDB item's key) do not multiply the calls to map. Each distinct call is mapped once
    for all the principals that made it. The query is the one `calls_on` runs on Spark and
    Athena.
    """
    return calls_on(
        store, mapper, principals=principals, since=since, until=until, with_origins=with_origins
    )


def recorded_calls(
    store: ActivityStore,
    principal_arn: str,
    mapper: EventMapper,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    with_origins: bool = False,
) -> tuple[RecordedCall, ...]:
    """The distinct successful calls of `principal_arn` (a role, user, root or federated
    user ARN as `activity.principals` attributes them) in [since, until), mapped, sorted
    (see `calls_by_principal`)"""
    return calls_by_principal(
        store,
        mapper,
        principals=[principal_arn],
        since=since,
        until=until,
        with_origins=with_origins,
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
