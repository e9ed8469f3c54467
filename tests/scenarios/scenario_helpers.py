"""Helpers shared by the clinical scenarios: look-ups and the two global invariants.

The invariants come from the assessment specification (shared/spec/assessment-json.md):
``avoid`` and ``contraindicated`` options are shown only so that a person learns why not, and
every ``caution``, ``avoid`` or ``contraindicated`` status is explained by an alert naming it.
"""

from __future__ import annotations

from typing import Any

from myoscope.domain.assessment import Alert, Assessment

STATUS_ORDER = {"suggested": 0, "caution": 1, "avoid": 2, "contraindicated": 3}
SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}
STRENGTH_ORDER = {"weak": 0, "moderate": 1, "strong": 2}
OPEN = {"suggested", "caution"}
NOT_ADVISED = {"avoid", "contraindicated"}

# Drugs that treat epilepsy or myoclonus symptomatically (assessment-json.md vocabulary).
ANTISEIZURE_AND_BENZODIAZEPINES = {
    "clonazepam",
    "valproate",
    "levetiracetam",
    "brivaracetam",
    "piracetam",
    "primidone",
    "phenobarbital",
    "phenytoin",
    "zonisamide",
    "topiramate",
    "perampanel",
    "lamotrigine",
    "carbamazepine",
    "oxcarbazepine",
    "gabapentin",
    "pregabalin",
    "vigabatrin",
    "tiagabine",
    "acetazolamide",
    "sodium-oxybate",
    "cannabidiol",
    "clobazam",
    "ethosuximide",
    "midazolam",
}


def opt(a: Assessment, ident: str) -> Any:
    """The option with this id; fails the test when it is missing."""
    found = next((o for o in a.options if o.id == ident), None)
    assert found is not None, f"option {ident!r} missing; options: {[o.id for o in a.options]}"
    return found


def ids(a: Assessment) -> list[str]:
    return [o.id for o in a.options]


def status_at_least(a: Assessment, ident: str, status: str) -> bool:
    return STATUS_ORDER[opt(a, ident).status] >= STATUS_ORDER[status]


def not_offered(a: Assessment, ident: str) -> bool:
    """True when the option is absent or shown only as avoid/contraindicated."""
    found = next((o for o in a.options if o.id == ident), None)
    return found is None or found.status in NOT_ADVISED


def alerts_about(a: Assessment, *subjects: str, kind: str | set[str] | None = None) -> list[Alert]:
    """Alerts whose subjects include every one of ``subjects`` (and of this kind, if given)."""
    kinds = {kind} if isinstance(kind, str) else kind
    return [
        al
        for al in a.alerts
        if set(subjects) <= set(al.subjects) and (kinds is None or al.kind in kinds)
    ]


def worst_severity(alerts: list[Alert]) -> str:
    assert alerts, "no alert"
    return max((al.severity for al in alerts), key=SEVERITY_ORDER.__getitem__)


def missing_fields(a: Assessment) -> dict[str, str]:
    return {m.field: m.why for m in a.missing_information}


def cause(a: Assessment, ident: str) -> Any:
    return next((c for c in a.causes_to_review if c.id == ident), None)


def check_invariants(a: Assessment) -> None:
    """The specification's invariants for any assessment."""
    ranks = [o.rank for o in a.options]
    assert ranks == list(range(1, len(ranks) + 1)), ranks
    # Nothing contraindicated (or to avoid) is ranked among the options to discuss, nor dosed.
    seen_not_advised = False
    for o in a.options:
        if o.status in NOT_ADVISED:
            seen_not_advised = True
            assert o.dosing is None, f"{o.id} is {o.status} but carries dosing"
        else:
            assert not seen_not_advised, f"{o.id} ({o.status}) ranked after a not-advised option"
    # A critical contraindication never leaves its subject suggested.
    for al in a.alerts:
        if al.kind == "contraindication" and al.severity == "critical":
            for o in a.options:
                if o.id in al.subjects:
                    assert o.status != "suggested", f"{o.id} suggested despite {al.id}"
    # Every caution/avoid/contraindicated status is explained by an alert naming the option.
    for o in a.options:
        if o.status != "suggested":
            assert alerts_about(a, o.id), f"{o.id} is {o.status} without an alert naming it"
