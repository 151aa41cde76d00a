"""Policy documents: parse, normalise, validate and serialise.

Owns the typed tree of a policy (`Policy` → `Statement` → `Condition`) and the grammar
checks, each problem located by a path such as `Statement[2].Condition.StringEquals`.
It never decides access (that is `engine`) and never loads the action catalogue.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from itertools import pairwise
from typing import Any

import orjson

from iamwarden.errors import PolicySyntaxError, Problem
from iamwarden.policy.arn import PARTITIONS

__all__ = [
    "VERSION_2008",
    "VERSION_2012",
    "Condition",
    "Effect",
    "Policy",
    "PolicyKind",
    "Statement",
    "parse_policy",
]

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"

_TOP_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)
_PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
_VENDOR = re.compile(r"[A-Za-z0-9*?_.-]+")
_OPERATOR = re.compile(r"(?:(?:ForAllValues|ForAnyValue):)?[A-Za-z0-9]+")
_ISO_DATE = re.compile(
    r"\d{1,4}(?:-(?P<month>\d{2}))?(?:-(?P<day>\d{2}))?"
    r"(?:[Tt](?P<hour>\d{1,2})?(?::\d{2})?(?::\d{2})?(?:\.\d{1,9})?)?"
    r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?"
)
_POLICY_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _arn_parts(value: str) -> list[str]:
    """`value` cut at its first five `:` outside policy variables: IAM accepts a variable
    in a segment (`arn:aws:iam::${aws:PrincipalAccount}:user/x`; IAM User Guide,
    reference_policies_variables)"""
    masked = _POLICY_VARIABLE.sub(lambda m: "_" * len(m.group()), value)
    bounds = [-1, *[i for i, ch in enumerate(masked) if ch == ":"][:5], len(value)]
    return [value[a + 1 : b] for a, b in pairwise(bounds)]


_IAM_RESOURCE_PREFIXES = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)
_INT64_MAX = 2**63 - 1


class Effect(Enum):
    """A statement's effect"""

    ALLOW = "Allow"
    DENY = "Deny"


class PolicyKind(Enum):
    """Where a policy is attached, which decides how the engine uses it"""

    IDENTITY = "identity"
    PERMISSIONS_BOUNDARY = "permissionsBoundary"
    SESSION = "session"
    RESOURCE = "resource"
    SCP = "scp"
    RCP = "rcp"


_NAMES = {
    PolicyKind.IDENTITY: "an identity policy",
    PolicyKind.PERMISSIONS_BOUNDARY: "a permissions boundary",
    PolicyKind.SESSION: "a session policy",
    PolicyKind.RESOURCE: "a resource policy",
    PolicyKind.SCP: "an SCP",
    PolicyKind.RCP: "an RCP",
}
"""Each kind in prose, with its article"""

_IDENTITY_LIKE = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.PERMISSIONS_BOUNDARY, PolicyKind.SESSION}
)
_PRINCIPAL_KINDS = frozenset({PolicyKind.RESOURCE, PolicyKind.RCP})

Principals = tuple[tuple[str, tuple[str, ...]], ...]
"""A `Principal` element: (type, values) pairs; `"*"` is `_ANY_PRINCIPAL`"""

