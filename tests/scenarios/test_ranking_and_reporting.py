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


def test_children_get_no_adult_doses(kb: KnowledgeBase) -> None:
    """facts.md 3.22 is an adult table; 3.2: valproate liver risk is highest under 2 years
    [S37] ref:label-valproate. A child of 4 gets options but no adult doses, and is told why."""
    a = run_assessment(
        kb, age_years=4, sex="male", weight_kg=16, myoclonus={"physiology": "cortical"}
    )
    assert a.options
    assert all(o.dosing is None for o in a.options)
    assert "adult-dosing-only" in {al.id for al in a.alerts}


def test_a_dose_taken_above_the_renal_maximum_is_flagged(kb: KnowledgeBase) -> None:
    """facts.md 3.18: gabapentin CrCl 15-29 mL/min 200-700 mg/day [S80]
    ref:gabapentinoid-renal-dosing; a man on 1800 mg/day at eGFR 25 needs a dose review."""
    a = run_assessment(
        kb,
        age_years=74,
        sex="male",
        egfr_ml_min=25,
        medications=[{"name": "gabapentin", "dose_mg_per_day": 1800}],
    )
    alert = next(al for al in a.alerts if al.id == "dose-above-maximum-gabapentin")
    assert "700" in alert.summary
    assert alert.severity == "warning"


def test_an_option_whose_check_waits_on_missing_information_ranks_after_clear_ones(
    kb: KnowledgeBase,
) -> None:
    """facts.md 2.3 JME and 11 rule 3 (NICE NG217 [S39b]): in a woman who could become
    pregnant, levetiracetam or lamotrigine come before valproate; while childbearing potential
    is unknown, valproate is shown with caution after the options that are clear."""
    a = run_assessment(
        kb,
        age_years=30,
        sex="female",
        egfr_ml_min=100,
        myoclonus={"etiology": "juvenile myoclonic epilepsy"},
        medications=[{"name": "Keppra", "dose_mg_per_day": 1500}],
    )
    valproate = opt(a, "valproate")
    lamotrigine = opt(a, "lamotrigine")
    assert valproate.status == "caution"
    assert lamotrigine.rank < valproate.rank
    assert "childbearing_potential" in missing_fields(a)


def test_add_ons_name_the_drug_taken_and_asked_non_options_have_no_dosing(
    kb: KnowledgeBase,
) -> None:
    """facts.md 2.1 (polytherapy with complementary mechanisms [S1] ref:kojovic-2011) and
    2.3 hypnic jerks need no drug treatment [S58] ref:ninds-myoclonus."""
    a = run_assessment(
        kb,
        age_years=50,
        sex="male",
        egfr_ml_min=90,
        myoclonus={"physiology": "cortical"},
        medications=[{"name": "levetiracetam"}],
    )
    assert "levetiracetam" in opt(a, "valproate").add_on_to
    hypnic = run_assessment(
        kb,
        age_years=26,
        sex="male",
        myoclonus={"physiology": "physiological", "etiology": "hypnic jerks"},
        asks_about=["clonazepam"],
    )
    assert opt(hypnic, "clonazepam").dosing is None


def test_medicines_taken_now_are_checked_against_kidney_function(kb: KnowledgeBase) -> None:
    """facts.md 3.5: piracetam is contraindicated at CrCl below 20 mL/min [S35]
    ref:label-piracetam; a person already taking it is told, as a critical alert."""
    a = run_assessment(
        kb,
        age_years=60,
        sex="male",
        egfr_ml_min=9,
        myoclonus={"physiology": "cortical", "etiology": "Lance-Adams"},
        medications=[{"name": "piracetam", "dose_mg_per_day": 24000}],
    )
    alert = next(al for al in a.alerts if al.id == "piracetam-renal")
    assert alert.severity == "critical"
    assert all("piracetam" not in o.add_on_to for o in a.options)


def test_two_medicines_of_one_mechanism_taken_together_are_flagged(kb: KnowledgeBase) -> None:
    """facts.md 2.1: combine complementary mechanisms [S1] ref:kojovic-2011; gabapentin and
    pregabalin are both alpha-2-delta ligands (3.18)."""
    a = run_assessment(
        kb,
        age_years=50,
        sex="female",
        pregnant=False,
        childbearing_potential=False,
        medications=[{"name": "gabapentin"}, {"name": "pregabalin"}],
    )
    assert "duplicate-taken-gabapentin-pregabalin" in {al.id for al in a.alerts}
