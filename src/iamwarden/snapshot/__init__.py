"""The account model, its JSON form, importers and the bundled demo account"""

from iamwarden.snapshot.cloudmapper import (
    AuthorizationDetails,
    import_cloudmapper,
    parse_authorization_details,
)
from iamwarden.snapshot.credential_report import parse_credential_report, read_credential_report
from iamwarden.snapshot.demo import DEMO_ACCOUNT_ID, DEMO_ASSESSED_AT, demo_snapshot
from iamwarden.snapshot.jsonform import (
    dump_snapshot,
    read_snapshot,
    snapshot_from_json,
    snapshot_to_json,
)
from iamwarden.snapshot.model import *  # noqa: F403
from iamwarden.snapshot.model import __all__ as _model_names
from iamwarden.snapshot.policies import policy_gaps, with_policy_gaps

__all__ = [
    *_model_names,
    "DEMO_ACCOUNT_ID",
    "DEMO_ASSESSED_AT",
    "AuthorizationDetails",
    "demo_snapshot",
    "dump_snapshot",
    "import_cloudmapper",
    "parse_authorization_details",
    "parse_credential_report",
    "policy_gaps",
    "read_credential_report",
    "read_snapshot",
    "snapshot_from_json",
    "snapshot_to_json",
    "with_policy_gaps",
]
