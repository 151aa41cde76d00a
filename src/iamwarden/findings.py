"""Findings, the common currency between analyses and renderers.

A `Finding` is one result of one check on one resource. Renderers know nothing about checks;
they read findings. This module imports nothing of iamwarden.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

__all__ = ["Finding", "Severity", "Status"]


class Severity(Enum):
    """How much a failing finding matters, most severe first"""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for CRITICAL up to 4 for INFO"""
        return list(Severity).index(self)

    def at_least(self, other: Severity) -> bool:
        """Whether this severity is `other` or worse"""
        return self.rank <= other.rank


class Status(Enum):
    """The outcome of one check on one resource"""

    FAIL = "FAIL"
    PASS = "PASS"
    NOT_ASSESSED = "NOT_ASSESSED"
    MUTED = "MUTED"


def _frozen(evidence: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(sorted(evidence.items())))


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One check's result on one resource, with its evidence"""

    check_id: str
    resource_arn: str
    status: Status
    severity: Severity
    message: str
    resource_type: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.check_id or not self.resource_arn:
            raise ValueError("a finding needs a check id and a resource arn")
        if "\n" in self.message:
            raise ValueError("a finding's message is one line")
        object.__setattr__(self, "evidence", _frozen(self.evidence))

    @property
    def id(self) -> str:
        """Stable id: a hash of the check id and the resource ARN"""
        digest = hashlib.sha256(f"{self.check_id}|{self.resource_arn}".encode()).hexdigest()
        return f"iw-{digest[:16]}"