_ANY_PRINCIPAL: Principals = (("*", ("*",)),)


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """One condition clause: operator, key and the values OR-ed together"""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One normalised statement; list-valued elements are tuples, absent ones None"""

    index: int
    sid: str | None = None
    effect: Effect
    action: tuple[str, ...] | None = None
    not_action: tuple[str, ...] | None = None
    resource: tuple[str, ...] | None = None
    not_resource: tuple[str, ...] | None = None
    principal: Principals | None = None
    not_principal: Principals | None = None
    conditions: tuple[Condition, ...] = ()

    @property
    def pointer(self) -> str:
        """Location of the statement in its policy (`Statement[0]`)"""
        return f"Statement[{self.index}]"

    def to_json(self) -> dict[str, Any]:
        """The statement as JSON (lists for every list-valued element)"""
        out: dict[str, Any] = {}
        if self.sid is not None:
            out["Sid"] = self.sid
        out["Effect"] = self.effect.value
        for name, value in (
            ("Principal", self.principal),
            ("NotPrincipal", self.not_principal),
        ):
            if value is not None:
                out[name] = _principal_json(value)
        for name, items in (
            ("Action", self.action),
            ("NotAction", self.not_action),
            ("Resource", self.resource),
            ("NotResource", self.not_resource),
        ):
            if items is not None:
                out[name] = list(items)
        if self.conditions:
            block: dict[str, dict[str, list[str]]] = {}
            for cond in self.conditions:
                block.setdefault(cond.operator, {})[cond.key] = list(cond.values)
            out["Condition"] = block
        return out


def _principal_json(value: Principals) -> Any:
    if value == _ANY_PRINCIPAL:
        return "*"
    return {kind: list(values) for kind, values in value}


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """A parsed policy document with its name and kind

    Equal policies have equal `digest`s; `parse_policy(p.to_json(), name=p.name,
    kind=p.kind) == p`.
    """

    name: str = ""
    kind: PolicyKind = PolicyKind.IDENTITY
    version: str = VERSION_2008
    id: str | None = None
    statements: tuple[Statement, ...]
    digest: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.digest:
            text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
            object.__setattr__(self, "digest", hashlib.sha256(text.encode()).hexdigest())

    def to_json(self) -> dict[str, Any]:
        """The document as JSON-compatible data"""
        out: dict[str, Any] = {"Version": self.version}
        if self.id is not None:
            out["Id"] = self.id
        out["Statement"] = [s.to_json() for s in self.statements]
        return out


def parse_policy(
    source: str | Mapping[str, Any],
    *,
    name: str = "",
    kind: PolicyKind = PolicyKind.IDENTITY,
) -> Policy:
    """Parse and validate a policy document (JSON text or already-decoded data)

    Parsing is cached by (canonical text, name, kind).

    Raises:
        PolicySyntaxError: the document breaks the grammar; `problems` holds every problem.
    """
    if isinstance(source, str):
        return _parse_text(source, name, kind)
    return _parse_text(_canonical_text(source), name, kind)


_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _canonical_text(source: Mapping[str, Any]) -> str:
    """Decoded data as sorted JSON text, the parse cache's key

    orjson writes it (ten times the standard encoder's speed); data it refuses (keys not
    text, integers beyond 64 bits) or writes otherwise than the standard encoder (NaN and
    infinities as `null`) goes to the standard encoder, so the text read back is the same
    either way.

    Raises:
        PolicySyntaxError: the data is not JSON data.
    """
    try:
        text = orjson.dumps(source, default=_yaml_date, option=_ORJSON_OPTIONS)
        if b"null" not in text:
            return text.decode()
    except orjson.JSONEncodeError:
        pass
    try:
        return json.dumps(source, sort_keys=True, default=_yaml_date)
    except (TypeError, ValueError) as exc:
        raise PolicySyntaxError(f"policy is not json data: {exc}") from None


def _yaml_date(value: object) -> str:
    """A date a YAML reader made of an unquoted `2012-10-17` (a policy's `Version`, a date
    condition value), back to the text it was written as"""
    if isinstance(value, date | datetime):
        return value.isoformat()
    tag = (
        "!!binary" if isinstance(value, bytes) else "!!set" if isinstance(value, set) else "tagged"
    )
    raise TypeError(f"a {tag} value has no JSON form")


# INVARIANT: large enough for every document of a 100,000-role account (tens of thousands of
# distinct documents, each read by the gap pass and again by the checks): a smaller cache
# evicts before the second reading and parses everything twice
_PARSE_CACHE_SIZE = 131_072


@lru_cache(maxsize=_PARSE_CACHE_SIZE)
def _parse_text(text: str, name: str, kind: PolicyKind) -> Policy:
    policy = _parse_document(text, kind)
    return replace(policy, name=name) if name else policy


@lru_cache(maxsize=_PARSE_CACHE_SIZE)
def _parse_document(text: str, kind: PolicyKind) -> Policy:
    """The unnamed policy of `text`: one parse per document and kind, whatever its names"""
    try:
        data = _DECODER.decode(text)
    except ValueError as exc:
        raise PolicySyntaxError(f"policy is not valid json: {exc}") from None
    except RecursionError:  # the C decoder's own bound, far deeper than any policy
        raise PolicySyntaxError("policy is not valid json: nested too deeply") from None
    return _Parser(kind).policy(data, "")


class _NonFinite(float):
    """`NaN`, `Infinity` or a number too large for a double (`1e999`), with its text: Python's
    reader takes them, JSON (RFC 8259, section 6: "Numeric values that cannot be represented
    ... (such as Infinity and NaN) are not permitted") and IAM do not"""

    text: str

    @classmethod
    def of(cls, text: str) -> _NonFinite:
        number = cls(text)
        number.text = text
        return number


def _float(text: str) -> float:
    value = float(text)
    return _NonFinite.of(text) if value in (math.inf, -math.inf) else value


_DECODER = json.JSONDecoder(parse_constant=_NonFinite.of, parse_float=_float)  # built once


def _full_arns(values: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Short ARNs with their missing segments filled with `*`, as IAM reads them

    `arn:aws:fdsasf` is `arn:aws:fdsasf:*:*:*`. One that already ends in `*` is kept as written:
    as a glob it matches the same six-segment ARNs (`arn:aws:medialive:*`).
    """
    if values is None or not any(v.startswith("arn:") and v.count(":") < 5 for v in values):
        return values
    return tuple(
        v + ":*" * (5 - v.count(":"))
        if v.startswith("arn:") and v.count(":") < 5 and not v.endswith("*")
        else v
        for v in values
    )


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


class _Parser:
    """Collects every problem of one document"""

    def __init__(self, kind: PolicyKind) -> None:
        self.kind = kind
        self.problems: list[Problem] = []

    def fail(self, location: str, problem: str) -> None:
        self.problems.append(Problem(location, problem))

    def policy(self, data: Any, name: str) -> Policy:
        if not isinstance(data, dict):
            raise PolicySyntaxError("policy must be a json object")
        for key in sorted(set(data) - _TOP_KEYS):
            self.fail(key, f"unknown element `{key}`")
        version = data.get("Version", VERSION_2008)
        if version not in (VERSION_2012, VERSION_2008):
            self.fail("Version", f"version must be `{VERSION_2012}` or `{VERSION_2008}`")
            version = VERSION_2012
        policy_id = data.get("Id")
        if policy_id is not None and not isinstance(policy_id, str):
            self.fail("Id", "id must be a string")
            policy_id = None
        raw = data.get("Statement")
        statements: list[Statement] = []
        if raw is None:
            self.fail("Statement", "policy must contain a statement")
        else:
            items = [raw] if isinstance(raw, dict) else raw
            if not isinstance(items, list) or not items:
                self.fail("Statement", "statement must be an object or a non-empty list")
                items = []
            sids: set[str] = set()
            for index, item in enumerate(items):
                statement = self.statement(item, index)
                if statement is None:
                    continue
                if statement.sid:
                    if statement.sid in sids:
                        self.fail(f"Statement[{index}].Sid", f"duplicate sid `{statement.sid}`")
                    sids.add(statement.sid)
                statements.append(statement)
        if self.problems:
            first = self.problems[0]
            raise PolicySyntaxError(first.problem, location=first.location, problems=self.problems)
        return Policy(
            name=name,
            kind=self.kind,
            version=version,
            id=policy_id,
            statements=tuple(statements),
        )

    def statement(self, data: Any, index: int) -> Statement | None:
        at = f"Statement[{index}]"
        if not isinstance(data, dict):
            self.fail(at, "statement must be an object")
            return None
        for key in sorted(set(data) - _STATEMENT_KEYS):
            self.fail(f"{at}.{key}", f"unknown element `{key}`")
        sid = data.get("Sid")
        if sid is not None and not isinstance(sid, str):
            self.fail(f"{at}.Sid", "sid must be a string")
            sid = None
        raw_effect = data.get("Effect")
        effect = Effect.ALLOW
        if raw_effect is None:
            self.fail(f"{at}.Effect", "statement must contain an effect")
        elif raw_effect not in ("Allow", "Deny"):
            self.fail(f"{at}.Effect", f"effect must be `Allow` or `Deny`, not `{raw_effect}`")
        else:
            effect = Effect(raw_effect)
        action, not_action = self.pair(data, at, "Action", "NotAction", self.action_entry)
        if action is None and not_action is None:
            self.fail(at, "statement must contain actions")
        resource, not_resource = self.pair(data, at, "Resource", "NotResource", self.resource_entry)
        resource, not_resource = _full_arns(resource), _full_arns(not_resource)
        if resource is None and not_resource is None and self.kind in _IDENTITY_LIKE:
            self.fail(at, "statement must contain resources")
        principal, not_principal = self.principals(data, at)
        conditions = self.conditions(data.get("Condition"), f"{at}.Condition")
        return Statement(
            index=index,
            sid=sid,
            effect=effect,
            action=action,
            not_action=not_action,
            resource=resource,
            not_resource=not_resource,
            principal=principal,
            not_principal=not_principal,
            conditions=conditions,
        )

    def pair(
        self,
        data: Mapping[str, Any],
        at: str,
        name: str,
        not_name: str,
        check: Callable[[str, str], None],
    ) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        if name in data and not_name in data:
            self.fail(at, f"statement cannot contain both `{name}` and `{not_name}`")
        out: list[tuple[str, ...] | None] = []
        for key in (name, not_name):
            if key not in data:
                out.append(None)
                continue
            raw = data[key]
            values = [raw] if isinstance(raw, str) else raw
            if isinstance(values, list) and None in values:
                # IAM accepts (and ignores) null entries in these lists
                values = [v for v in values if v is not None]
            if not _is_str_list(values) or not values:
                self.fail(f"{at}.{key}", f"`{key}` must be a string or a non-empty list of strings")
                out.append(None)
                continue
            for i, value in enumerate(values):
                check(f"{at}.{key}[{i}]", value)
            out.append(tuple(values))
        return out[0], out[1]

    def action_entry(self, at: str, value: str) -> None:
        if value == "*":
            return
        if ":" not in value:
            self.fail(at, f"action `{value}` must be prefaced by a vendor, e.g. `iam:`")
            return
        if value.count(":") > 1:
            self.fail(at, f"action `{value}` can contain only one colon")
            return
        vendor = value.split(":", 1)[0]
        if not _VENDOR.fullmatch(vendor):
            self.fail(at, f"vendor `{vendor}` is not valid")

    def resource_entry(self, at: str, value: str) -> None:
        if value == "*":
            return
        parts = _arn_parts(value)
        if parts[0] != "arn" or len(parts) < 2:
            self.fail(at, f"resource `{value}` must be in arn format or `*`")
            return
        if len(parts) < 3 or not parts[2]:
            self.fail(at, f"resource vendor of `{value}` must be fully qualified")
            return
        if len(parts) < 6 and "::" in value:
            # IAM fills the missing segments of a short ARN with `*` (`arn:aws:medialive:*`),
            # but rejects one that also leaves a segment empty
            self.fail(at, f"resource `{value}` must have six `:`-separated segments")
            return
        parts += ["*"] * (6 - len(parts))
        partition = parts[1]
        if partition not in PARTITIONS and "*" not in partition and "$" not in partition:
            self.fail(at, f"partition `{partition}` is not valid for resource `{value}`")
        service = parts[2]
        if service != "*" and ("*" in service or "?" in service):
            self.fail(at, f"resource vendor `{service}` must be fully qualified")
        if service == "iam" and parts[3] not in ("", "*"):
            self.fail(at, f"iam resource `{value}` cannot contain region information")
        path = parts[5]
        if (
            service == "iam"
            and path[:1] not in ("*", "$", "")
            and path != "root"
            and not path.startswith(_IAM_RESOURCE_PREFIXES)
        ):
            self.fail(at, f"iam resource path of `{value}` must start with `user/`, `role/`, …")

    def principals(
        self, data: Mapping[str, Any], at: str
    ) -> tuple[Principals | None, Principals | None]:
        if "Principal" in data and "NotPrincipal" in data:
            self.fail(at, "statement cannot contain both `Principal` and `NotPrincipal`")
        out: list[Principals | None] = []
        for key in ("Principal", "NotPrincipal"):
            if key not in data:
                out.append(None)
                continue
            if self.kind not in _PRINCIPAL_KINDS:
                self.fail(f"{at}.{key}", f"`{key}` is not allowed in {_NAMES[self.kind]}")
            raw = data[key]
            if raw == "*":
                out.append(_ANY_PRINCIPAL)
                continue
            if not isinstance(raw, dict) or not raw:
                self.fail(f"{at}.{key}", f"`{key}` must be `*` or an object")
                out.append(None)
                continue
            entries: list[tuple[str, tuple[str, ...]]] = []
            for kind in sorted(raw):
                values = raw[kind]
                values = [values] if isinstance(values, str) else values
                if kind not in _PRINCIPAL_TYPES:
                    self.fail(f"{at}.{key}.{kind}", f"unknown principal type `{kind}`")
                elif not _is_str_list(values) or not values:
                    self.fail(f"{at}.{key}.{kind}", "principal must be a string or a list")
                else:
                    entries.append((kind, tuple(values)))
            out.append(tuple(entries))
        return out[0], out[1]

    def conditions(self, raw: Any, at: str) -> tuple[Condition, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.fail(at, "condition must be an object")
            return ()
        out: list[Condition] = []
        for operator, block in raw.items():
            where = f"{at}.{operator}"
            if not _OPERATOR.fullmatch(operator):
                self.fail(where, f"condition operator `{operator}` is malformed")
                continue
            if not isinstance(block, dict):
                self.fail(where, "condition operator must map keys to values")
                continue
            for key, values in block.items():
                items = values if isinstance(values, list) else [values]
                if not all(isinstance(v, str | bool | int | float) for v in items):
                    self.fail(
                        f"{where}.{key}", "condition values must be strings, numbers or booleans"
                    )
                    continue
                odd = next((v for v in items if isinstance(v, _NonFinite)), None)
                if odd is not None:
                    self.fail(
                        f"{where}.{key}",
                        f"`{odd.text}` is not a JSON number: IAM rejects the document",
                    )
                    continue
                texts = tuple(_scalar_text(v) for v in items)
                if _is_date_operator(operator):
                    for value in texts:
                        if not _valid_date(value):
                            self.fail(f"{where}.{key}", f"`{value}` is not a date")
                out.append(Condition(operator=operator, key=key, values=texts))
        return tuple(out)


def _scalar_text(value: str | bool | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _is_date_operator(operator: str) -> bool:
    base = operator.rsplit(":", 1)[-1]
    return base.startswith("Date")


def _valid_date(value: str) -> bool:
    if value.lstrip("-").isdigit():
        return abs(int(value)) <= _INT64_MAX
    if "${" in value:
        return True
    found = _ISO_DATE.fullmatch(value)
    if found is None:
        return False
    month, day, hour = found.group("month"), found.group("day"), found.group("hour")
    return (
        (month is None or 1 <= int(month) <= 12)
        and (day is None or 1 <= int(day) <= 31)
        and (hour is None or int(hour) <= 24)
    )
