"""Policy lint: every diagnostic of a policy document, in Access Analyzer's four classes

What IAM rejects (grammar, with IAM's own messages; size quotas; unknown services and
actions), what grants more than it seems to (security warnings), what is probably a mistake
(warnings, redundant statements decided with the engine's wildcard algebra) and what is
merely untidy (suggestions). Each diagnostic has a stable code from `CODES` and a location
such as `Statement[0].Action[2]`. The lint never decides access and never raises for a bad
policy. Modules: `codes` (the table and IAM's messages), `checks` (per statement), `security`,
`statements` (statements compared), `linter` (`lint_policy`), `activity` (a wildcard granting
writes to principals whose recorded calls only read, given their recorded actions).
"""

from iamwarden.policy.lint.activity import RecordedUse, activity_suggestions, read_only_patterns
from iamwarden.policy.lint.codes import (
    CODES,
    Diagnostic,
    DiagnosticSeverity,
    LintCode,
    LintResult,
    iam_message,
)
from iamwarden.policy.lint.linter import SIZE_LIMITS, lint_policy, policy_size

__all__ = [
    "CODES",
    "SIZE_LIMITS",
    "Diagnostic",
    "DiagnosticSeverity",
    "LintCode",
    "LintResult",
    "RecordedUse",
    "activity_suggestions",
    "iam_message",
    "lint_policy",
    "policy_size",
    "read_only_patterns",
]
