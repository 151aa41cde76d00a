"""`--engine duckdb|spark|athena` of the activity commands: the options, their checks, and
the events they name (the store, CloudTrail files read by a Spark session, an Athena table)

Every error here is one line and exit 2: an option of another engine, a missing
`--trail`/`--database`/`--table`, PySpark or Java missing, Spark's or Athena's own failure.
"""

from __future__ import annotations

import collections
import functools
import logging
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import click
from click.core import ParameterSource

from iamwarden.activity import open_store
from iamwarden.activity.dialect import (
    AthenaEvents,
    Engine,
    EventTable,
    SparkEvents,
    SparkTrailProblems,
    load_spark_table,
)
from iamwarden.errors import InputError

__all__ = [
    "DB_OPTION",
    "DEFAULT_DB",
    "EngineChoice",
    "engine_options",
    "open_events",
    "store_path",
]

DEFAULT_DB = Path("activity.duckdb")
"""The store a command reads without --db or --demo"""

_SPARK_OPTIONS = ("spark_master", "trails")
_ATHENA_OPTIONS = ("database", "table", "athena_output", "workgroup")
_DUCKDB_OPTIONS = ("db", "demo")
"""The command's own options that name the DuckDB store"""


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineChoice:
    """The engine a command runs its query on, and where that engine finds the events"""

    engine: Engine
    spark_master: str = "local[*]"
    trails: tuple[str, ...] = ()
    database: str | None = None
    table: str | None = None
    athena_output: str | None = None
    workgroup: str | None = None

    def describe(self, store: Path | None) -> str:
        """Where the events are, for messages: the store's path, the trail paths, or the
        Athena table"""
        if self.engine is Engine.SPARK:
            return ", ".join(self.trails)
        if self.engine is Engine.ATHENA:
            return f"athena:{self.database}.{self.table}"
        return str(store)

    def no_events(self) -> InputError:
        """The error for a trail or table without one event: on Spark and Athena that is a
        wrong path, format or table, never an answer"""
        hint = (
            ' (Spark reads {"Records": [...]} files, JSON arrays and JSON lines of records)'
            if self.engine is Engine.SPARK
            else ""
        )
        return InputError(f"no CloudTrail event{hint}", path=self.describe(None))


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iamwarden"


def store_path(db: Path | None, *, demo: bool) -> Path:
    """The store a question is asked of: `--db`, the demo history with `--demo`, else the
    default file"""
    if db is not None:
        return db
    if demo:
        from iamwarden.activity.demo import ensure_demo_store

        try:
            return ensure_demo_store(_cache_dir())
        except OSError as error:
            raise InputError(
                f"cannot build the demo history: {error.strerror or error}",
                path=str(_cache_dir()),
            ) from None
    return DEFAULT_DB


DB_OPTION = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The activity store (default: the demo history with --demo, else {DEFAULT_DB}).",
)
"""`--db FILE`: the activity store (--engine duckdb)"""


def _flag(option: str) -> str:
    return "--" + option.replace("_", "-").replace("trails", "trail")


def _given(ctx: click.Context, names: tuple[str, ...]) -> list[str]:
    found = []
    for name in names:
        source = ctx.get_parameter_source(name)
        if name in ctx.params and source not in (None, ParameterSource.DEFAULT):
            found.append(name)
    return found


def _choice(ctx: click.Context, values: dict[str, Any]) -> EngineChoice:
    engine = Engine(values["engine"])
    foreign = {
        Engine.DUCKDB: (*_SPARK_OPTIONS, *_ATHENA_OPTIONS),
        Engine.SPARK: (*_DUCKDB_OPTIONS, *_ATHENA_OPTIONS),
        Engine.ATHENA: (*_DUCKDB_OPTIONS, *_SPARK_OPTIONS),
    }[engine]
    for name in _given(ctx, foreign):
        owner = (
            "duckdb" if name in _DUCKDB_OPTIONS else "spark" if name in _SPARK_OPTIONS else "athena"
        )
        raise click.UsageError(
            f"{_flag(name)} is for --engine {owner}, not --engine {engine.value}"
        )
    if engine is Engine.SPARK and not values["trails"]:
        raise click.UsageError(
            "--engine spark needs --trail PATH (CloudTrail files or folders, or URLs Spark reads)"
        )
    if engine is Engine.ATHENA and not (values["database"] and values["table"]):
        raise click.UsageError("--engine athena needs --database DB and --table TABLE")
    return EngineChoice(
        engine=engine,
        spark_master=values["spark_master"],
        trails=tuple(values["trails"]),
        database=values["database"],
        table=values["table"],
        athena_output=values["athena_output"],
        workgroup=values["workgroup"],
    )


