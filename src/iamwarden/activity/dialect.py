"""The activity analyses as SQL written once and run on DuckDB, Spark or Athena

Each analysis (`ANALYSES`, and the distinct calls policy generation maps, in
`activity.calls`) is one query over an `events` table in DuckDB's dialect; sqlglot
transpiles it to Spark SQL or to Athena's (Trino) SQL, so the three engines never hold
copies of their own; the two expressions sqlglot cannot transpile are written once per
engine (`FRAGMENTS`). On DuckDB the query runs over the activity store's `events` table. On
Spark and Athena it runs over CloudTrail's own records: `EVENTS_FROM_RAW` derives the events
columns (principal attribution included, as `activity.principals` does at ingestion) from a
table of AWS's standard CloudTrail Athena schema (Athena User Guide, "Create a table for
CloudTrail logs in Athena using manual partitioning"), written once too and transpiled with
the analysis as a CTE. Spark builds that table from CloudTrail's files, local or at URLs it
reads, in every layout ingestion reads (`load_spark_table`); Athena has it already
(`--database`, `--table`).

`run_sql` runs a query where the events are (`EventTable`: the store, `SparkEvents`,
`AthenaEvents`). Results are rows of plain values: text, integers, and naive UTC datetimes
(`normalise` turns Athena's text answers into the same types, so the engines' answers
compare equal).

This module compiles and runs queries; it reads no CloudTrail file itself (Spark does) and
prints nothing. PySpark is the optional extra `[spark]`; boto3 drives Athena.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import unquote

import sqlglot
from sqlglot import exp

from iamwarden.activity.sources import is_trail_file
from iamwarden.errors import InputError

if TYPE_CHECKING:
    from iamwarden.activity.store import ActivityStore

__all__ = [
    "ANALYSES",
    "ATHENA_TABLE_COLUMNS",
    "EVENTS_FROM_RAW",
    "FRAGMENTS",
    "SPARK_RECORD_SCHEMA",
    "Analysis",
    "AthenaEvents",
    "Engine",
    "EventTable",
    "SparkEvents",
    "SparkTrailProblems",
    "compile_analysis",
    "compile_sql",
    "load_spark_table",
    "normalise",
    "normalise_kinds",
    "run_analysis",
    "run_athena",
    "run_duckdb",
    "run_spark",
    "run_sql",
]


class Engine(Enum):
    """Where the analyses run, with sqlglot's name of its dialect"""

    DUCKDB = "duckdb"
    SPARK = "spark"
    ATHENA = "athena"


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """One analysis: its query over `events` (DuckDB's dialect) and its columns' kinds
    (`text`, `int` or `time`), in order"""

    name: str
    sql: str
    kinds: tuple[str, ...]
    description: str


ANALYSES: dict[str, Analysis] = {
    analysis.name: analysis
    for analysis in (
        Analysis(
            name="principals",
            description="each principal: kind, events, errors, first and last event (UTC)",
            sql="""
SELECT principal_arn, min(principal_kind) AS principal_kind, count(*) AS events,
       count(error_code) AS errors, min(event_time) AS first_seen,
       max(event_time) AS last_seen
FROM events
WHERE principal_arn IS NOT NULL
GROUP BY principal_arn
ORDER BY events DESC, principal_arn
""",
            kinds=("text", "text", "int", "int", "time", "time"),
        ),
        Analysis(
            name="calls",
            description="each principal's successful calls by event source and name",
            sql="""
SELECT principal_arn, event_source, event_name, count(*) AS calls,
       max(event_time) AS last_seen
FROM events
WHERE principal_arn IS NOT NULL AND error_code IS NULL
GROUP BY principal_arn, event_source, event_name
ORDER BY principal_arn, event_source, event_name
""",
            kinds=("text", "text", "text", "int", "time"),
        ),
        Analysis(
            name="access-keys",
            description="each access key: its principal, calls and last use (UTC)",
            sql="""
SELECT principal_arn, access_key_id, count(*) AS calls, max(event_time) AS last_used
FROM events
WHERE principal_arn IS NOT NULL AND access_key_id IS NOT NULL
GROUP BY principal_arn, access_key_id
ORDER BY principal_arn, access_key_id
""",
            kinds=("text", "text", "int", "time"),
        ),
        Analysis(
            name="unattributed",
            description="how many events name no principal (no userIdentity, or not an object)",
            sql="""
SELECT count(*) AS events
FROM events
WHERE principal_arn IS NULL
""",
            kinds=("int",),
        ),
    )
}
"""The analyses by name"""

