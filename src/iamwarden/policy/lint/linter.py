"""`lint_policy`: every diagnostic of one policy document, in one run

Grammar problems keep their documented codes (`invalid_arn`, `duplicate_sid`,
`principal_not_allowed`, ...; the rest are `syntax`) with IAM's own message, and the
statements that parse on their own are still linted in full, so one broken element hides
nothing else. It never decides access and never raises for a bad policy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from iamwarden.errors import PolicySyntaxError, Problem
from iamwarden.policy.catalog import Catalog, load_catalog
from iamwarden.policy.document import (
    _IDENTITY_LIKE,
    _PRINCIPAL_KINDS,
    VERSION_2008,
    VERSION_2012,
    Policy,
    PolicyKind,
    Statement,
    parse_policy,
)
from iamwarden.policy.lint.checks import Linter, diagnostic
from iamwarden.policy.lint.codes import Diagnostic, DiagnosticSeverity
from iamwarden.policy.lint.security import security_warnings
from iamwarden.policy.lint.statements import statement_overlaps

__all__ = ["SIZE_LIMITS", "lint_policy", "policy_size"]

SIZE_LIMITS: Mapping[str, int] = {
    "managed": 6_144,
    "user": 2_048,
    "role": 10_240,
    "group": 5_120,
    "trust": 2_048,
    "scp": 5_120,
    "rcp": 5_120,
    "session": 2_048,
}
"""Size quotas in characters (IAM User Guide, "IAM and AWS STS quotas"; Organizations User
Guide, "Quotas for AWS Organizations"; AWS STS API Reference, `AssumeRole` `Policy`): a
managed policy, the inline policies of a user / role / group (aggregate per entity), a role
trust policy (the default; adjustable through Service Quotas, to 4,096 in the User Guide's
table), an SCP, an RCP and a session policy ("can't exceed 2,048 characters"). IAM counts
without whitespace; Organizations counts an SCP's or RCP's text as saved (`policy_size`)"""

_MAX_REPAIRS = 4
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
_KNOWN_AT_DEPLOY = ("Effect", "Action", "NotAction")
"""Statement elements whose template placeholders are suggestions, never grammar errors"""
_GRAMMAR_CODES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), code)
    for pattern, code in (
        (r"must be in arn format|partition `.*` is not valid", "invalid_arn"),
        (r"resource vendor|six `:`", "invalid_arn"),
        (r"^iam resource", "invalid_arn"),
        (r"is not a date", "invalid_condition_value"),
        (r"^duplicate sid", "duplicate_sid"),
    )
)  # fmt: skip


def lint_policy(
    policy_or_source: Policy | str | Mapping[str, Any],
    *,
    kind: PolicyKind | None = None,
    managed: bool = False,
    catalog: Catalog | None = None,
    duplicate_keys: Iterable[tuple[str, str]] = (),
    size_limit: int | None = None,
    is_trust: bool = False,
) -> tuple[Diagnostic, ...]:
    """Every diagnostic for a policy: repeated keys first, then the grammar's problems, then
    each statement's, then those comparing statements

    Args:
        policy_or_source: a parsed `Policy`, JSON text or decoded JSON data.
        kind: where the policy is used; defaults to the `Policy`'s own kind, or IDENTITY
            for a source.
        managed: the policy is (to be) a managed policy, which IAM requires to be version
            `2012-10-17`.
        catalog: the action catalogue; `load_catalog()` when not given.
        duplicate_keys: (object path, key) of each key the source repeats in one object,
            for decoded data whose reader saw them (YAML); JSON text is searched here.
        size_limit: the quota for this policy in characters (a value of `SIZE_LIMITS`),
            counted as `policy_size` counts for `kind`; not checked when None.
        is_trust: the policy is a role's trust policy (a whole account trusted without
            conditions is a security warning there, not in a key policy).

    A source that breaks the grammar is still linted: each statement that parses on its own
    is checked in full, located as in the whole document. Placeholders a template knows only
    at deploy time (`{{Name}}` for `!Ref Name`, whole or inside an entry) in `Action`,
    `NotAction` or `Effect` are `value_known_at_deploy` suggestions, not grammar errors.
    """
    kind = kind or (
        policy_or_source.kind if isinstance(policy_or_source, Policy) else PolicyKind.IDENTITY
    )
    repeated = list(duplicate_keys)
    found: list[Diagnostic] = []
    if isinstance(policy_or_source, str):
        repeated.extend(_repeated_keys(policy_or_source))
    found.extend(_duplicate_key(path, key) for path, key in repeated)
    if size_limit is not None:
        found.extend(_size(policy_or_source, size_limit, kind))
    source: Policy | str | Mapping[str, Any] = policy_or_source
    if isinstance(source, Mapping):
        source, deploy_time = _known_at_deploy(source, kind)
        found.extend(deploy_time)
    grammar: list[Diagnostic] = []
    if isinstance(source, Policy):
        policy: Policy | None = source
    else:
        try:
            policy = parse_policy(source, kind=kind)
        except PolicySyntaxError as exc:
            grammar = [_grammar(p, kind) for p in exc.problems or (Problem("", str(exc)),)]
            policy = _parse_ignoring_kind(source, kind) or _statements_alone(source, kind)
    found.extend(grammar)
    if policy is not None:
        found.extend(_checks(policy, kind, managed, catalog or load_catalog(), is_trust))
    seen: set[tuple[str, str]] = set()
    unique: list[Diagnostic] = []
    for item in found:
        if (item.code, item.location) not in seen:
            seen.add((item.code, item.location))
            unique.append(item)
    return tuple(unique)


def _checks(
    policy: Policy, kind: PolicyKind, managed: bool, catalog: Catalog, is_trust: bool
) -> Iterator[Diagnostic]:
    linter = Linter(kind, catalog)
    if policy.version == VERSION_2008:
        yield from linter.policy(replace(policy, statements=()), managed=managed)
    for statement in policy.statements:
        yield from linter.statement(statement, policy)
        yield from security_warnings(statement, catalog, kind, is_trust=is_trust)
    yield from statement_overlaps(policy.statements, catalog)


def policy_size(source: Policy | str | Mapping[str, Any], *, kind: PolicyKind | None = None) -> int:
    """The policy's size in characters as AWS counts it against its quota

    IAM (every kind but SCP and RCP) counts the JSON text without whitespace (IAM User Guide,
    "IAM and AWS STS quotas": "IAM doesn't count white space"). Organizations counts an SCP
    or RCP as it is saved (Organizations User Guide, "Quotas for AWS Organizations", maximum
    size of a policy document): the API and the CLI save the text exactly as given,
    whitespace included; only the console removes whitespace between JSON elements and
    outside quotation marks. Text is therefore counted whole for `kind` SCP or RCP; decoded
    data and a parsed `Policy` have no text of their own and are counted as compact JSON.
    """
    if isinstance(source, Policy):
        text = json.dumps(source.to_json(), separators=(",", ":"), ensure_ascii=False)
    elif isinstance(source, str):
        text = source
    else:
        text = json.dumps(source, separators=(",", ":"), default=str, ensure_ascii=False)
    if kind in _ORGANIZATIONS_KINDS:
        return len(text)
    return len("".join(text.split()))


_ORGANIZATIONS_KINDS = (PolicyKind.SCP, PolicyKind.RCP)
_JSON_SPACE = frozenset(" \t\n\r")


def _console_size(text: str) -> int:
    """The characters of JSON text without the whitespace outside quotation marks: what the
    Organizations console saves of an SCP or RCP"""
    size = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            in_string = escaped or char != '"'
            escaped = not escaped and char == "\\"
        elif char in _JSON_SPACE:
            continue
        else:
            in_string = char == '"'
        size += 1
    return size


def _size(
    source: Policy | str | Mapping[str, Any], limit: int, kind: PolicyKind
) -> Iterator[Diagnostic]:
    size = policy_size(source, kind=kind)
    if size <= limit:
        return
    if kind not in _ORGANIZATIONS_KINDS:
        yield diagnostic(
            "policy_too_large",
            "",
            f"the policy has {size:,} characters without whitespace: it is over IAM's limit "
            f"of {limit:,} for this kind of policy",
            rejected_by_iam=True,
        )
        return
    counted = f"{size:,} characters"
    if isinstance(source, str) and (console := _console_size(source)) < size:
        counted += (
            " as the API and CLI save it, whitespace included "
            f"({console:,} without the whitespace the console removes)"
        )
    yield diagnostic(
        "policy_too_large",
        "",
        f"the policy has {counted}: it is over Organizations' limit of {limit:,} "
        "(ConstraintViolationException POLICY_CONTENT_LIMIT_EXCEEDED)",
    )


def _grammar(problem: Problem, kind: PolicyKind) -> Diagnostic:
    """A grammar problem under its documented code, with IAM's message"""
    text, location = problem.problem, problem.location
    code = "syntax"
    for pattern, named in _GRAMMAR_CODES:
        if pattern.search(text):
            code = named
            break
    if kind not in _PRINCIPAL_KINDS and location.endswith(("Principal", "NotPrincipal")):
        code = "principal_not_allowed" if "is not allowed" in text else code
    elif kind in _IDENTITY_LIKE and text == "statement must contain resources":
        code = "resource_missing"
    severity = DiagnosticSeverity.ERROR
    return diagnostic(code, location, text, severity=severity, rejected_by_iam=True)


