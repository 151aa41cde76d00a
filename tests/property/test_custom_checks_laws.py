"""Laws of the no-new-access check (Access Analyzer's CheckNoNewAccess, API Reference
API_CheckNoNewAccess), on generated policies: a policy never has new access against itself;
adding an Allow of an action no statement names always has; adding a Deny never has;
removing an Allow never has; and every decided new grant is one the engine allows under
the new policy and not under the existing one."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamwarden.analysis.custom_checks import CheckOutcome, check_no_new_access
from iamwarden.policy import (
    Decision,
    Policy,
    PolicySet,
    Request,
    evaluate,
    load_catalog,
    parse_policy,
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CATALOG = load_catalog()
ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:Get*",
    "s3:*Object",
    "s3:*",
    "sqs:SendMessage",
    "sqs:*",
    "ec2:Describe*",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/a*",
    "arn:aws:s3:::b/a?c",
    "arn:aws:s3:::c",
    "arn:aws:sqs:us-east-1:111122223333:q",
    "arn:aws:iam::111122223333:user/${aws:username}",
]
CONDITIONS = [
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:PrincipalTag/team": "a"}},
    {"StringEquals": {"aws:PrincipalTag/team": "b"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
]
UNSEEN = "dynamodb:GetItem"
"""An action no generated statement names"""


@st.composite
def statements(draw: Any, *, not_action: bool = True) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    key = "NotAction" if not_action and draw(st.integers(0, 5)) == 0 else "Action"
    statement[key] = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3, unique=True))
    rkey = "NotResource" if draw(st.integers(0, 5)) == 0 else "Resource"
    statement[rkey] = draw(
        st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=3, unique=True)
    )
    if draw(st.booleans()):
        statement["Condition"] = draw(st.sampled_from(CONDITIONS))
    return statement


def document(items: list[dict[str, Any]]) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": items}, name="p")


POLICIES = st.lists(statements(), min_size=1, max_size=4)


@SETTINGS
@given(POLICIES)
def test_a_policy_never_has_new_access_against_itself(items: list[dict[str, Any]]) -> None:
    p = document(items)
    assert check_no_new_access(p, p, catalog=CATALOG).outcome is CheckOutcome.PASS


@SETTINGS
@given(st.lists(statements(not_action=False), min_size=1, max_size=4), st.sampled_from(RESOURCES))
def test_adding_an_allow_of_an_unseen_action_always_has(
    items: list[dict[str, Any]], resource: str
) -> None:
    old = document(items)
    new = document([*items, {"Effect": "Allow", "Action": UNSEEN, "Resource": resource}])
    result = check_no_new_access(old, new, catalog=CATALOG)
    assert result.outcome is CheckOutcome.FAIL
    assert any(UNSEEN in r.actions and r.is_decided for r in result.reasons)


@SETTINGS
@given(POLICIES, statements())
def test_adding_a_deny_never_has(items: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    old = document(items)
    new = document([*items, {**extra, "Effect": "Deny"}])
    assert check_no_new_access(old, new, catalog=CATALOG).outcome is CheckOutcome.PASS


@SETTINGS
@given(POLICIES, st.integers(0, 3))
def test_removing_an_allow_never_has(items: list[dict[str, Any]], index: int) -> None:
    """(Removing a Deny can add access: only Allow statements are removed here)"""
    allows = [i for i, s in enumerate(items) if s["Effect"] == "Allow"]
    if len(items) < 2 or not allows:
        return
    drop = allows[index % len(allows)]
    old = document(items)
    new = document([s for i, s in enumerate(items) if i != drop])
    assert check_no_new_access(old, new, catalog=CATALOG).outcome is CheckOutcome.PASS


def _witness(pattern: str) -> str:
    return pattern.replace("${aws:username}", "alice").replace("*", "zz").replace("?", "q")


@SETTINGS
@given(
    st.lists(statements(not_action=False), min_size=1, max_size=3),
    st.lists(statements(not_action=False), min_size=1, max_size=3),
)
def test_unconditional_new_grants_agree_with_the_engine(
    old_items: list[dict[str, Any]], new_items: list[dict[str, Any]]
) -> None:
    """A PASS means the engine allows nothing under `new` that `old` refuses, on each
    resource pattern's witness; a decided unconditional grant is allowed by `new`"""
    unconditional = [{k: v for k, v in s.items() if k != "Condition"} for s in new_items]
    old_plain = [{k: v for k, v in s.items() if k != "Condition"} for s in old_items]
    old, new = document(old_plain), document(unconditional)
    result = check_no_new_access(old, new, catalog=CATALOG)
    principal = "arn:aws:iam::111122223333:user/alice"
    for reason in result.reasons:
        if reason.resource.startswith("every resource but") or "${" in reason.resource:
            continue  # a variable is compared as written, not as the engine renders it
        action = reason.actions[0]
        request = Request(principal=principal, action=action, resource=reason.resource)
        assert evaluate(request, PolicySet(identity=(new,))).decision is Decision.ALLOWED
    if result.outcome is CheckOutcome.PASS:
        for statement in unconditional:
            for pattern in statement.get("Resource", []):
                for action in statement["Action"]:
                    request = Request(
                        principal=principal, action=action, resource=_witness(pattern)
                    )
                    if "*" in action:
                        continue
                    if evaluate(request, PolicySet(identity=(new,))).is_allowed:
                        assert evaluate(request, PolicySet(identity=(old,))).is_allowed


@SETTINGS
@given(
    old_actions=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3),
    service=st.sampled_from(["iotevents", "evidently", "newsvc", "zzfuture"]),
)
def test_an_allow_of_a_service_the_catalogue_lacks_is_new_access(
    old_actions: list[str], service: str
) -> None:
    """IAM User Guide, reference_policies_elements_action: `svc:*` covers the service's
    actions whether or not the catalogue lists them; no catalogued grant covers them"""
    old = document([{"Effect": "Allow", "Action": old_actions, "Resource": "*"}])
    new = document([{"Effect": "Allow", "Action": [*old_actions, f"{service}:*"], "Resource": "*"}])
    assert check_no_new_access(old, new, catalog=CATALOG).outcome is CheckOutcome.FAIL
