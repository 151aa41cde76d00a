"""Policy documents of a snapshot that iamwarden cannot read, recorded as gaps.

Every document in a real account was accepted by AWS, so one that `parse_policy` rejects is
iamwarden's limit, not bad input: it becomes a `Gap` naming the policy and the problem, and
the rest of the account is still assessed. Importers and live collection call
`with_policy_gaps`; so does the assessment, for snapshots written without these gaps. Nothing
here decides access.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from iamwarden.errors import PolicySyntaxError
from iamwarden.policy.document import PolicyKind, parse_policy
from iamwarden.snapshot.model import DataSet, Document, Gap, Group, Role, Snapshot, User

__all__ = ["policy_documents", "policy_gaps", "with_policy_gaps"]

UNREADABLE = "policy `{name}` cannot be read: {problem}"
"""A policy gap's reason"""


def policy_documents(
    snapshot: Snapshot,
) -> Iterator[tuple[DataSet, str, str, Document, PolicyKind]]:
    """(data set, name, label, document, kind) of every policy document in `snapshot`

    `name` is how the analyses name the policy; `label` adds the version of a managed policy
    that is not its default one.
    """
    auth = DataSet.AUTHORIZATION_DETAILS
    for policy in snapshot.policies:
        for version in policy.versions:
            label = policy.arn if version.is_default else f"{policy.arn} (version {version.id})"
            yield auth, policy.arn, label, version.document, PolicyKind.IDENTITY
    entities: tuple[User | Group | Role, ...] = (*snapshot.users, *snapshot.groups, *snapshot.roles)
    for entity in entities:
        for inline in entity.inline_policies:
            name = f"{entity.arn}:{inline.name}"
            yield auth, name, name, inline.document, PolicyKind.IDENTITY
    for role in snapshot.roles:
        name = f"{role.arn}:trust"
        yield auth, name, name, role.trust_policy, PolicyKind.RESOURCE
    for stored in snapshot.resource_policies:
        yield (
            DataSet.RESOURCE_POLICIES,
            stored.arn,
            stored.arn,
            stored.document,
            PolicyKind.RESOURCE,
        )
    if snapshot.organization is not None:
        for level in snapshot.organization.path:
            for kind, policies in ((PolicyKind.SCP, level.scps), (PolicyKind.RCP, level.rcps)):
                for org_policy in policies:
                    name = org_policy.arn or org_policy.id
                    yield DataSet.ORGANIZATION, name, name, org_policy.document, kind


def _problem(document: Document, kind: PolicyKind) -> str | None:
    """Why `document` cannot be read (`None` when it can)"""
    try:
        parse_policy(document.text, kind=kind)
    except PolicySyntaxError as error:
        first = error.problems[0]
        shown = str(first) if first.location else error.problem
        more = len(error.problems) - 1
        return shown + (f" (and {more} more)" if more else "")
    except RecursionError:
        return "policy document nested too deeply"
    return None


def policy_gaps(snapshot: Snapshot) -> tuple[Gap, ...]:
    """A gap for every policy document of `snapshot` that cannot be read"""
    found = []
    for dataset, name, label, document, kind in policy_documents(snapshot):
        problem = _problem(document, kind)
        if problem is not None:
            reason = UNREADABLE.format(name=label, problem=problem)
            found.append(Gap(dataset=dataset, reason=reason, resource=name))
    return tuple(found)


def with_policy_gaps(snapshot: Snapshot) -> Snapshot:
    """`snapshot` with a gap for each unreadable policy document not already recorded"""
    recorded = set(snapshot.gaps)
    new = tuple(g for g in policy_gaps(snapshot) if g not in recorded)
    if not new:
        return snapshot
    return dataclasses.replace(snapshot, gaps=(*snapshot.gaps, *new))
