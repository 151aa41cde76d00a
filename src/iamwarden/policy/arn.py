"""ARNs: parsing, `Resource` glob matching and per-segment `ArnLike` matching.

Owns the string matching of ARNs and of IAM wildcards (`*`, `?`). It knows nothing of
policies or requests and never loads data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from iamwarden.errors import InputError

__all__ = [
    "PARTITIONS",
    "Arn",
    "arn_like",
    "arn_matches",
    "compile_glob",
    "glob_matches",
    "glob_regex",
    "is_region_name",
    "parse_arn",
    "try_parse_arn",
]

PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)
"""Partitions IAM accepts in a `Resource` ARN"""

# every partition's region names: two to four letters, one or two words, a number
# (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`)
_REGION_SHAPE = re.compile(r"[a-z]{2,4}(?:-[a-z]+){1,2}-[0-9]{1,2}")


def is_region_name(name: str) -> bool:
    """Whether `name` is shaped as an AWS Region name (`us-east-1`, `us-gov-west-1`); a
    shape, not a list: AWS opens Regions before any data file lists them"""
    return _REGION_SHAPE.fullmatch(name) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Arn:
    """An ARN split into its six segments; `resource` keeps any further colons"""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """The resource part up to the first `/` or `:` (`user`, `role`, `key`, …)"""
        return re.split(r"[/:]", self.resource, maxsplit=1)[0]


def try_parse_arn(text: str) -> Arn | None:
    """The ARN in `text`, or None when it has fewer than six `:`-separated segments"""
    return _parse(text)


@lru_cache(maxsize=65536)
def _parse(text: str) -> Arn | None:
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(
        partition=parts[1],
        service=parts[2],
        region=parts[3],
        account=parts[4],
        resource=parts[5],
    )


def parse_arn(text: str) -> Arn:
    """Parse `arn:partition:service:region:account:resource`

    Raises:
        InputError: `text` is not an ARN, or its partition is not an AWS partition.
    """
    arn = _parse(text)
    if arn is None:
        raise InputError(f"`{text}` is not an ARN")
    if arn.partition not in PARTITIONS:
        raise InputError(f"`{text}`: partition `{arn.partition}` is not an aws partition")
    return arn


@lru_cache(maxsize=65536)
def glob_regex(pattern: str) -> str:
    """The regex text of an IAM wildcard pattern (`*` any run, `?` one character), uncompiled"""
    return "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)


@lru_cache(maxsize=16384)
def compile_glob(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """A regex for an IAM wildcard pattern: `*` any run of characters, `?` one character"""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(glob_regex(pattern), flags)


def glob_matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Whether `value` matches the IAM wildcard `pattern` as a whole"""
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return compile_glob(pattern, ignore_case=ignore_case).fullmatch(value) is not None


def arn_matches(pattern: str, resource: str) -> bool:
    """Whether a `Resource` element entry matches a resource ARN (case-sensitive glob)

    `*` matches any run of characters, colons included, and `?` one character, as IAM
    does for the `Resource` and `NotResource` elements.
    """
    return glob_matches(pattern, resource)


def _segments(value: str) -> Sequence[str] | None:
    parts = value.split(":", 5)
    return parts if len(parts) == 6 else None


def arn_like(pattern: str, value: str) -> bool:
    """`ArnLike`/`ArnEquals`: both split into six segments, each matched as a glob

    Segments are case-sensitive; `*` and `?` never cross a segment boundary except in the
    last (resource) segment, which may itself hold colons.
    """
    if pattern == "*":
        return True
    left = _segments(pattern)
    right = _segments(value)
    if left is None or right is None:
        return False
    return all(glob_matches(p, v) for p, v in zip(left, right, strict=True))
