"""The ARN templates of the event → action table, filled from a CloudTrail request

Templates use iam-dataset's syntax: `${Name}` (a request parameter; `A.B` nested),
`%%regex%${Name}%/pattern/g%%` (the first capture group), `%%urlencode%…%%`,
`%%iftruthy%${Name}%then%else%%`, `%%many%${A}%${B}%%` (each value) and
`%%iftemplatematch%${Arn}%%` (used only when it is an ARN). CloudTrail spells parameters in
lowerCamelCase where SDKs use UpperCamelCase, so names are looked up case-insensitively, with
the few renamings CloudTrail makes (S3's `Bucket` is `bucketName`).

This module evaluates templates; it knows nothing of actions or the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

__all__ = ["TemplateValues", "fill", "parameter_keys"]

_FUNCTION = re.compile(r"%%(regex|urlencode|iftruthy|many|iftemplatematch)%(.*?)%%")
_VARIABLE = re.compile(r"\$\{([^}]+)\}")

# SDK parameter name (lowercased) → CloudTrail's name for it (lowercased)
_RENAMED = {"bucket": "bucketname"}


def parameter_keys(name: str) -> frozenset[str]:
    """The top-level request parameter keys (lowercased) a template's `${name}` may read"""
    top = name.replace("[]", "").split(".", 1)[0].lower()
    return frozenset({top, _RENAMED.get(top, top)})


class TemplateValues:
    """The values a template may name: a request's parameters, plus `Partition`, `Region` and
    `Account` of the call"""

    def __init__(
        self, parameters: Mapping[str, Any], *, partition: str, region: str, account: str
    ) -> None:
        self._lower = {str(k).lower(): v for k, v in parameters.items()}
        self._lower.update({"partition": partition, "region": region, "account": account})

    def with_values(self, extra: Mapping[str, str]) -> TemplateValues:
        """These values and `extra` (which wins)"""
        found = TemplateValues({}, partition="", region="", account="")
        found._lower = {**self._lower, **{k.lower(): v for k, v in extra.items()}}
        return found

    def get(self, name: str) -> str | None:
        """The text value of `name` (`A.B` nested), None when absent or not a scalar"""
        value: Any = None
        for depth, part in enumerate(name.replace("[]", "").split(".")):
            key = part.lower()
            table = (
                self._lower
                if depth == 0
                else (
                    {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else {}
                )
            )
            value = table.get(key, table.get(_RENAMED.get(key, key)))
            if value is None:
                return None
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, (str, int, float)):
            return str(value)
        return None


class _Missing(Exception):
    """A template names a value the request lacks"""


def _substitute(text: str, values: TemplateValues, *, lenient: bool) -> str:
    def one(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        if found is None:
            if lenient:
                return ""
            raise _Missing(match.group(1))
        return found

    return _VARIABLE.sub(one, text)


def _function(name: str, args: str, values: TemplateValues) -> str:
    if name == "regex":
        inner, _, pattern = args.partition("%")
        text = _substitute(inner, values, lenient=True)
        body = pattern.strip()
        if body.startswith("/"):
            body = body[1 : body.rfind("/")]
        try:
            found = re.search(body, text)
        except re.error:
            raise _Missing(inner) from None
        return found.group(1) or "" if found and found.groups() else ""
    if name == "urlencode":
        return quote(_substitute(args, values, lenient=False), safe="")
    if name == "iftruthy":
        test, _, rest = args.partition("%")
        then, _, otherwise = rest.partition("%")
        value = _substitute(test, values, lenient=True)
        chosen = then if value and value.lower() not in ("false", "0") else otherwise
        return _substitute(chosen, values, lenient=False)
    if name == "many":
        first = next((p for p in args.split("%") if _substitute(p, values, lenient=True)), "")
        return _substitute(first, values, lenient=False)
    # iftemplatematch: only an ARN takes the template's place
    value = _substitute(args, values, lenient=False)
    if not value.startswith("arn:"):
        raise _Missing(args)
    return value


def fill(template: str, values: TemplateValues) -> str | None:
    """The template's text with every value filled in; None when the request lacks a value
    it needs (a `%%regex%…%%` of an absent value is empty, as iam-dataset reads it)"""
    try:
        text = _FUNCTION.sub(lambda m: _function(m.group(1), m.group(2), values), template)
        return _substitute(text, values, lenient=False)
    except _Missing:
        return None
