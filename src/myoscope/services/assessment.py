"""Assess a profile with the bundled knowledge base."""

from __future__ import annotations

from importlib.resources import files
from typing import Literal

from myoscope.domain.assessment import Assessment
from myoscope.domain.profile import PatientProfile
from myoscope.knowledge import KnowledgeBase, load_knowledge_base
from myoscope.rules.assess import assess_profile
from myoscope.services.profiles import parse_profile

__all__ = ["assess", "load_example_profile"]


def load_example_profile(name: str = "lance-adams") -> PatientProfile:
    """Return a bundled, synthetic example profile."""
    import yaml

    text = (files("myoscope.services") / "examples" / f"{name}.yaml").read_text(encoding="utf-8")
    return parse_profile(yaml.safe_load(text), source=f"example '{name}'")


def assess(
    profile: PatientProfile,
    *,
    audience: Literal["patient", "clinician"] = "patient",
    kb: KnowledgeBase | None = None,
) -> Assessment:
    """Assess a profile (information to discuss with a clinician, not medical advice).

    Parameters
    ----------
    profile : PatientProfile
        The person's profile.
    audience : {"patient", "clinician"}
        Plain words for a patient, or dense wording for a clinician.
    kb : KnowledgeBase, optional
        Another knowledge base; the bundled one by default.

    Returns
    -------
    Assessment
        Urgent care, causes to review, ranked options, alerts, missing information.
    """
    return assess_profile(profile, kb or load_knowledge_base(), audience=audience)