_ASSUMED = "useridentity.arn"
_ROLE_FROM_SESSION = (
    f"concat('arn:', regexp_extract({_ASSUMED}, '^arn:([^:]+):sts::', 1), ':iam::', "
    f"regexp_extract({_ASSUMED}, ':sts::([0-9]+):', 1), ':role/', "
    f"regexp_extract({_ASSUMED}, ':assumed-role/([^/]+)/', 1))"
)

_EVENT_TIME = "TRY_CAST(replace(replace(eventtime, 'T', ' '), 'Z', '') AS TIMESTAMP)"

EVENTS_FROM_RAW = f"""
SELECT
    {_EVENT_TIME} AS event_time,
    eventsource AS event_source,
    eventname AS event_name,
    awsregion AS aws_region,
    sourceipaddress AS source_ip_address,
    useragent AS user_agent,
    errorcode AS error_code,
    errormessage AS error_message,
    recipientaccountid AS recipient_account_id,
    useridentity.accountid AS identity_account_id,
    useridentity.accesskeyid AS access_key_id,
    requestparameters AS request_parameters,
    responseelements AS response_elements,
    resources,
    CASE
        WHEN useridentity.type IN ('AssumedRole', 'Role') THEN coalesce(
            useridentity.sessioncontext.sessionissuer.arn,
            CASE WHEN {_ASSUMED} LIKE 'arn:%:sts::%:assumed-role/%/%'
                THEN {_ROLE_FROM_SESSION} ELSE {_ASSUMED} END)
        WHEN useridentity.type = 'AWSService' THEN useridentity.invokedby
        WHEN useridentity.type = 'AWSAccount' THEN useridentity.accountid
        WHEN useridentity.type IN ('WebIdentityUser', 'SAMLUser', 'IdentityCenterUser')
            THEN coalesce(useridentity.arn, useridentity.principalid)
        ELSE coalesce(useridentity.arn, useridentity.principalid, useridentity.invokedby)
    END AS principal_arn,
    CASE useridentity.type
        WHEN 'AssumedRole' THEN 'role' WHEN 'Role' THEN 'role'
        WHEN 'IAMUser' THEN 'user' WHEN 'Root' THEN 'root'
        WHEN 'FederatedUser' THEN 'federated' WHEN 'AWSService' THEN 'service'
        WHEN 'AWSAccount' THEN 'account' WHEN 'WebIdentityUser' THEN 'web-identity'
        WHEN 'SAMLUser' THEN 'saml' WHEN 'IdentityCenterUser' THEN 'identity-center'
        ELSE 'unknown'
    END AS principal_kind
FROM cloudtrail
WHERE {_EVENT_TIME} IS NOT NULL AND eventsource IS NOT NULL AND eventname IS NOT NULL
QUALIFY eventid IS NULL OR row_number() OVER (
    PARTITION BY eventid, recipientaccountid, {_EVENT_TIME} ORDER BY eventid) = 1
"""
"""The events columns the analyses read, from a table `cloudtrail` of AWS's standard
CloudTrail Athena schema (lowercase names; `eventtime` text such as 2026-03-01T10:00:00Z),
in DuckDB's dialect; records without a time (or with one that is not a time), source or
name are left out, and an event delivered twice (the same eventID, recipientAccountId and
eventTime: an organization trail and an account trail both logging it) is kept once,
records without an eventID all kept, as at ingestion. The copies are one event, so which
is kept does not matter; sqlglot writes QUALIFY, which Spark and Trino lack, as
`row_number()` in a subquery."""

