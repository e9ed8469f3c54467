"""The exception tree of Myoscope.

::

    MyoscopeError
    ├── UserError                  # shown without traceback by the CLI (exit 2) and API (4xx)
    │   ├── KnowledgeBaseError     # carries a list of Problem(path, field, message, suggestion)
    │   ├── InvalidInputError      # a bad profile, option, argument or payload (HTTP 422)
    │   ├── NotFoundError          # an id that does not exist, or that you may not see (404)
    │   ├── SignalError            # an unusable recording: too short, rate too low, all-NaN
    │   ├── ConflictError          # the request clashes with stored data (409)
    │   ├── AuthenticationError    # not signed in, wrong password, locked account (401)
    │   ├── PermissionDeniedError  # signed in, may see the diary, may not do this (403)
    │   └── RateLimitedError       # too many attempts; retry later (429)
    └── StorageError               # the database failed or has an unknown schema

Every message names the thing, the allowed values or range, the received value, and a next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches
from typing import Literal

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "InvalidInputError",
    "KnowledgeBaseError",
    "MyoscopeError",
    "NotFoundError",
    "PermissionDeniedError",
    "Problem",
    "RateLimitedError",
    "SignalError",
    "StorageError",
    "UserError",
    "did_you_mean",
    "suggest",
]


class MyoscopeError(Exception):
    """Base class of every error Myoscope raises on purpose."""


class UserError(MyoscopeError):
    """An error the user can fix; shown as one line, without a traceback."""


@dataclass(frozen=True)
class Problem:
    """One problem found in the knowledge base.

    Parameters
    ----------
    path : str
        The file, relative to the knowledge-base root.
    field : str
        The dotted field inside the file (empty for the whole file).
    message : str
        What is wrong.
    suggestion : str or None
        A close valid value, when there is one.
    level : {"error", "warning"}
        Errors fail ``myoscope kb check``; warnings are reported only.
    """

    path: str
    field: str
    message: str
    suggestion: str | None = None
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}: " if self.field else f"{self.path}: "
        hint = f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""
        return f"{where}{self.message}{hint}"


class KnowledgeBaseError(UserError):
    """The knowledge base has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.level == "error"]
        first = str(errors[0]) if errors else "no errors"
        more = f" (and {len(errors) - 1} more; run 'myoscope kb check')" if len(errors) > 1 else ""
        super().__init__(f"The knowledge base is invalid: {first}{more}")


class InvalidInputError(UserError):
    """Bad input: a profile, an option or an argument.

    Parameters
    ----------
    message : str
        The full, human-readable message.
    field : str or None
        The field or parameter that is wrong.
    received : object
        The value that was received.
    allowed : tuple of str
        The allowed values, when they form a short list.
    suggestion : str or None
        A close allowed value.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        received: object = None,
        allowed: tuple[str, ...] = (),
        suggestion: str | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.received = received
        self.allowed = allowed
        self.suggestion = suggestion


class NotFoundError(UserError):
    """An id or key that does not exist, with close matches when there are any.

    A diary or record that exists but that the caller may not see raises this error too, so
    that no one learns of another person's records.
    """


class SignalError(UserError):
    """A recording or channel that cannot be analysed: too short, rate too low, empty, all-NaN."""


class ConflictError(UserError):
    """The request clashes with stored data (an e-mail address already used, an import clash)."""


class AuthenticationError(UserError):
    """Not signed in, a wrong e-mail address or password, or a locked account."""


class PermissionDeniedError(UserError):
    """The caller may see this diary but not do this to it (a read-only share writing)."""


class RateLimitedError(UserError):
    """Too many attempts in a short time.

    Parameters
    ----------
    message : str
        The full, human-readable message.
    retry_after_s : int
        Seconds after which a new attempt may succeed.
    """

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StorageError(MyoscopeError):
    """The database failed, cannot be reached, or has a schema this version does not know."""


def suggest(
    value: str, candidates: list[str] | tuple[str, ...] | set[str], n: int = 3
) -> list[str]:
    """Return up to ``n`` candidates close to ``value``, best first.

    Parameters
    ----------
    value : str
        What was received.
    candidates : collection of str
        The valid values.
    n : int
        The most suggestions to return.

    Returns
    -------
    list of str
        Close candidates (case-insensitive comparison), possibly empty.
    """
    lowered = {c.lower(): c for c in sorted(candidates)}
    matches = get_close_matches(value.lower(), list(lowered), n=n, cutoff=0.6)
    return [lowered[m] for m in matches]


def did_you_mean(value: str, candidates: list[str] | tuple[str, ...] | set[str]) -> str:
    """Return " Did you mean 'x'?" for the closest candidate, or an empty string."""
    close = suggest(value, candidates, n=1)
    return f" Did you mean '{close[0]}'?" if close else ""
