"""Analyses of a snapshot: checks with their metadata, the CIS mapping and score, and the
engine-backed permission questions they ask"""

from iamwarden.analysis.assessment import (
    Assessment,
    AssessOptions,
    Suppression,
    assess,
    parse_suppressions,
)
from iamwarden.analysis.compliance import (
    AssessmentKind,
    ControlResult,
    ControlStatus,
    Framework,
    Requirement,
    cis_aws_v3,
    compliance_score,
    compliance_table,
)
from iamwarden.analysis.permissions import AdminAccess, IdentityPolicies, Permissions, Sensitivity
from iamwarden.analysis.registry import (
    Check,
    CheckContext,
    CheckSpec,
    Remediation,
    check,
    registered_checks,
)

__all__ = [
    "AdminAccess",
    "AssessOptions",
    "Assessment",
    "AssessmentKind",
    "Check",
    "CheckContext",
    "CheckSpec",
    "ControlResult",
    "ControlStatus",
    "Framework",
    "IdentityPolicies",
    "Permissions",
    "Remediation",
    "Requirement",
    "Sensitivity",
    "Suppression",
    "assess",
    "check",
    "cis_aws_v3",
    "compliance_score",
    "compliance_table",
    "parse_suppressions",
    "registered_checks",
]