ATHENA_TABLE_COLUMNS: dict[str, str] = {
    "eventid": "VARCHAR",
    "eventtime": "VARCHAR",
    "eventsource": "VARCHAR",
    "eventname": "VARCHAR",
    "awsregion": "VARCHAR",
    "sourceipaddress": "VARCHAR",
    "useragent": "VARCHAR",
    "errorcode": "VARCHAR",
    "errormessage": "VARCHAR",
    "recipientaccountid": "VARCHAR",
    "requestparameters": "VARCHAR",
    "responseelements": "VARCHAR",
    "resources": "STRUCT(arn VARCHAR, accountid VARCHAR, type VARCHAR)[]",
    "useridentity": (
        "STRUCT(type VARCHAR, principalid VARCHAR, arn VARCHAR, accountid VARCHAR, "
        "invokedby VARCHAR, accesskeyid VARCHAR, username VARCHAR, "
        "sessioncontext STRUCT(sessionissuer STRUCT(type VARCHAR, arn VARCHAR)))"
    ),
}
"""The columns of the standard CloudTrail Athena table that `EVENTS_FROM_RAW` reads, as
DuckDB types (the table has more; these are enough to stand in for it)"""

_RECORD_FIELDS = (
    ("eventID", "STRING"),
    ("eventTime", "STRING"),
    ("eventSource", "STRING"),
    ("eventName", "STRING"),
    ("awsRegion", "STRING"),
    ("sourceIPAddress", "STRING"),
    ("userAgent", "STRING"),
    ("errorCode", "STRING"),
    ("recipientAccountId", "STRING"),
    ("errorMessage", "STRING"),
    ("requestParameters", "STRING"),
    ("responseElements", "STRING"),
    ("resources", "ARRAY<STRUCT<ARN: STRING, accountId: STRING, type: STRING>>"),
    (
        "userIdentity",
        "STRUCT<type: STRING, principalId: STRING, arn: STRING, accountId: STRING, "
        "invokedBy: STRING, accessKeyId: STRING, userName: STRING, "
        "sessionContext: STRUCT<sessionIssuer: STRUCT<type: STRING, arn: STRING>>>",
    ),
)
_PARSED = ("resources", "userIdentity")
"""The fields Spark reads as their JSON text and parses per record (`from_json`): a value of
another shape (`"userIdentity": "root"`) is then NULL fields of that record, as ingestion
reads it, not a failed parse of the whole line and every record on it"""
_FIELDS_DDL = ", ".join(
    f"{name} {'STRING' if name in _PARSED else kind}" for name, kind in _RECORD_FIELDS
)

SPARK_RECORD_SCHEMA = f"Records ARRAY<STRUCT<{_FIELDS_DDL}>>, {_FIELDS_DDL}"
"""The part of a CloudTrail file Spark reads, as the DDL of its JSON schema: each JSON value
read is a `{"Records": [...]}` object or a record itself (field names as CloudTrail spells
them; `requestParameters`, `responseElements`, `resources` and `userIdentity` kept as their
JSON text, the last two parsed per record into the view); Spark SQL resolves the camel-case
names case-insensitively, as Athena's lowercase ones"""

_VIEW_COLUMNS = tuple(
    f"from_json(r.{name}, '{kind}') AS {name}" if name in _PARSED else f"r.{name}"
    for name, kind in _RECORD_FIELDS
)
"""The view's columns from an exploded record `r`, the `_PARSED` fields parsed"""

_RECORDS = "coalesce(Records, array(struct(" + ", ".join(name for name, _ in _RECORD_FIELDS) + ")))"
"""The records of one value Spark read: its `Records`, or the value itself"""


FRAGMENTS: dict[str, dict[Engine, str]] = {
    "json_text": {
        Engine.DUCKDB: "to_json(_1)",
        Engine.SPARK: "to_json(_1)",
        Engine.ATHENA: "json_format(CAST(_1 AS JSON))",
    },
    "parameters_read": {
        Engine.DUCKDB: (
            "CASE WHEN len(_2) > 0 THEN to_json(map_from_entries(list_filter(map_entries("
            "json_transform(_1, '\"MAP(VARCHAR, JSON)\"')), "
            "lambda entry: list_contains(_2, lower(entry.key))))) END"
        ),
        Engine.SPARK: (
            "to_json(map_filter(from_json(_1, 'MAP<STRING, STRING>'), "
            "(k, v) -> array_contains(_2, lower(k))))"
        ),
        Engine.ATHENA: (
            "json_format(CAST(map_filter(TRY_CAST(json_parse(_1) AS MAP(VARCHAR, JSON)), "
            "(k, v) -> contains(_2, lower(k))) AS JSON))"
        ),
    },
}
"""The expressions sqlglot cannot transpile, written once per engine: a query names them as
functions (`json_text(x)`, `parameters_read(parameters, keys)`) and `compile_sql` puts the
engine's own text in their place (`_1`, `_2` are the arguments)

- `json_text(x)`: a value (JSON, an array of structs) as JSON text; Athena has no `to_json`.
- `parameters_read(parameters, keys)`: the request parameters (JSON text) whose lowercase
  names are among `keys`, as text equal for equal values (a grouping key, never read back):
  DuckDB and Athena keep a JSON object, Spark a map of each value's JSON text (Spark has no
  JSON type; from_json into `MAP<STRING, STRING>` keeps a nested value's text).
"""


