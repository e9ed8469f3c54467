"""Validation of FHIR resources with the ``fhir.resources`` R4B models, with readable errors.

The library's pydantic errors are turned into one line that names the Bundle entry, the resource
and each wrong field (``entry[12] (Observation 'abc'): 'component.0.valueInteger': ...``), never
a traceback.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from myoscope.errors import InvalidInputError

__all__ = ["describe", "validate_resource"]

_MAX_ERRORS = 3


def describe(resource: Any, where: str) -> str:
    """Return ``"entry[3] (Observation 'abc')"`` for messages."""
    if isinstance(resource, dict):
        kind = resource.get("resourceType", "resource")
        ident = resource.get("id")
        return f"{where} ({kind} {ident!r})" if ident else f"{where} ({kind})"
    return where


def validate_resource(resource: Any, *, where: str) -> None:
    """Validate one resource against its R4B model.

    Parameters
    ----------
    resource : dict
        A resource as JSON (with ``resourceType``).
    where : str
        Its place, for messages (``entry[3]``).

    Raises
    ------
    InvalidInputError
        Not a mapping, no or an unknown ``resourceType``, or a field the model refuses; the
        message names the place, the resource and the fields.
    """
    if not isinstance(resource, dict):
        raise InvalidInputError(f"{where}: a resource must be a JSON object.", field=where)
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise InvalidInputError(
            f"{where}: the resource has no 'resourceType'; every FHIR resource names its type.",
            field=f"{where}.resourceType",
        )
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError, LookupError):
        raise InvalidInputError(
            f"{where}: '{kind}' is not a FHIR R4 resource type.",
            field=f"{where}.resourceType",
            received=kind,
        ) from None
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        raise InvalidInputError(
            f"{describe(resource, where)} is not valid FHIR R4: {_summary(exc)}",
            field=f"{where}.{_loc(exc.errors()[0]['loc'])}",
        ) from None
    except (TypeError, ValueError) as exc:  # the library raises plain errors for a few shapes
        raise InvalidInputError(
            f"{describe(resource, where)} is not valid FHIR R4: {exc}", field=where
        ) from None


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(resource)"


def _summary(exc: ValidationError) -> str:
    errors = exc.errors()
    parts = []
    for error in errors[:_MAX_ERRORS]:
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "is not a field of this resource in FHIR R4; check the spelling"
        parts.append(f"'{_loc(error['loc'])}': {message}")
    more = len(errors) - _MAX_ERRORS
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
