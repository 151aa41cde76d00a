"""Where a principal's recorded calls came from, as the request context keys AWS gave them

A CloudTrail record names the call's Region (`awsRegion`: `aws:RequestedRegion`), where it
came from (`sourceIPAddress`: a public IP address is `aws:SourceIp` and the call came
directly, `aws:ViaAWSService` false; a service's name such as `athena.amazonaws.com` means
that service called on the principal's behalf, `aws:ViaAWSService` true, and the IP address
the target service saw is the calling service's, not recorded) and the client
(`userAgent`: `aws:UserAgent`). Keys every request carries that the record does not give
(`aws:SecureTransport`, `aws:CurrentTime`, a private IP address that may have come through
a VPC endpoint, where `aws:SourceIp` is absent) are undecided, never absent (IAM User Guide,
"AWS global condition context keys", and "AWS: Denies access to AWS based on the source
IP").

The calls query reads each distinct call's origins wherever the events are
(`calls.calls_on`, `with_origins`). This module builds contexts; it queries and decides
nothing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from iamwarden.policy.keys import REQUEST_KEYS

__all__ = ["ORIGIN_KEYS", "CallOrigin"]

ORIGIN_KEYS = frozenset({"aws:sourceip", "aws:viaawsservice", "aws:useragent"})
"""The request keys (lowercased) a call's origin can decide beyond its Region, which every
recorded call has: a policy naming none of them is decided alike with or without origins"""


_VPC_RANGES = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
"""Private ranges (RFC 1918, IPv6 unique local) a VPC's addresses come from: a call from one
may have come through a VPC endpoint, where aws:SourceIp is absent"""


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class CallOrigin:
    """Where calls came from: Region, `sourceIPAddress` (an IP address, a service's name or
    empty) and the user agent (empty when the calls had several or none); ordered by those"""

    region: str
    source: str
    user_agent: str = ""

    def context(self) -> tuple[dict[str, str], frozenset[str]]:
        """(context keys the record gives, request keys left undecided), lowercased keys
        in the undecided set as `Request.unknown_keys` takes them"""
        given: dict[str, str] = {}
        if self.region:
            given["aws:RequestedRegion"] = self.region
        if self.user_agent:
            given["aws:UserAgent"] = self.user_agent
        try:
            address = ipaddress.ip_address(self.source)
        except ValueError:
            address = None
        if address is not None and not any(address in n for n in _VPC_RANGES):
            given["aws:SourceIp"] = str(address)
            given["aws:ViaAWSService"] = "false"
        elif self.source.endswith(".amazonaws.com"):
            given["aws:ViaAWSService"] = "true"
        undecided = frozenset(k for k in REQUEST_KEYS if k not in {g.lower() for g in given})
        return given, undecided
