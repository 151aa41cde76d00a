"""External access: what principals outside the zone of trust may do on the account's resources.

IAM Access Analyzer's job (external-access findings), done offline from any snapshot with the
same engine, explaining each grant: `zone` (the zone of trust and known third parties),
`outsiders` (the representative outside principals of a policy), `context` (their request
context), `actions` (the action classes to ask), `grants` (the engine's answers),
`blocking` (S3 Block Public Access), `analyse` (the whole account), `trust` (the
trust-policy questions behind confused deputies and open OIDC / SAML federation).
"""

from iamwarden.analysis.exposure.analyse import analyse_exposure, resource_type_of
from iamwarden.analysis.exposure.model import (
    Exposure,
    ExposureReport,
    OutsiderKind,
    Reach,
    SkippedPolicy,
)
from iamwarden.analysis.exposure.zone import Zone, ZoneOfTrust

__all__ = [
    "Exposure",
    "ExposureReport",
    "OutsiderKind",
    "Reach",
    "SkippedPolicy",
    "Zone",
    "ZoneOfTrust",
    "analyse_exposure",
    "resource_type_of",
]
