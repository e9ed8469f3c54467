"""The burden chart of the report: self-reported jerks per day with medication changes marked.

Drawn as a reportlab vector drawing (lines and text, no image): sharp at any zoom, its labels
are real text, and it needs no plotting library (matplotlib's import alone would cost more than
drawing the whole report). Missing days are gaps, never zeros.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from myoscope.services.report import ChangeLine

__all__ = ["DAILY_COLOUR", "MEAN_COLOUR", "draw_burden"]

DAILY_COLOUR = "#9bb7d9"
"""Colour of the daily jerks (light blue)."""

MEAN_COLOUR = "#1f4e99"
"""Colour of the 7-day mean (dark blue); tests look for it on the rendered page."""

CHANGE_COLOUR = "#b3541e"

_MEAN_DAYS = 7
_MIN_IN_MEAN = 4


def rolling_mean(values: Sequence[float | None]) -> list[float | None]:
    """Return the mean of the logged days among the last 7 (None when fewer than 4 were).

    Parameters
    ----------
    values : sequence of float or None
        Jerks per day; None on a missing day.

    Returns
    -------
    list of float or None
        One value per day.
    """
    out: list[float | None] = []
    total, count = 0.0, 0
    for k, value in enumerate(values):
        if value is not None:
            total, count = total + value, count + 1
        if k >= _MEAN_DAYS:
            old = values[k - _MEAN_DAYS]
            if old is not None:
                total, count = total - old, count - 1
        out.append(total / count if count >= _MIN_IN_MEAN else None)
    return out


def nice_step(top: float, most: int = 5) -> float:
    """Return the smallest step of 1, 2 or 5 x 10^k that gives at most ``most`` ticks."""
    if top <= most:  # jerks are whole numbers: never a step below 1
        return 1.0
    power = 10 ** math.floor(math.log10(top / most))
    for factor in (1, 2, 5, 10):
        if top / (factor * power) <= most:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns at factor 10


def month_ticks(first: date, last: date, most: int = 10) -> list[date]:
    """Return the first days of months in ``[first, last]``, every n-th so at most ``most``."""
    months = []
    day = date(first.year, first.month, 1)
    while day <= last:
        if day >= first:
            months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    step = max(1, -(-len(months) // most))
    return months[::step] or [first]


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Split a series at missing values into runs of (index, value)."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for k, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((k, value))
    if current:
        runs.append(current)
    return runs


def draw_burden(
    days: Sequence[tuple[date, float | None]],
    changes: Sequence[ChangeLine],
    *,
    width_pt: float,
    height_pt: float,
    font: str = "Helvetica",
    first_number: int = 1,
) -> Any:
    """Draw daily jerks, their 7-day mean and the medication changes.

    Parameters
    ----------
    days : sequence of (date, float or None)
        Jerks per day, consecutive days; None marks a missing day (drawn as a gap).
    changes : sequence of ChangeLine
        Drawn as dashed vertical lines labelled with their number, as in the report's table
        of changes; the first is numbered ``first_number``.
    width_pt, height_pt : float
        Size of the drawing, in points (1/72 inch).
    font : str
        A font registered with reportlab, for the labels.
    first_number : int
        The number of the first change shown.

    Returns
    -------
    reportlab.graphics.shapes.Drawing
        A flowable to place in the report.
    """
    from reportlab.graphics.shapes import Drawing, Line, PolyLine, String  # type: ignore[import-untyped]
    from reportlab.lib.colors import HexColor  # type: ignore[import-untyped]

    drawing = Drawing(width_pt, height_pt)
    left, right, bottom, top = 30.0, width_pt - 4.0, 12.0, height_pt - 16.0
    daily = [v for _, v in days]
    highest = max((v for v in daily if v is not None), default=0.0)
    step = nice_step(highest or 1.0)
    y_max = max(step, math.ceil((highest or 1.0) / step) * step)
    n = max(len(days), 1)

    def x_of(index: float) -> float:
        return left + (right - left) * (index + 0.5) / n

    def y_of(value: float) -> float:
        return bottom + (top - bottom) * value / y_max

    grey = HexColor("#555555")
    axis = HexColor("#888888")
    drawing.add(Line(left, bottom, right, bottom, strokeColor=axis, strokeWidth=0.5))
    drawing.add(Line(left, bottom, left, top, strokeColor=axis, strokeWidth=0.5))
    tick = 0.0
    while tick <= y_max + 1e-9:
        y = y_of(tick)
        drawing.add(Line(left - 2, y, left, y, strokeColor=axis, strokeWidth=0.5))
        drawing.add(String(left - 3, y - 2, f"{tick:g}", fontName=font, fontSize=5.5,
                           fillColor=grey, textAnchor="end"))  # fmt: skip
        tick += step
    drawing.add(String(2, top + 6, "jerks/day", fontName=font, fontSize=5.5, fillColor=grey))
    if days:
        first_day = days[0][0]
        for month in month_ticks(first_day, days[-1][0]):
            x = x_of((month - first_day).days)
            drawing.add(Line(x, bottom, x, bottom - 2, strokeColor=axis, strokeWidth=0.5))
            drawing.add(String(x, bottom - 8, month.strftime("%Y-%m"), fontName=font,
                               fontSize=5.5, fillColor=grey, textAnchor="middle"))  # fmt: skip
    for values, colour, width in (
        (daily, DAILY_COLOUR, 0.5),
        (rolling_mean(daily), MEAN_COLOUR, 1.3),
    ):
        for run in _runs(values):
            points = [c for k, v in run for c in (x_of(k), y_of(v))]
            if len(run) == 1:  # a lone logged day: a short tick so it shows
                points = [points[0] - 0.6, points[1], points[0] + 0.6, points[1]]
            drawing.add(
                PolyLine(points, strokeColor=HexColor(colour), strokeWidth=width,
                         strokeLineJoin=1, strokeLineCap=1)
            )  # fmt: skip
    if days:
        first_day = days[0][0]
        for k, change in enumerate(changes):
            x = x_of((change.day - first_day).days)
            drawing.add(Line(x, bottom, x, top, strokeColor=HexColor(CHANGE_COLOUR),
                             strokeWidth=0.7, strokeDashArray=[2, 1.5]))  # fmt: skip
            drawing.add(String(x, top + 2 + 6 * (k % 2), str(first_number + k), fontName=font,
                               fontSize=6, fillColor=HexColor(CHANGE_COLOUR),
                               textAnchor="middle"))  # fmt: skip
    for offset, (label, colour, width) in enumerate(
        (("jerks per day", DAILY_COLOUR, 0.5), ("7-day mean", MEAN_COLOUR, 1.3))
    ):
        x = right - 120 + 62 * offset
        drawing.add(Line(x, height_pt - 5, x + 12, height_pt - 5,
                         strokeColor=HexColor(colour), strokeWidth=width))  # fmt: skip
        drawing.add(String(x + 15, height_pt - 7, label, fontName=font, fontSize=5.5,
                           fillColor=grey))  # fmt: skip
    return drawing
