"""`with_policy_gaps`: every policy document iamwarden cannot read becomes one gap naming it"""

from __future__ import annotations

from iamwarden.aws.regional import _doc
from iamwarden.snapshot import DataSet, ResourcePolicy, policy_gaps, with_policy_gaps
from tests.builders import ACCOUNT_ID, inline, managed_policy, role, snapshot, user

BROKEN = {"Version": "2012-10-17", "Statement": 3}


def test_each_kind_of_policy_is_named_as_the_analyses_name_it():
    odd = managed_policy("Odd", document=BROKEN)
    bucket = ResourcePolicy(arn="arn:aws:s3:::b", service="s3", document=_doc("{not json"))
    snap = snapshot(
        users=(user("alice", inline_policies=(inline("own", document=BROKEN),)),),
        roles=(role("app", trust=BROKEN),),
        policies=(odd,),
        resource_policies=(bucket,),
    )
    gaps = {(g.dataset, g.resource) for g in policy_gaps(snap)}
    iam = f"arn:aws:iam::{ACCOUNT_ID}"
    assert gaps == {
        (DataSet.AUTHORIZATION_DETAILS, odd.arn),
        (DataSet.AUTHORIZATION_DETAILS, f"{iam}:user/alice:own"),
        (DataSet.AUTHORIZATION_DETAILS, f"{iam}:role/app:trust"),
        (DataSet.RESOURCE_POLICIES, "arn:aws:s3:::b"),
    }


def test_gaps_are_recorded_once():
    snap = with_policy_gaps(snapshot(policies=(managed_policy("Odd", document=BROKEN),)))
    assert len(snap.gaps) == 1 and with_policy_gaps(snap) is snap


def test_readable_policies_add_no_gap():
    snap = snapshot(policies=(managed_policy(),), roles=(role(),))
    assert with_policy_gaps(snap) is snap
