"""organization_guardrails_attached: CIS AWS Foundations v7.0.0 2.1.2 ("Ensure authorization
guardrails for all AWS Organization accounts"), decided from the SCPs and RCPs on the
account's path; AWS's FullAWSAccess and RCPFullAWSAccess restrict nothing (AWS Organizations
User Guide, "Service control policies" and "Resource control policies")"""

from iamwarden.findings import Status
from iamwarden.policy import parse_policy
from iamwarden.snapshot import DataSet, Organization, OrgLevel, OrgLevelKind, OrgPolicy
from tests.analysis.checking import only, run_check
from tests.builders import ACCOUNT_ID, snapshot

ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
DENY_LEAVE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
}
FULL = OrgPolicy(
    id="p-FullAWSAccess",
    name="FullAWSAccess",
    document=parse_policy(ALLOW_ALL),
    arn="arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
)
RCP_FULL = OrgPolicy(
    id="p-RCPFullAWSAccess",
    name="RCPFullAWSAccess",
    document=parse_policy(ALLOW_ALL),
    arn="arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
)
GUARD = OrgPolicy(id="p-guard0001", name="Guardrails", document=parse_policy(DENY_LEAVE))


def org(*, ou_scps=(FULL,), ou_rcps=(RCP_FULL,), management="999999999999"):
    return Organization(
        id="o-a1b2c3d4e5",
        management_account_id=management,
        path=(
            OrgLevel(id="r-ab12", kind=OrgLevelKind.ROOT, scps=(FULL,), rcps=(RCP_FULL,)),
            OrgLevel(id="ou-ab12-11111111", kind=OrgLevelKind.OU, scps=ou_scps, rcps=ou_rcps),
            OrgLevel(id=ACCOUNT_ID, kind=OrgLevelKind.ACCOUNT, scps=(FULL,)),
        ),
    )


def test_only_aws_default_policies_fail():
    finding = only(run_check("organization_guardrails_attached", snapshot(organization=org())))
    assert finding.status is Status.FAIL
    assert finding.evidence["levels"] == ["r-ab12", "ou-ab12-11111111", ACCOUNT_ID]


def test_a_guardrail_scp_on_an_ou_passes_and_is_named():
    snap = snapshot(organization=org(ou_scps=(FULL, GUARD)))
    finding = only(run_check("organization_guardrails_attached", snap))
    assert finding.status is Status.PASS
    assert finding.evidence["guardrails"] == [
        {"kind": "scp", "level": "ou-ab12-11111111", "id": "p-guard0001", "name": "Guardrails"}
    ]


def test_a_guardrail_rcp_counts_too():
    snap = snapshot(organization=org(ou_rcps=(RCP_FULL, GUARD)))
    finding = only(run_check("organization_guardrails_attached", snap))
    assert finding.status is Status.PASS
    assert finding.evidence["guardrails"][0]["kind"] == "rcp"


def test_the_management_account_is_not_assessed_with_why():
    snap = snapshot(organization=org(management=ACCOUNT_ID))
    finding = only(run_check("organization_guardrails_attached", snap))
    assert finding.status is Status.NOT_ASSESSED
    assert "management account" in finding.message


def test_a_standalone_account_is_not_assessed_with_why():
    finding = only(run_check("organization_guardrails_attached", snapshot()))
    assert finding.status is Status.NOT_ASSESSED
    assert "no AWS Organization" in finding.message


def test_organization_data_not_collected_is_not_assessed():
    snap = snapshot(collected=frozenset(DataSet) - {DataSet.ORGANIZATION}, organization=None)
    finding = only(run_check("organization_guardrails_attached", snap))
    assert finding.status is Status.NOT_ASSESSED
    assert finding.evidence["missing_data"] == ["organization"]
