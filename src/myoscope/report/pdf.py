"""Draw the clinician report on one or two A4 pages (reportlab platypus).

The page leads with what a neurologist asks first (myoclonus type, how often each kind occurs,
the last episode), then the medicines and what each change did, tolerance and triggers, side
effects and adherence, the engine's safety alerts, the sensor summary, and the methods and
sources in small print. Everything is vector: the text is real text (extractable and
searchable), and the chart is a reportlab drawing.

Fonts: DejaVu Sans, the TrueType font matplotlib bundles (``mpl-data/fonts/ttf``, found without
importing matplotlib; Bitstream Vera licence with public-domain DejaVu changes, which allows
embedding), so that characters such as the greater-or-equal sign, the en dash and the arrow
print; reportlab embeds the subset used. Where the font file is missing, Helvetica is used and
characters it cannot show are replaced.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from xml.sax.saxutils import escape

from myoscope.report._chart import draw_burden
from myoscope.services.report import REPORT_TITLE, ReportData

# reportlab ships no type hints (no py.typed), hence the import-untyped ignores below.
if TYPE_CHECKING:
    from reportlab.platypus import Flowable  # type: ignore[import-untyped]

__all__ = ["render_pdf"]

_MM = 72 / 25.4
_MARGIN = 12 * _MM
_SEVERITY_COLOURS = {"critical": "#b00020", "warning": "#a65e00", "info": "#44546a"}
_KIND_WORDS = {"start": "start", "stop": "stop", "dose-change": "dose change"}
_LAG_WORDS = {0: "same day", 1: "next day"}
MAX_ROWS = 12
"""The most medication changes (and responses) listed, the latest ones, so the report fits."""
DASH = "\u2013"
"""An en dash: ranges (0.23-0.70) and empty cells."""
_ASCII = {"\u2265": ">=", "\u2264": "<=", "\u2014": "-", DASH: "-", "\u2192": "->", "\u00b9": "1"}


@cache
def _fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular, bold) once; return the regular and bold font names."""
    from reportlab.lib.fonts import addMapping  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

    spec = importlib.util.find_spec("matplotlib")  # locate, not import (that costs ~0.3 s)
    places = list(spec.submodule_search_locations or []) if spec else []
    try:
        if not places:
            raise OSError("matplotlib is not installed")
        folder = Path(places[0]) / "mpl-data" / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(folder / "DejaVuSans-Bold.ttf")))
    except OSError:  # a trimmed install: fall back to a standard PDF font
        return "Helvetica", "Helvetica-Bold"
    for bold, italic, name in (
        (0, 0, "DejaVuSans"),
        (1, 0, "DejaVuSans-Bold"),
        (0, 1, "DejaVuSans"),
        (1, 1, "DejaVuSans-Bold"),
    ):
        addMapping("DejaVuSans", bold, italic, name)
    return "DejaVuSans", "DejaVuSans-Bold"


def _clean(text: str, font: str) -> str:
    """Escape markup; with Helvetica, replace characters outside Latin-1."""
    if font == "Helvetica":
        for char, ascii_text in _ASCII.items():
            text = text.replace(char, ascii_text)
        text = text.encode("latin-1", "replace").decode("latin-1")
    return escape(text)


class _Kit:
    """Styles and small builders shared by the sections."""

    def __init__(self) -> None:
        from reportlab.lib import colors  # type: ignore[import-untyped]
        from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]

        self.font, self.bold = _fonts()
        self.colors = colors
        self.body = ParagraphStyle("body", fontName=self.font, fontSize=7.4, leading=9.0)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=6.3, leading=7.6)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=7.0, leading=8.4)
        self.head = ParagraphStyle(
            "head", parent=self.body, fontName=self.bold, fontSize=8.6, leading=10.4, spaceBefore=5,
            spaceAfter=1.5, textColor=colors.HexColor("#1f3a5f"),
        )  # fmt: skip
        self.title = ParagraphStyle(
            "title", parent=self.body, fontName=self.bold, fontSize=11.5, leading=14
        )

    def text(self, text: str, style: Any | None = None) -> Flowable:
        from reportlab.platypus import Paragraph

        return Paragraph(_clean(text, self.font), style or self.body)

    def marked(self, markup: str, style: Any | None = None) -> Flowable:
        """Return a paragraph whose markup was built from already escaped parts."""
        from reportlab.platypus import Paragraph

        return Paragraph(markup, style or self.body)

    def esc(self, text: str) -> str:
        return _clean(text, self.font)

    def heading(self, text: str) -> Flowable:
        return self.text(text, self.head)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths_mm: Sequence[float],
        *,
        styles: Sequence[tuple[Any, ...]] = (),
    ) -> Flowable:
        from reportlab.platypus import Paragraph, Table, TableStyle

        bold = f'<font name="{self.bold}">'
        data = [[Paragraph(bold + self.esc(h) + "</font>", self.cell) for h in header]]
        data += [[Paragraph(self.esc(c), self.cell) for c in row] for row in rows]
        table = Table(data, colWidths=[w * _MM for w in widths_mm], hAlign="LEFT", repeatRows=1)
        grey = self.colors.HexColor("#c8ced6")
        table.setStyle(
            TableStyle(
                [
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, self.colors.HexColor("#1f3a5f")),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.25, grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 0.8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.0),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2.0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2.0),
                    *styles,
                ]
            )
        )
        return table


