"""Custom checks: whether an action is asked about on a `--resources` ARN, decided by the ARN
formats of the action's resource types (Service Authorization Reference, "Resource types")

A policy that allows everything grants an action on a resource exactly when the action can
apply to it, so FAIL (granted) or PASS (not granted) shows what the check decided.
"""

from __future__ import annotations

import pytest

from iamwarden.analysis.custom_checks import CheckOutcome, check_access_not_granted
from iamwarden.policy import Catalog, PolicyKind, load_catalog, parse_policy
from tests.policy.resource_fit_cases import FITS

EVERYTHING = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    name="p.json",
    kind=PolicyKind.IDENTITY,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _granted(catalog: Catalog, action: str, resource: str) -> bool:
    result = check_access_not_granted(EVERYTHING, [action], resources=[resource], catalog=catalog)
    return result.outcome is CheckOutcome.FAIL


@pytest.mark.parametrize(("action", "resource", "fits"), FITS)
def test_an_action_is_asked_unless_the_resource_fits_none_of_its_formats(
    catalog: Catalog, action: str, resource: str, fits: bool | None
) -> None:
    """An action of no resource type (None) is asked too, so that no grant goes unasked"""
    assert _granted(catalog, action, resource) is (fits is not False)


def test_an_action_the_catalogue_does_not_list_is_asked(catalog: Catalog) -> None:
    assert _granted(catalog, "nosuchservice:DoThing", "arn:aws:s3:::b")


def test_a_resource_no_action_applies_to_is_named_in_the_warnings(catalog: Catalog) -> None:
    """Its PASS says nothing; a resource one action may apply to gets no warning"""
    result = check_access_not_granted(
        EVERYTHING,
        ["iam:PassRole", "s3:ListAllMyBuckets"],
        resources=["arn:aws:s3:::b/*", "arn:aws:iam::111122223333:role/*"],
        catalog=catalog,
    )
    assert result.outcome is CheckOutcome.FAIL
    assert result.warnings == ()
    unfit = check_access_not_granted(
        EVERYTHING, ["iam:PassRole"], resources=["arn:aws:s3:::b/*", "*"], catalog=catalog
    )
    assert unfit.outcome is CheckOutcome.FAIL
    assert unfit.warnings == (
        "resource `arn:aws:s3:::b/*` fits no resource type of `iam:PassRole` (Service "
        "Authorization Reference): none of them applies to it, so it passes whatever the "
        "policy grants",
    )