def _parse_ignoring_kind(source: str | Mapping[str, Any], kind: PolicyKind) -> Policy | None:
    """The policy parsed as a resource policy (`Principal` allowed, `Resource` optional) when
    only the rules of `kind` broke the grammar; else None"""
    if kind in _PRINCIPAL_KINDS:
        return None
    try:
        return parse_policy(source, kind=PolicyKind.RESOURCE)
    except PolicySyntaxError:
        return None


def _statements_alone(source: str | Mapping[str, Any], kind: PolicyKind) -> Policy | None:
    """The statements of a document that parse on their own (each keeps its index), or None
    when the document is not an object with statements"""
    data: Any = source
    if isinstance(source, str):
        try:
            data = json.loads(source)
        except (ValueError, RecursionError):
            return None
    if not isinstance(data, Mapping):
        return None
    raw = data.get("Statement")
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        return None
    version = data.get("Version", VERSION_2008)
    version = version if version in (VERSION_2012, VERSION_2008) else VERSION_2012
    statements: list[Statement] = []
    for index, item in enumerate(items):
        parsed = _statement_alone(item, version, kind)
        if parsed is not None:
            statements.append(replace(parsed, index=index))
    return Policy(kind=kind, version=version, statements=tuple(statements))


def _statement_alone(item: Any, version: str, kind: PolicyKind) -> Statement | None:
    """One statement parsed on its own, without the elements the grammar rejects (a bad
    Sid, a condition clause with a value IAM cannot read), so the rest is still checked"""
    for _ in range(_MAX_REPAIRS):
        alone = {"Version": version, "Statement": [item]}
        problems: Sequence[Problem] = ()
        for attempt in (kind, PolicyKind.RESOURCE):
            try:
                return parse_policy(alone, kind=attempt).statements[0]
            except PolicySyntaxError as exc:
                problems = exc.problems
        item = _without(item, problems)
        if item is None:
            return None
    return None


