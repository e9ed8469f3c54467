from __future__ import annotations

from typing import Any

import pytest

from myoscope.knowledge.schema import Drug
from myoscope.rules.dosing import (
    adjust_dosing,
    compute_titration,
    find_hepatic_adjustment,
    find_renal_adjustment,
)

REF = ["ref:x"]


def make_drug(**treatment: Any) -> Drug:
    base: dict[str, Any] = {
        "role": {"summary": "test", "sources": REF},
        "dosing": {
            "start_per_day": 500,
            "step": 500,
            "step_interval_days": 14,
            "target_per_day": 2000,
            "max_per_day": 3000,
            "doses_per_day": 2,
            "sources": REF,
        },
        "renal": {
            "clearance": "major",
            "sources": REF,
            "adjustments": [
                {
                    "egfr_min_ml_min": 30,
                    "egfr_max_ml_min": 50,
                    "action": "cap",
                    "max_per_day": 1500,
                    "note": "30-50",
                },
                {
                    "egfr_min_ml_min": 15,
                    "egfr_max_ml_min": 30,
                    "action": "fraction",
                    "fraction": 0.5,
                    "note": "15-30",
                },
                {
                    "egfr_min_ml_min": 0,
                    "egfr_max_ml_min": 15,
                    "action": "contraindicated",
                    "note": "<15",
                },
                {
                    "egfr_min_ml_min": 0,
                    "egfr_max_ml_min": 15,
                    "dialysis": True,
                    "action": "cap",
                    "max_per_day": 1000,
                    "note": "dialysis",
                },
            ],
        },
        "hepatic": {
            "sources": REF,
            "adjustments": [
                {"severity": "moderate", "action": "cap", "max_per_day": 1000, "note": "B"},
                {"severity": "severe", "action": "avoid", "note": "C"},
            ],
        },
        "adverse_effects": {"common": ["x"], "sources": REF},
        "pregnancy": {"summary": "x", "sources": REF},
    }
    base.update(treatment)
    return Drug.model_validate(
        {
            "id": "drug:testdrug",
            "name": "testdrug",
            "mechanism": "class:test",
            "summary": "t",
            "treatment": base,
            "review": {"status": "draft"},
        }
    )


def test_renal_band_is_chosen_by_egfr_lower_bound_inclusive():
    drug = make_drug()
    assert find_renal_adjustment(drug, 30).note == "30-50"  # type: ignore[union-attr]
    assert find_renal_adjustment(drug, 29.9).note == "15-30"  # type: ignore[union-attr]
    assert find_renal_adjustment(drug, 60) is None
    assert find_renal_adjustment(drug, None) is None


def test_dialysis_band_wins_when_on_dialysis():
    drug = make_drug()
    assert find_renal_adjustment(drug, 10).note == "<15"  # type: ignore[union-attr]
    assert find_renal_adjustment(drug, 10, on_dialysis=True).note == "dialysis"  # type: ignore[union-attr]


def test_cap_limits_maximum_and_target():
    drug = make_drug()
    dosing = adjust_dosing(drug, renal=find_renal_adjustment(drug, 40))
    assert dosing is not None
    assert dosing.max_mg_per_day == 1500
    assert dosing.target_mg_per_day == 1500
    assert dosing.adjusted_for == ("renal",)


def test_fraction_scales_every_dose():
    drug = make_drug()
    dosing = adjust_dosing(drug, renal=find_renal_adjustment(drug, 20))
    assert dosing is not None
    assert (
        dosing.start_mg_per_day,
        dosing.step_mg,
        dosing.target_mg_per_day,
        dosing.max_mg_per_day,
    ) == (250, 250, 1000, 1500)


def test_contraindicated_or_avoided_drug_has_no_dosing():
    drug = make_drug()
    assert adjust_dosing(drug, renal=find_renal_adjustment(drug, 10)) is None
    assert adjust_dosing(drug, hepatic=find_hepatic_adjustment(drug, "severe")) is None


def test_renal_and_hepatic_caps_combine_to_the_lower():
    drug = make_drug()
    dosing = adjust_dosing(
        drug,
        renal=find_renal_adjustment(drug, 40),
        hepatic=find_hepatic_adjustment(drug, "moderate"),
    )
    assert dosing is not None
    assert dosing.max_mg_per_day == 1000
    assert dosing.adjusted_for == ("renal", "hepatic")


def test_hepatic_none_means_no_adjustment():
    assert find_hepatic_adjustment(make_drug(), "none") is None
    assert find_hepatic_adjustment(make_drug(), None) is None


def test_weight_based_dosing_needs_weight():
    drug = make_drug(
        dosing={
            "unit": "mg/kg",
            "start_per_day": 5,
            "step": 5,
            "step_interval_days": 7,
            "target_per_day": 10,
            "max_per_day": 20,
            "doses_per_day": 2,
            "sources": REF,
        },
        renal=None,
        hepatic=None,
    )
    assert adjust_dosing(drug) is None
    dosing = adjust_dosing(drug, weight_kg=50)
    assert dosing is not None
    assert (dosing.start_mg_per_day, dosing.target_mg_per_day, dosing.max_mg_per_day) == (
        250,
        500,
        1000,
    )


