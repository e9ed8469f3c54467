"""Read HTML forms into the diary's input models, with one message per field.

A form is read in two steps: each field is converted from text (a number, a local date and
time ...), then the domain model validates the whole entry. Both steps report problems by field,
so the page shows each message next to its control and keeps everything that was typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from myoscope.domain.diary import (
    CheckInIn,
    DoseIn,
    EpisodeIn,
    RegimenIn,
    SideEffectIn,
)
from myoscope.web.localtime import input_value, parse_local

__all__ = [
    "CHECKIN_FORM",
    "DOSE_FORM",
    "EPISODE_FORM",
    "FORMS",
    "REGIMEN_FORM",
    "SIDE_EFFECT_FORM",
    "Errors",
    "Field",
    "FormSpec",
    "Values",
    "friendly_message",
    "kept_fields",
    "record_values",
    "validate",
    "values_of",
]

M = TypeVar("M", bound=BaseModel)
Values = dict[str, Any]
"""What a form shows: field name -> text (or a list of texts for checkbox groups)."""
Errors = dict[str, str]
"""Field name -> message; ``_form`` holds a message about the whole form."""

FieldType = Literal["text", "int", "float", "datetime", "date", "bool", "list"]


@dataclass(frozen=True)
class Field:
    """One form control: its name (the model's field) and how to read its text."""

    name: str
    type: FieldType = "text"


@dataclass(frozen=True)
class FormSpec:
    """The controls of a form for one kind of diary record."""

    model: type[BaseModel]
    fields: tuple[Field, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The field names, in form order."""
        return tuple(f.name for f in self.fields)


EPISODE_FORM = FormSpec(
    EpisodeIn,
    (
        Field("started_at", "datetime"),
        Field("ended_at", "datetime"),
        Field("count", "int"),
        Field("count_band"),
        Field("intensity", "int"),
        Field("body_areas", "list"),
        Field("kind"),
        Field("triggers", "list"),
        Field("fell", "bool"),
        Field("note"),
    ),
)
CHECKIN_FORM = FormSpec(
    CheckInIn,
    (
        Field("day", "date"),
        Field("severity", "int"),
        Field("walking", "int"),
        Field("eating", "int"),
        Field("speaking", "int"),
        Field("writing", "int"),
        Field("work", "int"),
        Field("sleep_hours", "float"),
        Field("mood", "int"),
        Field("factors", "list"),
        Field("note"),
    ),
)
REGIMEN_FORM = FormSpec(
    RegimenIn,
    (
        Field("drug"),
        Field("dose_amount", "float"),
        Field("dose_unit"),
        Field("times_per_day", "int"),
        Field("as_needed", "bool"),
        Field("started_on", "date"),
        Field("start_reason"),
        Field("stopped_on", "date"),
        Field("stop_reason"),
        Field("outcome"),
    ),
)
DOSE_FORM = FormSpec(
    DoseIn,
    (
        Field("regimen_id"),
        Field("drug"),
        Field("amount", "float"),
        Field("unit"),
        Field("status"),
        Field("taken_at", "datetime"),
        Field("as_needed", "bool"),
        Field("note"),
    ),
)
SIDE_EFFECT_FORM = FormSpec(
    SideEffectIn,
    (
        Field("effect"),
        Field("severity"),
        Field("started_at", "datetime"),
        Field("ended_at", "datetime"),
        Field("regimen_id"),
        Field("note"),
    ),
)
FORMS: dict[str, FormSpec] = {
    "episodes": EPISODE_FORM,
    "checkins": CHECKIN_FORM,
    "medications": REGIMEN_FORM,
    "doses": DOSE_FORM,
    "side-effects": SIDE_EFFECT_FORM,
}

_PARSE_HINTS = {
    "int": "Enter a whole number, for example 3.",
    "float": "Enter a number, for example 2.5.",
    "datetime": "Enter a date and time, for example 2026-01-05 14:30.",
    "date": "Enter a date, for example 2026-01-05.",
}
_BOOL_TRUE = frozenset({"on", "true", "1", "yes"})


def values_of(form: FormData | Mapping[str, Any], names: Iterable[str] | None = None) -> Values:
    """Return what was typed, by field (lists for repeated fields), leaving out the CSRF token."""
    out: Values = {}
    keys = list(names) if names is not None else list(dict.fromkeys(form.keys()))
    for key in keys:
        if key == "csrf_token":
            continue
        items: list[str]
        if isinstance(form, FormData):
            items = [v for v in form.getlist(key) if isinstance(v, str)]
        else:
            raw = form.get(key)
            items = (
                [str(v) for v in raw]
                if isinstance(raw, list)
                else ([] if raw is None else [str(raw)])
            )
        if not items:
            continue
        out[key] = [str(i) for i in items] if len(items) > 1 else str(items[0])
    return out


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _convert(field: Field, value: Any, tz: ZoneInfo) -> Any:
    if field.type == "list":
        return [v.strip() for v in _as_list(value) if v.strip()]
    if field.type == "bool":
        return any(v.strip().lower() in _BOOL_TRUE for v in _as_list(value))
    text = _as_list(value)[0].strip() if _as_list(value) else ""
    if not text:
        return None
    if field.type == "int":
        return int(text)
    if field.type == "float":
        number = float(text.replace(",", "."))
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        return number
    if field.type == "datetime":
        return parse_local(text, tz)
    if field.type == "date":
        return date.fromisoformat(text)
    return text


def friendly_message(error: Mapping[str, Any]) -> str:
    """Return a pydantic error in plain words."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "This is required."
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": ("ge", "{} or more"),
            "greater_than": ("gt", "more than {}"),
            "less_than_equal": ("le", "{} or less"),
            "less_than": ("lt", "less than {}"),
        }[kind]
        return f"Enter a value of {words[1].format(_num(ctx.get(words[0])))}."
    if kind == "enum":
        return f"Choose one of: {ctx.get('expected', 'the listed values')}."
    if kind == "string_too_long":
        return f"Too long: use at most {ctx.get('max_length')} characters."
    if kind == "string_too_short":
        return "This is required."
    if kind == "too_long":
        return f"Choose at most {ctx.get('max_length')}."
    if kind == "string_pattern_mismatch":
        return "This value is not one of the choices."
    message = str(error.get("msg", "This value is not valid.")).removeprefix("Value error, ")
    return message[0].upper() + message[1:] if message else "This value is not valid."


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


_FIELD_NAME = re.compile(r"'?\b([a-z_]+)\b'?")
_FRIENDLY_MODEL_ERRORS = (
    ("give 'count'", "count_band", "Choose how many jerks, or type the number you counted."),
    ("is not in count_band", "count", "The number does not match the band chosen."),
    ("ended_at is before", "ended_at", "The end is before the start; check both times."),
    ("stopped_on is before", "stopped_on", "The stop date is before the start date."),
    ("an outcome is recorded", "stopped_on", "Give the date it stopped to record an outcome."),
    (
        "give 'regimen_id'",
        "regimen_id",
        "Choose one of your medicines, or type the medicine's name.",
    ),
)


def _model_error(message: str, names: tuple[str, ...]) -> tuple[str, str]:
    for needle, field, friendly in _FRIENDLY_MODEL_ERRORS:
        if needle.lower() in message.lower():
            return field, friendly
    for match in _FIELD_NAME.finditer(message):
        if match.group(1) in names:
            return match.group(1), message
    return "_form", message


def validate(
    spec: FormSpec,
    values: Values,
    tz: ZoneInfo,
    *,
    keep: Mapping[str, Any] | None = None,
) -> tuple[BaseModel | None, Errors]:
    """Read the typed values into the spec's model.

    Parameters
    ----------
    spec : FormSpec
        The form.
    values : dict
        What was typed (see :func:`values_of`).
    tz : ZoneInfo
        The diary owner's time zone, for date-and-time inputs.
    keep : mapping, optional
        Fields the form does not show, kept from the record being edited.

    Returns
    -------
    model or None
        The validated entry, or None when there are errors.
    errors : dict
        Messages by field.
    """
    data: dict[str, Any] = dict(keep or {})
    errors: Errors = {}
    for field in spec.fields:
        try:
            converted = _convert(field, values.get(field.name), tz)
        except (ValueError, OverflowError):
            errors[field.name] = _PARSE_HINTS.get(field.type, "This value is not valid.")
            continue
        if converted is not None:
            data[field.name] = converted
    if errors:
        return None, errors
    try:
        return spec.model.model_validate(data), {}
    except ValidationError as exc:
        for error in exc.errors():
            loc = error["loc"]
            if loc and str(loc[0]) in spec.names:
                errors.setdefault(str(loc[0]), friendly_message(error))
            else:
                name, message = _model_error(friendly_message(error), spec.names)
                errors.setdefault(name, message)
        return None, errors


def record_values(spec: FormSpec, record: BaseModel, tz: ZoneInfo) -> Values:
    """Return the form values that show a stored record for editing."""
    out: Values = {}
    for field in spec.fields:
        value = getattr(record, field.name, None)
        if value is None:
            continue
        if field.type == "datetime":
            out[field.name] = input_value(value, tz)
        elif field.type == "list":
            out[field.name] = [str(v) for v in value]
        elif field.type == "bool":
            if value:
                out[field.name] = "on"
        elif field.type == "float":
            out[field.name] = _num(value)
        else:
            out[field.name] = str(value)
    return out


def kept_fields(spec: FormSpec, record: BaseModel | None) -> dict[str, Any]:
    """Return the input fields a form does not show, from the record being edited."""
    if record is None:
        return {}
    hidden = set(spec.model.model_fields) - set(spec.names)
    return {
        name: getattr(record, name) for name in hidden if getattr(record, name, None) is not None
    }
