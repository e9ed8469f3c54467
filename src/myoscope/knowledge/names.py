"""Matching the names people type (brands, salts, misspellings) to knowledge-base ids."""

from __future__ import annotations

import re
from difflib import get_close_matches

__all__ = ["NameIndex", "normalize_name"]

_DOSE = re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:mg|g|mcg|µg|ug|ml|iu|units?)\b")
_FORMULATION = re.compile(
    r"\b(?:tablets?|tabs?|capsules?|caps|oral|solution|syrup|er|xr|sr|cr|xl|la|mr|hcl|"
    r"hydrochloride|extended[- ]release|modified[- ]release|prolonged[- ]release)\b"
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize_name(name: str) -> str:
    """Return the key used to compare names: lower case, letters and digits only.

    Doses ("500 mg") and formulation words ("XR", "tablets") are dropped first, so that
    "Keppra XR 500mg" matches "Keppra".

    Parameters
    ----------
    name : str
        A name as typed.

    Returns
    -------
    str
        The comparison key (may be empty).
    """
    lowered = name.lower().replace("*", "")
    stripped = _FORMULATION.sub(" ", _DOSE.sub(" ", lowered))
    key = _NON_ALNUM.sub("", stripped)
    return key or _NON_ALNUM.sub("", lowered)


class NameIndex:
    """A map from typed names to ids, with "did you mean" suggestions.

    Parameters
    ----------
    entries : iterable of (str, str)
        ``(name, id)`` pairs; a name may be a canonical name, synonym or brand.
    """

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        self._by_key: dict[str, str] = {}
        self._canonical: dict[str, str] = {}  # id -> the first name given for it
        self.conflicts: list[tuple[str, str, str]] = []
        for name, ident in entries:
            key = normalize_name(name)
            if not key:
                continue
            existing = self._by_key.get(key)
            if existing is not None and existing != ident:
                self.conflicts.append((name, existing, ident))
                continue
            self._by_key[key] = ident
            self._canonical.setdefault(ident, name)

    def lookup(self, name: str) -> str | None:
        """Return the id for ``name``, or None when it is not known."""
        return self._by_key.get(normalize_name(name))

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Return up to ``n`` canonical names of entries close to ``name``, best first.

        A close synonym or misspelling counts for its entry, whose canonical name is suggested.
        """
        key = normalize_name(name)
        matches = get_close_matches(key, list(self._by_key), n=n * 4, cutoff=0.75)
        seen: list[str] = []
        for match in matches:
            display = self._canonical[self._by_key[match]]
            if display not in seen:
                seen.append(display)
        return seen[:n]

    def __len__(self) -> int:
        return len(self._by_key)
