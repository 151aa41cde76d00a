"""Policy test files (`simulate --scenarios`) and simulation of a snapshot's principals.

A scenario file is a public interface: its shape is documented in the README and every
malformed field is reported with the scenario, request and field that hold it; an action
that is not `service:Name` or a resource that is not an ARN (or `*`) is malformed, so that
no expectation is met by a request that tests nothing. An expectation is met only by a
certain decision (no undecided clause, no evaluation error) on an action the catalogue knows.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from typing import Any

from iamwarden.analysis.principals import is_known_principal, policies_for
from iamwarden.errors import InputError, ScenarioError
from iamwarden.fileio import DuplicateKey, parse_json, parse_yaml
from iamwarden.policy import (
    Catalog,
    Decision,
    Evaluation,
    Policy,
    PolicyKind,
    PolicySet,
    Request,
    StatementRef,
    evaluate,
    load_catalog,
    parse_policy,
    try_parse_arn,
)
from iamwarden.policy.arn import PARTITIONS, is_region_name
from iamwarden.policy.catalog import closest_name
from iamwarden.policy.conditions import parse_date
from iamwarden.policy.engine.principals import parse_principal
from iamwarden.policy.keys import ALWAYS_PRESENT_KEYS
from iamwarden.snapshot import Group, Role, Snapshot, User

__all__ = [
    "Scenario",
    "ScenarioRequest",
    "SimulationResult",
    "Verdict",
    "action_problem",
    "catalogue_warning",
    "context_problem",
    "load_scenarios",
    "resource_problem",
    "results_to_json",
    "run_scenarios",
    "simulate_principal",
]

Context = Mapping[str, str | tuple[str, ...]]

_SCENARIO_FIELDS = {
    "principal",
    "identity_policies",
    "permissions_boundary",
    "session_policies",
    "resource_policy",
    "resource_account",
    "scps",
    "rcps",
    "management_account",
    "context",
}
_REQUEST_FIELDS = _SCENARIO_FIELDS | {"action", "resource", "expect"}
_ACTION = re.compile(r"[A-Za-z0-9*?_.-]+:[A-Za-z0-9*?_.-]+")
_REQUESTED_REGION = "aws:RequestedRegion"
_ALWAYS_PRESENT = frozenset(key.lower() for key in ALWAYS_PRESENT_KEYS)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioRequest:
    """One request of a scenario, with every scenario field resolved"""

    request: Request
    policies: PolicySet
    expect: Decision | None = None
    policy_locations: Mapping[str, str] = field(default_factory=dict)
    """Where each policy is defined, by its name in the policy set: `identity_policies[1]`
    is `scenarios[0].identity_policies[1]`, or `scenarios[0].requests[2].identity_policies[1]`
    when the request overrides the field (after `<file>: ` when the file was named)"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A named group of requests sharing principal, policies and context"""

    name: str
    requests: tuple[ScenarioRequest, ...]