def _without(item: Any, problems: Sequence[Problem]) -> Any:
    """The statement without the optional elements (`Sid`, one condition clause) the
    problems name, or None when a problem is elsewhere"""
    if not isinstance(item, Mapping) or not problems:
        return None
    item = {**item}
    for problem in problems:
        steps = problem.location.split(".", 3)[1:]  # after `Statement[0]`
        if steps == ["Sid"]:
            item.pop("Sid", None)
        elif (
            len(steps) >= 2
            and steps[0] == "Condition"
            and isinstance(item.get("Condition"), Mapping)
        ):
            condition = {**item["Condition"]}
            block = condition.get(steps[1])
            if len(steps) == 3 and isinstance(block, Mapping):
                condition[steps[1]] = {k: v for k, v in block.items() if k != steps[2]}
                if not condition[steps[1]]:
                    del condition[steps[1]]
            else:
                condition.pop(steps[1], None)
            item["Condition"] = condition
        else:
            return None
    return item


def _known_at_deploy(
    data: Mapping[str, Any], kind: PolicyKind
) -> tuple[Mapping[str, Any], list[Diagnostic]]:
    """The document without the `Action` entries a template knows only at deploy time
    (`{{Name}}`), and a suggestion for each; a statement left without actions is replaced
    by one that grants and denies nothing, so that the others keep their indexes"""
    raw = data.get("Statement")
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list) or not any(
        isinstance(i, Mapping)
        and _PLACEHOLDER.search(json.dumps([i.get(e, "") for e in _KNOWN_AT_DEPLOY]))
        for i in items
    ):
        return data, []
    found: list[Diagnostic] = []
    statements: list[Any] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            statements.append(item)
            continue
        item = dict(item)
        effect = item.get("Effect")
        if isinstance(effect, str) and _PLACEHOLDER.search(effect):
            found.append(_deploy_time(f"Statement[{index}].Effect", effect, "linted as Allow"))
            item["Effect"] = "Allow"
        for element in ("Action", "NotAction"):
            value = item.get(element)
            entries = [value] if isinstance(value, str) else value
            if not isinstance(entries, list):
                continue
            kept = []
            for i, entry in enumerate(entries):
                if isinstance(entry, str) and _PLACEHOLDER.search(entry):
                    where = f"Statement[{index}].{element}" + (
                        f"[{i}]" if isinstance(value, list) else ""
                    )
                    found.append(_deploy_time(where, entry, "not checked"))
                else:
                    kept.append(entry)
            if kept:
                item[element] = kept
            elif entries:
                item = {"Effect": "Deny", "NotAction": "*", "Resource": "*"}
                if kind in _PRINCIPAL_KINDS:
                    item["Principal"] = "*"
                break
        statements.append(item)
    return {**data, "Statement": statements}, found


