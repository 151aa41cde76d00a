"""`activity_only_reads` (issue 14 §2, SUGGESTION: "`s3:*` where the activity store shows
only reads"): a wildcard granting actions above Read and List (the Service Authorization
Reference's access levels) to principals whose recorded calls of its services only read"""

from __future__ import annotations

from typing import Any

import pytest

from iamwarden.policy import AccessLevel, Policy, load_catalog, parse_policy
from iamwarden.policy.lint import (
    CODES,
    DiagnosticSeverity,
    RecordedUse,
    activity_suggestions,
    read_only_patterns,
)

ROLE = "arn:aws:iam::111122223333:role/app"
READS = frozenset({"s3:GetObject", "s3:ListBucket"})


def _policy(*actions: str, effect: str = "Allow") -> Policy:
    statement: dict[str, Any] = {"Effect": effect, "Action": list(actions), "Resource": "*"}
    return parse_policy({"Version": "2012-10-17", "Statement": [statement]})


def _suggest(policy: Policy, *uses: RecordedUse, days: int = 90) -> list[Any]:
    return list(activity_suggestions(policy, uses, days=days, catalog=load_catalog()))


def _use(*actions: str, principal: str = ROLE, unmapped: frozenset[str] = frozenset()) -> Any:
    return RecordedUse(principal=principal, actions=frozenset(actions), unmapped_services=unmapped)


def test_the_code_is_a_suggestion() -> None:
    assert CODES["activity_only_reads"].severity is DiagnosticSeverity.SUGGESTION


def test_a_service_wildcard_used_only_to_read_suggests_the_read_actions() -> None:
    [found] = _suggest(_policy("s3:*"), _use(*READS), days=30)
    assert found.code == "activity_only_reads"
    assert found.location == "Statement[0].Action[0]"
    assert found.message.startswith("`s3:*` grants ")
    assert f"in the last 30 days the recorded calls of {ROLE} used only reads of s3 " in (
        found.message
    )
    assert "(s3:GetObject, s3:ListBucket)" in found.message
    assert "grant the read actions instead: " in found.message
    assert "s3:Get*" in found.message and "s3:List*" in found.message


def test_the_suggested_set_is_exactly_the_read_and_list_actions() -> None:
    """Every pattern suggested matches only Read or List actions of the catalogue, and
    together they match every Read and List action of the service"""
    catalog = load_catalog()
    levels = {AccessLevel.READ, AccessLevel.LIST}
    reads = frozenset(
        a
        for a in catalog.expand("s3:*")
        if catalog.access_levels(a) and catalog.access_levels(a) <= levels
    )
    patterns = read_only_patterns(reads, catalog)
    covered = frozenset().union(*(catalog.expand(p) for p in patterns))
    assert covered == reads
    assert len(patterns) < len(reads)  # written compactly


@pytest.mark.parametrize(
    ("actions", "uses"),
    [
        (("s3:*",), (_use("s3:GetObject", "s3:PutObject"),)),  # a write was used
        (("s3:*",), ()),  # applies to nobody
        (("s3:*",), (_use(),)),  # no recorded call
        (("s3:*",), (_use("dynamodb:GetItem"),)),  # s3 never called: unused, not reads
        (("s3:Get*", "s3:List*"), (_use(*READS),)),  # grants only reads already
        (("s3:GetObject",), (_use("s3:GetObject"),)),  # no wildcard
        (("s3:*",), (_use(*READS), _use("s3:DeleteObject", principal="arn:x:role/b"))),
        (("s3:*",), (_use(*READS, unmapped=frozenset({"s3"})),)),  # calls of unknown actions
        (("*",), (_use("s3:GetObject", "lambda:UpdateFunctionCode"),)),
    ],
)
def test_no_suggestion_without_evidence_of_reads_only(
    actions: tuple[str, ...], uses: tuple[RecordedUse, ...]
) -> None:
    assert _suggest(_policy(*actions), *uses) == []


def test_a_deny_is_not_judged() -> None:
    assert _suggest(_policy("s3:*", effect="Deny"), _use(*READS)) == []


def test_star_used_only_to_read_s3_suggests_the_s3_reads() -> None:
    [found] = _suggest(_policy("*"), _use(*READS))
    assert "used only reads of s3 " in found.message
    assert "s3:Get*" in found.message and "lambda" not in found.message.split("instead:")[1]


def test_a_write_wildcard_of_a_service_only_read_is_to_be_removed() -> None:
    [found] = _suggest(_policy("s3:Put*"), _use(*READS))
    assert found.message.endswith("it grants no read action of s3: remove it")


def test_several_principals_are_judged_together() -> None:
    other = "arn:aws:iam::111122223333:user/bob"
    [found] = _suggest(_policy("s3:*"), _use("s3:GetObject"), _use(principal=other))
    assert "the recorded calls of the 2 principals it applies to used only reads" in (found.message)
    assert "(s3:GetObject)" in found.message


def test_a_one_day_window_is_in_the_singular() -> None:
    [found] = _suggest(_policy("s3:*"), _use(*READS), days=1)
    assert "in the last 1 day " in found.message
