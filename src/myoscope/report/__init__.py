"""The clinician report as a PDF (an output adapter, like :mod:`myoscope.plots`).

:func:`render_pdf` draws a :class:`~myoscope.services.report.ReportData` on one or two A4 pages
with reportlab (platypus text and tables, and a vector chart). reportlab is imported inside the
functions that draw, so importing this package stays light.
"""

from __future__ import annotations

from myoscope.report.pdf import render_pdf

__all__ = ["render_pdf"]
