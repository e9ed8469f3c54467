"""Figures (an adapter): matplotlib is imported inside the functions that draw.

Importing :mod:`myoscope.plots` loads no plotting library; the core never imports this package.
"""

from __future__ import annotations

__all__: list[str] = []
