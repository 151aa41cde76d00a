"""S3 Block Public Access: which settings neutralise a bucket's public policy.

Amazon S3 User Guide, access-control-block-public-access: `RestrictPublicBuckets` "restricts
access to an access point or bucket with a public policy to only AWS service principals and
authorized users within the bucket owner's account", so every cross-account and public grant
of a public policy is void while it is on; `BlockPublicPolicy` only refuses new public
policies ("doesn't affect existing bucket policies"). The setting applies when it is on at
the bucket or at the account level. ACLs are not in the snapshot, so `BlockPublicAcls` /
`IgnorePublicAcls` decide nothing here.
"""

from __future__ import annotations

from iamwarden.snapshot import DataSet, PublicAccessBlock, ResourcePolicy, Snapshot

__all__ = ["account_block_known", "restricting_level"]


def account_block_known(snapshot: Snapshot) -> bool:
    """Whether the account's Block Public Access setting is known (collected, no gap)"""
    if not snapshot.has(DataSet.RESOURCE_POLICIES):
        return False
    return not any(
        "publicaccessblock" in gap.call.lower().replace("_", "") and not gap.region
        for gap in snapshot.gaps_for(DataSet.RESOURCE_POLICIES)
    )


def _restricts(block: PublicAccessBlock | None) -> bool:
    return block is not None and block.restrict_public_buckets


def restricting_level(snapshot: Snapshot, bucket: ResourcePolicy) -> str:
    """`bucket` or `account` when `RestrictPublicBuckets` is on there (bucket first), else
    empty"""
    if _restricts(bucket.public_access_block):
        return "bucket"
    if _restricts(snapshot.account_public_access_block):
        return "account"
    return ""
