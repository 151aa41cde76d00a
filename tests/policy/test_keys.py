"""The always-present global keys, as the IAM User Guide's "AWS global condition context keys"
page gives each key's Availability"""

from iamwarden.policy.catalog import GLOBAL_CONDITION_KEYS
from iamwarden.policy.keys import ALWAYS_PRESENT_KEYS, PRINCIPAL_KEYS, REQUEST_KEYS


def test_always_present_keys_are_documented_global_keys():
    assert {key.lower() for key in ALWAYS_PRESENT_KEYS} <= GLOBAL_CONDITION_KEYS


def test_request_and_principal_keys_split_the_always_present_keys():
    every = {key.lower() for key in ALWAYS_PRESENT_KEYS}
    assert every == PRINCIPAL_KEYS | REQUEST_KEYS
    assert not PRINCIPAL_KEYS & REQUEST_KEYS


def test_keys_present_only_in_some_requests_are_not_listed():
    # "only when the principal uses temporary credentials", "only if ... a VPC endpoint",
    # "only if the principal is a member of an organization"
    for key in ("aws:MultiFactorAuthPresent", "aws:SourceVpce", "aws:PrincipalOrgID"):
        assert key not in ALWAYS_PRESENT_KEYS
