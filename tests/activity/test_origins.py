"""The request context of recorded calls: replay decides each call where it came from"""

from __future__ import annotations

import json
from pathlib import Path

from iamwarden.activity import find_files, ingest_files, open_store
from iamwarden.activity.calls import recorded_calls
from iamwarden.activity.generate import generate_policy, verify
from iamwarden.activity.mapping import load_mapper
from iamwarden.activity.origins import ORIGIN_KEYS, CallOrigin
from iamwarden.policy import PolicyKind, PolicySet, parse_policy
from tests.activity.conftest import record, write_records

ROLE = "arn:aws:iam::111122223333:role/dev"


def _policy(statements: list[dict[str, object]], kind: PolicyKind) -> PolicySet:
    text = json.dumps({"Version": "2012-10-17", "Statement": statements})
    policy = parse_policy(text, name="p", kind=kind)
    if kind is PolicyKind.SCP:
        allow = parse_policy(
            '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}',
            name="allow",
        )
        return PolicySet(identity=(allow,), scps=((policy,),))
    return PolicySet(identity=(policy,))


def _replay(tmp_path: Path, policies: PolicySet, **fields: object) -> object:
    write_records(tmp_path / "a.json", [record(**fields)])  # type: ignore[arg-type]
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path]))
        calls = recorded_calls(store, ROLE, load_mapper(), with_origins=True)
    generated = generate_policy(ROLE, calls)
    return verify(ROLE, generated.requests, policies, unmapped=generated.unmapped)


_FROM_RANGE = {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}


def test_an_scp_denying_the_calls_source_ip_denies_the_replay(tmp_path: Path) -> None:
    """IAM User Guide, global condition keys: aws:SourceIp is the requester's IP address
    (CloudTrail's `sourceIPAddress`); an SCP denying 198.51.100.0/24 denies a call recorded
    from 198.51.100.7, and an identity policy allowing only that range allows it"""
    deny = _policy(
        [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": _FROM_RANGE}],
        PolicyKind.SCP,
    )
    denied = _replay(tmp_path / "1", deny)
    assert not denied.holds and len(denied.denied) == 1  # type: ignore[attr-defined]
    allow = _policy(
        [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": _FROM_RANGE}],
        PolicyKind.IDENTITY,
    )
    assert _replay(tmp_path / "2", allow).holds  # type: ignore[attr-defined]
    elsewhere = _replay(tmp_path / "3", allow, sourceIPAddress="203.0.113.9")
    assert len(elsewhere.denied) == 1  # type: ignore[attr-defined]


def test_keys_the_record_does_not_give_are_uncertain_never_allowed(tmp_path: Path) -> None:
    """A condition on aws:SecureTransport (not in the record), or on aws:SourceIp of a call
    a service made on the principal's behalf (`sourceIPAddress` is its name; the target
    service sees the service's address: AWS knowledge center, "restrict calls to IP
    addresses"), leaves the call allowed only conditionally: uncertain, not verified"""
    tls = _policy(
        [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        ],
        PolicyKind.IDENTITY,
    )
    verdict = _replay(tmp_path / "1", tls)
    assert not verdict.holds and len(verdict.uncertain) == 1  # type: ignore[attr-defined]
    via = _policy(
        [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": _FROM_RANGE}],
        PolicyKind.IDENTITY,
    )
    verdict = _replay(tmp_path / "2", via, sourceIPAddress="athena.amazonaws.com")
    assert not verdict.holds and len(verdict.uncertain) == 1  # type: ignore[attr-defined]


def test_the_context_of_each_origin() -> None:
    """A public address is aws:SourceIp (aws:ViaAWSService false); a service's name is
    aws:ViaAWSService true with aws:SourceIp undecided; a private address may have come
    through a VPC endpoint (aws:SourceIp absent there), so it is undecided"""
    public, undecided = CallOrigin(region="eu-west-1", source="198.51.100.7").context()
    assert public == {
        "aws:RequestedRegion": "eu-west-1",
        "aws:SourceIp": "198.51.100.7",
        "aws:ViaAWSService": "false",
    }
    assert "aws:sourceip" not in undecided and "aws:securetransport" in undecided
    service, undecided = CallOrigin(region="", source="athena.amazonaws.com").context()
    assert service == {"aws:ViaAWSService": "true"} and "aws:sourceip" in undecided
    private, undecided = CallOrigin(region="us-east-1", source="10.0.0.5").context()
    assert "aws:SourceIp" not in private and "aws:sourceip" in undecided


def test_origin_keys_are_the_keys_an_origin_gives_beyond_its_region() -> None:
    """`ORIGIN_KEYS` decides whether replay reads the origins at all: every key a context
    gives but the Region is among them"""
    given = set()
    for source in ("198.51.100.7", "athena.amazonaws.com", "10.0.0.5", ""):
        context, _ = CallOrigin(region="us-east-1", source=source, user_agent="ua").context()
        given |= {k.lower() for k in context}
    assert given - {"aws:requestedregion"} == ORIGIN_KEYS
