"""`iamwarden.toml`: known third-party accounts and archive rules (suppressions).

One suppression model serves every command: an archive rule (IAM Access Analyzer's name) and
an `assess --suppressions` entry are both a `Suppression`, matched on a finding's structured
fields (check id, resource ARN, and for external-access findings the outside principal), with
a reason and an optional expiry date. This module parses text into data; it reads no file,
no clock and no environment, and knows nothing of checks (callers pass the known check ids).

```toml
[trust.known_accounts]
"464622532012" = "Datadog"

[[archive_rules]]
check_id = "external_access_cross_account"   # required
resource_arn = "arn:aws:s3:::acme-shared-*"   # glob, `*` and `?`; default "*"
principal = "444455556666"                    # glob on the outside principal; default any
reason = "partner reads reports, SEC-41"      # required
expires = 2027-03-31                          # optional; from the day after, it stops muting
```
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from iamwarden.errors import InputError, Problem

__all__ = [
    "Config",
    "Suppression",
    "glob_match",
    "parse_config",
    "parse_suppression",
]

_ACCOUNT = re.compile(r"\d{12}")


@lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    parts = ("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def glob_match(pattern: str, value: str) -> bool:
    """Whether `value` matches `pattern` as a whole (`*` any run, `?` one character)"""
    return _glob(pattern).fullmatch(value) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppression:
    """Accepted risk: matching findings become MUTED, never dropped

    A finding matches when its check id is `check_id`, its resource ARN matches the glob
    `resource_arn`, and, when `principal` is given, every outside principal of the finding
    (its evidence's `principals` for an external-access finding: account ids, ARNs, `*`,
    services, identity providers) matches the glob `principal`. From the day after
    `expires` the rule no longer mutes (it is reported as expired instead).
    """

    check_id: str
    resource_arn: str = "*"
    principal: str = ""
    reason: str = ""
    expires: date | None = None

    def matches(self, check_id: str, resource_arn: str, principals: tuple[str, ...] = ()) -> bool:
        """Whether this rule covers a finding with these fields (`principals`: the finding's
        outside principals, empty when it has none)"""
        if check_id != self.check_id or not glob_match(self.resource_arn, resource_arn):
            return False
        if not self.principal:
            return True
        return bool(principals) and all(glob_match(self.principal, p) for p in principals)

    def is_expired(self, on: date) -> bool:
        """Whether the rule has expired by the day `on`"""
        return self.expires is not None and on > self.expires


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The contents of `iamwarden.toml`

    `known_accounts` maps an account id to the name findings give it ("Datadog
    (464622532012)"); `archive_rules` are suppressions.
    """

    known_accounts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    archive_rules: tuple[Suppression, ...] = ()

    def account_label(self, account: str) -> str:
        """`Name (id)` for a known account, else the id"""
        name = self.known_accounts.get(account)
        return f"{name} ({account})" if name else account


_RULE_FIELDS = ("check_id", "resource_arn", "principal", "reason", "expires")


def _text(item: Mapping[str, Any], name: str, where: str, problems: list[Problem]) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or not value:
        problems.append(Problem(f"{where}.{name}", "expected a non-empty string"))
        return ""
    return value


def parse_suppression(
    item: Any,
    where: str,
    *,
    known_checks: Collection[str] | None = None,
    require_reason: bool = False,
) -> tuple[Suppression | None, list[Problem]]:
    """One rule from decoded TOML or YAML: the rule (None when invalid) and its problems

    `expires` is a date (TOML) or an ISO 8601 date text (YAML, or quoted in TOML).
    """
    problems: list[Problem] = []
    if not isinstance(item, Mapping):
        return None, [Problem(where, "expected a mapping")]
    extra = sorted(set(item) - set(_RULE_FIELDS))
    if extra:
        return None, [Problem(f"{where}.{extra[0]}", "unknown field")]
    check_id = _text(item, "check_id", where, problems)
    if not check_id and not problems:
        problems.append(Problem(f"{where}.check_id", "required, a non-empty string"))
    elif check_id and known_checks is not None and check_id not in known_checks:
        problems.append(Problem(f"{where}.check_id", f"unknown check `{check_id}`"))
    reason = _text(item, "reason", where, problems)
    if require_reason and not reason and f"{where}.reason" not in {p.location for p in problems}:
        problems.append(Problem(f"{where}.reason", "required, a non-empty string"))
    expires = _expiry(item.get("expires"), f"{where}.expires", problems)
    rule = Suppression(
        check_id=check_id,
        resource_arn=_text(item, "resource_arn", where, problems) or "*",
        principal=_text(item, "principal", where, problems),
        reason=reason,
        expires=expires,
    )
    return (None if problems else rule), problems


