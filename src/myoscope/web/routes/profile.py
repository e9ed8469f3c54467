"""The profile form: what the options page needs to know about the person."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from myoscope.domain.diary import Regimen
from myoscope.domain.profile import (
    Course,
    Distribution,
    HepaticImpairment,
    Occurrence,
    Onset,
    PatientProfile,
    Physiology,
    Polarity,
    Sex,
)
from myoscope.errors import InvalidInputError
from myoscope.knowledge import bare_id
from myoscope.services.diary import REGIMENS, DiaryAccess
from myoscope.web.deps import (
    DiaryDep,
    FormDep,
    diary_url,
    redirect,
    render,
    services_of,
    session_of,
)
from myoscope.web.forms import Errors, Values, friendly_message, values_of
from myoscope.web.views import OUTCOMES, regimen_text

__all__ = ["document_of", "router", "values_of_profile"]

router = APIRouter(include_in_schema=False)
log = logging.getLogger("myoscope.web")

BLANK_ROWS = 3
_TRISTATE = ("pregnant", "childbearing_potential", "breastfeeding")
_NUMBERS = {"age_years": "int", "weight_kg": "float", "egfr_ml_min": "float"}
_LISTS = ("conditions", "allergies", "asks_about")
_MYOCLONUS = ("distribution", "occurs_at", "polarity", "physiology", "etiology", "onset", "course")
CHOICES: dict[str, list[tuple[str, str]]] = {
    "sex": [(s.value, s.value.capitalize()) for s in Sex],
    "hepatic_impairment": [
        (HepaticImpairment.NONE.value, "No liver disease"),
        (HepaticImpairment.MILD.value, "Mild (Child-Pugh A)"),
        (HepaticImpairment.MODERATE.value, "Moderate (Child-Pugh B)"),
        (HepaticImpairment.SEVERE.value, "Severe (Child-Pugh C)"),
    ],
    "distribution": [(d.value, d.value.capitalize()) for d in Distribution],
    "occurs_at": [
        (Occurrence.REST.value, "At rest"),
        (Occurrence.ACTION.value, "When moving (action)"),
        (Occurrence.STIMULUS.value, "Set off by noise, light or touch (stimulus)"),
        (Occurrence.SLEEP.value, "In sleep"),
    ],
    "polarity": [
        (Polarity.POSITIVE.value, "Jerks"),
        (Polarity.NEGATIVE.value, "Sudden losses of tone"),
        (Polarity.BOTH.value, "Both"),
    ],
    "physiology": [(p.value, p.value.replace("-", " ").capitalize()) for p in Physiology],
    "onset": [
        (Onset.ACUTE.value, "Suddenly, over days"),
        (Onset.SUBACUTE.value, "Over weeks"),
        (Onset.CHRONIC.value, "Over months or longer"),
    ],
    "course": [
        (Course.STABLE.value, "Stable"),
        (Course.PROGRESSIVE.value, "Getting worse slowly"),
        (Course.RAPIDLY_PROGRESSIVE.value, "Getting worse quickly"),
        (Course.IMPROVING.value, "Improving"),
    ],
}


def _split(text: Any) -> list[str]:
    return [p.strip() for p in re.split(r"[\n,;]", str(text or "")) if p.strip()]


def values_of_profile(stored: dict[str, Any] | None) -> Values:
    """Return the form values that show a stored profile."""
    if not stored:
        return {"physiology": "unknown"}
    values: Values = {}
    for name in ("age_years", "sex", "weight_kg", "egfr_ml_min", "hepatic_impairment"):
        if stored.get(name) is not None:
            value = stored[name]
            values[name] = f"{value:g}" if isinstance(value, float) else str(value)
    for name in _TRISTATE:
        if stored.get(name) is not None:
            values[name] = "yes" if stored[name] else "no"
    myoclonus = stored.get("myoclonus") or {}
    for name in _MYOCLONUS:
        if myoclonus.get(name):
            value = myoclonus[name]
            values[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    for name in _LISTS:
        if stored.get(name):
            values[name] = "\n".join(str(v) for v in stored[name])
    for row, item in enumerate(stored.get("previous_treatments") or []):
        values[f"prev_name_{row}"] = str(item.get("name", ""))
        values[f"prev_outcome_{row}"] = str(item.get("outcome", ""))
        values[f"prev_note_{row}"] = str(item.get("note") or "")
    return values


def document_of(values: Values) -> tuple[dict[str, Any], Errors, list[int]]:
    """Build a profile document from the form; return it, conversion errors, treatment rows."""
    document: dict[str, Any] = {}
    errors: Errors = {}
    for name, kind in _NUMBERS.items():
        text = str(values.get(name) or "").strip().replace(",", ".")
        if not text:
            continue
        try:
            document[name] = int(text) if kind == "int" else float(text)
        except ValueError:
            errors[name] = "Enter a whole number." if kind == "int" else "Enter a number."
    for name in ("sex", "hepatic_impairment"):
        if values.get(name):
            document[name] = str(values[name])
    for name in _TRISTATE:
        if values.get(name) in ("yes", "no"):
            document[name] = values[name] == "yes"
    myoclonus: dict[str, Any] = {}
    for name in _MYOCLONUS:
        value = values.get(name)
        if name == "occurs_at":
            myoclonus[name] = value if isinstance(value, list) else ([value] if value else [])
        elif value and str(value).strip():
            myoclonus[name] = str(value).strip()
    document["myoclonus"] = myoclonus
    for name in _LISTS:
        document[name] = _split(values.get(name))
    rows = []
    treatments = []
    for row in range(200):
        if f"prev_name_{row}" not in values and f"prev_outcome_{row}" not in values:
            if row > 100:
                break
            continue
        name = str(values.get(f"prev_name_{row}") or "").strip()
        outcome = str(values.get(f"prev_outcome_{row}") or "")
        note = str(values.get(f"prev_note_{row}") or "").strip()
        if not (name or note):
            continue
        item: dict[str, Any] = {"name": name, "outcome": outcome}
        if note:
            item["note"] = note
        treatments.append(item)
        rows.append(row)
    document["previous_treatments"] = treatments
    return document, errors, rows


def _field_of(loc: tuple[Any, ...], rows: list[int], message: str) -> str:
    if not loc:
        for name in ("pregnant", "sex"):
            if name in message:
                return name
        return "_form"
    head = str(loc[0])
    if head == "myoclonus" and len(loc) > 1:
        return str(loc[1])
    if head == "previous_treatments" and len(loc) > 2 and isinstance(loc[1], int):
        row = rows[loc[1]] if loc[1] < len(rows) else 0
        return f"prev_{'outcome' if loc[2] == 'outcome' else 'name'}_{row}"
    return head


def _form_names() -> list[str]:
    names = [*_NUMBERS, "sex", "hepatic_impairment", *_TRISTATE, *_MYOCLONUS, *_LISTS]
    return names


def _page(
    request: Request, diary: DiaryAccess, values: Values, errors: Errors, status_code: int = 200
) -> Response:
    services = services_of(request)
    view = services.profiles.view(diary)
    rows = sorted({int(k.rsplit("_", 1)[1]) for k in values if k.startswith("prev_name_")})
    extra = (max(rows) + 1) if rows else 0
    kb = services.kb
    etiologies = sorted(
        ((bare_id(e.id), e.name) for e in kb.etiologies.values()), key=lambda p: p[1].lower()
    )
    stored = view.stored or {}
    named = {str(p.get("name", "")).lower() for p in stored.get("previous_treatments", [])}
    regimens = services.diaries.all(diary, REGIMENS)
    active = services.diaries.active_regimens(diary)
    taking = {r.drug.lower() for r in active}
    from_list: dict[str, Regimen] = {}
    for regimen in sorted(regimens, key=lambda r: r.stopped_on or r.started_on, reverse=True):
        name = regimen.drug.lower()
        if regimen.outcome and name not in taking and name not in named:
            from_list.setdefault(name, regimen)
    return render(
        request,
        "profile.html",
        status_code=status_code,
        values=values,
        errors=errors,
        choices=CHOICES,
        outcomes=OUTCOMES,
        treatment_rows=[*rows, *range(extra, extra + BLANK_ROWS)],
        taking=[regimen_text(r) for r in active],
        from_list=[(r.drug, r.outcome) for r in from_list.values()],
        has_profile=view.stored is not None,
        etiologies=etiologies,
    )


@router.get("/d/{patient_id}/profile")
def profile_page(request: Request, diary: DiaryDep) -> Response:
    """Show the profile form with what is stored."""
    view = services_of(request).profiles.read(diary)
    return _page(request, diary, values_of_profile(view.stored), {})


@router.post("/d/{patient_id}/profile")
def save_profile(request: Request, diary: DiaryDep, form: FormDep) -> Response:
    """Check and store the profile; show every problem next to its field."""
    services = services_of(request)
    services.diaries.require_write(diary)
    names = _form_names() + [k for k in form if k.startswith("prev_")]
    values = values_of(form, names)
    document, errors, rows = document_of(values)
    # Check the rest even when some fields could not be read, so every problem shows at once.
    try:
        PatientProfile.model_validate(document)
    except ValidationError as exc:
        for error in exc.errors():
            message = friendly_message(error)
            errors.setdefault(_field_of(tuple(error["loc"]), rows, message), message)
    if not errors:
        try:
            services.profiles.save(diary, document)
        except InvalidInputError as exc:
            field = (exc.field or "").rsplit(".", 1)[-1]
            errors[field if field in values else "_form"] = str(exc)
        else:
            log.info("web: profile of diary %s saved", diary.patient_id)
            session_of(request).flash("Profile saved. The options below reflect it.")
            return redirect(diary_url(diary.patient_id, "options"))
    return _page(request, diary, values, errors, status_code=422)