class Verdict(Enum):
    """How a decision compares with the expectation of its request"""

    MET = "met"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    """The decision has undecided clauses or evaluation errors, or rests on the absence of a
    key every real request carries (`aws:RequestedRegion`, `aws:SecureTransport`, …, per
    `policy.keys.ALWAYS_PRESENT_KEYS`): it cannot meet an expectation"""
    UNVERIFIED = "unverified"
    """The action is not in the catalogue: the decision tests nothing AWS would do"""


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulationResult:
    """One decision, with the expectation it was checked against and any warnings"""

    scenario: str
    request: Request
    evaluation: Evaluation
    expect: Decision | None = None
    is_known_action: bool = True
    warnings: tuple[str, ...] = ()
    policy_locations: Mapping[str, str] = field(default_factory=dict)
    """Where each policy of the decision is defined, by its name in the evaluation: a
    scenario file's field path, or an inline policy's `<identity>/<policy name>`"""

    def explain(self) -> str:
        """The evaluation's explanation, each policy named by where it is defined, and why
        it is uncertain when it rests on an absent always-present key"""
        text = _located(self.evaluation, self.policy_locations).explain()
        absent = self.absent_always_present
        if absent:
            text += (
                f"\nuncertain: decided without {', '.join(absent)}, which every real request "
                "carries (IAM User Guide, reference_policies_condition-keys.md)"
            )
        return text

    @property
    def absent_always_present(self) -> tuple[str, ...]:
        """The keys every real request carries (`policy.keys.ALWAYS_PRESENT_KEYS`) that a
        statement read and the request lacked, as written"""
        missing = self.evaluation.missing_context
        return tuple(key for key in missing if key.lower() in _ALWAYS_PRESENT)

    @property
    def is_uncertain(self) -> bool:
        """Whether the decision is uncertain: an evaluation issue touched it, or it rests on
        the absence of a key every real request carries"""
        return self.evaluation.is_uncertain or bool(self.absent_always_present)

    @property
    def verdict(self) -> Verdict | None:
        """The expectation's verdict; None when the request states none"""
        if self.expect is None:
            return None
        if not self.is_known_action:
            return Verdict.UNVERIFIED
        if self.is_uncertain or self.evaluation.is_conditional:
            return Verdict.UNCERTAIN
        return Verdict.MET if self.expect is self.evaluation.decision else Verdict.FAILED

    @property
    def is_expected(self) -> bool:
        """Whether the expectation is met (true when none was given): only a certain decision
        on a catalogue action, equal to the expected one, meets it"""
        return self.verdict in (None, Verdict.MET)


def _located(evaluation: Evaluation, names: Mapping[str, str]) -> Evaluation:
    """`evaluation` with every policy it cites renamed by `names` (others keep their name)"""
    if not names:
        return evaluation

    def ref(statement: StatementRef) -> StatementRef:
        return replace(statement, policy=names.get(statement.policy, statement.policy))

    return replace(
        evaluation,
        reasons=tuple(ref(r) for r in evaluation.reasons),
        undecided=tuple(replace(c, statement=ref(c.statement)) for c in evaluation.undecided),
        errors=tuple(
            replace(
                e,
                statement=ref(e.statement) if e.statement else None,
                policy=names.get(e.policy, e.policy),
            )
            for e in evaluation.errors
        ),
    )


def _policy_names(policies: PolicySet) -> Iterator[str]:
    single = (policies.permissions_boundary, policies.resource)
    levels = (*(policies.scps or ()), *(policies.rcps or ()))
    for policy in (
        *policies.identity,
        *(policies.session or ()),
        *single,
        *itertools.chain(*levels),
    ):
        if policy is not None:
            yield policy.name


def _fail(location: str, problem: str) -> ScenarioError:
    return ScenarioError(problem, location=location)


# Documents already parsed in the file being loaded, by the document object (a scenario's
# policies are the same objects in each of its requests), kind and name
_PARSED: ContextVar[dict[tuple[int, PolicyKind, str], tuple[Any, Policy]] | None] = ContextVar(
    "_PARSED", default=None
)


def _policy(value: Any, where: str, kind: PolicyKind, name: str) -> Policy:
    parsed = _PARSED.get()
    key = (id(value), kind, name)
    if parsed is not None and key in parsed:
        return parsed[key][1]
    policy = _parse_one(value, where, kind, name)
    if parsed is not None:
        parsed[key] = (value, policy)  # INVARIANT: holding `value` keeps its id unique
    return policy


def _parse_one(value: Any, where: str, kind: PolicyKind, name: str) -> Policy:
    if not isinstance(value, dict | str):
        raise _fail(where, "expected a policy document (an object or JSON text)")
    if isinstance(value, str):  # JSON text inside the file: the file's readers missed it
        _check_json_text(value, where)
    try:
        return parse_policy(value, name=name, kind=kind)
    except InputError as error:
        first = error.problems[0]
        location = f"{where}.{first.location}" if first.location else where
        raise _fail(location, first.problem) from None


