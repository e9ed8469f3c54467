"""Read a patient profile from YAML or JSON, with one-line errors that say what to fix."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from myoscope.domain.profile import PatientProfile
from myoscope.errors import InvalidInputError, did_you_mean

__all__ = ["parse_profile", "read_profile"]

_EXTENSIONS = (".yaml", ".yml", ".json")


def _field_type(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, Any]:
    """Walk ``loc`` through the model; return (model containing the last key, its annotation)."""
    owner: type[BaseModel] | None = model
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            continue
        if owner is None:
            return None, None
        field = owner.model_fields.get(str(part))
        if field is None:
            return owner, None
        annotation = field.annotation
        owner = _inner_model(annotation)
    return owner, annotation


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _enum_of(annotation: Any) -> type[Enum] | None:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    if get_origin(annotation) is not None or get_args(annotation):
        for arg in get_args(annotation):
            found = _enum_of(arg)
            if found is not None:
                return found
    return None


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error: Any) -> str:
    loc = tuple(error["loc"])
    name = _dotted(loc)
    kind = error["type"]
    received = error.get("input")
    if kind == "extra_forbidden":
        parent, _ = (
            _field_type(PatientProfile, loc[:-1]) if len(loc) > 1 else (PatientProfile, None)
        )
        allowed = sorted(parent.model_fields) if parent else []
        hint = did_you_mean(str(loc[-1]), allowed)
        return f"unknown field '{name}'.{hint} Allowed fields here: {', '.join(allowed)}"
    _, annotation = _field_type(PatientProfile, loc)
    enum = _enum_of(annotation)
    if kind == "missing":
        extra = f" (allowed: {', '.join(str(e.value) for e in enum)})" if enum else ""
        return f"missing required field '{name}'{extra}"
    if enum is not None and kind in ("enum", "literal_error"):
        allowed = [str(e.value) for e in enum]
        hint = did_you_mean(str(received), allowed)
        return f"invalid value for '{name}': got '{received}'. Allowed: {', '.join(allowed)}.{hint}"
    shown = (
        json.dumps(received) if isinstance(received, str | int | float | bool) else repr(received)
    )
    return f"invalid value for '{name}': got {shown}. {error['msg']}"


def parse_profile(data: Any, *, source: str = "profile") -> PatientProfile:
    """Validate already-parsed profile data.

    Parameters
    ----------
    data : object
        The parsed YAML or JSON document.
    source : str
        Where the data came from, for messages.

    Returns
    -------
    PatientProfile
        The validated profile.

    Raises
    ------
    InvalidInputError
        One line naming every wrong field, the allowed values and the value received.
    """
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"{source}: a profile must be a mapping of fields (age_years, sex, ...); got "
            f"{type(data).__name__}. See 'myoscope kb schema' for the fields."
        )
    try:
        return PatientProfile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        messages = "; ".join(_message(e) for e in errors)
        raise InvalidInputError(
            f"{source}: {messages}",
            field=_dotted(tuple(first["loc"])),
            received=first.get("input"),
        ) from None


def read_profile(path: str) -> PatientProfile:
    """Read a profile from a ``.yaml``, ``.yml`` or ``.json`` file, or ``-`` (standard input, YAML).

    Raises
    ------
    InvalidInputError
        When the file is missing, of another type, not parseable, or not a valid profile.
    """
    if path == "-":
        text, name, is_json = sys.stdin.read(), "standard input", False
    else:
        file = Path(path)
        if file.suffix.lower() not in _EXTENSIONS:
            raise InvalidInputError(
                f"Cannot read '{path}': the profile must be a .yaml, .yml or .json file "
                "(or '-' for standard input).",
                field="PROFILE",
                received=path,
            )
        if not file.is_file():
            raise InvalidInputError(
                f"No such profile file: '{path}'.", field="PROFILE", received=path
            )
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"Cannot read '{path}': {exc}.", field="PROFILE") from None
        name, is_json = file.name, file.suffix.lower() == ".json"
    try:
        data = json.loads(text) if is_json else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise InvalidInputError(f"{name} is not valid YAML{where}: {problem}.") from None
    return parse_profile(data, source=name)
