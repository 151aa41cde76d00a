"""Laws of the policy language and the engine (hypothesis)"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamwarden.policy import (
    Decision,
    PolicySet,
    Request,
    evaluate,
    evaluate_many,
    load_catalog,
    parse_policy,
)

USER = "arn:aws:iam::111122223333:user/alice"
SERVICES = ("s3", "iam", "sqs", "kms", "ec2")
NAME_PARTS = ("Get", "List", "Put", "Delete", "Create", "Describe", "Object", "User", "*", "?")

action_patterns = st.one_of(
    st.just("*"),
    st.builds(
        lambda svc, parts: f"{svc}:{''.join(parts)}",
        st.sampled_from(SERVICES),
        st.lists(st.sampled_from(NAME_PARTS), min_size=1, max_size=3),
    ),
)
resources = st.sampled_from(
    ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k", "arn:aws:iam::111122223333:user/*"]
)
conditions = st.one_of(
    st.just(None),
    st.fixed_dictionaries(
        {"Bool": st.fixed_dictionaries({"aws:SecureTransport": st.sampled_from(["true", "false"])})}
    ),
    st.fixed_dictionaries(
        {
            "StringLike": st.fixed_dictionaries(
                {"aws:PrincipalTag/team": st.sampled_from(["b*", "red"])}
            )
        }
    ),
)


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        "Action" if draw(st.booleans()) else "NotAction": draw(
            st.lists(action_patterns, min_size=1, max_size=3)
        ),
        "Resource" if draw(st.booleans()) else "NotResource": draw(
            st.lists(resources, min_size=1, max_size=2)
        ),
    }
    condition = draw(conditions)
    if condition:
        statement["Condition"] = condition
    if draw(st.booleans()):
        statement["Sid"] = draw(st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True))
    return statement


documents = st.builds(
    lambda items: {"Version": "2012-10-17", "Statement": items},
    st.lists(statements(), min_size=1, max_size=4, unique_by=lambda s: s.get("Sid") or id(s)),
)


@given(documents)
@settings(max_examples=150)
def test_parse_to_json_parse_is_identity(doc: dict[str, Any]) -> None:
    policy = parse_policy(doc, name="p")
    again = parse_policy(policy.to_json(), name="p")
    assert again == policy
    assert again.digest == policy.digest
    assert again.to_json() == policy.to_json()


@given(st.lists(action_patterns, min_size=1, max_size=3))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_allowed_catalogue_actions_equal_the_wildcard_expansion(patterns: list[str]) -> None:
    catalog = load_catalog()
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": patterns, "Resource": "*"}],
    }
    policies = PolicySet(identity=(parse_policy(doc, name="p"),))
    universe = sorted(a for svc in SERVICES for a in catalog.expand(f"{svc}:*"))
    results = evaluate_many(
        [Request(principal=USER, action=a, resource="*") for a in universe],
        policies,
        catalog=catalog,
    )
    allowed = {a for a, r in zip(universe, results, strict=True) if r.decision is Decision.ALLOWED}
    expected = set().union(*(catalog.expand(p) for p in patterns)) & set(universe)
    assert allowed == expected


@given(
    st.lists(statements(), min_size=1, max_size=3),
    statements(effect="Deny"),
    st.sampled_from(["s3:GetObject", "iam:CreateUser", "sqs:SendMessage", "s3:Get*"]),
    resources,
    st.sampled_from(["true", "false"]),
)
@settings(max_examples=200, deadline=None)
def test_adding_a_deny_never_turns_a_decision_into_allowed(
    base: list[dict[str, Any]], extra: dict[str, Any], action: str, resource: str, tls: str
) -> None:
    def doc(items: list[dict[str, Any]]) -> dict[str, Any]:
        for i, item in enumerate(items):
            item["Sid"] = f"S{i}"
        return {"Version": "2012-10-17", "Statement": items}

    before = PolicySet(identity=(parse_policy(doc([dict(s) for s in base]), name="p"),))
    after = PolicySet(
        identity=(parse_policy(doc([dict(s) for s in base] + [dict(extra)]), name="p"),)
    )
    request = Request(
        principal=USER,
        action=action,
        resource=resource,
        context={"aws:SecureTransport": tls, "aws:PrincipalTag/team": "blue"},
    )
    was = evaluate(request, before).decision
    now = evaluate(request, after).decision
    if now is Decision.ALLOWED:
        assert was is Decision.ALLOWED
    if was is not Decision.ALLOWED:
        assert now is not Decision.ALLOWED
