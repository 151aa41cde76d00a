"""Keyword-only builders with defaults for snapshot objects used across tests"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from iamwarden.snapshot import (
    Account,
    DataSet,
    Document,
    InlinePolicy,
    ManagedPolicy,
    PolicyVersion,
    Role,
    Snapshot,
    User,
)

ACCOUNT_ID = "111122223333"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}


def doc(obj: Any) -> Document:
    """A `Document` from a JSON-able object"""
    return Document.from_obj(obj)


def inline(name: str = "inline", *, document: Any = ALLOW_ALL) -> InlinePolicy:
    """An inline policy"""
    return InlinePolicy(name=name, document=doc(document))


def managed_policy(name: str = "Custom", *, document: Any = ALLOW_ALL,
                   account: str = ACCOUNT_ID, **kw: Any) -> ManagedPolicy:
    """A customer managed policy with one default version (`account="aws"` for AWS-managed)"""
    return ManagedPolicy(
        name=name, arn=f"arn:aws:iam::{account}:policy/{name}",
        versions=(PolicyVersion(id="v1", document=doc(document), is_default=True),), **kw,
    )


def user(name: str = "alice", **kw: Any) -> User:
    """An IAM user in the test account"""
    return User(name=name, arn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}", **kw)


def role(name: str = "app", *, trust: Any = EC2_TRUST, **kw: Any) -> Role:
    """An IAM role in the test account"""
    return Role(name=name, arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", trust_policy=doc(trust), **kw)


def snapshot(*, collected: frozenset[DataSet] = frozenset(DataSet), **kw: Any) -> Snapshot:
    """A snapshot of the test account; every data set collected unless told otherwise"""
    return Snapshot(account=Account(id=ACCOUNT_ID), source="test", collected_at=NOW,
                    collected=collected, **kw)