def _left_out(kit: _Kit, n: int, what: str) -> Flowable:
    return kit.text(f"{n} {what} are left out here; 'myoscope insights' lists them all.", kit.small)


def _num(value: Any, digits: int = 2) -> str:
    return DASH if value is None else f"{float(value):.{digits}f}"


def _ci(ci: Sequence[float] | None, digits: int = 2) -> str:
    return DASH if not ci else f"{ci[0]:.{digits}f}{DASH}{ci[1]:.{digits}f}"


def _mg(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _when(moment: datetime | None) -> str:
    return "none recorded" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


# -- sections ----------------------------------------------------------------------------------
def _header(kit: _Kit, data: ReportData) -> list[Flowable]:
    who = [data.patient]
    if data.age_years is not None:
        who.append(f"{data.age_years} years")
    if data.sex:
        who.append(str(data.sex))
    return [
        kit.text(REPORT_TITLE, kit.title),
        kit.text(
            f"Patient: {', '.join(who)}   ·   Period: {data.period_from.isoformat()} to "
            f"{data.period_to.isoformat()} ({data.days} days, {data.days_with_entries} with "
            f"entries)   ·   Generated: {data.generated_on.isoformat()}"
        ),
    ]


def _myoclonus(kit: _Kit, data: ReportData) -> list[Flowable]:
    out = [kit.heading("Myoclonus, frequency and last episode")]
    parts = [f"<b>{kit.esc(label)}:</b> {kit.esc(value)}" for label, value in data.myoclonus]
    if not parts:
        parts = ["type not recorded in the profile"]
    extra = []
    if data.conditions:
        extra.append(f"<b>Conditions:</b> {kit.esc(', '.join(data.conditions))}")
    if data.organ_function:
        extra.append(f"<b>Organ function:</b> {kit.esc('; '.join(data.organ_function))}")
    out.append(kit.marked("   ·   ".join(parts + extra)))
    if not data.enough_data:
        out.append(
            kit.text(
                "Not enough data: no episode or check-in was recorded in this period, so no "
                "frequency, response, tolerance or trigger figures can be given.",
            )
        )
        return out
    rows = [
        [
            f.label,
            _num(f.per_day, 1),
            f"{_num(f.per_day_last, 1)} ({f.logged_days_last} logged d)",
            _when(f.last_episode),
        ]
        for f in data.frequency
    ]
    out.append(
        kit.table(
            ["Kind", "Per logged day, period", "Per logged day, last 28 d", "Last episode"],
            rows,
            (58, 36, 46, 46),
        )
    )
    out.append(kit.text(f"Last episode of any kind: {_when(data.last_episode)} (local time)."))
    return out


def _regimen(kit: _Kit, data: ReportData) -> list[Flowable]:
    out = [kit.heading("Current regimen and changes")]
    if data.regimen:
        current = [
            f"<b>{kit.esc(r.drug)}</b> {kit.esc(r.dose)}"
            + (f" ({r.mg_per_day:g} mg/day)" if r.mg_per_day is not None else "")
            + f" since {r.since.isoformat()}"
            for r in data.regimen
        ]
        out.append(
            kit.marked("Taking on " + data.period_to.isoformat() + ": " + "; ".join(current))
        )
    else:
        out.append(kit.text(f"No regular medicine recorded on {data.period_to.isoformat()}."))
    if data.changes:
        shown = data.changes[-MAX_ROWS:]
        first = len(data.changes) - len(shown) + 1
        rows = [
            [
                str(first + k),
                c.day.isoformat(),
                c.drug,
                _KIND_WORDS.get(c.kind, c.kind),
                f"{_mg(c.from_mg_per_day)} → {_mg(c.to_mg_per_day)}",
                c.reason or "",
            ]
            for k, c in enumerate(shown)
        ]
        out.append(
            kit.table(
                ["#", "Date", "Medicine", "Change", "mg/day", "Reason"],
                rows,
                (6, 17, 25, 20, 20, 98),
            )
        )
        if first > 1:
            out.append(_left_out(kit, first - 1, "earlier changes"))
    else:
        out.append(kit.text("No medication change in the period."))
    return out


def _chart(kit: _Kit, data: ReportData, width_pt: float) -> list[Flowable]:
    if not data.enough_data or not data.burden:
        return []
    shown = data.changes[-MAX_ROWS:]
    drawing = draw_burden(
        data.burden,
        shown,
        width_pt=width_pt,
        height_pt=40 * _MM,
        font=kit.font,
        first_number=len(data.changes) - len(shown) + 1,
    )
    return [
        kit.heading(
            "Self-reported jerks per day (gaps: days without entries; dashed: changes by #)"
        ),
        drawing,
    ]


def _responses(kit: _Kit, data: ReportData) -> list[Flowable]:
    out = [kit.heading("Response to each change (jerks after vs before)¹")]
    if not data.responses:
        return [*out, kit.text("No medication change in the period.")]
    shown = data.responses[-MAX_ROWS:]
    rows = []
    for r in shown:
        c = r["change"]
        kind = c.get("kind", "")
        what = f"{c['date']} {c['drug']}" + (f" {kind}" if kind in ("start", "stop") else "")
        what += f" {_mg(c.get('from_mg_per_day'))} → {_mg(c.get('to_mg_per_day'))} mg/day"
        if r.get("enough_data"):
            rows.append(
                [
                    what,
                    _num(r["rate_ratio"]),
                    _ci(r["ci95"]),
                    f"{r['days_before']}/{r['days_after']}",
                    str(r["verdict"]),
                ]
            )
        else:
            rows.append([what, DASH, DASH, DASH, str(r["verdict"])])
    out.append(
        kit.table(["Change", "Ratio", "95 % CI", "Days b/a", "Verdict"], rows, (66, 12, 21, 15, 72))
    )
    if len(shown) < len(data.responses):
        out.append(_left_out(kit, len(data.responses) - len(shown), "earlier changes"))
    return out


def _tolerance_and_triggers(kit: _Kit, data: ReportData) -> list[Flowable]:
    out = [kit.heading("Tolerance on a stable dose and triggers")]
    if data.tolerance:
        rows = [
            [
                t["drug"],
                f"{t['since']} to {t.get('until') or ''}".strip(),
                _num(t.get("trend_per_week"), 3) if t.get("enough_data") else DASH,
                _ci(t.get("ci95"), 3) if t.get("enough_data") else DASH,
                str(t["verdict"]),
            ]
            for t in data.tolerance
        ]
        out.append(
            kit.table(
                ["Medicine", "Stable dose", "Per week", "95 % CI", "Verdict"],
                rows,
                (22, 38, 16, 22, 88),
            )
        )
    else:
        out.append(kit.text("No stable-dose period long enough to look for tolerance."))
    if data.triggers:
        rows = [
            [
                t["trigger"].replace("-", " "),
                _LAG_WORDS.get(t["lag_days"], f"{t['lag_days']} d later"),
                f"{t['days_with']}/{t['days_without']}",
                _num(t["rate_ratio"]),
                _ci(t["ci95"]),
                str(t["verdict"]),
            ]
            for t in data.triggers
        ]
        out.append(
            kit.table(
                ["Factor", "When", "Days with/without", "Rate ratio", "95 % CI", "Verdict"],
                rows,
                (22, 16, 26, 16, 22, 84),
            )
        )
    else:
        out.append(kit.text("Triggers: not enough days with and without any factor yet."))
    if data.trigger_comparisons:
        out.append(kit.text(data.trigger_note, kit.small))
    return out


def _adherence(kit: _Kit, data: ReportData) -> list[Flowable]:
    drugs: dict[str, dict[str, Any]] = {}
    for a in data.adherence:
        drugs.setdefault(a["drug"], {})["adherence"] = a
    for s in data.side_effects:
        drugs.setdefault(s["drug"], {})["side"] = s
    out = [kit.heading("Side effects and adherence")]
    if not drugs:
        return [*out, kit.text("No doses or side effects recorded in the period.")]
    rows = []
    for drug, parts in drugs.items():
        a, s = parts.get("adherence") or {}, parts.get("side") or {}
        doses = a.get("doses") or {}
        taken = a.get("taken_fraction")
        taken_text = DASH if taken is None else f"{taken:.0%}"
        if doses:
            taken_text += f" ({doses.get('taken', 0)} taken, {doses.get('late', 0)} late, "
            taken_text += f"{doses.get('skipped', 0)} skipped)"
        ratio = a.get("missed_then_next_day_ratio")
        missed = (
            f"{_num(ratio)} ({_ci(a.get('missed_then_next_day_ci95'))})"
            if ratio is not None
            else str(a.get("missed_then_next_day_verdict") or DASH)
        )
        effects = s.get("effects") or {}
        side = ", ".join(f"{k} {v}" for k, v in effects.items()) if effects else "none reported"
        rows.append([drug, taken_text, missed, f"{s.get('reports', 0)}: {side}"])
    out.append(
        kit.table(
            [
                "Medicine",
                "Doses taken or late",
                "Day after a missed dose: ratio (95 % CI)",
                "Side effects reported",
            ],
            rows,
            (22, 44, 62, 58),
        )
    )
    return out


def _alerts(kit: _Kit, data: ReportData) -> list[Flowable]:
    out = [kit.heading("Safety alerts for the current profile (critical first)")]
    for reason in data.urgent:
        out.append(kit.marked(f'<font color="#b00020"><b>Urgent:</b></font> {kit.esc(reason)}'))
    if data.alerts_note:
        out.append(kit.text(data.alerts_note))
    for alert in data.alerts:
        colour = _SEVERITY_COLOURS.get(alert.severity, "#000000")
        sources = f" [{kit.esc(', '.join(alert.sources))}]" if alert.sources else ""
        out.append(
            kit.marked(
                f'<font color="{colour}"><b>{kit.esc(alert.severity.upper())}</b></font> '
                f"({kit.esc(', '.join((alert.kind, *alert.subjects)))}): {kit.esc(alert.text)}"
                f'<font size="6">{sources}</font>',
                kit.cell,
            )
        )
    return out


def _sensor(kit: _Kit, data: ReportData) -> list[Flowable]:
    if not data.sensor:
        return []
    median = data.sensor.get("confirmed_jerks_per_hour_median")
    text = f"{data.sensor.get('recordings', 0)} analysed recording(s) in the period"
    if median is not None:
        text += f"; median {median:.1f} confirmed jerks per hour of recording"
    return [
        kit.heading("Sensor recordings"),
        kit.text(text + ". Sensor counts are kept apart from the self-reported ones."),
    ]


def _methods(kit: _Kit, data: ReportData) -> list[Flowable]:
    out = [kit.heading("Methods, assumptions and sources")]
    out.append(kit.text("¹ " + " ".join(data.methods), kit.small))
    if data.sources:
        listed = "; ".join(f"{key}: {text}" for key, text in data.sources)
        out.append(kit.text("Sources: " + listed, kit.small))
    if data.kb_version:
        out.append(kit.text(f"Knowledge base {data.kb_version}.", kit.small))
    out.append(kit.text(data.disclaimer, kit.small))
    return out


def _footer(data: ReportData, font: str) -> Callable[[Any, Any], None]:
    label = _clean(
        f"Myoscope report · {data.patient} · {data.period_from.isoformat()} to "
        f"{data.period_to.isoformat()} · not medical advice",
        font,
    )

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 6.5)
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        canvas.drawString(_MARGIN, 7 * _MM, label.replace("&amp;", "&"))
        canvas.drawRightString(doc.pagesize[0] - _MARGIN, 7 * _MM, f"page {doc.page}")
        canvas.restoreState()

    return draw


def render_pdf(data: ReportData, *, out: Path | BinaryIO) -> None:
    """Draw the clinician report as a PDF on A4 pages.

    Parameters
    ----------
    data : ReportData
        From :meth:`myoscope.services.report.ReportService.gather`.
    out : pathlib.Path or binary file
        Where to write the PDF (a path is created or replaced).

    Raises
    ------
    OSError
        ``out`` cannot be written.
    """
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.platypus import SimpleDocTemplate

    kit = _Kit()
    target: Any = str(out) if isinstance(out, Path) else out
    doc = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=f"Myoscope report: {data.patient}",
        author="Myoscope",
        subject="Diary summary to discuss with a clinician, not medical advice",
        creator="Myoscope",
    )
    story: list[Flowable] = [*_header(kit, data), *_myoclonus(kit, data), *_regimen(kit, data)]
    story += _chart(kit, data, doc.width)
    if data.enough_data:
        story += [*_responses(kit, data), *_tolerance_and_triggers(kit, data)]
    story += [*_adherence(kit, data), *_alerts(kit, data), *_sensor(kit, data)]
    story += _methods(kit, data)
    footer = _footer(data, kit.font)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
