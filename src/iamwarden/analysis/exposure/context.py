"""The request context of an outside principal's request, built from the snapshot.

A static question must not invent what the caller does not control, nor read as absent
what the caller chooses. For an outsider:

- keys the engine derives from the principal (`aws:PrincipalArn`, `aws:PrincipalAccount`,
  `aws:userid`, …) are its own, never the account's;
- `aws:PrincipalOrgID` / `aws:PrincipalOrgPaths`: a principal of another Organization
  (asked again as one in no Organization when the policy reads those keys), or, for a
  member of an Organization the policy names, that Organization and its path; anonymous
  callers, services and identity providers carry neither (IAM User Guide,
  reference_policies_condition-keys: "included in the request context only if the
  principal is a member of an organization");
- `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceVpcArn`, `aws:VpcSourceIp`: absent, and
  (when the policy reads them) asked again through a VPC endpoint of the outsider's own:
  never the account's ids, but any private address it chooses (`vpce-*` or `*` fits such an
  endpoint: IAM User Guide, reference_policies_condition-keys#condition-keys-sourcevpce);
- `aws:SourceIp`: concrete probes, one public address plus the first address of every
  public range the policy names, never a private one (a private range is reachable only
  from networks the account controls);
- for a service acting for someone else: `aws:SourceAccount` (and the legacy
  `aws:SourceOwner`) the outside account, `aws:SourceOrgID` another Organization, and
  `aws:SourceArn` each ARN the policy names with its account replaced by the outside one
  (IAM User Guide, confused-deputy);
- `aws:ResourceAccount` / `aws:ResourceOrgID` / `aws:ResourceOrgPaths`: the account's
  own; `kms:CallerAccount`: the caller's account;
- every other key the policy reads and the catalogue knows (request keys such as
  `aws:SecureTransport`, `sts:ExternalId`, tags, service keys) is undecided: the caller
  controls it or the snapshot does not hold it. An `aws:` key that is not a global key
  (a typo) is absent, as in AWS, where no request carries it.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from iamwarden.analysis.exposure.model import OutsiderKind
from iamwarden.analysis.exposure.outsiders import OUTSIDE_ACCOUNT, Outsider
from iamwarden.analysis.exposure.zone import ZoneOfTrust
from iamwarden.policy import Catalog, Policy
from iamwarden.policy.arn import try_parse_arn
from iamwarden.policy.keys import PRINCIPAL_KEYS

__all__ = [
    "OUTSIDE_ORG",
    "OUTSIDE_VPC",
    "OUTSIDE_VPCE",
    "PUBLIC_ADDRESS",
    "Variant",
    "named_keys",
    "variants",
]

OUTSIDE_ORG = "o-iamwardenout"
"""The Organization of representative outsiders (never a real one: ids are `o-` + 10-32
lowercase letters or digits)"""
OUTSIDE_VPC = "vpc-0iamwardenoutside"
"""The VPC an outsider calls through (never a real id: ids are hexadecimal)"""
OUTSIDE_VPCE = "vpce-0iamwardenoutside"
"""The VPC endpoint an outsider calls through"""
PUBLIC_ADDRESS = "203.0.113.10"
"""The source address of an outsider when the policy names no public range"""

_PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
"""Ranges no caller on the internet can come from (RFC 1918, RFC 6598 shared space, loopback,
link-local, IPv6 unique-local)"""


def _is_private(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return any(
        network.version == private.version and network.subnet_of(private)  # type: ignore[arg-type]
        for private in _PRIVATE
    )


_ORG_KEYS = frozenset({"aws:principalorgid", "aws:principalorgpaths"})
_SOURCE_KEYS = frozenset(
    {
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
    }
)
_NETWORK_KEYS = frozenset(
    {"aws:sourcevpc", "aws:sourcevpce", "aws:vpcsourceip", "aws:sourcevpcarn"}
)
_RESOURCE_KEYS = frozenset({"aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths"})
_DECIDED = (
    PRINCIPAL_KEYS
    | _ORG_KEYS
    | _SOURCE_KEYS
    | _NETWORK_KEYS
    | _RESOURCE_KEYS
    | {"aws:sourceip", "kms:calleraccount", "aws:principalservicename"}
)
"""Keys given a value (or left absent on purpose) for an outsider, never undecided"""

_Context = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Variant:
    """One request context for an outsider, with the keys left undecided"""

    context: _Context
    unknown: frozenset[str]
    principal_id: str | None = None


def named_keys(policies: Iterable[Policy]) -> frozenset[str]:
    """Every condition key (lowercased) the statements of `policies` read"""
    return frozenset(
        condition.key.lower()
        for policy in policies
        for statement in policy.statements
        for condition in statement.conditions
    )


def _values(policy: Policy, key: str) -> tuple[str, ...]:
    return tuple(
        value
        for statement in policy.statements
        for condition in statement.conditions
        if condition.key.lower() == key
        for value in condition.values
    )


def _addresses(policy: Policy) -> tuple[str, ...]:
    """A public address, and the first address of each public range the policy names"""
    found = [PUBLIC_ADDRESS]
    for value in _values(policy, "aws:sourceip"):
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            continue
        if not _is_private(network):
            found.append(str(network.network_address))
    return tuple(dict.fromkeys(found))


def _network(policy: Policy, outsider: Outsider, zone: ZoneOfTrust) -> dict[str, str]:
    """The network keys of a request through a VPC endpoint of the outsider's own: its own
    ids, and a private address (the first of the first range the policy names)"""
    address = "10.0.0.10"
    for value in _values(policy, "aws:vpcsourceip"):
        try:
            address = str(ipaddress.ip_network(value, strict=False).network_address)
        except ValueError:
            continue
        break
    account = outsider.account or OUTSIDE_ACCOUNT
    return {
        "aws:SourceVpc": OUTSIDE_VPC,
        "aws:SourceVpce": OUTSIDE_VPCE,
        "aws:SourceVpcArn": f"arn:{zone.partition}:ec2:us-east-1:{account}:vpc/{OUTSIDE_VPC}",
        "aws:VpcSourceIp": address,
    }


def _source_arns(policy: Policy) -> tuple[str | None, ...]:
    """`aws:SourceArn` values for a service acting for an outsider: each ARN the policy
    names, in the outside account, wildcards filled in"""
    found: list[str | None] = []
    for value in _values(policy, "aws:sourcearn"):
        arn = try_parse_arn(value)
        if arn is None:
            continue
        account = OUTSIDE_ACCOUNT if arn.account else ""
        probe = f"arn:{arn.partition}:{arn.service}:{arn.region}:{account}:{arn.resource}"
        found.append(probe.replace("*", "x").replace("?", "x"))
    return tuple(dict.fromkeys(found)) or (None,)


def _undecided(keys: frozenset[str], catalog: Catalog, kind: OutsiderKind) -> frozenset[str]:
    found = set()
    for key in keys - _DECIDED:
        if key.startswith("aws:") and not catalog.is_global_condition_key(key):
            continue  # no request carries it: absent, as AWS reads it
        found.add(key)
    if kind is OutsiderKind.PRINCIPAL:
        found.add("aws:userid")  # a named principal's id is its own, not known here
    return frozenset(found)


def variants(
    outsider: Outsider,
    policy: Policy,
    keys: frozenset[str],
    zone: ZoneOfTrust,
    catalog: Catalog,
    *,
    organization: bool = False,
) -> tuple[Variant, ...]:
    """The request contexts to ask for `outsider` (several when the policy reads keys the
    outsider may hold different values of); `organization` asks instead for a principal of
    another account of the zone's own Organization"""
    base: dict[str, str | Sequence[str]] = {}
    if zone.organization_id:
        base["aws:ResourceOrgID"] = zone.organization_id
        base["aws:ResourceOrgPaths"] = (zone.organization_path,)
    unknown = _undecided(keys, catalog, outsider.kind)
    if not zone.organization_known:
        unknown |= {"aws:resourceorgid", "aws:resourceorgpaths"}
    if outsider.has_account:
        base["kms:CallerAccount"] = outsider.account
    if outsider.kind is OutsiderKind.SERVICE:
        base["aws:SourceAccount"] = OUTSIDE_ACCOUNT
        base["aws:SourceOwner"] = OUTSIDE_ACCOUNT
        base["aws:SourceOrgID"] = OUTSIDE_ORG
        base["aws:SourceOrgPaths"] = (f"{OUTSIDE_ORG}/r-out0/",)
    orgs: list[dict[str, str | Sequence[str]]] = [{}]
    if outsider.kind is OutsiderKind.ORGANIZATION:
        orgs = [
            {
                "aws:PrincipalOrgID": outsider.organization,
                "aws:PrincipalOrgPaths": (outsider.organization_path,),
            }
        ]
    elif outsider.has_account:
        if organization:
            orgs = [
                {
                    "aws:PrincipalOrgID": zone.organization_id,
                    "aws:PrincipalOrgPaths": (zone.organization_path,),
                }
            ]
        else:
            other = {
                "aws:PrincipalOrgID": OUTSIDE_ORG,
                "aws:PrincipalOrgPaths": (f"{OUTSIDE_ORG}/r-out0/",),
            }
            orgs = [other, {}] if keys & _ORG_KEYS else [other]
    addresses: tuple[str | None, ...] = (None,)
    if "aws:sourceip" in keys and outsider.kind is not OutsiderKind.SERVICE:
        addresses = _addresses(policy)
    arns: tuple[str | None, ...] = (None,)
    if outsider.kind is OutsiderKind.SERVICE and "aws:sourcearn" in keys:
        arns = _source_arns(policy)
    networks: list[dict[str, str]] = [{}]
    if keys & _NETWORK_KEYS and outsider.kind in (
        OutsiderKind.ANONYMOUS,
        OutsiderKind.ANY_ACCOUNT,
        OutsiderKind.ACCOUNT,
        OutsiderKind.PRINCIPAL,
        OutsiderKind.ORGANIZATION,
    ):
        networks.append(_network(policy, outsider, zone))
    principal_id = None
    if outsider.kind in (OutsiderKind.ANY_ACCOUNT, OutsiderKind.ACCOUNT, OutsiderKind.ORGANIZATION):
        principal_id = "AROAIAMWARDENOUTSIDER:session"
    found = []
    for org, address, arn, network in itertools.product(orgs, addresses, arns, networks):
        context = {**base, **org, **network}
        if address is not None:
            context["aws:SourceIp"] = address
        if arn is not None:
            context["aws:SourceArn"] = arn
        found.append(
            Variant(
                context=MappingProxyType(context),
                unknown=unknown,
                principal_id=principal_id,
            )
        )
    return tuple(found)