def _check_json_text(text: str, where: str) -> None:
    """Refuse a policy's JSON text nested too deeply, not JSON, or with a key written twice in
    one object (IAM rejects the document; a reader would keep the last one)"""
    duplicates: list[DuplicateKey] = []
    try:
        parse_json(text, duplicates=duplicates)
    except InputError as error:
        raise _fail(f"{where} {error.location}".rstrip(), error.problem) from None
    if duplicates:
        first = duplicates[0]
        raise _fail(
            f"{where}.{first.pointer}",
            f"duplicate key `{first.key}`: the last one would silently win",
        )


def _policies(value: Any, where: str, kind: PolicyKind, name: str) -> tuple[Policy, ...]:
    """The documents of a list field; each named by its field and index (`identity_policies[0]`)
    so that requests with the same documents share their compiled policies"""
    if not isinstance(value, list):
        raise _fail(where, "expected a list of policy documents")
    return tuple(_policy(v, f"{where}[{i}]", kind, f"{name}[{i}]") for i, v in enumerate(value))


def _levels(value: Any, where: str, kind: PolicyKind, name: str) -> tuple[tuple[Policy, ...], ...]:
    if not isinstance(value, list):
        raise _fail(where, "expected a list of levels, each a list of policy documents")
    return tuple(
        _policies(level, f"{where}[{i}]", kind, f"{name}[{i}]") for i, level in enumerate(value)
    )


# The data type of global condition keys whose values have a form, from the IAM User Guide's
# "AWS global condition context keys" page (each key's *Data type*); every other global key
# (tag keys included) is a String
_KEY_TYPES: Mapping[str, str] = {
    "aws:currenttime": "Date",
    "aws:epochtime": "Date",
    "aws:tokenissuetime": "Date",
    "aws:multifactorauthage": "Numeric",
    "aws:multifactorauthpresent": "Bool",
    "aws:principalisawsservice": "Bool",
    "aws:securetransport": "Bool",
    "aws:viaawsservice": "Bool",
    "aws:sourceip": "IPAddress",
    "aws:vpcsourceip": "IPAddress",
    "aws:ec2instancesourceprivateipv4": "IPAddress",
    "aws:principalarn": "ARN",
    "aws:sourcearn": "ARN",
}


def _key_type(key: str, catalog: Catalog) -> str | None:
    """The data type of a condition key: a global key's (`String` unless listed above);
    `None` for a service key"""
    found = _KEY_TYPES.get(key.lower())
    if found is None and catalog.is_global_condition_key(key):
        return "String"
    return found


def _is_number(value: str) -> bool:
    """A finite number: `NaN`, `Infinity` and `1e999` are no JSON number (RFC 8259, section
    6), so no value a request carries"""
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_VALID: Mapping[str, tuple[Callable[[str], bool], str]] = {
    "Bool": (lambda v: v.lower() in ("true", "false"), "expected `true` or `false`"),
    "Numeric": (_is_number, "expected a number"),
    "Date": (
        lambda v: parse_date(v) is not None,
        "expected an ISO 8601 date-time (`2026-01-31T12:00:00Z`) or seconds since the epoch",
    ),
    "IPAddress": (_is_address, "expected an IP address (`203.0.113.7`)"),
    "ARN": (lambda v: try_parse_arn(v) is not None, "expected an ARN"),
}


def context_problem(key: str, value: str, catalog: Catalog | None = None) -> str | None:
    """Why `value` cannot be the value of condition key `key` in a request (its data type:
    Bool, Numeric, Date, IP address, ARN; a Region name for `aws:RequestedRegion`), or None;
    service keys are not checked"""
    if key.lower() == "aws:requestedregion" and not is_region_name(value):
        return f"`{value}` is not valid for `{key}`: expected a Region name (`us-east-1`)"
    kind = _key_type(key, catalog or load_catalog())
    rule = _VALID.get(kind or "")
    if rule is None:
        return None
    is_valid, expected = rule
    if is_valid(value):
        return None
    return f"`{value}` is not valid for `{key}`: {expected}"


