"""The built-in checks; importing this package registers them"""

from iamwarden.analysis.checks import (
    account,
    escalation,
    exposure,
    organization,
    passwords,
    policies,
    risks,
    root,
    users,
)

__all__ = [
    "account",
    "escalation",
    "exposure",
    "organization",
    "passwords",
    "policies",
    "risks",
    "root",
    "users",
]
