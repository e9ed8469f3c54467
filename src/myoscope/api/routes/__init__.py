"""The API's routers, one module per resource, and the tags of the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from myoscope.api.routes import (
    accounts,
    auth,
    fhir,
    insights,
    me,
    profile,
    recordings,
    records,
    report,
    sharing,
    transfer,
)

__all__ = ["TAGS", "routers"]

TAGS: list[dict[str, Any]] = [
    {"name": "auth", "description": "Get an access token (OAuth2 password flow)."},
    {"name": "me", "description": "The signed-in account."},
    {"name": "diaries", "description": "The diaries you can open: your own and shared ones."},
    {"name": "episodes", "description": "Episodes of jerks or of lapses of tone."},
    {"name": "checkins", "description": "The daily check-in (one per day)."},
    {"name": "medications", "description": "Medication regimens and changes of dose."},
    {"name": "doses", "description": "Doses taken, taken late or skipped."},
    {"name": "side-effects", "description": "Side effects, linked to a medication or not."},
    {
        "name": "recordings",
        "description": "Sensor recordings: upload, background detection, and the review of the "
        "groups of jerks they found (sensor episodes).",
    },
    {
        "name": "insights",
        "description": "Treatment response, tolerance, triggers and patterns from the diary: "
        "information to discuss with a clinician, not medical advice.",
    },
    {"name": "profile", "description": "What the engine needs to know about the person."},
    {
        "name": "assessment",
        "description": "Options, alerts and causes to review: information to discuss with a "
        "clinician, not medical advice.",
    },
    {"name": "shares", "description": "Who may open your diary (owner only)."},
    {"name": "audit", "description": "Who read or changed your diary (owner only)."},
    {"name": "diary", "description": "Export, import or delete the whole diary (owner only)."},
    {"name": "accounts", "description": "Administration (administrators only)."},
]


def routers() -> list[APIRouter]:
    """Return every router of the API, in the order of the documentation."""
    return [
        auth.router,
        me.router,
        *records.routers(),
        recordings.router,
        profile.router,
        insights.router,
        report.router,
        sharing.router,
        transfer.router,
        fhir.router,
        accounts.router,
    ]