def _check_context(context: Context, catalog: Catalog, at: Callable[[str], str]) -> None:
    """Refuse a value invalid for its key's data type, and a key given twice in different
    cases (IAM User Guide, IAM JSON policy elements: Condition: "Context key names are not
    case-sensitive"); `at(key)` locates the key"""
    seen: dict[str, str] = {}
    for key in context:
        first = seen.setdefault(key.lower(), key)
        if first != key:
            raise _fail(
                at(key),
                f"duplicate key `{key}`: `{first}` names the same condition key (key names "
                "are not case-sensitive)",
            )
    for key, values in context.items():
        for value in (values,) if isinstance(values, str) else values:
            _check(at(key), context_problem(key, value, catalog))


def _quote_hint(value: Any) -> str:
    """Why a value is not the string it may look like, for a field that needs a string (YAML
    reads an unquoted `123456789012` as a number and `yes` as a boolean)"""
    if isinstance(value, bool):
        return f"must be a string, not the boolean `{str(value).lower()}`: quote it"
    if isinstance(value, int | float):
        return f"must be a string, not the number `{value}`: quote it"
    return "must be a string"


def _scalar(value: Any, where: str, kind: str | None) -> str:
    """A context value as text; a String key refuses what YAML read as a number or boolean
    (`012` is the number 10, `yes` is true: not the text that was written)"""
    if isinstance(value, str):
        return value
    if isinstance(value, date):  # YAML's timestamps: the ISO text they were written as
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):  # `.nan`, `.inf`, `NaN`
        raise _fail(where, f"`{value}` is not a number a request carries")
    if isinstance(value, bool | int | float):
        if kind in ("String", "ARN", "IPAddress"):
            raise _fail(where, _quote_hint(value))
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    raise _fail(where, "expected a string, number or boolean")


def _context(value: Any, where: str, catalog: Catalog) -> dict[str, str | tuple[str, ...]]:
    if not isinstance(value, dict):
        raise _fail(where, "expected a mapping of condition keys to values")
    context: dict[str, str | tuple[str, ...]] = {}
    for key, item in value.items():
        at = f"{where}.{key}"
        kind = _key_type(str(key), catalog)
        if isinstance(item, list):
            context[str(key)] = tuple(_scalar(v, f"{at}[{i}]", kind) for i, v in enumerate(item))
        else:
            context[str(key)] = _scalar(item, at, kind)
    _check_context(context, catalog, lambda key: f"{where}.{key}")
    return context


def _text(
    fields: Mapping[str, Any], name: str, at: Callable[[str], str], default: str | None = None
) -> str:
    value = fields.get(name, default)
    if isinstance(value, str) and value:
        return value
    if value is None or value == "":
        raise _fail(at(name), "required, a non-empty string")
    raise _fail(at(name), _quote_hint(value))


def action_problem(action: str) -> str | None:
    """Why `action` is not an action of a request (`service:Name`, wildcards allowed, or `*`)"""
    if action == "*" or _ACTION.fullmatch(action):
        return None
    if ":" not in action:
        return f"`{action}` is not an action: expected `service:Name` (such as `s3:GetObject`)"
    return f"`{action}` is not an action: expected one `:` between service and name"


def resource_problem(resource: str) -> str | None:
    """Why `resource` is not the resource of a request (an ARN, wildcards allowed, or `*`)"""
    if resource == "*":
        return None
    if resource != resource.strip():
        return f"`{resource}` has whitespace before or after it: no ARN does"
    arn = try_parse_arn(resource)
    if arn is None:
        return (
            f"`{resource}` is not an ARN: expected `*` or "
            "`arn:partition:service:region:account:resource`"
        )
    if not arn.service:
        return f"`{resource}` is not an ARN: the service segment is empty"
    if not arn.resource:
        return f"`{resource}` is not an ARN: the resource segment is empty"
    if arn.partition not in PARTITIONS and not any(c in arn.partition for c in "*?"):
        return f"`{resource}`: partition `{arn.partition}` is not an aws partition"
    return None


def _check(where: str, problem: str | None) -> None:
    if problem is not None:
        raise _fail(where, problem)


