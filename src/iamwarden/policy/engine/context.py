"""The request context of one request, derived from the principal when not given"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from iamwarden.policy.conditions import (
    Missing,
)
from iamwarden.policy.engine.globs import Component
from iamwarden.policy.engine.model import EvaluationIssue, PrincipalType, Request, StatementRef
from iamwarden.policy.engine.principals import Principal

UNKNOWN: Final = Missing.UNKNOWN
_Values = tuple[str, ...] | None | Missing


_Lowered = dict[str, tuple[str, ...]]
_LAST_CONTEXT: list[tuple[Mapping[str, str | Sequence[str]] | None, _Lowered]] = [(None, {})]


def _lowered(context: Mapping[str, str | Sequence[str]]) -> _Lowered:
    """Context keys lowercased, values as tuples; the last mapping seen is remembered

    The one slot is read and replaced whole, so a concurrent caller never sees another
    mapping's entry. INVARIANT: a request's context is not mutated after the request is built.
    """
    seen, lowered = _LAST_CONTEXT[0]
    if seen is context:
        return lowered
    lowered = {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in context.items()}
    _LAST_CONTEXT[0] = (context, lowered)
    return lowered


class Context:
    """Context values of one request, derived from the principal when not given"""

    __slots__ = (
        "_given",
        "every_resource",
        "has_boundary",
        "is_pattern",
        "issues",
        "missing",
        "partial_denies",
        "principal",
        "request",
        "resource_account",
        "skipped",
        "trace",
        "unknown",
    )

    def __init__(
        self,
        request: Request,
        principal: Principal,
        resource_account: str | None,
        trace: list[str] | None,
        *,
        has_boundary: bool = False,
    ) -> None:
        self.request = request
        self.has_boundary = has_boundary
        """The principal is an IAM user or role with a permissions boundary"""
        self.missing: dict[str, str] | None = None
        """Condition keys (lowercased → as written) a clause found absent"""
        resource = request.resource
        self.is_pattern = "*" in resource or "?" in resource
        """The resource is a wildcard pattern: some (or every) resource it matches"""
        self.every_resource = request.every_resource
        self.partial_denies: list[tuple[StatementRef, str, Component]] | None = None
        """Deny statements that apply to some but not every resource of the pattern, with
        the resources they name"""
        self.principal = principal
        self.resource_account = resource_account
        self._given: _Lowered | None = None
        self.unknown = (
            frozenset(k.lower() for k in request.unknown_keys)
            if request.unknown_keys
            else request.unknown_keys
        )
        self.issues: dict[tuple[str, str], EvaluationIssue] = {}
        self.skipped: list[StatementRef] | None = None
        """Resource-policy statements that match the action and resource but, without
        `Principal` / `NotPrincipal`, apply to no one"""
        self.trace = trace

    def given(self) -> _Lowered:
        if self._given is None:
            self._given = _lowered(self.request.context)
        return self._given

    def values(self, key: str) -> _Values:
        given = self.given()
        if key in given:
            return given[key]
        if key in self.unknown:
            return UNKNOWN
        return self.derived(key)

    def derived(self, key: str) -> tuple[str, ...] | None:
        p = self.principal
        request = self.request
        if key == "aws:principalarn":
            return (p.principal_arn,) if p.principal_arn else None
        if key == "aws:principalaccount":
            return (p.account,) if p.account else None
        if key == "aws:principaltype":
            if p.type in (PrincipalType.SERVICE, PrincipalType.IDENTITY_PROVIDER):
                return None
            return (p.type.value,)
        if key == "aws:username":
            return (p.user_name,) if p.user_name else None
        if key == "aws:userid":
            if request.principal_id:
                return (request.principal_id,)
            if p.type is PrincipalType.ACCOUNT and p.account:
                return (p.account,)
            if p.type is PrincipalType.ANONYMOUS:
                return ("anonymous",)
            if p.type is PrincipalType.FEDERATED_USER and p.account:
                return (f"{p.account}:{p.session_name}",)
            return None
        if key == "aws:principalisawsservice":
            return ("true" if p.type is PrincipalType.SERVICE else "false",)
        if key == "aws:principalservicename":
            return (p.text,) if p.type is PrincipalType.SERVICE else None
        if key == "aws:resourceaccount":
            return (self.resource_account,) if self.resource_account else None
        if key.startswith("aws:principaltag/"):
            tag = key[len("aws:principaltag/") :]
            for name, value in request.principal_tags.items():
                if name.lower() == tag:
                    return (value,)
        return None

    def single(self, key: str) -> str | Missing:
        got = self.values(key)
        if isinstance(got, Missing):
            return got
        if not got or len(got) != 1:
            return Missing.ABSENT
        return got[0]

    def note_missing(self, key: str, spelled: str) -> None:
        """Record that a clause of a matched statement found `key` absent"""
        if self.missing is None:
            self.missing = {}
        self.missing.setdefault(key, spelled)

    def skip(self, ref: StatementRef) -> None:
        """Record a resource-policy statement skipped for naming no principal"""
        if self.skipped is None:
            self.skipped = []
        if ref not in self.skipped:
            self.skipped.append(ref)

    def issue(self, ref: StatementRef, problem: str) -> None:
        self.issues.setdefault(
            (str(ref), problem), EvaluationIssue(statement=ref, policy=ref.policy, problem=problem)
        )