_TOML_AT = re.compile(r"^(?P<problem>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_TOML_KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_\-.\"' ]+?)\s*=")


def _located(error: tomllib.TOMLDecodeError, text: str, path: str) -> InputError:
    """The TOML reader's error as `line L:C` and its problem, naming the key whose value it
    is in when the line assigns one (`expires = 2027-13-45`: the date is not a date)"""
    message = str(error)
    if message.endswith(" (at end of document)"):
        problem = message.removesuffix(" (at end of document)")
        return InputError(f"invalid TOML: {problem}", path=path, location="end of file")
    found = _TOML_AT.match(message)
    if found is None:
        return InputError(f"invalid TOML: {message}", path=path)
    line = int(found["line"])
    problem = f"invalid TOML: {found['problem']}"
    lines = text.splitlines()
    assigned = _TOML_KEY.match(lines[line - 1]) if 0 < line <= len(lines) else None
    if assigned is not None:
        problem += f" (in the value of `{assigned['key'].strip()}`)"
    return InputError(problem, path=path, location=f"line {line}:{found['column']}")


def _expiry(value: Any, where: str, problems: list[Problem]) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(Problem(where, "expected a date (YYYY-MM-DD)"))
    return None


def parse_config(
    text: str, *, path: str = "", known_checks: Collection[str] | None = None
) -> Config:
    """Parse the text of `iamwarden.toml`

    Raises:
        InputError: the text is not TOML, or a key is unknown or has a bad value; every
            problem is reported, the first one names its key (`archive_rules[1].expires`).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _located(error, text, path) from None
    problems: list[Problem] = []
    for key in sorted(set(data) - {"trust", "archive_rules"}):
        problems.append(Problem(key, "unknown key"))
    accounts: dict[str, str] = {}
    trust = data.get("trust", {})
    if not isinstance(trust, dict):
        problems.append(Problem("trust", "expected a table"))
        trust = {}
    for key in sorted(set(trust) - {"known_accounts"}):
        problems.append(Problem(f"trust.{key}", "unknown key"))
    known = trust.get("known_accounts", {})
    if not isinstance(known, dict):
        problems.append(Problem("trust.known_accounts", "expected a table"))
        known = {}
    for account, name in known.items():
        where = f"trust.known_accounts.{account}"
        if not _ACCOUNT.fullmatch(account):
            problems.append(Problem(where, "expected a 12-digit account id as the key"))
        elif not isinstance(name, str) or not name.strip():
            problems.append(Problem(where, "expected a non-empty name"))
        else:
            accounts[account] = name.strip()
    rules: list[Suppression] = []
    raw_rules = data.get("archive_rules", [])
    if not isinstance(raw_rules, list):
        problems.append(Problem("archive_rules", "expected an array of tables"))
        raw_rules = []
    for index, item in enumerate(raw_rules):
        rule, found = parse_suppression(
            item, f"archive_rules[{index}]", known_checks=known_checks, require_reason=True
        )
        problems.extend(found)
        if rule is not None:
            rules.append(rule)
    if problems:
        first = problems[0]
        raise InputError(first.problem, path=path, location=first.location, problems=problems)
    return Config(known_accounts=MappingProxyType(accounts), archive_rules=tuple(rules))
