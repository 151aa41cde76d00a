"""Which global condition keys every request carries, for questions asked without a request

A static question ("is this principal an administrator?") has no real request, so it must not
read a key that every request carries as absent: `Bool aws:SecureTransport true` would then
deny what every request over TLS is allowed. This module lists those keys, as the IAM User
Guide's "AWS global condition context keys" page (reference_policies_condition-keys) gives
each key's *Availability*, and says which of them the engine derives from the principal. It
owns data only; which keys a question leaves undecided is the asking analysis's choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ALWAYS_PRESENT_KEYS", "PRINCIPAL_KEYS", "REQUEST_KEYS"]

ALWAYS_PRESENT_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "aws:CurrentTime": "always included in the request context",
        "aws:EpochTime": "always included in the request context",
        "aws:PrincipalAccount": "always included in the request context",
        "aws:PrincipalArn": "always included in the request context",
        "aws:PrincipalIsAWSService": "always included in the request context for all signed "
        "API requests",
        "aws:PrincipalType": "always included in the request context",
        "aws:RequestedRegion": "always included in the request context",
        "aws:SecureTransport": "always included in the request context",
        "aws:SourceIp": "included in the request context, except when the requester uses a VPC "
        "endpoint",
        "aws:UserAgent": "always included in the request context",
        "aws:userid": "included in the request context for all signed requests",
        "aws:username": "always included in the request context for IAM users",
        "aws:ViaAWSService": "always included in the request context for most services",
    }
)
"""Global keys a request carries whatever it does, in AWS's spelling, with the *Availability*
the IAM User Guide gives each (reference_policies_condition-keys)

Left out, because the page makes them depend on the request: the MFA keys and
`aws:TokenIssueTime` (temporary credentials only), `aws:CalledVia*` (a service calling on
the principal's behalf), `aws:SourceVpc*` / `aws:VpcSourceIp` (VPC endpoints only),
`aws:PrincipalOrg*` (members of an organization), `aws:PrincipalTag/*`, `aws:RequestTag/*`,
`aws:ResourceTag/*`, `aws:TagKeys` (tags), `aws:Referer`, `aws:Source*` of service calls.
"""

PRINCIPAL_KEYS: frozenset[str] = frozenset(
    key.lower()
    for key in (
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalIsAWSService",
        "aws:PrincipalType",
        "aws:userid",
        "aws:username",
    )
)
"""Always-present keys (lowercased) that describe the principal: the engine derives them from
the request's principal, so a question about a known principal knows them"""

REQUEST_KEYS: frozenset[str] = frozenset(
    key.lower() for key in ALWAYS_PRESENT_KEYS if key.lower() not in PRINCIPAL_KEYS
)
"""Always-present keys (lowercased) that describe the request (time, region, network, TLS,
client): undecided in every static question"""
