"""Shared fixtures: the knowledge base is loaded once; profiles are built from small dicts."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from myoscope.domain.assessment import Assessment
from myoscope.domain.profile import PatientProfile
from myoscope.knowledge import KnowledgeBase, load_knowledge_base
from myoscope.rules.assess import assess_profile


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def make_profile(**fields: Any) -> PatientProfile:
    """A profile with defaults (a man of 40) overridden by ``fields``."""
    data: dict[str, Any] = {"age_years": 40, "sex": "male"}
    data.update(fields)
    return PatientProfile.model_validate(data)


def run_assessment(kb: KnowledgeBase, audience: str = "clinician", **fields: Any) -> Assessment:
    return assess_profile(make_profile(**fields), kb, audience=audience)


def option(assessment: Assessment, ident: str) -> Any:
    """The option with this id, or None."""
    return next((o for o in assessment.options if o.id == ident), None)


def alert_ids(assessment: Assessment) -> set[str]:
    return {a.id for a in assessment.alerts}
