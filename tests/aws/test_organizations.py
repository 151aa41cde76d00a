"""`OrgReader.view`: a member's path read with management credentials, failures in its name"""

from __future__ import annotations

import boto3
from botocore.config import Config
from botocore.stub import Stubber

from iamwarden.aws.calls import Caller, Clients, GapReason
from iamwarden.aws.organizations import OrgReader
from iamwarden.snapshot import DataSet

MANAGEMENT = "111122223333"
MEMBER = "444455556666"
ORGANIZATION = {
    "Organization": {
        "Id": "o-abc",
        "Arn": f"arn:aws:organizations::{MANAGEMENT}:organization/o-abc",
        "MasterAccountId": MANAGEMENT,
    }
}


def _reader() -> tuple[OrgReader, Caller, Stubber]:
    made = boto3.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1")
    clients = Clients(made, Config(retries={"mode": "standard", "max_attempts": 1}))
    caller = Caller(
        account=MANAGEMENT,
        clients=clients,
        home_region="us-east-1",
        service_limits={},
        default_limit=1,
    )
    return OrgReader(caller), caller, Stubber(clients.get("organizations", "us-east-1"))


def test_a_denied_path_is_a_gap_of_the_member_not_of_the_reader() -> None:
    reader, management, stub = _reader()
    with stub:
        stub.add_response("describe_organization", ORGANIZATION)
        stub.add_client_error("list_parents", service_error_code="AccessDeniedException")
        view = reader.view(MEMBER)
    assert view.organization is None and management.gaps == ()
    assert [(g.dataset, g.account, g.call, g.reason) for g in view.gaps] == [
        (DataSet.ORGANIZATION, MEMBER, "ListParents", GapReason.ACCESS_DENIED.value)
    ]


def test_a_malformed_scp_is_a_gap_and_no_path() -> None:
    reader, _, stub = _reader()
    summary = {"Id": "p-1", "Name": "Odd", "Type": "SERVICE_CONTROL_POLICY"}
    with stub:
        stub.add_response("describe_organization", ORGANIZATION)
        stub.add_response("list_parents", {"Parents": [{"Id": "r-1", "Type": "ROOT"}]})
        stub.add_response("list_roots", {"Roots": [{"Id": "r-1", "Name": "Root"}]})
        stub.add_response("list_policies_for_target", {"Policies": [summary]})
        stub.add_response(
            "describe_policy", {"Policy": {"PolicySummary": summary}}
        )  # no Content: a policy iamwarden cannot parse would be kept, as a policy gap
        view = reader.view(MEMBER)
    assert view.organization is None
    (gap,) = view.gaps
    assert (gap.call, gap.account) == ("DescribePolicy", MEMBER)
    assert gap.reason.startswith(GapReason.MALFORMED.value)
