"""Rules as data: a `Rule` (an EventBridge pattern, optional conditions, metadata and example
events), a `RulePack` that indexes its rules for speed, and the loader of rule files (YAML,
every problem located by line and JSON path)

A rule file is `{"rules": [rule, ...]}`; each rule has `id` (snake_case, unique in a pack),
`title`, `severity` (critical, high, medium, low, info), `description`, `runbook`, `mitre`
(ATT&CK technique ids, `T1098.001`), optional `cis` (CIS AWS Foundations v3.0.0 section 4
ids, `"4.3"`) with `metric_filter` (the CloudWatch Logs filter pattern the benchmark gives),
`pattern` (an EventBridge event pattern over the EventBridge shape of a CloudTrail event),
optional `conditions` (names of `ConditionKind`), optional `read_only_events` (true when
the rule matches Describe/Get/List calls) and `examples` (`match` and `no_match`, each
a non-empty list of CloudTrail records).

A record becomes the event EventBridge delivers for it ("Events from AWS services" and
"AWS service events delivered via AWS CloudTrail", EventBridge User Guide): `source` is
`aws.` and the service name of `eventSource` (`iam.amazonaws.com` → `aws.iam`),
`detail-type` is "AWS API Call via CloudTrail" for `AwsApiCall` (and the matching names of
the other event types), `account` the recipient account, `region`, `time`, `id` the event id
and `detail` the record itself.

This module reads rule files through `fileio`; it prints nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from iamwarden.activity.rules.conditions import ConditionKind, event_condition
from iamwarden.activity.rules.pattern import CompiledPattern, compile_pattern, exact_values
from iamwarden.errors import InputError, Problem
from iamwarden.fileio import compose_yaml, read_text
from iamwarden.findings import Severity
from iamwarden.policy.sources import Located, located_yaml

__all__ = [
    "ExampleFailure",
    "Rule",
    "RuleError",
    "RulePack",
    "envelope",
    "load_builtin_pack",
    "load_pack",
    "load_rules",
    "parse_rules",
]

_ID = re.compile(r"[a-z][a-z0-9_]*")
_MITRE = re.compile(r"T\d{4}(\.\d{3})?")
_CIS = re.compile(r"4\.\d{1,2}")
_DETAIL_TYPES = {
    "AwsApiCall": "AWS API Call via CloudTrail",
    "AwsConsoleSignIn": "AWS Console Sign In via CloudTrail",
    "AwsServiceEvent": "AWS Service Event via CloudTrail",
    "AwsConsoleAction": "AWS Console Action via CloudTrail",
    "AwsCloudTrailInsight": "AWS Insight via CloudTrail",
}
_API_CALL = _DETAIL_TYPES["AwsApiCall"]
# services whose EventBridge source is not `aws.` + the first label of the endpoint
_SOURCES = {"monitoring.amazonaws.com": "aws.cloudwatch"}
_FIELDS = frozenset(
    {
        "id",
        "title",
        "severity",
        "description",
        "runbook",
        "mitre",
        "cis",
        "metric_filter",
        "pattern",
        "conditions",
        "examples",
        "read_only_events",
    }
)
_CANDIDATE_CACHE = 65_536
_MISSING = object()


class RuleError(InputError):
    """A rule file that cannot be loaded"""


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Rule:
    """One detection rule (compared and hashed by identity: a pack holds each once)

    `pattern` is compiled once; `metric_filter` is the CloudWatch Logs filter pattern of the
    CIS control the rule implements (exported as a metric filter and alarm), `source` the
    file and `line` the line the rule starts on. `read_only_events` says the rule matches
    read-only management events (Describe*, Get*, List*), which EventBridge gives only to
    rules in the state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS ("Receiving read-only
    management events from AWS services", EventBridge User Guide).
    """

    id: str
    title: str
    severity: Severity
    description: str
    runbook: str
    mitre: tuple[str, ...]
    pattern: CompiledPattern
    cis: tuple[str, ...] = ()
    metric_filter: str = ""
    conditions: tuple[ConditionKind, ...] = ()
    read_only_events: bool = False
    positives: tuple[Mapping[str, Any], ...] = ()
    negatives: tuple[Mapping[str, Any], ...] = ()
    source: str = ""
    line: int = 0

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether the rule's pattern matches a CloudTrail record (or an EventBridge event)"""
        return self.pattern.matches(envelope(record))


@dataclass(frozen=True, slots=True, kw_only=True)
class ExampleFailure:
    """A rule's own example that does not behave as written: a `match` example that the rule
    misses (`expected` True) or a `no_match` example that it matches"""

    rule: Rule
    index: int
    expected: bool

    def __str__(self) -> str:
        which = "match" if self.expected else "no_match"
        verb = "does not match" if self.expected else "matches"
        return f"{self.rule.id}: examples.{which}[{self.index}] {verb}"


@lru_cache(maxsize=1024)
def _source(event_source: str) -> str:
    return _SOURCES.get(event_source) or "aws." + event_source.split(".", 1)[0]


def envelope(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """The EventBridge event for a CloudTrail record (an EventBridge event is returned as is)

    Shape: `{"version": "0", "id", "detail-type", "source", "account", "time", "region",
    "resources": [], "detail": record}`.
    """
    if "detail-type" in record:
        return record
    event_source = record.get("eventSource")
    event_type = record.get("eventType")
    return {
        "version": "0",
        "id": record.get("eventID"),
        "detail-type": _DETAIL_TYPES.get(event_type, _API_CALL)
        if isinstance(event_type, str)
        else _API_CALL,
        "source": _source(event_source) if isinstance(event_source, str) else "",
        "account": record.get("recipientAccountId"),
        "time": record.get("eventTime"),
        "region": record.get("awsRegion"),
        "resources": [],
        "detail": record,
    }


class RulePack:
    """Rules indexed by `source` and `detail.eventName`, so that an event is tested only
    against the rules that can match it

    A rule whose pattern confines `detail.eventName` (or else `source`) to exact strings,
    outside any `$or`, is indexed under those values; the others are tried on every event.
    The candidates for each (source, event name) pair are worked out once and cached.
    """

    __slots__ = ("_by_name", "_by_source", "_candidates", "_everywhere", "rules")

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(sorted(rules, key=lambda r: r.id))
        """Every rule, sorted by id"""
        seen: dict[str, Rule] = {}
        for rule in self.rules:
            if rule.id in seen:
                raise RuleError(
                    f"rule id `{rule.id}` is also defined in {seen[rule.id].source}",
                    path=rule.source,
                    location=f"line {rule.line}",
                )
            seen[rule.id] = rule
        self._by_name: dict[str, list[Rule]] = {}
        self._by_source: dict[str, list[Rule]] = {}
        self._everywhere: list[Rule] = []
        for rule in self.rules:
            names = exact_values(rule.pattern.pattern, "detail", "eventName")
            sources = exact_values(rule.pattern.pattern, "source")
            if names is not None:
                for name in names:
                    self._by_name.setdefault(name, []).append(rule)
            elif sources is not None:
                for source in sources:
                    self._by_source.setdefault(source, []).append(rule)
            else:
                self._everywhere.append(rule)
        self._candidates: dict[tuple[Any, Any], tuple[Rule, ...]] = {}

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id, if the pack has it"""
        return next((r for r in self.rules if r.id == rule_id), None)

    def candidates(self, source: Any, name: Any) -> tuple[Rule, ...]:
        """The rules an event of this EventBridge `source` and `detail.eventName` is tested
        against (the others cannot match it), sorted by id; every rule when either is not a
        string (an array matches a pattern element by element)"""
        if not (isinstance(source, str) and isinstance(name, str | None)):
            return self.rules
        key = (source, name)
        found = self._candidates.get(key)
        if found is None:
            by_name = self._by_name.get(name, ()) if name is not None else ()
            by_source = self._by_source.get(source, ())
            found = tuple(sorted({*by_name, *by_source, *self._everywhere}, key=lambda r: r.id))
            if len(self._candidates) < _CANDIDATE_CACHE:
                self._candidates[key] = found
        return found

    def match(self, event: Mapping[str, Any]) -> list[Rule]:
        """The rules whose patterns match one CloudTrail record (an element of a log file's
        `Records`), or an event already in the EventBridge shape; sorted by rule id

        Conditions are not decided here (see `activity.rules.alerts`).
        """
        if "detail-type" in event:
            wrapped = event
            detail = event.get("detail")
            name = detail.get("eventName") if isinstance(detail, Mapping) else None
        else:
            wrapped = envelope(event)
            name = event.get("eventName")
        return [
            rule
            for rule in self.candidates(wrapped.get("source"), name)
            if rule.pattern.matches(wrapped)
        ]

    def _raises(self, rule: Rule, record: Mapping[str, Any]) -> bool:
        """Whether `rule` raises an alert for `record` with event conditions decided and
        snapshot conditions taken as holding"""
        return rule in self.match(record) and all(
            event_condition(kind, record) is not False for kind in rule.conditions
        )

    def check_examples(self) -> list[ExampleFailure]:
        """Every example of every rule that does not behave as written, matched through the
        pack's index as events are, with the rule's event conditions decided (a snapshot
        condition is taken as holding: examples carry no account model)"""
        failures: list[ExampleFailure] = []
        for rule in self.rules:
            for index, record in enumerate(rule.positives):
                if not self._raises(rule, record):
                    failures.append(ExampleFailure(rule=rule, index=index, expected=True))
            for index, record in enumerate(rule.negatives):
                if self._raises(rule, record):
                    failures.append(ExampleFailure(rule=rule, index=index, expected=False))
        return failures


@dataclass(slots=True)
class _Reader:
    """Reads one rule file's decoded value, collecting located problems"""

    path: str
    located: Located
    problems: list[Problem] = field(default_factory=list)

    def fail(self, where: str, problem: str) -> None:
        line = self.located.line(where)
        location = f"line {line}" if line is not None else ""
        self.problems.append(Problem(f"{location} {where}".strip(), problem))

    def text(self, rule: Mapping[str, Any], where: str, key: str) -> str:
        value = rule.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{where}.{key}", f"`{key}` must be a non-empty string")
            return ""
        return value.strip()

    def strings(
        self,
        rule: Mapping[str, Any],
        where: str,
        key: str,
        shape: re.Pattern[str],
        *,
        required: bool,
    ) -> tuple[str, ...]:
        value = rule.get(key, _MISSING)
        if value is _MISSING and not required:
            return ()
        if not isinstance(value, list) or (required and not value):
            self.fail(f"{where}.{key}", f"`{key}` must be a list of ids")
            return ()
        found: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not shape.fullmatch(item):
                self.fail(f"{where}.{key}[{i}]", f"`{item}` is not a valid {key} id")
            else:
                found.append(item)
        return tuple(found)

    def examples(
        self, rule: Mapping[str, Any], where: str, key: str
    ) -> tuple[Mapping[str, Any], ...]:
        examples = rule.get("examples")
        value = examples.get(key) if isinstance(examples, dict) else None
        if not isinstance(value, list) or not value:
            self.fail(f"{where}.examples", f"`examples.{key}` must be a non-empty list of events")
            return ()
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{where}.examples.{key}[{i}]", "an example event must be an object")
                return ()
        return tuple(value)

    def rule(self, raw: Any, where: str) -> Rule | None:
        if not isinstance(raw, dict):
            self.fail(where, "a rule must be a mapping")
            return None
        before = len(self.problems)
        for key in sorted(set(raw) - _FIELDS):
            self.fail(f"{where}.{key}", f"unknown field `{key}`")
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
            self.fail(f"{where}.id", f"`id` must be snake_case, not `{rule_id}`")
        severity = raw.get("severity")
        try:
            level = Severity(severity)
        except ValueError:
            names = ", ".join(s.value for s in Severity)
            self.fail(f"{where}.severity", f"severity `{severity}` is not one of {names}")
            level = Severity.INFO
        conditions: list[ConditionKind] = []
        raw_conditions = raw.get("conditions", [])
        if not isinstance(raw_conditions, list):
            self.fail(f"{where}.conditions", "`conditions` must be a list")
            raw_conditions = []
        for i, name in enumerate(raw_conditions):
            try:
                conditions.append(ConditionKind(name))
            except ValueError:
                known = ", ".join(c.value for c in ConditionKind)
                self.fail(f"{where}.conditions[{i}]", f"unknown condition `{name}` ({known})")
        cis = self.strings(raw, where, "cis", _CIS, required=False)
        metric_filter = raw.get("metric_filter", "")
        if not isinstance(metric_filter, str):
            self.fail(f"{where}.metric_filter", "`metric_filter` must be a string")
            metric_filter = ""
        if metric_filter and not cis:
            self.fail(f"{where}.metric_filter", "a metric filter belongs to a CIS control (`cis`)")
        read_only = raw.get("read_only_events", False)
        if not isinstance(read_only, bool):
            self.fail(f"{where}.read_only_events", "`read_only_events` must be true or false")
            read_only = False
        title = self.text(raw, where, "title")
        description = self.text(raw, where, "description")
        runbook = self.text(raw, where, "runbook")
        mitre = self.strings(raw, where, "mitre", _MITRE, required=True)
        positives = self.examples(raw, where, "match")
        negatives = self.examples(raw, where, "no_match")
        pattern: CompiledPattern | None = None
        try:
            pattern = compile_pattern(raw.get("pattern"), location=f"{where}.pattern")
        except InputError as error:
            for problem in error.problems:
                self.fail(problem.location, problem.problem)
        if len(self.problems) > before or pattern is None:
            return None
        return Rule(
            id=str(rule_id),
            title=title,
            severity=level,
            description=description,
            runbook=runbook,
            mitre=mitre,
            cis=cis,
            metric_filter=metric_filter.strip(),
            pattern=pattern,
            conditions=tuple(conditions),
            read_only_events=read_only,
            positives=positives,
            negatives=negatives,
            source=self.path,
            line=self.located.line(where) or 0,
        )


def parse_rules(text: str, *, path: str = "") -> list[Rule]:
    """The rules of one rule file's text (YAML or JSON)

    Raises:
        RuleError: every problem in the file, each located as `line L path` (`line 12
            rules[2].severity`) with what is wrong.
    """
    node = compose_yaml(text, path=path, error=RuleError)
    try:
        located = located_yaml(node)
    except InputError as error:
        raise RuleError(error.problem, path=path, location=error.location) from None
    reader = _Reader(path=path, located=located)
    value = located.value
    raw_rules = value.get("rules") if isinstance(value, dict) else None
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleError("a rule file is a mapping with a non-empty `rules` list", path=path)
    rules = [reader.rule(raw, f"rules[{i}]") for i, raw in enumerate(raw_rules)]
    ids: dict[str, int] = {}
    for i, rule in enumerate(rules):
        if rule is None:
            continue
        if rule.id in ids:
            reader.fail(f"rules[{i}].id", f"rule id `{rule.id}` is also rules[{ids[rule.id]}]")
        ids[rule.id] = i
    if reader.problems:
        first = reader.problems[0]
        raise RuleError(first.problem, path=path, location=first.location, problems=reader.problems)
    return [r for r in rules if r is not None]


def load_rules(paths: Sequence[Path]) -> RulePack:
    """A pack of the rules in `paths`: rule files, or directories whose `*.yaml` and `*.yml`
    files are read (sorted)

    Raises:
        RuleError: a file that is not a valid rule file, or one id used twice.
        InputError: a path that does not exist or cannot be read.
    """
    rules: list[Rule] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
        elif path.exists():
            files = [path]
        else:
            raise InputError("no such file or directory", path=str(path))
        for file in files:
            rules.extend(parse_rules(read_text(file, error=RuleError), path=str(file)))
    return RulePack(rules)


def load_pack(paths: Sequence[Path], *, builtin: bool = True) -> RulePack:
    """The rule pack of `iamwarden watch` and `iamwarden rules`: the built-in pack with the
    rules in `paths` added (`load_rules`), or with `builtin=False` those rules alone

    Raises:
        RuleError: a bad rule file, or an id used twice (a user rule may not redefine a
            built-in one).
        InputError: a path that does not exist or cannot be read.
    """
    added = list(load_rules(paths).rules) if paths else []
    return RulePack([*load_builtin_pack().rules, *added] if builtin else added)


@cache
def load_builtin_pack() -> RulePack:
    """The built-in rule pack (package data `activity/rules/data/*.yaml`), loaded and compiled
    once"""
    rules: list[Rule] = []
    folder = resources.files("iamwarden.activity.rules") / "data"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            name = f"iamwarden/activity/rules/data/{entry.name}"
            rules.extend(parse_rules(entry.read_text(encoding="utf-8"), path=name))
    return RulePack(rules)
