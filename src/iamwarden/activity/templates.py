"""The ARN templates of the event → action table, filled from a CloudTrail request

Templates use iam-dataset's syntax: `${Name}` (a request parameter; `A.B` nested),
`%%regex%${Name}%/pattern/g%%` (the first capture group), `%%urlencode%…%%`,
`%%iftruthy%${Name}%then%else%%`, `%%many%${A}%${B}%%` (the first given) and
`%%iftemplatematch%${Arn}%%` (used only when it is an ARN); ours adds `%%keys%${Name}%%` (each
key of an object: DynamoDB's `RequestItems` is keyed by table name) and
`%%copysource%${Name}%%` (an S3 copy source's `bucket/key`: `/b/a%20c?versionId=1` is
`b/a c`, as the S3 CopyObject API reference describes `x-amz-copy-source`; an access
point's ARN is missing).
`${A[].B}` reads `B` of each element of the list `A`: a template naming a list yields one
text per element (`fill_all`). CloudTrail spells parameters in lowerCamelCase where SDKs use
UpperCamelCase, so names are looked up case-insensitively, with the few renamings CloudTrail
makes (S3's `Bucket` is `bucketName`).

Values go into ARNs escaped (`escaped`): IAM reads `*` and `?` in a Resource as wildcards,
and `${*}`, `${?}`, `${$}` are the IAM User Guide's escapes for them (policy variables,
"Special characters"), so an object key `a*b` matches only itself.

This module evaluates templates; it knows nothing of actions or the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

__all__ = ["TemplateValues", "escape_resource", "fill", "fill_all", "parameter_keys"]

_FUNCTION = re.compile(r"%%(regex|urlencode|copysource|iftruthy|many|iftemplatematch|keys)%(.*?)%%")
_MANY_LIMIT = 1000
"""Texts one template may yield (elements of a list beyond it are not read)"""
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
        self._escape = False

    def escaped(self, *, is_escaped: bool = True) -> TemplateValues:
        """These values with `*`, `?` and `$` escaped for an IAM Resource (`escape_resource`),
        or (`is_escaped=False`) not"""
        found = self.with_values({})
        found._escape = is_escaped
        return found

    def with_values(self, extra: Mapping[str, str]) -> TemplateValues:
        """These values and `extra` (which wins)"""
        found = TemplateValues({}, partition="", region="", account="")
        found._lower = {**self._lower, **{k.lower(): v for k, v in extra.items()}}
        found._escape = self._escape
        return found

    def raw(self, name: str) -> list[Any]:
        """Every value `name` reaches (`A.B` nested; `A[].B`: `B` of each element of `A`),
        none when absent"""
        found: list[Any] = [self._lower]
        for part in name.split("."):
            key = part.removesuffix("[]").lower()
            step: list[Any] = []
            for value in found:
                if not isinstance(value, dict):
                    continue
                # the top level is lowercased already; nested objects are lowercased here
                table = (
                    value if value is self._lower else {str(k).lower(): v for k, v in value.items()}
                )
                got = table.get(key, table.get(_RENAMED.get(key, key)))
                if got is None:
                    continue
                if part.endswith("[]") and isinstance(got, list):
                    step.extend(v for v in got[:_MANY_LIMIT] if v is not None)
                else:
                    step.append(got)
            found = step
        return found

    def get(self, name: str) -> str | None:
        """The text value of `name` (`A.B` nested; the first of `A[].B`), None when absent
        or not a scalar"""
        texts = self.get_all(name)
        return texts[0] if texts else None

    def get_all(self, name: str) -> list[str]:
        """The text of every scalar value `name` reaches (see `raw`), escaped when these
        values are (`escaped`)"""
        texts = self.texts(name)
        return [escape_resource(t) for t in texts] if self._escape else texts

    def texts(self, name: str) -> list[str]:
        """The text of every scalar value `name` reaches, never escaped"""
        texts = []
        for value in self.raw(name):
            if isinstance(value, bool):
                texts.append(str(value).lower())
            elif isinstance(value, (str, int, float)):
                texts.append(str(value))
        return texts

    def keys(self, name: str) -> list[str]:
        """The keys of every object `name` reaches, never escaped"""
        return [str(k) for v in self.raw(name) if isinstance(v, dict) for k in v][:_MANY_LIMIT]

    @property
    def is_escaped(self) -> bool:
        """Whether values read are escaped for an IAM Resource"""
        return self._escape


def escape_resource(text: str) -> str:
    """`text` with IAM's escapes for a literal `$`, `*` and `?` in a Resource (IAM User
    Guide, reference_policies_variables, "Special characters": `${$}`, `${*}`, `${?}`)"""
    if not any(c in text for c in "$*?"):
        return text
    return "".join({"$": "${$}", "*": "${*}", "?": "${?}"}.get(c, c) for c in text)


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
    if name == "copysource":
        given = _substitute(args, values.escaped(is_escaped=False), lenient=False)
        text = unquote(given.split("?", 1)[0]).lstrip("/")
        if "/" not in text.strip("/") or text.startswith("arn:"):
            raise _Missing(args)  # an access point's ARN names no bucket
        return escape_resource(text) if values.is_escaped else text
    if name == "keys":
        variable = _VARIABLE.fullmatch(args.strip())
        keys = values.keys(variable.group(1)) if variable else []
        if not keys:
            raise _Missing(args)
        return escape_resource(keys[0]) if values.is_escaped else keys[0]
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


_MANY = re.compile(r"%%keys%(\$\{[^}]+\})%%|\$\{([^}]*\[\][^}]*)\}")


def fill_all(template: str, values: TemplateValues) -> tuple[str, ...]:
    """Every text the template yields: one per element where it names a list (`${A[].B}`)
    or an object's keys (`%%keys%${A}%%`), each filled as `fill` does (the first such part
    varies; a template with none yields `fill`'s text); empty when a value is missing"""
    found = _MANY.search(template)
    if found is None:
        text = fill(template, values)
        return () if text is None else (text,)
    name = found.group(1)[2:-1] if found.group(1) else found.group(2)
    choices = values.keys(name) if found.group(1) else values.texts(name)
    texts: list[str] = []
    for choice in dict.fromkeys(choices):
        rest = template[: found.start()] + "${__each}" + template[found.end() :]
        texts.extend(fill_all(rest, values.with_values({"__each": choice})))
    return tuple(dict.fromkeys(texts))
