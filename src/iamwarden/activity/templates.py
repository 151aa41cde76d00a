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
text per element (`fill_all`), one per combination where it names two lists; a `%%many%…%%`
of lists reads its first given list only. Variables and functions are filled in one pass: a
function's result is never read again for variables. CloudTrail spells parameters in
lowerCamelCase where SDKs use UpperCamelCase, so names are looked up case-insensitively,
with the few renamings CloudTrail makes (S3's `Bucket` is `bucketName`).

Values go into ARNs escaped (`escaped`): IAM reads `*` and `?` in a Resource as wildcards,
and `${*}`, `${?}`, `${$}` are the IAM User Guide's escapes for them (policy variables,
"Special characters"), so an object key `a*b` matches only itself.

Each template is parsed once (cached by its text); the values are those of each request.
This module evaluates templates; it knows nothing of actions or the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from itertools import islice, product
from typing import Any
from urllib.parse import quote, unquote

__all__ = [
    "TemplateValues",
    "escape_resource",
    "fill",
    "fill_all",
    "parameter_keys",
    "split_variables",
]

_FUNCTION = re.compile(
    r"%%(regex|urlencode|copysource|iftruthy|many|iftemplatematch|keys)%(.*?)%%(?!%(?!%))"
)
"""A function: its name and arguments (`%`-separated); `%%%` ends one whose last argument is
empty (`%%iftruthy%${A}%*%%%`: `*`, else nothing), `%%%%` one function and opens the next"""
_MANY_LIMIT = 1000
"""Texts one template may yield (elements of a list, or combinations of lists' elements,
beyond it are not read)"""
_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_PARSED = 16384
"""Texts (templates, their parts, catalogue ARN formats, names) whose parse is kept"""

# SDK parameter name (lowercased) → CloudTrail's name for it (lowercased)
_RENAMED = {"bucket": "bucketname"}


def parameter_keys(name: str) -> frozenset[str]:
    """The top-level request parameter keys (lowercased) a template's `${name}` may read"""
    top = name.replace("[]", "").split(".", 1)[0].lower()
    return frozenset({top, _RENAMED.get(top, top)})


@lru_cache(maxsize=_PARSED)
def _path(name: str) -> tuple[tuple[str, str, bool], ...]:
    """Each step of `name` (`A.B`, `A[].B`): (key lowercased, CloudTrail's renaming of it,
    whether it reads each element of a list)"""
    steps = []
    for part in name.split("."):
        key = part.removesuffix("[]").lower()
        steps.append((key, _RENAMED.get(key, key), part.endswith("[]")))
    return tuple(steps)


def _text(value: Any) -> str | None:
    """The text of a scalar value (a boolean as JSON spells it), None for any other"""
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