def catalogue_warning(action: str, catalog: Catalog) -> str | None:
    """A warning when `action` names no catalogue action (`*` always does)"""
    if action == "*" or catalog.expand(action):
        return None
    service = action.split(":", 1)[0].lower()
    if "*" in service or "?" in service or service in catalog.services:
        suggestion = closest_name(action, catalog.expand(f"{service}:*"))
        problem = f"action `{action}` is not in the action catalogue"
    else:
        suggestion = closest_name(service, catalog.services)
        problem = f"action `{action}`: service prefix `{service}` is not in the action catalogue"
    hint = f" (did you mean `{suggestion}`?)" if suggestion else ""
    return f"{problem}{hint}: a decision on it tests nothing AWS would do"


def _request(
    fields: Mapping[str, Any],
    at: Callable[[str], str],
    shared_context: Context,
    catalog: Catalog,
) -> ScenarioRequest:
    """One request from its fields (the scenario's merged with its own); `at(name)` is where
    field `name` is written: the request, or the scenario it inherits the field from"""
    unknown = sorted(set(fields) - _REQUEST_FIELDS)
    if unknown:
        raise _fail(at(unknown[0]), "unknown field")
    principal = _text(fields, "principal", at)
    action = _text(fields, "action", at)
    _check(at("action"), action_problem(action))
    resource = _text(fields, "resource", at, default="*")
    _check(at("resource"), resource_problem(resource))
    try:
        parse_principal(principal)
    except InputError as error:  # a group, a policy: no request is made by it
        raise _fail(at("principal"), error.problem) from None
    own = _context(fields.get("context") or {}, at("context"), catalog)
    overridden = {key.lower() for key in own}  # whatever the case the scenario wrote it in
    shared = {k: v for k, v in shared_context.items() if k.lower() not in overridden}
    context = {**shared, **own}
    account = fields.get("resource_account")
    if account is not None and (not isinstance(account, str) or not account):
        problem = "expected an account id" if isinstance(account, str) else _quote_hint(account)
        raise _fail(at("resource_account"), problem)
    management = fields.get("management_account", False)
    if not isinstance(management, bool):
        raise _fail(at("management_account"), "expected true or false")
    expect = fields.get("expect")
    try:
        expected = Decision(expect) if expect is not None else None
    except ValueError:
        choices = ", ".join(d.value for d in Decision)
        raise _fail(at("expect"), f"`{expect}` is not one of {choices}") from None

    def optional(name: str, kind: PolicyKind) -> Policy | None:
        value = fields.get(name)
        return None if value is None else _policy(value, at(name), kind, name)

    def levels(name: str, kind: PolicyKind) -> tuple[tuple[Policy, ...], ...] | None:
        value = fields.get(name)
        return None if value is None else _levels(value, at(name), kind, name)

    sessions = fields.get("session_policies")
    policies = PolicySet(
        identity=_policies(
            fields.get("identity_policies") or [],
            at("identity_policies"),
            PolicyKind.IDENTITY,
            "identity_policies",
        ),
        permissions_boundary=optional("permissions_boundary", PolicyKind.PERMISSIONS_BOUNDARY),
        session=None
        if sessions is None
        else _policies(sessions, at("session_policies"), PolicyKind.SESSION, "session_policies"),
        resource=optional("resource_policy", PolicyKind.RESOURCE),
        scps=levels("scps", PolicyKind.SCP),
        rcps=levels("rcps", PolicyKind.RCP),
        is_management_account=management,
    )
    request = Request(
        principal=principal,
        action=action,
        resource=resource,
        resource_account=account,  # else the engine's: the ARN's account or the principal's
        context=context,
    )
    return ScenarioRequest(request=request, policies=policies, expect=expected)