def _fragments(tree: exp.Expr, engine: Engine) -> exp.Expr:
    def replace(node: exp.Expr) -> exp.Expr:
        if not (isinstance(node, exp.Anonymous) and node.name.lower() in FRAGMENTS):
            return node
        args: list[exp.Expr] = list(node.expressions)
        fragment = sqlglot.parse_one(FRAGMENTS[node.name.lower()][engine], read=engine.value)

        def argument(inner: exp.Expr) -> exp.Expr:
            if isinstance(inner, exp.Column) and not inner.table and inner.name in ("_1", "_2"):
                found: exp.Expr = args[int(inner.name[1:]) - 1].copy()
                return found
            return inner

        return fragment.transform(argument)

    return tree.transform(replace)


def compile_sql(sql: str, engine: Engine, *, table: str = "cloudtrail") -> str:
    """A query over `events` in DuckDB's dialect (with `FRAGMENTS` named as functions) as SQL
    for `engine`: on DuckDB over the store's `events`; on Spark and Athena transpiled by
    sqlglot over `EVENTS_FROM_RAW` as a CTE reading `table` (`database.table` is allowed)"""
    if engine is not Engine.DUCKDB:
        raw = EVENTS_FROM_RAW.replace("FROM cloudtrail", f"FROM {table}")
        sql = f"WITH events AS ({raw}) {sql}"
    tree = sqlglot.parse_one(sql, read="duckdb")
    return _fragments(tree, engine).sql(dialect=engine.value, pretty=True)


def _analysis(name: str) -> Analysis:
    found = ANALYSES.get(name)
    if found is None:
        raise InputError(f"no analysis `{name}` (one of: {', '.join(sorted(ANALYSES))})")
    return found


def compile_analysis(name: str, engine: Engine, *, table: str = "cloudtrail") -> str:
    """The analysis `name` as SQL for `engine`

    DuckDB: the query as written, over the store's `events`. Spark and Athena: transpiled by
    sqlglot, over `EVENTS_FROM_RAW` as a CTE reading `table` (a CloudTrail table of the
    standard Athena schema; `database.table` is allowed).

    Raises:
        InputError: no analysis of that name.
    """
    analysis = _analysis(name)
    if engine is Engine.DUCKDB:
        return analysis.sql.strip()
    return compile_sql(analysis.sql, engine, table=table)