class TemplateValues:
    """The values a template may name: a request's parameters, plus `Partition`, `Region` and
    `Account` of the call"""

    __slots__ = ("_escape", "_extra", "_lower")

    def __init__(
        self, parameters: Mapping[str, Any], *, partition: str, region: str, account: str
    ) -> None:
        self._lower = {str(k).lower(): v for k, v in parameters.items()}
        self._lower.update({"partition": partition, "region": region, "account": account})
        self._extra: dict[str, Any] = {}
        self._escape = False

    def _sharing(self, extra: dict[str, Any], *, is_escaped: bool) -> TemplateValues:
        # INVARIANT: `_lower` and `_extra` are never changed once built, so copies share them
        found = TemplateValues.__new__(TemplateValues)
        found._lower, found._extra, found._escape = self._lower, extra, is_escaped
        return found

    def escaped(self, *, is_escaped: bool = True) -> TemplateValues:
        """These values with `*`, `?` and `$` escaped for an IAM Resource (`escape_resource`),
        or (`is_escaped=False`) not"""
        return self._sharing(self._extra, is_escaped=is_escaped)

    def with_values(self, extra: Mapping[str, str]) -> TemplateValues:
        """These values and `extra` (which wins)"""
        added = {**self._extra, **{k.lower(): v for k, v in extra.items()}}
        return self._sharing(added, is_escaped=self._escape)

    def _top(self, key: str, renamed: str) -> Any:
        """The top-level value of `key` (lowercased), else of its renaming; None when absent"""
        if key in self._extra:
            return self._extra[key]
        if key in self._lower:
            return self._lower[key]
        if renamed in self._extra:
            return self._extra[renamed]
        return self._lower.get(renamed)

    def raw(self, name: str) -> list[Any]:
        """Every value `name` reaches (`A.B` nested; `A[].B`: `B` of each element of `A`),
        none when absent"""
        found: list[Any] = []
        for index, (key, renamed, is_each) in enumerate(_path(name)):
            if index == 0:
                reached = [self._top(key, renamed)]
            else:
                # the top level is lowercased already; nested objects are lowercased here
                tables = [
                    {str(k).lower(): v for k, v in value.items()}
                    for value in found
                    if isinstance(value, dict)
                ]
                reached = [table.get(key, table.get(renamed)) for table in tables]
            found = []
            for got in reached:
                if got is None:
                    continue
                if is_each and isinstance(got, list):
                    found.extend(v for v in got[:_MANY_LIMIT] if v is not None)
                else:
                    found.append(got)
        return found

    def get(self, name: str) -> str | None:
        """The text value of `name` (`A.B` nested; the first of `A[].B`), None when absent
        or not a scalar"""
        path = _path(name)
        if len(path) == 1 and not path[0][2]:
            text = _text(self._top(path[0][0], path[0][1]))
            return escape_resource(text) if self._escape and text is not None else text
        for value in self.raw(name):
            text = _text(value)
            if text is not None:
                return escape_resource(text) if self._escape else text
        return None

    def get_all(self, name: str) -> list[str]:
        """The text of every scalar value `name` reaches (see `raw`), escaped when these
        values are (`escaped`)"""
        texts = self.texts(name)
        return [escape_resource(t) for t in texts] if self._escape else texts

    def texts(self, name: str) -> list[str]:
        """The text of every scalar value `name` reaches, never escaped"""
        return [t for t in map(_text, self.raw(name)) if t is not None]

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
    if "$" not in text and "*" not in text and "?" not in text:
        return text
    return "".join({"$": "${$}", "*": "${*}", "?": "${?}"}.get(c, c) for c in text)


class _Missing(Exception):
    """A template names a value the request lacks"""


@lru_cache(maxsize=_PARSED)
def split_variables(text: str) -> tuple[str, ...]:
    """`text` (a template or a catalogue ARN format) cut at its `${Name}`s: literal, name,
    literal, …, literal (the names at the odd positions); cached by text"""
    return tuple(_VARIABLE.split(text))


def _substitute(text: str, values: TemplateValues, *, lenient: bool) -> str:
    parts = split_variables(text)
    if len(parts) == 1:
        return text
    out = [parts[0]]
    for index in range(1, len(parts), 2):
        found = values.get(parts[index])
        if found is None:
            if not lenient:
                raise _Missing(parts[index])
            found = ""
        out += (found, parts[index + 1])
    return "".join(out)


def _function(name: str, args: str, values: TemplateValues) -> str:
    if name == "regex":
        # the pattern reads the request's own text; its result is escaped as a value is
        inner, _, pattern = args.partition("%")
        text = _substitute(inner, values.escaped(is_escaped=False), lenient=True)
        body = pattern.strip()
        if body.startswith("/"):
            body = body[1 : body.rfind("/")]
        try:
            found = re.search(body, text)
        except re.error:
            raise _Missing(inner) from None
        group = found.group(1) or "" if found and found.groups() else ""
        return escape_resource(group) if values.is_escaped else group
    if name == "urlencode":
        return quote(_substitute(args, values.escaped(is_escaped=False), lenient=False), safe="")
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
        return _substitute(_given(args, values) or "", values, lenient=False)
    # iftemplatematch: only an ARN takes the template's place
    value = _substitute(args, values, lenient=False)
    if not value.startswith("arn:"):
        raise _Missing(args)
    return value