def _scenario(raw: Any, where: str, catalog: Catalog, prefix: str = "") -> Scenario:
    if not isinstance(raw, dict):
        raise _fail(where, "expected a mapping")
    path = f"{prefix}{where}"
    name = _text(raw, "name", lambda field: f"{where}.{field}")
    where = f"{where} ({name})"
    requests = raw.get("requests")
    if not isinstance(requests, list) or not requests:
        raise _fail(f"{where}.requests", "required, a non-empty list")
    unknown = sorted(set(raw) - _SCENARIO_FIELDS - {"name", "requests"})
    if unknown:
        raise _fail(f"{where}.{unknown[0]}", "unknown field")
    shared = {k: v for k, v in raw.items() if k not in ("name", "requests", "context")}
    shared_context = _context(raw.get("context") or {}, f"{where}.context", catalog)
    resolved = []
    for i, item in enumerate(requests):
        at = f"{where}.requests[{i}]"
        if not isinstance(item, dict):
            raise _fail(at, "expected a mapping")

        def locate(field: str, own: dict[str, Any] = item, request: str = at) -> str:
            return f"{where if field in shared and field not in own else request}.{field}"

        request = _request(shared | item, locate, shared_context, catalog)
        origin = f"{path}.requests[{i}]"
        locations = {
            policy: f"{origin if policy.partition('[')[0] in item else path}.{policy}"
            for policy in _policy_names(request.policies)
        }
        resolved.append(replace(request, policy_locations=locations))
    return Scenario(name=name, requests=tuple(resolved))


def _decode(text: str, *, is_json: bool) -> Any:
    """The file's value; a key written twice in one mapping is an error, not last-one-wins"""
    duplicates: list[DuplicateKey] = []
    value = _decoded(text, duplicates, is_json=is_json)
    if duplicates:
        first = duplicates[0]
        inside = f" in `{first.path}`" if first.line and first.path else ""
        raise _fail(
            first.line or first.pointer,
            f"duplicate key `{first.key}`{inside}: the last one would silently win",
        )
    return value


def _decoded(text: str, duplicates: list[DuplicateKey], *, is_json: bool) -> Any:
    if is_json:  # a `.json` file: JSON's reader and its errors, never YAML's leniency
        return parse_json(text, error=ScenarioError, duplicates=duplicates)
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        try:
            return parse_json(text, error=ScenarioError, duplicates=duplicates)
        except ScenarioError:
            pass  # YAML flow style, or broken: YAML's reader says which
    return parse_yaml(text, error=ScenarioError, duplicates=duplicates)


def load_scenarios(text: str, *, path: str = "") -> tuple[Scenario, ...]:
    """Parse a scenario file (YAML or JSON text); raises `ScenarioError` with the location

    `path` names the file in the requests' `policy_locations` (`path: scenarios[0]...`).

    A file named `.json` (or `.json.gz`) is JSON, its errors JSON's; other JSON text is read
    with the JSON decoder too (YAML's pure-Python constructor is far slower), anything else,
    or JSON it rejects, as YAML. A document used by several requests is parsed once.
    """
    data = _decode(text, is_json=path.lower().endswith((".json", ".json.gz")))
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list):
        raise _fail("scenarios", "required at the top level, a list of scenarios")
    catalog = load_catalog()
    token = _PARSED.set({})
    try:
        scenarios = tuple(
            _scenario(raw, f"scenarios[{i}]", catalog, f"{path}: " if path else "")
            for i, raw in enumerate(data["scenarios"])
        )
    finally:
        _PARSED.reset(token)
    if not scenarios:
        raise _fail("scenarios", "the list is empty")
    return scenarios


def run_scenarios(
    scenarios: Iterable[Scenario], *, trace: bool = False, catalog: Catalog | None = None
) -> list[SimulationResult]:
    """Evaluate every request of every scenario

    A request whose action the catalogue (`load_catalog()` when not given) does not know
    carries a warning, and its expectation is `Verdict.UNVERIFIED`, never met.
    """
    catalog = catalog or load_catalog()
    return [
        _result(
            scenario.name,
            item.request,
            item.policies,
            catalog,
            expect=item.expect,
            trace=trace,
            locations=item.policy_locations,
        )
        for scenario in scenarios
        for item in scenario.requests
    ]


