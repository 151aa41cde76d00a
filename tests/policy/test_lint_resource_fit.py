"""Lint `resource_type_mismatch`: a `Resource` entry that fits no ARN format of the
statement's actions' resource types (Service Authorization Reference, "Resource types")"""

from __future__ import annotations

from typing import Any

import pytest

from iamwarden.policy.lint import lint_policy
from tests.policy.resource_fit_cases import FITS


def _mismatched(actions: str | list[str], resource: str) -> bool:
    doc: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }
    return "resource_type_mismatch" in {d.code for d in lint_policy(doc)}


@pytest.mark.parametrize(("action", "resource", "fits"), FITS)
def test_a_resource_fitting_no_format_of_the_action_is_reported(
    action: str, resource: str, fits: bool | None
) -> None:
    """An action of no resource type (None) fits no ARN: IAM wants `"Resource": "*"`"""
    assert _mismatched(action, resource) is (fits is not True)


def test_one_action_of_the_statement_fitting_is_enough() -> None:
    assert not _mismatched(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::b")
    assert _mismatched(["s3:GetObject", "s3:ListAllMyBuckets"], "arn:aws:s3:::b")
