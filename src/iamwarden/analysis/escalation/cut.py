"""The Deny statement that cuts a path, confirmed by the engine

For the first hop a principal of the account makes by its own requests, a Deny of the
hop's actions on the hop's resources, to add to the principal's permissions boundary or to
an SCP; the engine then decides each of the hop's requests again with the Deny added and
must deny at least one (an explicit Deny in any policy of the set overrides every Allow:
IAM User Guide, reference_policies_evaluation-logic). Another way from source to target
may remain; the cut says which hop it removes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from iamwarden.analysis.escalation.graph import Path
from iamwarden.analysis.escalation.model import Decided, Edge
from iamwarden.policy import Decision, Policy, evaluate, parse_policy, try_parse_arn

__all__ = ["Cut", "cut_path"]

_SID = "CutEscalationPath"


@dataclass(frozen=True, slots=True, kw_only=True)
class Cut:
    """A Deny statement (`document`, policy JSON) that the engine confirmed removes the hop
    `technique` from `source` to `target`"""

    technique: str
    source: str
    target: str
    document: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The cut as plain data"""
        return {
            "hop": self.technique,
            "source": self.source,
            "target": self.target,
            "policy": self.document,
            "confirmed_by_engine": True,
        }


def _denied(decided: Decided, deny: Policy) -> bool:
    policies = replace(decided.policies, identity=(*decided.policies.identity, deny))
    return evaluate(decided.request, policies).decision is not Decision.ALLOWED


def _own_request(decided: Decided, source: str) -> bool:
    """A request `source` makes with policies of the account: its own principal, in the
    account of the resource (another account's principals stand in for policies the
    snapshot does not hold; an identity provider's users hold none)"""
    request = decided.request
    if request.principal != source or request.action == "*" or not decided.policies.identity:
        return False
    principal = try_parse_arn(source)
    resource = try_parse_arn(request.resource)
    account = request.resource_account or (resource.account if resource is not None else "")
    return principal is not None and principal.account == account


def _cut_hop(hop: Edge) -> Cut | None:
    own = [d for d in hop.decisions if _own_request(d, hop.source)]
    if not own:
        return None
    actions = sorted({d.request.action for d in own})
    resources = sorted({d.request.resource for d in own})
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": _SID, "Effect": "Deny", "Action": actions, "Resource": resources}],
    }
    deny = parse_policy(json.dumps(document), name=f"cut of {hop.technique}")
    if not any(_denied(d, deny) for d in own):
        return None
    return Cut(technique=hop.technique, source=hop.source, target=hop.target, document=document)


def cut_path(path: Path) -> Cut | None:
    """The confirmed cut of the first hop of `path` that a principal of the account makes
    with its own policies (hops from another account or an identity provider, and the
    final `iw-admin`, are not cut this way), or None"""
    for hop in path.hops:
        found = _cut_hop(hop)
        if found is not None:
            return found
    return None
