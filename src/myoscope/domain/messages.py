"""The registry of engine messages: wording the engine writes itself, kept as data.

Most findings speak through their rule's ``says``. A few are produced by the engine's generic
steps (an option kept for later, a drug of a mechanism already taken, an earlier intolerance, a
dose capped for kidney function). Their wording lives in ``knowledge/data/vocab/messages.yaml``;
this registry declares each message key and the placeholders its templates may use, and
``myoscope kb check`` enforces both.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, frozenset[str]] = {
    # reasons added to an option
    "reason.asked": frozenset(),
    "reason.asked-not-usual": frozenset(),
    "reason.taking-now": frozenset(),
    "reason.add-on": frozenset({"drug", "mechanism"}),
    "reason.refractory-gate": frozenset({"count"}),
    "reason.cause-review-drug": frozenset({"name", "strength"}),
    "reason.cause-review-condition": frozenset({"name", "strength"}),
    "reason.renal-estimate": frozenset({"egfr", "condition"}),
    "reason.organ-adjusted": frozenset({"organ"}),
    "reason.organ-excluded": frozenset({"organ"}),
    "reason.dosing-withheld": frozenset({"rule"}),
    "reason.effective-before": frozenset({"note"}),
    "reason.not-tolerated-before": frozenset({"note"}),
    "reason.ineffective-before": frozenset({"note"}),
    "reason.not-for-you": frozenset(),
    # alerts written by the engine
    "alert.not-established": frozenset({"name"}),
    "alert.duplicate-mechanism": frozenset({"option", "taken", "mechanism"}),
    "alert.not-tolerated-before": frozenset({"name", "note"}),
    "alert.ineffective-before": frozenset({"name", "note"}),
    "alert.allergy": frozenset({"name"}),
    "alert.not-checked": frozenset({"title", "fields"}),
    "alert.renal-not-checked": frozenset({"name"}),
    "alert.organ-adjustment": frozenset({"name", "organ", "action", "note"}),
    "alert.adult-dosing-only": frozenset({"age", "adult_age"}),
    "alert.dose-above-maximum": frozenset({"name", "dose", "maximum", "basis"}),
    "alert.duplicate-taken": frozenset({"first", "second", "mechanism"}),
    # titration plans
    "titrate.not-a-treatment": frozenset({"name"}),
    "titrate.may-worsen": frozenset({"title", "text"}),
    "titrate.no-plan": frozenset({"name", "function"}),
    # missing information
    "missing.why": frozenset({"checks"}),
    "missing.dosing": frozenset({"name"}),
    "missing.exact-dosing": frozenset({"name"}),
}
