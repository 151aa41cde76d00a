"""Engine decision cases, as data: one JSON list per section of the AWS IAM User Guide.

Each case is `{name, doc_section, policies, request, decision}` with optional `reasons`
(`kind:policy:pointer`), `deciding_kind`, `undecided` (condition keys; `!key` means the
clause must not hold), `errors` (substrings of the reported issues), `notes`
(substrings of AWS's rules the explanation names) and `missing_context` (the condition
keys reported missing, as AWS's policy simulator reports MissingContextValues).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamwarden.policy import (
    Policy,
    PolicyKind,
    PolicySet,
    Request,
    evaluate,
    parse_policy,
)

CASES = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.json")):
        for case in json.loads(path.read_text()):
            params.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return params


def _doc(raw: Any, name: str, kind: PolicyKind) -> Policy:
    if isinstance(raw, dict) and "document" in raw:
        return parse_policy(raw["document"], name=raw.get("name", name), kind=kind)
    return parse_policy(raw, name=name, kind=kind)


def policy_set(spec: dict[str, Any]) -> PolicySet:
    """The `PolicySet` a case describes; policies are named after their slot"""

    def levels(key: str, kind: PolicyKind) -> tuple[tuple[Policy, ...], ...] | None:
        if key not in spec:
            return None
        return tuple(
            tuple(_doc(p, f"{key[:-1]}{lvl}.{i}", kind) for i, p in enumerate(level))
            for lvl, level in enumerate(spec[key])
        )

    session = spec.get("session")
    return PolicySet(
        identity=tuple(
            _doc(p, f"identity{i}", PolicyKind.IDENTITY)
            for i, p in enumerate(spec.get("identity", ()))
        ),
        permissions_boundary=(
            _doc(spec["permissions_boundary"], "boundary", PolicyKind.PERMISSIONS_BOUNDARY)
            if "permissions_boundary" in spec
            else None
        ),
        session=None
        if session is None
        else tuple(_doc(p, f"session{i}", PolicyKind.SESSION) for i, p in enumerate(session)),
        resource=(
            _doc(spec["resource"], "resource", PolicyKind.RESOURCE) if "resource" in spec else None
        ),
        scps=levels("scps", PolicyKind.SCP),
        rcps=levels("rcps", PolicyKind.RCP),
        is_management_account=spec.get("is_management_account", False),
        requires_resource_grant=spec.get("requires_resource_grant", False),
    )


def request(spec: dict[str, Any]) -> Request:
    """The `Request` a case describes"""
    return Request(
        principal=spec["principal"],
        action=spec["action"],
        resource=spec.get("resource", "*"),
        resource_account=spec.get("resource_account"),
        context=spec.get("context", {}),
        unknown_keys=frozenset(spec.get("unknown_keys", ())),
        principal_tags=spec.get("principal_tags", {}),
        principal_id=spec.get("principal_id"),
        every_resource=spec.get("every_resource", False),
    )


def test_there_are_enough_cases() -> None:
    assert len(_cases()) >= 150


@pytest.mark.parametrize("case", _cases())
def test_decision(case: dict[str, Any]) -> None:
    result = evaluate(request(case["request"]), policy_set(case["policies"]), trace=True)
    explanation = result.explain()
    assert result.decision.value == case["decision"], explanation
    if "reasons" in case:
        got = [f"{r.kind.value}:{r.policy}:{r.pointer}" for r in result.reasons]
        assert got == case["reasons"], explanation
    if "deciding_kind" in case:
        assert result.deciding_kind is not None, explanation
        assert result.deciding_kind.value == case["deciding_kind"], explanation
    if "undecided" in case:
        got = sorted(("" if c.must_hold else "!") + c.key.lower() for c in result.undecided)
        assert got == sorted(k.lower() for k in case["undecided"]), explanation
    elif result.decision.value == "allowed" and not case["request"].get("unknown_keys"):
        assert not result.undecided, explanation
    for fragment in case.get("errors", ()):
        assert any(fragment in str(issue) for issue in result.errors), explanation
    if "errors" not in case:
        assert not result.errors, explanation
    for fragment in case.get("notes", ()):
        assert any(fragment in note for note in result.notes), explanation
        assert fragment in explanation
    if "missing_context" in case:
        assert list(result.missing_context) == case["missing_context"], explanation
        if result.missing_context:
            assert "missing context values: " in explanation