def _result(
    scenario: str,
    request: Request,
    policies: PolicySet,
    catalog: Catalog,
    *,
    expect: Decision | None = None,
    trace: bool = False,
    locations: Mapping[str, str] | None = None,
) -> SimulationResult:
    warning = catalogue_warning(request.action, catalog)
    return SimulationResult(
        scenario=scenario,
        request=request,
        expect=expect,
        evaluation=evaluate(request, policies, trace=trace),
        is_known_action=warning is None,
        warnings=() if warning is None else (warning,),
        policy_locations=locations or {},
    )


def simulate_principal(
    snapshot: Snapshot,
    principal: str,
    actions: Sequence[str],
    resources: Sequence[str] = ("*",),
    context: Context | None = None,
    *,
    region: str | None = None,
    trace: bool = False,
    catalog: Catalog | None = None,
) -> list[SimulationResult]:
    """Decide every action x resource for a principal of the snapshot, with its real policies

    `region` is the request's `aws:RequestedRegion` unless `context` gives that key.

    Raises:
        InputError: the principal is not in the account, an action is not `service:Name`
            (or `*`), a resource is not an ARN (or `*`), or a context value is not valid
            for its key's data type (`context_problem`).
    """
    if not is_known_principal(snapshot, principal):
        raise InputError(f"principal `{principal}` is not in the account", location="--principal")
    for action in actions:
        _check("--action", action_problem(action))
    for resource in resources:
        _check("--resource", resource_problem(resource))
    catalog = catalog or load_catalog()
    _check_context(context or {}, catalog, lambda key: "--context")
    shared = dict(context or {})
    if region is not None and not any(k.lower() == _REQUESTED_REGION.lower() for k in shared):
        shared[_REQUESTED_REGION] = region
    entities: tuple[User | Group | Role, ...] = (*snapshot.users, *snapshot.groups, *snapshot.roles)
    inline = {  # named `<identity arn>:<policy>` in the engine, as the report names them
        f"{entity.arn}:{policy.name}": f"{entity.name}/{policy.name}"
        for entity in entities
        for policy in entity.inline_policies
    }
    results = []
    for action, resource in itertools.product(actions, resources):
        resolved = policies_for(
            snapshot, principal, resource_arn=None if resource == "*" else resource
        )
        request = Request(
            principal=principal,
            action=action,
            resource=resource,
            context=dict(shared),
        )
        results.append(
            _result(principal, request, resolved.policies, catalog, trace=trace, locations=inline)
        )
    return results


def results_to_json(results: Sequence[SimulationResult]) -> dict[str, Any]:
    """The documented machine-readable form of simulation results"""
    return {
        "schema_version": 1,
        "results": [
            {
                "scenario": r.scenario,
                "principal": r.request.principal,
                "action": r.request.action,
                "resource": r.request.resource,
                "decision": r.evaluation.decision.value,
                "expect": r.expect.value if r.expect else None,
                "passed": r.is_expected,
                "verdict": r.verdict.value if r.verdict else None,
                "warnings": list(r.warnings),
                "deciding_policy_type": r.evaluation.deciding_kind.value
                if r.evaluation.deciding_kind
                else None,
                "reasons": [
                    {
                        "policy_type": ref.kind.value,
                        "policy": ref.policy,
                        "index": ref.index,
                        "sid": ref.sid,
                        "pointer": ref.pointer,
                    }
                    for ref in r.evaluation.reasons
                ],
                "undecided": [
                    {
                        "operator": c.operator,
                        "key": c.key,
                        "values": list(c.values),
                        "must_hold": c.must_hold,
                        "policy": c.statement.policy,
                        "pointer": c.statement.pointer,
                    }
                    for c in r.evaluation.undecided
                ],
                "uncertain": r.is_uncertain,
                "errors": [
                    {
                        "policy": e.policy,
                        "pointer": e.statement.pointer if e.statement else None,
                        "problem": e.problem,
                    }
                    for e in r.evaluation.errors
                ],
                "notes": list(r.evaluation.notes),
                "missing_context": list(r.evaluation.missing_context),
            }
            for r in results
        ],
        "failed": sum(not r.is_expected for r in results),
    }