_OPTIONS = (
    click.option(
        "--engine",
        type=click.Choice([e.value for e in Engine]),
        default=Engine.DUCKDB.value,
        show_default=True,
        help="Where the query runs: the DuckDB store, Spark over CloudTrail files, or Athena.",
    ),
    click.option(
        "--spark-master",
        default="local[*]",
        show_default=True,
        help="Spark's master URL (--engine spark): local mode or a cluster.",
    ),
    click.option(
        "--trail",
        "trails",
        multiple=True,
        metavar="PATH|URL",
        help="CloudTrail files or folders, or URLs Spark reads such as s3a://bucket/AWSLogs/ "
        "(--engine spark; repeatable).",
    ),
    click.option("--database", help="The Athena database (--engine athena)."),
    click.option(
        "--table", help="The CloudTrail table of AWS's standard schema (--engine athena)."
    ),
    click.option(
        "--athena-output",
        metavar="S3URL",
        help="Where Athena writes query results (--engine athena; default: the workgroup's).",
    ),
    click.option("--workgroup", help="The Athena workgroup (--engine athena)."),
)


def engine_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The engine options on a click command, given to it as `choice: EngineChoice`"""

    @functools.wraps(command)
    def wrapper(**values: Any) -> Any:
        ctx = click.get_current_context()
        names = ("engine", *_SPARK_OPTIONS, *_ATHENA_OPTIONS)
        choice = _choice(ctx, {name: values.pop(name) for name in names})
        return command(choice=choice, **values)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _spark_cause(error: BaseException) -> str:
    """The first line of the innermost Java exception under a Py4J error (its own first
    line, "An error occurred while calling o49.collectToPython.", names no cause)"""
    cause = getattr(error, "java_exception", None)
    if cause is None:
        return _first_line(error)
    while cause.getCause() is not None:
        cause = cause.getCause()
    name = str(cause.getClass().getSimpleName())
    message = str(cause.getMessage() or "").strip()
    return f"{name}: {message.splitlines()[0]}" if message else name


def _shown(path: str) -> str:
    """A path as Spark names it, local ones (`file:` URLs) as plain paths"""
    return unquote(urlparse(path).path) if path.startswith("file:") else path


def _warn(problems: SparkTrailProblems) -> None:
    """What Spark left out, on stderr, as ingestion reports it"""
    skipped = [
        (f, "Spark could not read it (a corrupt gzip or empty)") for f in problems.unreadable
    ]
    skipped += [(f, "malformed JSON") for f in problems.malformed]
    skipped += [
        (f, "gzip content but its name does not end in .gz (Spark decompresses by the name)")
        for f in problems.compressed
    ]
    if skipped:
        click.echo(f"skipped {_count(len(skipped), 'file')} whole:", err=True)
        for path, why in skipped:
            click.echo(f"  {_shown(path)}: file skipped: {why}", err=True)
    if problems.bad_times:
        click.echo(
            f"skipped {_count(problems.bad_times, 'record')}: eventTime is not a time", err=True
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _has_java() -> bool:
    home = os.environ.get("JAVA_HOME")
    if home:
        return (Path(home) / "bin" / "java").is_file()
    return shutil.which("java") is not None


class _JvmStderr:
    """The standard error of the JVM PySpark launches (its log4j banner, WARN lines, and the
    exception spark-submit dies of), read from a pipe instead of the terminal: the lines are
    kept (the last 200) for `cause` and never shown"""

    def __init__(self) -> None:
        self._lines: collections.deque[str] = collections.deque(maxlen=200)
        self._reader: threading.Thread | None = None

    @contextmanager
    def captured(self) -> Iterator[None]:
        """File descriptor 2 is the pipe while the JVM starts (it inherits it for its life)"""
        read, write = os.pipe()
        saved = os.dup(2)
        sys.stderr.flush()
        os.dup2(write, 2)
        os.close(write)
        self._reader = threading.Thread(target=self._drain, args=(read,), daemon=True)
        self._reader.start()
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)

    def _drain(self, fd: int) -> None:
        with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as stream:
            for line in stream:
                self._lines.append(line.rstrip())

    def cause(self) -> str | None:
        """The exception the JVM died of (`SparkException: Master must ...`), once it exited"""
        if self._reader is not None:
            self._reader.join(timeout=5)
        for line in reversed(self._lines):
            if line.startswith(_JVM_DIED):
                found = line.removeprefix(_JVM_DIED).strip()
                name, _, message = found.partition(":")
                return f"{name.rsplit('.', 1)[-1]}:{message}" if message else name
        return None


_JVM_DIED = 'Exception in thread "main"'


@contextmanager
def _spark(choice: EngineChoice) -> Iterator[EventTable]:
    try:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("--engine spark needs PySpark: pip install 'iamwarden[spark]'") from None
    if not _has_java():
        raise InputError("--engine spark needs Java 17: no `java` on PATH and JAVA_HOME unset")
    for trail in choice.trails:
        if "://" not in trail and not Path(trail).exists():
            raise InputError("no such file or folder", path=trail)
    existing = SparkSession.getActiveSession()
    jvm = _JvmStderr()
    try:
        with jvm.captured():
            spark = (
                SparkSession.builder.master(choice.spark_master)
                .appName("iamwarden")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .getOrCreate()
            )
    except (PySparkException, Py4JError) as error:
        cause = jvm.cause() or _first_line(error)
        raise InputError(f"Spark did not start: {cause}", path=choice.spark_master) from None
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).disabled = True  # PySpark logs each error with Java's trace
    try:
        if existing is None:
            spark.sparkContext.setLogLevel("OFF")  # the error becomes one line below
        _warn(load_spark_table(spark, choice.trails))
        yield SparkEvents(spark=spark)
    except (PySparkException, Py4JError) as error:
        raise InputError(f"Spark: {_spark_cause(error)}") from None
    finally:
        if existing is None:  # a session of the caller's (a notebook, a test) is theirs
            spark.stop()


@contextmanager
def _athena(choice: EngineChoice) -> Iterator[EventTable]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    assert choice.database and choice.table
    try:
        client = boto3.client("athena")
        yield AthenaEvents(
            client=client,
            database=choice.database,
            table=choice.table,
            output=choice.athena_output,
            workgroup=choice.workgroup,
        )
    except ClientError as error:
        found = error.response.get("Error", {})
        raise InputError(
            f"Athena: {found.get('Code', 'error')}: {found.get('Message', '')}".rstrip(": "),
            path=choice.describe(None),
        ) from None
    except BotoCoreError as error:
        raise InputError(f"Athena: {_first_line(error)}", path=choice.describe(None)) from None


@contextmanager
def open_events(choice: EngineChoice, store: Path | None) -> Iterator[EventTable]:
    """The events `choice` names: the store at `store` (read-only) for DuckDB, a Spark
    session over the trails (stopped after), or an Athena table

    Raises:
        InputError: PySpark or Java missing, a trail path that does not exist, Spark's or
            Athena's failure (one line), the store's own errors.
    """
    if choice.engine is Engine.SPARK:
        with _spark(choice) as events:
            yield events
    elif choice.engine is Engine.ATHENA:
        with _athena(choice) as events:
            yield events
    else:
        with open_store(store, read_only=True) as opened:
            yield opened
