"""A wildcard request is decided as the conjunction of its catalogue actions (hypothesis)"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamwarden.policy import (
    Decision,
    Evaluation,
    PolicyKind,
    PolicySet,
    Request,
    evaluate,
    evaluate_many,
    load_catalog,
    parse_policy,
)
from iamwarden.policy.engine.plans import CompiledSet

USER = "arn:aws:iam::111122223333:user/alice"
PATTERNS = ("iam:*", "iam:Get*", "iam:*User*", "sqs:*", "s3:Put*", "kms:*", "sts:*")
PARTS = (
    "iam:Get*",
    "iam:List*",
    "iam:*User",
    "iam:CreateUser",
    "sqs:*",
    "sqs:Send*",
    "s3:Put*",
    "kms:*",
    "kms:Decrypt",
    "sts:Assume*",
    "*",
)
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Action" if draw(st.integers(0, 3)) else "NotAction": draw(
            st.lists(st.sampled_from(PARTS), min_size=1, max_size=3, unique=True)
        ),
        "Resource": draw(st.sampled_from(["*", "arn:aws:sqs:*:*:*", "arn:aws:iam::*:user/*"])),
    }
    if draw(st.integers(0, 4)) == 0:
        statement["Condition"] = MFA
    return statement


def documents(effect: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda items: {"Version": "2012-10-17", "Statement": items},
        st.lists(statements(effect), min_size=1, max_size=3),
    )


@st.composite
def policy_sets(draw: st.DrawFn) -> PolicySet:
    identity = tuple(
        parse_policy(doc, name=f"identity{i}")
        for i, doc in enumerate(draw(st.lists(documents(), min_size=1, max_size=3)))
    )
    boundary = draw(st.one_of(st.none(), documents("Allow")))
    scp_level = draw(st.one_of(st.none(), st.lists(documents(), min_size=1, max_size=2)))
    return PolicySet(
        identity=identity,
        permissions_boundary=None
        if boundary is None
        else parse_policy(boundary, name="boundary", kind=PolicyKind.PERMISSIONS_BOUNDARY),
        scps=None
        if scp_level is None
        else (
            tuple(
                parse_policy(doc, name=f"scp{i}", kind=PolicyKind.SCP)
                for i, doc in enumerate(scp_level)
            ),
        ),
    )


def _per_action(request: Request, policies: PolicySet) -> list[Evaluation]:
    catalog = load_catalog()
    actions = sorted(catalog.expand(request.action))
    fields = {
        "principal": request.principal,
        "resource": request.resource,
        "context": request.context,
        "unknown_keys": request.unknown_keys,
    }
    return evaluate_many([Request(action=a, **fields) for a in actions], policies)


@given(
    policy_sets(),
    st.sampled_from(PATTERNS),
    st.sampled_from(
        ["*", "arn:aws:sqs:us-east-1:111122223333:q", "arn:aws:iam::111122223333:user/bob"]
    ),
    st.sampled_from(["known true", "known false", "unknown"]),
)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_wildcard_request_is_the_conjunction_of_its_actions(
    policies: PolicySet, pattern: str, resource: str, mfa: str
) -> None:
    request = Request(
        principal=USER,
        action=pattern,
        resource=resource,
        context={} if mfa == "unknown" else {"aws:MultiFactorAuthPresent": mfa.split()[1]},
        unknown_keys=frozenset({"aws:MultiFactorAuthPresent"}) if mfa == "unknown" else frozenset(),
    )
    whole = evaluate(request, policies)
    each = _per_action(request, policies)
    decisions = {result.decision for result in each}
    if Decision.EXPLICIT_DENY in decisions:
        assert whole.decision is Decision.EXPLICIT_DENY
    elif Decision.IMPLICIT_DENY in decisions:
        assert whole.decision is Decision.IMPLICIT_DENY
    else:
        assert whole.decision is Decision.ALLOWED
        assert set(whole.reasons) == {ref for result in each for ref in result.reasons}
        assert set(whole.undecided) == {c for result in each for c in result.undecided}
    if whole.decision is not Decision.ALLOWED:
        assert not whole.undecided
    if whole.decision is Decision.EXPLICIT_DENY:
        denied = [r for r in each if r.decision is Decision.EXPLICIT_DENY]
        assert set(whole.reasons) == {ref for result in denied for ref in result.reasons}


@given(st.lists(statements(), min_size=1, max_size=4))
@settings(max_examples=60, deadline=None)
def test_a_statement_covers_exactly_what_its_named_actions_say(items: list[dict[str, Any]]) -> None:
    catalog = load_catalog()
    policy = parse_policy({"Version": "2012-10-17", "Statement": items}, name="p")
    compiled = CompiledSet(PolicySet(identity=(policy,)), shared=False)
    everything = {a.lower() for a in catalog.all_actions}
    universe = {
        a.lower() for svc in ("iam", "sqs", "s3", "kms", "sts") for a in catalog.expand(f"{svc}:*")
    }
    for stmt in compiled.statements():
        named = everything if stmt.act_all else stmt.named_actions(catalog)
        covered = everything - named if stmt.act_negated else named
        assert {a for a in universe if stmt.covers(a)} == covered & universe


def test_full_admin_split_over_statements_and_policies() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        ],
    }
    one = PolicySet(identity=(parse_policy(doc, name="split"),))
    halves = PolicySet(
        identity=tuple(
            parse_policy({"Version": "2012-10-17", "Statement": [s]}, name=f"half{i}")
            for i, s in enumerate(doc["Statement"])
        )
    )
    for policies in (one, halves):
        result = evaluate(Request(principal=USER, action="*"), policies)
        assert result.decision is Decision.ALLOWED
        assert len(result.reasons) == 2
