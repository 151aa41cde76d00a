import pytest

from iamwarden.analysis.evidence import only_under
from iamwarden.policy import ConditionRef, PolicyKind, StatementRef


def _clause(operator, key, values, *, must_hold, index=0):
    ref = StatementRef(
        kind=PolicyKind.IDENTITY, policy="p", index=index, sid=None, pointer=f"Statement[{index}]"
    )
    return ConditionRef(
        statement=ref, operator=operator, key=key, values=tuple(values), must_hold=must_hold
    )


@pytest.mark.parametrize(
    ("clauses", "text"),
    [
        ([], ""),
        ([_clause("Bool", "aws:SecureTransport", ["true"], must_hold=True)], "only over TLS"),
        (
            [_clause("StringNotEquals", "aws:RequestedRegion", ["eu-west-1"], must_hold=False)],
            "in eu-west-1 only",
        ),
        (
            [
                _clause(
                    "StringEquals",
                    "aws:RequestedRegion",
                    ["eu-west-1", "us-east-1"],
                    must_hold=True,
                )
            ],
            "in eu-west-1 or us-east-1 only",
        ),
        (
            [_clause("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"], must_hold=False)],
            "only from 203.0.113.0/24",
        ),
        (
            [_clause("BoolIfExists", "aws:MultiFactorAuthPresent", ["false"], must_hold=False)],
            "only with MFA",
        ),
        (
            [
                _clause(
                    "DateGreaterThan", "aws:CurrentTime", ["2027-01-01T00:00:00Z"], must_hold=False
                )
            ],
            "only before 2027-01-01T00:00:00Z",
        ),
        (
            [_clause("StringLike", "aws:userid", ["AROA*:ops-*"], must_hold=True)],
            "only if aws:userid matches AROA*:ops-*",
        ),
        (
            [
                _clause("Bool", "aws:SecureTransport", ["true"], must_hold=True),
                _clause(
                    "StringEquals", "aws:RequestedRegion", ["eu-west-1"], must_hold=True, index=1
                ),
            ],
            "only over TLS and in eu-west-1 only",
        ),
    ],
)
def test_only_under(clauses, text):
    assert only_under(tuple(clauses)) == text