def test_titration_steps_from_start_to_target_at_the_interval():
    drug = make_drug()
    plan = compute_titration(drug, adjust_dosing(drug))  # type: ignore[arg-type]
    assert [(s.day, s.mg_per_day) for s in plan.steps] == [
        (1, 500),
        (15, 1000),
        (29, 1500),
        (43, 2000),
    ]
    assert [s.week for s in plan.steps] == [1, 3, 5, 7]
    assert plan.steps[-1].mg_per_dose == 1000
    assert plan.weeks == 7


def test_titration_never_exceeds_the_capped_target():
    drug = make_drug()
    plan = compute_titration(drug, adjust_dosing(drug, renal=find_renal_adjustment(drug, 40)))  # type: ignore[arg-type]
    assert max(s.mg_per_day for s in plan.steps) == 1500


def test_dosing_must_be_ordered():
    with pytest.raises(ValueError, match="start_per_day <= target_per_day"):
        make_drug(
            dosing={
                "start_per_day": 500,
                "step": 1,
                "step_interval_days": 7,
                "target_per_day": 400,
                "max_per_day": 600,
                "doses_per_day": 1,
                "sources": REF,
            }
        )


def test_titration_starts_with_a_single_dose_when_the_label_says_so():
    drug = make_drug(
        dosing={
            "start_per_day": 0.5,
            "step": 0.5,
            "step_interval_days": 3,
            "target_per_day": 1.5,
            "max_per_day": 20,
            "doses_per_day": 3,
            "start_doses_per_day": 1,
            "sources": REF,
        },
        renal=None,
        hepatic=None,
    )
    plan = compute_titration(drug, adjust_dosing(drug))  # type: ignore[arg-type]
    assert [(s.mg_per_day, s.doses_per_day, s.mg_per_dose) for s in plan.steps] == [
        (0.5, 1, 0.5),
        (1.0, 3, None),
        (1.5, 3, 0.5),
    ]


def test_dialysis_only_band_never_applies_without_dialysis():
    drug = make_drug(
        renal={
            "clearance": "major",
            "sources": REF,
            "adjustments": [
                {
                    "egfr_min_ml_min": 15,
                    "egfr_max_ml_min": 30,
                    "action": "cap",
                    "max_per_day": 1000,
                    "note": "15-30",
                },
                {
                    "egfr_min_ml_min": 0,
                    "egfr_max_ml_min": 15,
                    "dialysis": True,
                    "action": "avoid",
                    "note": "dialysis only",
                },
            ],
        }
    )
    assert find_renal_adjustment(drug, 10) is None
    assert find_renal_adjustment(drug, 10, on_dialysis=True).note == "dialysis only"  # type: ignore[union-attr]


def test_dialysis_without_a_dialysis_band_uses_the_lowest_band():
    drug = make_drug(
        renal={
            "clearance": "major",
            "sources": REF,
            "adjustments": [
                {
                    "egfr_min_ml_min": 15,
                    "egfr_max_ml_min": 30,
                    "action": "cap",
                    "max_per_day": 1000,
                    "note": "15-30",
                },
                {
                    "egfr_min_ml_min": 0,
                    "egfr_max_ml_min": 15,
                    "action": "contraindicated",
                    "note": "<15",
                },
            ],
        }
    )
    assert find_renal_adjustment(drug, None, on_dialysis=True).note == "<15"  # type: ignore[union-attr]
    assert find_renal_adjustment(drug, 10).note == "<15"  # type: ignore[union-attr]


def test_a_band_can_lower_the_start_and_slow_the_titration():
    drug = make_drug(
        hepatic={
            "sources": REF,
            "adjustments": [
                {
                    "severity": "moderate",
                    "action": "cap",
                    "max_per_day": 1000,
                    "start_per_day": 250,
                    "slower_titration": True,
                    "note": "B",
                }
            ],
        }
    )
    dosing = adjust_dosing(drug, hepatic=find_hepatic_adjustment(drug, "moderate"))
    assert dosing is not None
    assert (dosing.start_mg_per_day, dosing.step_interval_days, dosing.max_mg_per_day) == (
        250,
        28,
        1000,
    )


def test_on_dialysis_a_recorded_egfr_does_not_apply():
    drug = make_drug(
        renal={
            "clearance": "major",
            "sources": REF,
            "adjustments": [
                {
                    "egfr_min_ml_min": 0,
                    "egfr_max_ml_min": 20,
                    "action": "contraindicated",
                    "note": "<20",
                }
            ],
        }
    )
    assert find_renal_adjustment(drug, 60) is None
    assert find_renal_adjustment(drug, 60, on_dialysis=True).note == "<20"  # type: ignore[union-attr]