def normalise(name: str, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows of analysis `name` as plain values: integers as int, times as naive UTC
    datetimes (Athena answers every value as text), NULL as None"""
    return normalise_kinds(_analysis(name).kinds, rows)


def normalise_kinds(kinds: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows whose columns are of `kinds` (`text`, `int` or `time`) as plain values (see
    `normalise`)"""
    out = []
    for row in rows:
        values: list[Any] = []
        for kind, value in zip(kinds, row, strict=True):
            if value is None or (value == "" and kind != "text"):
                values.append(None)
            elif kind == "int":
                values.append(int(value))
            elif kind == "time" and not isinstance(value, datetime):
                values.append(datetime.fromisoformat(str(value)).replace(tzinfo=None))
            elif kind == "time":
                values.append(value.replace(tzinfo=None))
            else:
                values.append(str(value))
        out.append(tuple(values))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class SparkEvents:
    """CloudTrail records on Spark: a `pyspark.sql.SparkSession` and the view
    `load_spark_table` registered"""

    spark: Any
    view: str = "cloudtrail"


@dataclass(frozen=True, slots=True, kw_only=True)
class AthenaEvents:
    """CloudTrail records in Athena: a boto3 Athena client, the table of the standard
    CloudTrail schema, and where query results go (`output`, an S3 URL; None when the
    workgroup sets one)"""

    client: Any
    database: str
    table: str
    output: str | None = None
    workgroup: str | None = None
    poll: float = 1.0
    sleep: Callable[[float], None] = time.sleep


EventTable: TypeAlias = "ActivityStore | SparkEvents | AthenaEvents"
"""Where the events are: the activity store (DuckDB), Spark or Athena"""


def run_sql(events: EventTable, sql: str, kinds: Sequence[str]) -> list[tuple[Any, ...]]:
    """A query over `events` (DuckDB's dialect, see `compile_sql`) run where the events are,
    its rows normalised by column `kinds` (see `normalise_kinds`)

    Raises:
        InputError: the Athena query failed or was cancelled (Athena's reason in the message).
    """
    if isinstance(events, SparkEvents):
        compiled = compile_sql(sql, Engine.SPARK, table=events.view)
        rows: list[Sequence[Any]] = [tuple(r) for r in events.spark.sql(compiled).collect()]
    elif isinstance(events, AthenaEvents):
        rows = _athena_rows(events, compile_sql(sql, Engine.ATHENA, table=events.table))
    else:
        rows = list(events.connection.execute(compile_sql(sql, Engine.DUCKDB)).fetchall())
    return normalise_kinds(kinds, rows)


def run_analysis(events: EventTable, name: str) -> list[tuple[Any, ...]]:
    """Analysis `name` wherever the events are (see `run_sql`)

    Raises:
        InputError: no analysis of that name; the Athena query failed.
    """
    analysis = _analysis(name)
    return run_sql(events, analysis.sql, analysis.kinds)


def run_duckdb(store: ActivityStore, name: str) -> list[tuple[Any, ...]]:
    """Analysis `name` over the activity store's events

    Raises:
        InputError: no analysis of that name.
    """
    rows = store.connection.execute(compile_analysis(name, Engine.DUCKDB)).fetchall()
    return normalise(name, rows)


_GLOB = re.compile(r"([\[\]{}*?\\])")
"""The characters Hadoop reads as a glob in a path (org.apache.hadoop.fs.GlobPattern)"""

_NAMES = "{*.json,*.json.gz,*.jsonl,*.jsonl.gz,*.ndjson,*.ndjson.gz,*.gz}"
"""The file names Spark reads in a folder, those `activity ingest` reads"""
_CORRUPT = "_corrupt_record"
"""The column Spark fills with a line's (or a file's) text when it is not JSON"""


def _literal(path: str) -> str:
    """A path Hadoop reads as itself, its glob characters escaped"""
    return _GLOB.sub(r"\\\1", path)


def _json(spark: Any, paths: Sequence[str], *, whole: bool) -> Any:
    """The JSON values of the files under `paths` (Hadoop paths: globs read), each with its
    `file_path`: one per line, or (`whole`) the first of each file, a top-level array giving
    one per element"""
    return (
        spark.read.option("multiLine", "true" if whole else "false")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", _NAMES)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", _CORRUPT)
        .option("ignoreCorruptFiles", "true")
        .schema(f"{SPARK_RECORD_SCHEMA}, {_CORRUPT} STRING")
        .json([*paths])
        .select("*", "_metadata.file_path")
    )


def _by_file(frame: Any) -> dict[str, tuple[bool, bool, int]]:
    """Each file of `frame` (`_json`): (a value is not JSON, a value has `Records`, records
    whose eventTime is not a time)"""
    time = _EVENT_TIME.replace("eventtime", "r.eventTime")
    rows = (
        frame.selectExpr(
            "file_path",
            f"{_CORRUPT} IS NOT NULL AS corrupt",
            "Records IS NOT NULL AS wrapped",
            f"size(filter({_RECORDS}, r -> r.eventTime IS NOT NULL AND {time} IS NULL)) AS bad",
        )
        .groupBy("file_path")
        .agg({"corrupt": "max", "wrapped": "max", "bad": "sum"})
        .collect()
    )
    return {
        row["file_path"]: (
            bool(row["max(corrupt)"]),
            bool(row["max(wrapped)"]),
            int(row["sum(bad)"] or 0),
        )
        for row in rows
    }


