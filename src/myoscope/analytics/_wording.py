"""Plain-word verdicts that never claim more than the 95 % interval."""

from __future__ import annotations

from myoscope.analytics._counts import RatioEstimate

__all__ = ["change_words", "interval_words", "ratio_verdict"]


def change_words(ratio: float, noun: str = "") -> str:
    """Return a ratio as words: ``"42% fewer"``, ``"30% more"``, ``"2.5 times as many"``.

    Parameters
    ----------
    ratio : float
        A rate ratio (after / before, with / without).
    noun : str
        Appended after the words (e.g. ``"jerks"``), with a space; empty for none.
    """
    tail = f" {noun}" if noun else ""
    if ratio >= 2.0:
        return f"{ratio:.1f} times as many{tail}"
    direction = "fewer" if ratio < 1 else "more"
    percent = abs(ratio - 1.0) * 100
    if round(percent) >= 1:
        return f"{round(percent)}% {direction}{tail}"
    if round(percent, 1) >= 0.1:
        return f"{percent:.1f}% {direction}{tail}"
    return f"less than 0.1% {direction}{tail}" if ratio != 1.0 else "no change"


def interval_words(estimate: RatioEstimate) -> str:
    """Return the interval as words: ``"from 30% fewer to 10% more"``."""
    return f"from {change_words(estimate.low)} to {change_words(estimate.high)}"


def ratio_verdict(estimate: RatioEstimate, *, clear: str, unclear: str = "no clear change") -> str:
    """Return a verdict: the effect when the interval excludes 1, else no clear change.

    Parameters
    ----------
    estimate : RatioEstimate
        The ratio and its interval.
    clear : str
        Template for a clear effect, with ``{change}`` for words such as ``"42% fewer"``
        (only used when the whole interval lies on one side of 1).
    unclear : str
        The words for an interval that includes 1; the interval follows in brackets.
    """
    if estimate.excludes_one:
        return clear.format(change=f"about {change_words(estimate.ratio)}")
    return f"{unclear} ({interval_words(estimate)})"
