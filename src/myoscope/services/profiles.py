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
from myoscope.knowledge.loader import DuplicateKeyError, load_yaml

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
    shown = _shown(received)
    if kind == "value_error":
        detail = str(error["msg"]).removeprefix("Value error, ")
        return f"invalid value for '{name or 'profile'}': {detail}"
    expected = _EXPECTED.get(kind)
    if expected is None:
        message = str(error["msg"]).replace("Input should be", "it should be")
        return f"invalid value for '{name}': got {shown}; {message}"
    return f"invalid value for '{name}': got {shown}; expected {expected}"


_EXPECTED = {
    "tuple_type": "a list, e.g. [a, b]",
    "list_type": "a list, e.g. [a, b]",
    "model_type": "a mapping of fields (name: value)",
    "dict_type": "a mapping of fields (name: value)",
    "model_attributes_type": "a mapping of fields (name: value)",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "string_type": "text",
    "string_too_short": "a name (not empty)",
}


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "nothing (null)"
    return json.dumps(value) if isinstance(value, str | int | float | bool) else repr(value)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise DuplicateKeyError(f"the key '{key}' appears twice")
        seen.add(key)
    return dict(pairs)


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
    if data is None:
        raise InvalidInputError(
            f"{source}: the profile is empty; it needs at least age_years and sex "
            "(see schemas/profile.schema.json)."
        )
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"{source}: a profile must be a mapping of fields (age_years: ..., sex: ...); got "
            f"{_shown(data)}. See schemas/profile.schema.json for the fields."
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
        if file.is_dir():
            raise InvalidInputError(f"'{path}' is a folder; give a profile file.", field="PROFILE")
        if not file.is_file():
            raise InvalidInputError(
                f"No such profile file: '{path}'.", field="PROFILE", received=path
            )
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError(
                f"'{path}' is not a text file (UTF-8); save the profile as YAML or JSON text.",
                field="PROFILE",
            ) from None
        except OSError as exc:
            raise InvalidInputError(
                f"Cannot read '{path}': {exc.strerror}.", field="PROFILE"
            ) from None
        name, is_json = file.name, file.suffix.lower() == ".json"
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys) if is_json else load_yaml(text)
    except DuplicateKeyError as exc:
        raise InvalidInputError(f"{name}: {exc}; keep only one.") from None
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