def _first_lines(spark: Any, paths: Sequence[str]) -> dict[str, tuple[str, bool]]:
    """The first line that is not blank of each file of `paths` (literal paths, read as
    text), and whether the file starts as gzip does (magic bytes 1f 8b, RFC 1952 §2.3.1: Spark
    decompresses by a `.gz` name only); a file's lines come in order from the split at its
    start, the smallest of their increasing ids is the first"""
    rows = (
        spark.read.text([_literal(path) for path in paths])
        .selectExpr(
            "_metadata.file_path AS file_path",
            "_metadata.file_block_start AS start",
            "struct(monotonically_increasing_id() AS n, value, "
            "left(hex(CAST(value AS BINARY)), 4) = '1F8B' AS gzip) AS line",
        )
        .where("start = 0 AND line.value RLIKE '[^\\\\s\\\\x{FEFF}]'")
        .groupBy("file_path")
        .agg({"line": "min"})
        .collect()
    )
    return {row[0]: (row[1]["value"], row[1]["gzip"]) for row in rows}


def load_spark_table(
    spark: Any, paths: Sequence[str], *, view: str = "cloudtrail"
) -> SparkTrailProblems:
    """Register the CloudTrail files under `paths` (local paths, read as named even with
    Hadoop's glob characters `[]{}*?\\`, or URLs Spark reads, globs allowed; gzip by their
    `.gz` name; a folder is read recursively, its files named as `activity ingest`
    reads them, digest files left out by ingestion's rule, `sources.is_trail_file`) as the
    temporary view `view`, one row per record, in the standard Athena table's shape; the
    files and records left out

    Each file is laid out as ingestion finds it (`sources.Layout`): `{"Records": [...]}`
    objects, a JSON array of records, or JSON lines. Spark reads every file a line at a time,
    which reads each layout written on one line per value (CloudTrail's delivery, JSON lines,
    a one-line array); a file with a line that is not JSON is read whole again if it starts
    as a `{"Records": [...]}` object or an array (pretty-printed), else left out whole as
    malformed, as ingestion leaves out JSON lines with a bad line (or as gzip content under a
    name without `.gz`, which ingestion reads). A record of an odd shape (`userIdentity` a
    string) is kept with NULL fields, as ingestion keeps it. A file Spark cannot read
    (a corrupt gzip, an empty file) and a record whose eventTime is not a time are left out
    too. `spark` is a `pyspark.sql.SparkSession`; this is one pass over the files, at once
    (a second over the files read whole).
    """
    given = [
        path if "://" in path or path.startswith("file:") else _literal(path) for path in paths
    ]
    lines = _json(spark, given, whole=False)
    named = {_as_given(path) for path in paths}
    every = _by_file(lines)
    found = {path: seen for path, seen in every.items() if _wanted(path, named)}
    frame = lines.where(~lines["file_path"].isin(sorted(every.keys() - found.keys())))
    suspects = sorted(path for path, (corrupt, _, _) in found.items() if corrupt)
    malformed: list[str] = []
    compressed: list[str] = []
    bad_times = sum(bad for corrupt, _, bad in found.values() if not corrupt)
    if suspects:
        readable = [unquote(p) for p in suspects]
        whole = _json(spark, [_literal(p) for p in readable], whole=True)
        read_whole = {_file_key(p): v for p, v in _by_file(whole).items()}
        starts = {_file_key(p): line for p, line in _first_lines(spark, readable).items()}
        pretty = []
        for path in suspects:
            corrupt, wrapped, bad = read_whole.get(_file_key(path), (True, False, 0))
            first, is_gzip = starts.get(_file_key(path), ("", False))
            if not corrupt and (wrapped or first.lstrip("\ufeff \t\r\n").startswith("[")):
                pretty.append(path)
                bad_times += bad
            elif is_gzip:
                compressed.append(path)
            else:
                malformed.append(path)
        frame = frame.where(~frame["file_path"].isin(suspects)).unionByName(
            whole.where(whole["file_path"].isin([_file_key(p) for p in pretty]))
        )
    records = frame.selectExpr(f"explode({_RECORDS}) AS r").selectExpr(*_VIEW_COLUMNS)
    records.createOrReplaceTempView(view)
    read = {_file_key(path) for path in found}
    return SparkTrailProblems(
        unreadable=tuple(
            sorted(f for f in lines.inputFiles() if _file_key(f) not in read and _wanted(f, named))
        ),
        malformed=tuple(malformed),
        compressed=tuple(compressed),
        bad_times=bad_times,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SparkTrailProblems:
    """What Spark left out of the files `load_spark_table` registered: files it could not
    read at all (a corrupt gzip, an empty file), files that are not JSON of a layout it
    reads, files of gzip content whose name does not end in `.gz` (Spark decompresses by the
    name; ingestion by the content), and the number of records whose eventTime is not a time
    (paths as Spark names them: `file:` URLs locally)"""

    unreadable: tuple[str, ...] = ()
    malformed: tuple[str, ...] = ()
    compressed: tuple[str, ...] = ()
    bad_times: int = 0


def _file_key(path: str) -> str:
    """A path Spark names `file:///x` in one place and `file:/x` in another, as one key"""
    return "file:/" + path.removeprefix("file:").lstrip("/") if path.startswith("file:") else path


def _as_given(path: str) -> str:
    """A file as one key whether given (`/x`, a relative path, a URL) or as Spark names it
    (`file:///x`, URL-encoded)"""
    if "://" not in path and not path.startswith("file:"):
        return "file:" + os.path.abspath(path)
    return unquote(_file_key(path))


def _wanted(path: str, named: set[str]) -> bool:
    """Whether Spark's file `path` is read as `activity ingest` reads it: a file found in a
    folder by ingestion's rule (`sources.is_trail_file`: no digest file), a file named
    directly (`named`, `_as_given` keys) whatever its name"""
    return is_trail_file(unquote(path)) or _as_given(path) in named


def run_spark(spark: Any, name: str, *, view: str = "cloudtrail") -> list[tuple[Any, ...]]:
    """Analysis `name` on Spark over the view `load_spark_table` registered

    Raises:
        InputError: no analysis of that name.
    """
    rows = spark.sql(compile_analysis(name, Engine.SPARK, table=view)).collect()
    return normalise(name, [tuple(row) for row in rows])


def run_athena(
    client: Any,
    name: str,
    *,
    database: str,
    table: str,
    output: str | None,
    workgroup: str | None = None,
    poll: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[tuple[Any, ...]]:
    """Analysis `name` on Athena over `database`.`table` (the standard CloudTrail table),
    results written under the S3 URL `output` (None: the workgroup's result location)

    `client` is a boto3 Athena client (StartQueryExecution, GetQueryExecution and a
    GetQueryResults paginator; Athena API Reference). The first result row (the column
    names) is left out.

    Raises:
        InputError: no analysis of that name; the query failed or was cancelled (Athena's
            reason in the message).
    """
    events = AthenaEvents(
        client=client,
        database=database,
        table=table,
        output=output,
        workgroup=workgroup,
        poll=poll,
        sleep=sleep,
    )
    return normalise(name, _athena_rows(events, compile_analysis(name, Engine.ATHENA, table=table)))


def _athena_rows(events: AthenaEvents, sql: str) -> list[Sequence[Any]]:
    """The rows (text or None) of one query, its column-name row left out"""
    client = events.client
    started = client.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": events.database},
        **({"ResultConfiguration": {"OutputLocation": events.output}} if events.output else {}),
        **({"WorkGroup": events.workgroup} if events.workgroup else {}),
    )
    query_id = started["QueryExecutionId"]
    while True:
        status = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        state = status["Status"]["State"]
        if state == "SUCCEEDED":
            break
        if state in ("FAILED", "CANCELLED"):
            reason = status["Status"].get("StateChangeReason", state.lower())
            raise InputError(f"Athena query {query_id} {state.lower()}: {reason}")
        events.sleep(events.poll)
    rows: list[Sequence[Any]] = []
    for page in client.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
        for row in page["ResultSet"]["Rows"]:
            rows.append([cell.get("VarCharValue") for cell in row["Data"]])
    return rows[1:]
