"""The one exception hierarchy of iamwarden.

```
IamwardenError
├── InputError(path, location, problem)      bad input a person can fix
│   ├── PolicySyntaxError                     a policy document breaks the grammar
│   ├── SnapshotFormatError                   a snapshot or export file is malformed
│   └── ScenarioError                         a simulate scenario file is malformed
├── CollectionError                           live collection could not start at all
├── CatalogError                              the action catalogue is unusable
└── StoreError                                the history store cannot be opened or read
```

`InputError.__str__` is the one line the CLI prints: ``file: location: problem``.
Parsers that find several problems raise one `InputError` whose `problems` holds them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CatalogError",
    "CollectionError",
    "IamwardenError",
    "InputError",
    "PolicySyntaxError",
    "Problem",
    "ScenarioError",
    "SnapshotFormatError",
    "StoreError",
    "one_line",
]


def one_line(text: str) -> str:
    """`text` with control characters escaped, so that user values cannot break the line"""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class IamwardenError(Exception):
    """Base of every error iamwarden raises on purpose"""


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem: a JSON pointer-like path (`Statement[2].Effect`) or `line 3`"""

    location: str
    problem: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "location", one_line(self.location))
        object.__setattr__(self, "problem", one_line(self.problem))

    def __str__(self) -> str:
        return f"{self.location}: {self.problem}" if self.location else self.problem


class InputError(IamwardenError):
    """Input a person can fix: names the file, the location and the problem"""

    def __init__(
        self,
        problem: str,
        *,
        path: str = "",
        location: str = "",
        problems: Sequence[Problem] = (),
    ) -> None:
        self.path = one_line(path)
        self.location = one_line(location)
        self.problem = one_line(problem)
        self.problems = tuple(problems) or (Problem(location, problem),)
        super().__init__(str(self))

    def with_path(self, path: str) -> InputError:
        """The same error attributed to `path` (keeps the subclass)"""
        error = type(self).__new__(type(self))
        InputError.__init__(
            error, self.problem, path=path, location=self.location, problems=self.problems
        )
        return error

    def __str__(self) -> str:
        parts = [self.path] if self.path else []
        first = self.problems[0]
        parts.append(str(first))
        line = ": ".join(parts)
        if len(self.problems) > 1:
            line += f" (and {len(self.problems) - 1} more)"
        return line


class PolicySyntaxError(InputError):
    """A policy document that breaks the IAM policy grammar"""


class SnapshotFormatError(InputError):
    """A snapshot, export or credential report that cannot be read"""


class ScenarioError(InputError):
    """A `simulate --scenarios` file that cannot be read"""


class CollectionError(IamwardenError):
    """Live collection could not start (no credentials, no account reachable)"""


class CatalogError(IamwardenError):
    """The AWS action catalogue could not be loaded"""


class StoreError(IamwardenError):
    """The history store (`--store URL`) cannot be opened, migrated or read, or holds no
    scan of the id or date asked for"""
