"""Fans: a technique that takes one source to many targets is stored as one hop to a hub

The graph must mean the same with fans as without: the same edges (made again by the
engine), the same paths, every made edge re-checked.
"""

from __future__ import annotations

from typing import Any

import pytest

import iamwarden.analysis.escalation.asking as asking
from iamwarden.analysis.escalation import ADMIN, EscalationGraph, build_graph, recheck
from iamwarden.policy import load_catalog
from iamwarden.snapshot import ComputeKind, ComputeResource, Tag
from tests.builders import ACCOUNT_ID, ALLOW_ALL, inline, role, snapshot, user

IAM = f"arn:aws:iam::{ACCOUNT_ID}"
MANY = 40


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(actions: Any, resources: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def _trust(principal: Any, **condition: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return _doc(statement)


ACCOUNT = _trust({"AWS": f"{IAM}:root"})
LAMBDA = _trust({"Service": "lambda.amazonaws.com"})
MFA = _trust({"AWS": f"{IAM}:root"}, Bool={"aws:MultiFactorAuthPresent": "true"})
DEV = _doc(
    _allow("sts:AssumeRole", f"{IAM}:role/team-*"),
    _allow(
        "iam:PassRole",
        f"{IAM}:role/team-*",
        Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
    ),
    _allow(["lambda:CreateFunction", "lambda:InvokeFunction", "lambda:UpdateFunctionCode"]),
    _allow("iam:CreateAccessKey", f"{IAM}:user/staff-*"),
)


def _account() -> Any:
    roles = [
        role(
            f"team-{kind}-{n}",
            trust={"a": ACCOUNT, "l": LAMBDA, "m": MFA}[kind],
            inline_policies=(inline("p", document=ALLOW_ALL if n == 0 else DEV),),
            tags=(Tag(key="tier", value="gold"),) if n % 7 == 0 else (),
        )
        for kind in ("a", "l", "m")
        for n in range(MANY)
    ]
    users = [
        user(f"staff-{n}", inline_policies=(inline("p", document=DEV),)) for n in range(MANY)
    ] + [user("plain")]
    compute = [
        ComputeResource(
            arn=f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:fn{n}",
            kind=ComputeKind.LAMBDA_FUNCTION,
            region="us-east-1",
            role_arn=roles[MANY + n].arn,
        )
        for n in range(MANY)
    ]
    return snapshot(users=tuple(users), roles=tuple(roles), compute=tuple(compute))


def _summary(g: EscalationGraph) -> list[tuple[object, ...]]:
    return [
        (e.source, e.target, e.technique, e.is_conditional, e.statements, e.conditions, e.note)
        for e in g.edges()
    ]


@pytest.fixture(scope="module")
def graphs() -> tuple[EscalationGraph, EscalationGraph]:
    account = _account()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asking, "FAN_MIN", 10**9)
        plain = build_graph(account, load_catalog())
    return build_graph(account, load_catalog()), plain


def test_fans_make_the_graph_smaller(graphs: tuple[EscalationGraph, EscalationGraph]) -> None:
    fanned, plain = graphs
    assert any(fanned.is_hub(n) for n in fanned.graph)
    assert not any(plain.is_hub(n) for n in plain.graph)
    assert fanned.graph.number_of_edges() < plain.graph.number_of_edges() / 2
    assert fanned.edge_count() == plain.edge_count() == plain.graph.number_of_edges()


def test_fans_give_the_same_edges(graphs: tuple[EscalationGraph, EscalationGraph]) -> None:
    fanned, plain = graphs
    assert _summary(fanned) == _summary(plain)
    techniques = {e.technique for e in fanned.edges()}
    assert {"sts-001", "lambda-001", "iam-002", "lambda-004"} <= techniques


def test_fans_give_the_same_paths(graphs: tuple[EscalationGraph, EscalationGraph]) -> None:
    fanned, plain = graphs

    def hops(g: EscalationGraph) -> list[tuple[str, list[tuple[str, str, str]]]]:
        return [
            (p.source, [(h.source, h.target, h.technique) for h in p.hops]) for p in g.paths_to()
        ]

    assert hops(fanned) == hops(plain)
    for principal in plain.principals():
        assert fanned.reaches(principal) == plain.reaches(principal)
        found = fanned.path(principal)
        expected = plain.path(principal)
        assert (found is None) == (expected is None)
        if found is not None and expected is not None:
            assert len(found.hops) == len(expected.hops)
            assert all(h is not None for h in found.hops)
    # the MFA-trusting roles are reached only conditionally
    staff = f"{IAM}:user/staff-1"
    edge = fanned.edge(staff, f"{IAM}:role/team-m-3")
    assert edge is not None and edge.requires_mfa
    assert fanned.path(staff, ADMIN) is not None


def test_every_made_edge_is_rechecked(graphs: tuple[EscalationGraph, EscalationGraph]) -> None:
    fanned, _ = graphs
    edges = [e for e in fanned.edges() if e.decisions]
    assert len(edges) > 1000
    assert all(recheck(e) for e in edges)


def test_shared_decisions_change_nothing(graphs: tuple[EscalationGraph, EscalationGraph]) -> None:
    # principals holding the same statements share decisions (`policy.shared_key`): without
    # the sharing every edge, statement and condition is the same
    fanned, _ = graphs
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asking, "shared_key", lambda request, policies: None)
        unshared = build_graph(_account(), load_catalog())
    assert _summary(unshared) == _summary(fanned)
