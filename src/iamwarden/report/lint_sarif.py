"""The SARIF 2.1.0 log of lint diagnostics, for GitHub code scanning

One run; one rule per lint code that occurs (its title, help text and the level of its
class: ERROR `error`, SECURITY_WARNING and WARNING `warning`, SUGGESTION `note`, with a
GitHub `security-severity` for security warnings), and one result per diagnostic, located
by the file (`report.sarif.artifact_uri`, as `iamwarden check` locates it: a percent-encoded
relative reference, or a `file:///` URI for an absolute path) with its region (`startLine`,
`startColumn`) where the reader knows it, and by the policy's JSON path as a logical
location. A suppressed diagnostic carries its suppression (`inSource` for a Sid suffix or
template metadata, `external` for `iamwarden.toml`). Same input, same bytes: no clock, sorted rules.

`lint_to_sarif(results)` is the stable API.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from iamwarden import __version__
from iamwarden.policy.lint import CODES, DiagnosticSeverity, LintCode, LintResult
from iamwarden.report.sarif import SARIF_SCHEMA, SARIF_VERSION, artifact_uri

__all__ = ["LINT_LEVELS", "lint_to_sarif", "render_lint_sarif"]

LINT_LEVELS: Mapping[DiagnosticSeverity, str] = {
    DiagnosticSeverity.ERROR: "error",
    DiagnosticSeverity.SECURITY_WARNING: "warning",
    DiagnosticSeverity.WARNING: "warning",
    DiagnosticSeverity.SUGGESTION: "note",
}
_SECURITY_SEVERITY = {DiagnosticSeverity.SECURITY_WARNING: "7.5", DiagnosticSeverity.ERROR: "5.0"}
_HELP_URI = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
)
FINGERPRINT = "iamwardenLint/v1"


def _rule(spec: LintCode) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "tags": ["security", "aws", "iam", "policy", spec.severity.finding_type],
        "precision": "very-high",
        "finding_type": spec.severity.finding_type,
    }
    if spec.severity in _SECURITY_SEVERITY:
        properties["security-severity"] = _SECURITY_SEVERITY[spec.severity]
    return {
        "id": spec.code,
        "name": "".join(part.title() for part in spec.code.split("_")),
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.help},
        "help": {"text": spec.help, "markdown": f"**{spec.title}**\n\n{spec.help}"},
        "helpUri": _HELP_URI,
        "defaultConfiguration": {"level": LINT_LEVELS[spec.severity]},
        "properties": properties,
    }


def _result(item: LintResult, index: int) -> dict[str, Any]:
    d = item.diagnostic
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(item.file)}}
    # GitHub code scanning needs a line (GH1003): line 1 where the line is not known
    region: dict[str, int] = {"startLine": item.line if item.line is not None else 1}
    if item.line is not None and item.column is not None:
        region["startColumn"] = item.column
    physical["region"] = region
    pointer = ".".join(p for p in (item.policy, d.location) if p)
    location: dict[str, Any] = {"physicalLocation": physical}
    if pointer:
        location["logicalLocations"] = [
            {"fullyQualifiedName": pointer, "kind": "element", "name": d.location or pointer}
        ]
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": LINT_LEVELS[d.severity],
        "message": {"text": d.message},
        "locations": [location],
        "partialFingerprints": {
            FINGERPRINT: f"{artifact_uri(item.file)}|{item.policy}|{d.location}|{d.code}"
        },
        "properties": {"finding_type": d.severity.finding_type},
    }
    if d.iam_message:
        result["properties"]["iam_message"] = d.iam_message
    if item.resource:
        result["properties"]["resource"] = item.resource
    if item.suppression:
        kind = "external" if item.suppression.startswith("iamwarden.toml") else "inSource"
        result["suppressions"] = [
            {"kind": kind, "status": "accepted", "justification": item.suppression}
        ]
    return result


def lint_to_sarif(results: Iterable[LintResult]) -> dict[str, Any]:
    """The diagnostics as a SARIF 2.1.0 log (JSON-ready data); rules for the codes that occur,
    sorted by code; results in the order given"""
    items = list(results)
    codes = sorted({item.diagnostic.code for item in items})
    indexes = {code: i for i, code in enumerate(codes)}
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
                        "rules": [_rule(CODES[code]) for code in codes],
                    }
                },
                "automationDetails": {"id": "iamwarden/lint/"},
                "columnKind": "unicodeCodePoints",
                "results": [_result(item, indexes[item.diagnostic.code]) for item in items],
            }
        ],
    }


def render_lint_sarif(results: Iterable[LintResult]) -> str:
    """The SARIF log: sorted keys, two-space indent, a final newline"""
    return json.dumps(lint_to_sarif(results), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
