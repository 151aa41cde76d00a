"""Live collection from AWS with boto3: one account or a whole Organization.

Fills `Snapshot`s, and sends ASFF findings to Security Hub when asked (`import_findings`,
the one write); never prints, exits or reads the environment (boto3 reads its own
configuration). Failed calls, regions and accounts become `Gap`s, never aborts.
"""

from iamwarden.aws.calls import (
    CallStats,
    GapReason,
    Progress,
    ProgressEvent,
    ProgressKind,
)
from iamwarden.aws.collect import (
    INDEX_NAME,
    Collection,
    CollectionStats,
    IndexedAccount,
    OrganizationIndex,
    collect_account,
    collect_organization,
    read_organization_index,
)
from iamwarden.aws.organizations import OrganizationView
from iamwarden.aws.securityhub import ImportResult, RejectedFinding, import_findings
from iamwarden.aws.session import (
    AccountAccess,
    AwsTarget,
    CollectOptions,
    assume_role,
    open_access,
)

__all__ = [
    "INDEX_NAME",
    "AccountAccess",
    "AwsTarget",
    "CallStats",
    "CollectOptions",
    "Collection",
    "CollectionStats",
    "GapReason",
    "ImportResult",
    "IndexedAccount",
    "OrganizationIndex",
    "OrganizationView",
    "Progress",
    "ProgressEvent",
    "ProgressKind",
    "RejectedFinding",
    "assume_role",
    "collect_account",
    "collect_organization",
    "import_findings",
    "open_access",
    "read_organization_index",
]
