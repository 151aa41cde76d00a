"""The IAM policy language: documents, ARNs, the action catalogue, conditions, decisions.

Re-exports the public names of `document`, `arn`, `catalog`, `conditions`, `engine` and
`lint`.
Importing it loads no data.
"""

from iamwarden.policy.arn import Arn, arn_like, arn_matches, parse_arn, try_parse_arn
from iamwarden.policy.catalog import (
    GLOBAL_CONDITION_KEYS,
    AccessLevel,
    ActionInfo,
    Catalog,
    ResourceTypeRef,
    load_catalog,
)
from iamwarden.policy.document import (
    Condition,
    Effect,
    Policy,
    PolicyKind,
    Statement,
    parse_policy,
)
from iamwarden.policy.engine import (
    ConditionRef,
    Decision,
    Evaluation,
    EvaluationIssue,
    PolicySet,
    PrincipalType,
    Request,
    ResourceClass,
    ResourceList,
    StatementRef,
    allowed_resources,
    evaluate,
    evaluate_actions,
    evaluate_many,
    evaluate_resources,
    shared_key,
)
from iamwarden.policy.lint import Diagnostic, DiagnosticSeverity, lint_policy

__all__ = [
    "GLOBAL_CONDITION_KEYS",
    "AccessLevel",
    "ActionInfo",
    "Arn",
    "Catalog",
    "Condition",
    "ConditionRef",
    "Decision",
    "Diagnostic",
    "DiagnosticSeverity",
    "Effect",
    "Evaluation",
    "EvaluationIssue",
    "Policy",
    "PolicyKind",
    "PolicySet",
    "PrincipalType",
    "Request",
    "ResourceClass",
    "ResourceList",
    "ResourceTypeRef",
    "Statement",
    "StatementRef",
    "allowed_resources",
    "arn_like",
    "arn_matches",
    "evaluate",
    "evaluate_actions",
    "evaluate_many",
    "evaluate_resources",
    "lint_policy",
    "load_catalog",
    "parse_arn",
    "parse_policy",
    "shared_key",
    "try_parse_arn",
]
