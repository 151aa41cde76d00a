"""SARIF 2.1.0 for the custom policy checks (`iamwarden check`): for GitHub code scanning

One run, one rule per check that ran (its title, what PASS means, help with the fix), and
one result per reason of a FAIL (level `error`) or UNDECIDED (level `warning`) check; a PASS
has no result. A result's location is the checked policy file (a file URI: `file:///…` for
an absolute path, a percent-encoded relative reference otherwise, RFC 8089 / RFC 3986) with
the line of the granting statement as its region (`startLine`; line 1 when the reader knew
none, as GitHub code scanning requires a region), and the statement (`Statement[2]`, after
the policy's JSON path for a policy of a template or plan) as a logical location; its
fingerprint is a hash of the check, file, statement, principal and resource, so a viewer
matches results across runs. Same input, same bytes: no clock, sorted rules.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from iamwarden import __version__
from iamwarden.analysis.custom_checks import (
    CheckName,
    CheckOutcome,
    CheckReason,
    CustomCheckResult,
)
from iamwarden.report.sarif import SARIF_SCHEMA, SARIF_VERSION, artifact_uri

__all__ = ["check_results_to_sarif", "render_check_sarif"]

FINGERPRINT = "iamwardenCheckReason/v1"

_RULES: Mapping[CheckName, tuple[str, str, str, str]] = {
    CheckName.NO_NEW_ACCESS: (
        "The new policy allows no access the existing policy does not",
        "Access Analyzer's CheckNoNewAccess, offline: each new grant is an action class "
        "the new policy allows on a resource pattern the existing one does not.",
        "Remove the statements that grant the new access, or narrow their Action, Resource "
        "or Condition; if the access is intended, update the reference policy.",
        "https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html",
    ),
    CheckName.ACCESS_NOT_GRANTED: (
        "The policy grants none of the listed access",
        "Access Analyzer's CheckAccessNotGranted, offline: the engine is asked each listed "
        "action on each listed resource.",
        "Remove the listed actions from the granting statements, add a Deny for them, or "
        "scope the statement's Resource away from the listed resources.",
        "https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html",
    ),
    CheckName.NO_PUBLIC_ACCESS: (
        "The resource policy grants no public access",
        "Access Analyzer's CheckNoPublicAccess, offline: the external-access analysis asks "
        "whether anyone, or any AWS account, may use the resource.",
        "Name the principals (accounts, roles) that need access instead of `*`, or add a "
        "condition restricting callers to your organization (aws:PrincipalOrgID).",
        "https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html",
    ),
}

_LEVELS: Mapping[CheckOutcome, str] = {
    CheckOutcome.FAIL: "error",
    CheckOutcome.UNDECIDED: "warning",
    CheckOutcome.PASS: "none",
}


def _rule(check: CheckName) -> dict[str, Any]:
    title, description, fix, uri = _RULES[check]
    return {
        "id": check.value,
        "name": "".join(part.title() for part in check.value.split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "help": {"text": fix, "markdown": f"{fix}\n\n- <{uri}>"},
        "helpUri": uri,
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "aws", "iam"], "precision": "very-high"},
    }


def _result(
    check: CustomCheckResult,
    reason: CheckReason,
    index: int,
    lines: Mapping[int, int],
    path: str,
) -> dict[str, Any]:
    statement = reason.statement.pointer if reason.statement is not None else ""
    if path and statement:
        statement = f"{path}.{statement}"
    identity = "\0".join(
        (check.check.value, check.policy, statement, reason.principal, reason.resource)
    )
    logical: list[dict[str, Any]] = []
    if reason.statement is not None:
        logical.append(
            {
                "fullyQualifiedName": statement,
                "kind": "object",
                "name": reason.statement.sid or statement,
            }
        )
    line = lines.get(reason.statement.index, 1) if reason.statement is not None else 1
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(check.policy or "policy")},
            "region": {"startLine": line},
        }
    }
    if logical:
        location["logicalLocations"] = logical
    return {
        "ruleId": check.check.value,
        "ruleIndex": index,
        "kind": "fail",
        "level": _LEVELS[check.outcome] if reason.is_decided else "warning",
        "message": {"text": reason.description},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: hashlib.sha256(identity.encode()).hexdigest()},
        "properties": {
            "outcome": check.outcome.value,
            "actions": list(reason.actions),
            "resource": reason.resource,
            "principal": reason.principal,
            "conditions": list(reason.conditions),
            "is_decided": reason.is_decided,
        },
    }


def check_results_to_sarif(
    results: Sequence[CustomCheckResult],
    lines: Mapping[str, Mapping[int, int]] | None = None,
    paths: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The check results as a SARIF 2.1.0 log (JSON-ready data); `lines` gives, by checked
    policy name, the 1-based line of each statement by index (missing: line 1), and `paths`
    the JSON path of the policy in its file for a policy of a template or plan (its
    statements' logical locations start with it)"""
    lines = lines or {}
    paths = paths or {}
    checks = sorted({r.check for r in results}, key=lambda c: c.value)
    indexes = {check: i for i, check in enumerate(checks)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iamwarden",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(check) for check in checks],
                    }
                },
                "results": [
                    _result(
                        result,
                        reason,
                        indexes[result.check],
                        lines.get(result.policy, {}),
                        paths.get(result.policy, ""),
                    )
                    for result in results
                    for reason in result.reasons
                ],
                "properties": {
                    "checks": [
                        {
                            "check": r.check.value,
                            "policy": r.policy,
                            "outcome": r.outcome.value,
                            "message": r.message,
                        }
                        for r in results
                    ]
                },
            }
        ],
    }


def render_check_sarif(
    results: Sequence[CustomCheckResult],
    lines: Mapping[str, Mapping[int, int]] | None = None,
    paths: Mapping[str, str] | None = None,
) -> str:
    """The SARIF log: sorted keys, two-space indent, a final newline (`lines` and `paths` as
    `check_results_to_sarif` takes them)"""
    data = check_results_to_sarif(results, lines, paths)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