def _deploy_time(where: str, entry: str, outcome: str) -> Diagnostic:
    return diagnostic(
        "value_known_at_deploy", where, f"`{entry}` is known only at deploy time: {outcome}"
    )


def _duplicate_key(path: str, key: str) -> Diagnostic:
    """IAM rejects a repeated key: "Individual elements must not contain multiple instances
    of the same key" (IAM User Guide, grammar of the IAM JSON policy language, notes)"""
    return diagnostic(
        "duplicate_key",
        f"{path}.{key}" if path else key,
        f"`{key}` appears more than once in this object: IAM rejects a repeated key "
        "(a reader keeps only the last one)",
        rejected_by_iam=True,
    )


def _repeated_keys(source: str) -> list[tuple[str, str]]:
    """(object path, key) of every key repeated in an object of JSON text, in path order;
    none when the text is not JSON (the grammar's `syntax` errors say why; numbers JSON has
    not, `NaN`, `Infinity`, `1e999`, are the grammar's too)"""
    repeated: dict[int, list[str]] = {}

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) != len(pairs):
            seen: set[str] = set()
            keys = repeated.setdefault(id(built), [])
            for key, _ in pairs:
                if key in seen:
                    keys.append(key)
                seen.add(key)
        return built

    try:
        value = json.loads(source, object_pairs_hook=build)
    except (ValueError, RecursionError):
        return []
    if not repeated:
        return []
    found: list[tuple[str, str]] = []
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:  # INVARIANT: every object is alive in `value`, so ids are unique
        where, item = pending.pop()
        if isinstance(item, dict):
            found.extend((where, key) for key in repeated.get(id(item), ()))
            pending.extend((f"{where}.{k}" if where else k, v) for k, v in item.items())
        elif isinstance(item, list):
            pending.extend((f"{where}[{i}]", v) for i, v in enumerate(item))
    return sorted(found)
