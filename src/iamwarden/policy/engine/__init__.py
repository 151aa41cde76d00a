"""Access decisions: is this principal allowed to do this action on this resource.

Owns AWS's policy evaluation logic (explicit deny, SCPs, RCPs, resource-based policies,
identity-based policies, permissions boundaries, session policies) and the explanation of
each decision. It never parses text (that is `document`) and never prints. Its modules
follow the seams of Cedar's authorizer:

- `model`: the public types (`Request`, `PolicySet`, `Evaluation`, references);
- `principals`: what kind of principal makes a request, and how `Principal` names it;
- `special`: AWS's rules that depend on the action or resource, not on a policy (the
  guardrails on AWS-managed resources, GetCallerIdentity);
- `globs`: intersection and coverage of wildcard patterns (wildcard resources);
- `compiled`: each policy compiled once into statement matchers indexed by service;
- `plans`: a policy set compiled into per-action plans and wildcard action classes;
- `context`: the request context, derived from the principal when not given;
- `matching`: whether one statement applies (resource, principal, conditions);
- `combine`: three-valued combination of partial results;
- `authorizer`: AWS's evaluation order, `evaluate`, `evaluate_many` and `evaluate_actions`
  (one request asked of many actions, one decision per class of actions decided alike);
- `bulk`: one request asked of many resource ARNs at once (`evaluate_resources`).
"""

from iamwarden.policy.engine.authorizer import evaluate, evaluate_actions, evaluate_many
from iamwarden.policy.engine.bulk import (
    ResourceClass,
    ResourceList,
    allowed_resources,
    evaluate_resources,
    shared_key,
)
from iamwarden.policy.engine.model import (
    ConditionRef,
    Decision,
    Evaluation,
    EvaluationIssue,
    PolicySet,
    PrincipalType,
    Request,
    StatementRef,
)

__all__ = [
    "ConditionRef",
    "Decision",
    "Evaluation",
    "EvaluationIssue",
    "PolicySet",
    "PrincipalType",
    "Request",
    "ResourceClass",
    "ResourceList",
    "StatementRef",
    "allowed_resources",
    "evaluate",
    "evaluate_actions",
    "evaluate_many",
    "evaluate_resources",
    "shared_key",
]
