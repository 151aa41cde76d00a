"""Analyses of a snapshot: checks with their metadata, the CIS mapping and score, and the
engine-backed permission questions they ask"""

from iamwarden.analysis.assessment import (
    Assessment,
    AssessOptions,
    AssessProgress,
    AssessStage,
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
from iamwarden.analysis.effective import EffectivePermissions, effective_permissions
from iamwarden.analysis.permissions import AdminAccess, Permissions, Sensitivity
from iamwarden.analysis.principals import (
    PrincipalPolicies,
    entity_policies,
    inline_policy,
    is_known_principal,
    managed_policy,
    organization_levels,
    policies_for,
)
from iamwarden.analysis.quality import DataWarning, WarningKind, data_warnings
from iamwarden.analysis.registry import (
    Check,
    CheckContext,
    CheckSpec,
    Remediation,
    check,
    registered_checks,
)
from iamwarden.analysis.risks import RiskClass, risky_grants
from iamwarden.analysis.simulation import (
    Scenario,
    ScenarioRequest,
    SimulationResult,
    Verdict,
    load_scenarios,
    results_to_json,
    run_scenarios,
    simulate_principal,
)

__all__ = [
    "AdminAccess",
    "AssessOptions",
    "AssessProgress",
    "AssessStage",
    "Assessment",
    "AssessmentKind",
    "Check",
    "CheckContext",
    "CheckSpec",
    "ControlResult",
    "ControlStatus",
    "DataWarning",
    "EffectivePermissions",
    "Framework",
    "Permissions",
    "PrincipalPolicies",
    "Remediation",
    "Requirement",
    "RiskClass",
    "Scenario",
    "ScenarioRequest",
    "Sensitivity",
    "SimulationResult",
    "Suppression",
    "Verdict",
    "WarningKind",
    "assess",
    "check",
    "cis_aws_v3",
    "compliance_score",
    "compliance_table",
    "data_warnings",
    "effective_permissions",
    "entity_policies",
    "inline_policy",
    "is_known_principal",
    "load_scenarios",
    "managed_policy",
    "organization_levels",
    "parse_suppressions",
    "policies_for",
    "registered_checks",
    "results_to_json",
    "risky_grants",
    "run_scenarios",
    "simulate_principal",
]
