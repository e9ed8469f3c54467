"""Scenarios on ranking and reporting: failed treatments move the next line forward, missing
information names every check it blocks, and alerts name only what the person has."""

from __future__ import annotations

from scenario_helpers import missing_fields, opt

from conftest import run_assessment
from myoscope.knowledge import KnowledgeBase


def test_second_line_ranked_before_failed_first_line_when_all_first_line_drugs_failed(
    kb: KnowledgeBase,
) -> None:
    """profile.md previous_treatments: "an ineffective or not-tolerated first-line agent moves the
    next line forward". facts.md 2.2/2.3: myoclonus-dystonia first line zonisamide, clonazepam;
    then levetiracetam. [S26][S27] ref:hainque-2016, ref:azoulay-zyss-2011."""
    a = run_assessment(
        kb,
        age_years=24,
        sex="male",
        egfr_ml_min=95,
        hepatic_impairment="none",
        myoclonus={"physiology": "myoclonus-dystonia", "etiology": "myoclonus-dystonia"},
        previous_treatments=[
            {"name": "zonisamide", "outcome": "ineffective"},
            {"name": "clonazepam", "outcome": "ineffective"},
        ],
    )
    assert opt(a, "levetiracetam").rank < opt(a, "zonisamide").rank
    assert opt(a, "levetiracetam").rank < opt(a, "clonazepam").rank


def test_pregnancy_missing_information_names_valproate(kb: KnowledgeBase) -> None:
    """assessment-json.md example: {"field": "pregnant", "why": "needed to check valproate,
    topiramate"}; facts.md 3.2: valproate is the most teratogenic ASM [S39][S40]
    ref:mhra-valproate. Every check the missing field blocks is named, none cut off."""
    a = run_assessment(
        kb, age_years=34, sex="female", egfr_ml_min=100, myoclonus={"physiology": "cortical"}
    )
    assert "valproate" in missing_fields(a)["pregnant"].lower()


def test_fired_red_flag_names_only_conditions_present_when_kidney_function_unknown(
    kb: KnowledgeBase,
) -> None:
    """assessment-json.md: alerts[].subjects are the ids the finding is about. facts.md 7.1
    (new myoclonus with hepatic failure) [S68] ref:hepatic-encephalopathy-management. A red flag
    that fired on liver failure must not name kidney conditions that are merely unrecorded."""
    a = run_assessment(
        kb,
        age_years=57,
        sex="male",
        hepatic_impairment="severe",
        myoclonus={"etiology": "hepatic-encephalopathy", "onset": "acute", "polarity": "negative"},
        conditions=["confusion"],
    )
    flags = [al for al in a.alerts if al.kind == "red-flag"]
    assert flags
    for al in flags:
        assert "renal-impairment" not in al.subjects, al.id
        assert "ckd-stage-5" not in al.subjects, al.id
