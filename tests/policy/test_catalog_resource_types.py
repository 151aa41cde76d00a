"""The catalogue's ARN formats: whether an ARN fits a resource type of some actions
(Service Authorization Reference, the ARN column of each service's "Resource types" table)"""

from __future__ import annotations

import pytest

from iamwarden.policy import Catalog, load_catalog
from iamwarden.policy.catalog import arn_format_regex
from tests.policy.resource_fit_cases import ACCOUNT, FITS


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.mark.parametrize(
    ("arn_format", "text", "fits"),
    [
        ("arn:${Partition}:s3:::${BucketName}", "arn:aws:s3:::b", True),
        ("arn:${Partition}:s3:::${BucketName}", "arn:aws:s3:::", True),
        ("arn:${Partition}:s3:::${BucketName}", "arn:aws:s3:::b/k", True),
        ("arn:${Partition}:s3:::${BucketName}/${ObjectName}", "arn:aws:s3:::b", False),
        ("arn:${Partition}:sqs:${Region}:${Account}:${QueueName}", "arn::sqs:::q", True),
        ("arn:${Partition}:dms:${Region}:${Account}:rep:*", f"arn:aws:dms:r:{ACCOUNT}:rep:X", True),
        ("arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}", "arn:aws:kms:r:1:KEY/k", False),
        ("accesspoint", "accesspoint", True),
        ("accesspoint", "AccessPoint", False),
        ("${BucketName}", "anything", True),
    ],
)
def test_a_format_variable_or_star_stands_for_any_text(
    arn_format: str, text: str, fits: bool
) -> None:
    assert (arn_format_regex(arn_format).fullmatch(text) is not None) is fits


def test_a_format_can_be_compared_in_any_case() -> None:
    regex = arn_format_regex(
        "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}", ignore_case=True
    )
    assert regex.fullmatch("arn:aws:kms:r:1:KEY/k")


@pytest.mark.parametrize(("action", "arn", "fits"), FITS)
def test_an_arn_fits_a_resource_type_of_the_action(
    catalog: Catalog, action: str, arn: str, fits: bool | None
) -> None:
    assert catalog.fits_resource_type(arn, action) is fits
    assert catalog.fits_resource_type(arn, action) is fits  # the cached answer is the same


@pytest.mark.parametrize(
    ("arn", "actions", "fits"),
    [
        ("arn:aws:s3:::b", "S3:LISTBUCKET", True),
        ("arn:aws:s3:::b", frozenset({"s3:GetObject", "s3:ListBucket"}), True),
        ("arn:aws:s3:::b", frozenset({"s3:GetObject", "s3:PutObject"}), False),
        ("arn:aws:s3:::b?", "s3:ListAllMyBuckets", True),
        ("*", "nosuchservice:DoThing", True),
        ("arn:aws:s3:::b", "nosuchservice:DoThing", None),
        ("arn:aws:s3:::b", frozenset({"s3:ListAllMyBuckets", "nosuchservice:DoThing"}), None),
        ("arn:aws:s3:::b", frozenset({"s3:ListAllMyBuckets", "s3:GetObject"}), False),
    ],
)
def test_an_arn_fits_a_resource_type_of_one_of_the_actions(
    catalog: Catalog, arn: str, actions: str | frozenset[str], fits: bool | None
) -> None:
    """Action names in any case; a set fits when one of its actions' formats does"""
    assert catalog.fits_resource_type(arn, actions) is fits


def test_case_is_compared_only_when_asked(catalog: Catalog) -> None:
    """IAM compares ARNs case-sensitively; external access asks in any case"""
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:KEY/k"
    assert catalog.fits_resource_type(key, "kms:Decrypt") is False
    assert catalog.fits_resource_type(key, "kms:Decrypt", ignore_case=True) is True
    assert catalog.fits_resource_type(key, "kms:Decrypt") is False


def test_a_star_of_a_pattern_spans_segments(catalog: Catalog) -> None:
    """IAM matches a `Resource` pattern as one text (its `*` crosses `:`); a format's
    segments before the resource part hold no `:`"""
    assert catalog.fits_resource_type("arn:aws:*:role/app", "iam:PassRole") is True
    assert catalog.fits_resource_type("arn:aws:*:111122223333:role/app", "iam:PassRole") is True
    assert catalog.fits_resource_type("arn:aws:s3:*:role/app", "iam:PassRole") is False


def test_a_pattern_is_compared_in_any_case_only_when_asked(catalog: Catalog) -> None:
    pattern = f"arn:aws:kms:us-east-1:{ACCOUNT}:KEY/*"
    assert catalog.fits_resource_type(pattern, "kms:Decrypt") is False
    assert catalog.fits_resource_type(pattern, "kms:Decrypt", ignore_case=True) is True
