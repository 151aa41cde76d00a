"""Schema 2: indexes for `history --account` and for the look-back that tells a regression

`iamwarden history --account ID` and `diff latest previous` read an account's scans by date;
`diff` asks, for each finding failing in the newer scan, whether it failed in any earlier scan
of the account.

Revision ID: 0002
"""

from __future__ import annotations

from alembic import op

__all__ = ["branch_labels", "depends_on", "down_revision", "revision", "upgrade"]

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Index scans by account and date, and findings by stable id and status"""
    op.create_index("ix_scans_account_assessed", "scans", ["account_id", "assessed_at"])
    op.create_index("ix_findings_finding_status", "findings", ["finding_id", "status"])