def _given(args: str, values: TemplateValues) -> str | None:
    """The first of `%%many%…%%`'s alternatives that names a value (its template text), None
    when none does"""
    return next((p for p in args.split("%") if _substitute(p, values, lenient=True)), None)


@lru_cache(maxsize=_PARSED)
def _functions(template: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], bool]:
    """The template cut at its `%%function%…%%`s: the texts around them, each (function,
    arguments), and whether a text leaves a `${` open (a variable spanning a function's
    result: the template names no value)"""
    texts, functions, start = [], [], 0
    for match in _FUNCTION.finditer(template):
        texts.append(template[start : match.start()])
        functions.append((match.group(1), match.group(2)))
        start = match.end()
    texts.append(template[start:])
    is_open = any("${" in _VARIABLE.sub("", text) for text in texts)
    return tuple(texts), tuple(functions), is_open


def fill(template: str, values: TemplateValues) -> str | None:
    """The template's text with every value filled in; None when the request lacks a value
    it needs (a `%%regex%…%%` of an absent value is empty, as iam-dataset reads it)

    Variables and functions are filled in one pass: a function's result is text, never read
    again for variables (an escaped `a${*}b` stays itself)."""
    texts, functions, is_open = _functions(template)
    if is_open:
        return None
    try:
        if not functions:
            return _substitute(template, values, lenient=False)
        out = [_substitute(texts[0], values, lenient=False)]
        for (name, args), text in zip(functions, texts[1:], strict=True):
            out += (_function(name, args, values), _substitute(text, values, lenient=False))
        return "".join(out)
    except _Missing:
        return None


_MANY = re.compile(r"%%keys%(\$\{[^}]+\})%%|\$\{([^}]*\[\][^}]*)\}")


@lru_cache(maxsize=_PARSED)
def _lists(template: str) -> tuple[tuple[tuple[str, bool], ...], str]:
    """The template's parts naming many values, each name once in the order met: (the name,
    whether it names an object's keys); and the template with `${__each<i>}` in the places
    of the i-th (a name met twice is the same element in both places)"""
    names: dict[tuple[str, bool], int] = {}

    def place(found: re.Match[str]) -> str:
        is_keys = found.group(1) is not None
        name = found.group(1)[2:-1] if is_keys else found.group(2)
        index = names.setdefault((name.lower(), is_keys), len(names))
        return f"${{__each{index}}}"

    rest = _MANY.sub(place, template)
    return tuple(names), rest


@lru_cache(maxsize=_PARSED)
def _many_of_lists(template: str) -> tuple[tuple[str, str], ...]:
    """Each `%%many%…%%` of the template naming a list: (its text, its arguments)"""
    return tuple(
        (found.group(0), found.group(2))
        for found in _FUNCTION.finditer(template)
        if found.group(1) == "many" and _MANY.search(found.group(2))
    )


def fill_all(template: str, values: TemplateValues) -> tuple[str, ...]:
    """Every non-empty text the template yields: one per element where it names a list
    (`${A[].B}`) or an object's keys (`%%keys%${A}%%`), each filled as `fill` does; none when
    a value is missing

    A `%%many%…%%` naming lists reads its first given alternative only. Two parts naming
    many values yield one text per combination of their elements (at most `_MANY_LIMIT`);
    a part naming none is filled as an absent value."""
    for many, args in _many_of_lists(template):
        chosen = _given(args, values)
        if chosen is not None:
            template = template.replace(many, chosen)
    names, rest = _lists(template)
    if not names:
        text = fill(template, values)
        return (text,) if text else ()
    choices = [
        tuple(dict.fromkeys(values.keys(name) if is_keys else values.texts(name))) or (None,)
        for name, is_keys in names
    ]
    texts: list[str] = []
    for combination in islice(product(*choices), _MANY_LIMIT):
        each = {f"__each{i}": c for i, c in enumerate(combination) if c is not None}
        filled = fill(rest, values.with_values(each))
        if filled:
            texts.append(filled)
    return tuple(dict.fromkeys(texts))
