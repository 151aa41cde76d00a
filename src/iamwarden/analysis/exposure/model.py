"""What the external-access analysis finds: one `Exposure` per resource and outside principal.

Results only; `analyse` builds them and the checks turn them into findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from iamwarden.policy import AccessLevel, ConditionRef, StatementRef
from iamwarden.policy.document import Condition

__all__ = ["Exposure", "ExposureReport", "OutsiderKind", "Reach", "SkippedPolicy"]


class OutsiderKind(Enum):
    """Who, outside the zone of trust, a question is asked for"""

    ANONYMOUS = "anonymous"
    """An unsigned request: anyone on the internet"""
    ANY_ACCOUNT = "any_account"
    """A principal of an AWS account outside the Organization, none named by the policy"""
    ACCOUNT = "account"
    """Principals of an account the policy names"""
    PRINCIPAL = "principal"
    """One user, role or session of another account that the policy names"""
    ORGANIZATION = "organization"
    """A principal of any account of another Organization that the policy names by
    `aws:PrincipalOrgID` or `aws:PrincipalOrgPaths`"""
    SERVICE = "service"
    """An AWS service acting for an account outside the zone"""
    FEDERATED = "federated"
    """Users of a web identity or SAML identity provider"""


class Reach(Enum):
    """How far a grant reaches, as IAM Access Analyzer tells public from cross-account"""

    PUBLIC = "public"
    CROSS_ACCOUNT = "cross_account"
    KNOWN_ACCOUNT = "known_account"
    SERVICE = "service"
    FEDERATED = "federated"


@dataclass(frozen=True, slots=True, kw_only=True)
class Exposure:
    """Access an outside principal has to one resource, decided by the engine

    `principal` is how the policy names the outsider (`*`, an account id, an ARN, a service
    or a provider), `label` adds a known account's name. `actions` are the catalogue actions
    allowed (each decided, as a class of actions the same statements name), `levels` their
    access levels. `conditions` are the clauses the engine could not decide (keys the caller
    controls, such as `aws:SecureTransport`) and `statement_conditions` every condition of
    the granting statements. `blocked_by` names the S3 Block Public Access settings that
    neutralise the grant (the exposure is then not reported as open).
    """

    resource_arn: str
    resource_type: str
    kind: OutsiderKind
    reach: Reach
    principal: str
    label: str
    actions: tuple[str, ...]
    levels: tuple[AccessLevel, ...]
    statements: tuple[StatementRef, ...]
    conditions: tuple[ConditionRef, ...] = ()
    statement_conditions: tuple[Condition, ...] = ()
    blocked_by: str = ""
    issues: tuple[str, ...] = ()
    """What made the engine's answer uncertain (an unknown operator, a bad value)"""
    block_unknown: bool = False
    """S3 only: the account's Block Public Access setting was not collected, so whether it
    neutralises the grant is not known (the exposure stays reported)"""

    @property
    def is_public(self) -> bool:
        """Whether anyone (or any AWS account) has the access"""
        return self.reach is Reach.PUBLIC

    @property
    def is_blocked(self) -> bool:
        """Whether S3 Block Public Access neutralises the grant"""
        return bool(self.blocked_by)


@dataclass(frozen=True, slots=True, kw_only=True)
class SkippedPolicy:
    """A resource policy that could not be analysed, and why (it is NOT_ASSESSED)"""

    resource_arn: str
    resource_type: str
    reason: str
    policy: str = ""
    """The policy's name as gaps name it (a trust policy is `<role arn>:trust`)"""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureReport:
    """Every exposure of an account's resource and trust policies

    `analysed` counts the policies decided; `within_organization` are resources whose only
    outside grant is to principals of the account's own Organization (by
    `aws:PrincipalOrgID` / `aws:PrincipalOrgPaths`), which is not external access.
    """

    exposures: tuple[Exposure, ...]
    skipped: tuple[SkippedPolicy, ...] = ()
    analysed: int = 0
    within_organization: tuple[str, ...] = ()
