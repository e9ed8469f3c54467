"""Scenarios: pregnancy, childbearing potential, genetic/metabolic disease, kidney and liver.

Source: shared/clinical/facts.md section 3 (monographs), 4 (drugs to avoid by syndrome),
7.1 (red flags) and section 11 (rules 9-12, 16, 18, 19).
"""

from __future__ import annotations

from scenario_helpers import (
    NOT_ADVISED,
    OPEN,
    alerts_about,
    check_invariants,
    missing_fields,
    opt,
    status_at_least,
    worst_severity,
)

from conftest import run_assessment
from myoscope.knowledge import KnowledgeBase

CORTICAL = {"physiology": "cortical"}


def test_valproate_contraindicated_with_critical_alert_when_pregnant(kb: KnowledgeBase) -> None:
    """facts.md 3.2 and 11.12: valproate in pregnancy: MCM ~10 %, IQ loss, autism; MHRA/FDA
    restrictions. [S39][S40] ref:mhra-valproate, ref:eurap-2018."""
    a = run_assessment(
        kb, age_years=28, sex="female", pregnant=True, egfr_ml_min=100, myoclonus=CORTICAL
    )
    assert opt(a, "valproate").status == "contraindicated"
    found = alerts_about(a, "valproate", "pregnancy", kind="contraindication")
    assert worst_severity(found) == "critical"
    # levetiracetam has among the lowest malformation rates and stays the first option
    assert opt(a, "levetiracetam").rank == 1
    assert opt(a, "levetiracetam").status in OPEN
    check_invariants(a)


def test_topiramate_and_barbiturates_flagged_when_pregnant(kb: KnowledgeBase) -> None:
    """facts.md 3.10 (MHRA 2024: topiramate in epilepsy in pregnancy only if no alternative),
    3.7 (phenobarbital MCM 6.5 %) and 11.12 (flag teratogenic ASMs).
    [S41][S40b] ref:mhra-topiramate-2024, ref:eurap-2018."""
    a = run_assessment(
        kb, age_years=31, sex="female", pregnant=True, egfr_ml_min=100, myoclonus=CORTICAL
    )
    assert status_at_least(a, "topiramate", "avoid")
    assert alerts_about(a, "topiramate", "pregnancy")
    assert status_at_least(a, "phenobarbital", "caution")
    assert alerts_about(a, "phenobarbital")
    check_invariants(a)


def test_urgent_red_flag_when_pregnant_and_taking_valproate(kb: KnowledgeBase) -> None:
    """facts.md 3.2 and 7.1: pregnant woman on valproate -> urgent specialist review; never stop
    abruptly. [S39c] ref:fda-valproate-2013, ref:mhra-valproate. Brand name Depakote is
    normalised to valproate (profile.md)."""
    a = run_assessment(
        kb,
        age_years=27,
        sex="female",
        pregnant=True,
        myoclonus=CORTICAL,
        medications=[{"name": "Depakote", "dose_mg_per_day": 1000}],
    )
    assert a.urgent.refer is True
    flags = alerts_about(a, "valproate", "pregnancy", kind="red-flag")
    assert flags
    assert worst_severity(flags) == "critical"
    text = " ".join(a.urgent.reasons).lower()
    assert "abrupt" in text or "sudden" in text or "on your own" in text
    assert not a.unrecognized.medications


def test_valproate_avoided_when_childbearing_potential(kb: KnowledgeBase) -> None:
    """facts.md 3.2, 2.3 (JME) and 11.3/11.12: MHRA: valproate contraindicated in women of
    childbearing potential unless a Pregnancy Prevention Programme; NICE prefers levetiracetam or
    lamotrigine. [S39][S39b] ref:mhra-valproate, ref:nice-ng217."""
    a = run_assessment(
        kb,
        age_years=23,
        sex="female",
        pregnant=False,
        childbearing_potential=True,
        egfr_ml_min=100,
        myoclonus={"physiology": "cortical-subcortical", "etiology": "juvenile-myoclonic-epilepsy"},
    )
    assert status_at_least(a, "valproate", "avoid")
    assert alerts_about(a, "valproate", "childbearing-potential")
    assert opt(a, "levetiracetam").status in OPEN
    assert opt(a, "levetiracetam").rank < opt(a, "valproate").rank
    assert opt(a, "lamotrigine").status in OPEN
    assert status_at_least(a, "topiramate", "caution")
    assert alerts_about(a, "topiramate", "childbearing-potential")
    check_invariants(a)


def test_pregnancy_status_reported_missing_when_woman_of_childbearing_age(
    kb: KnowledgeBase,
) -> None:
    """profile.md: pregnancy status absent for a woman aged 12-55 is a finding; unknown never
    behaves as false: valproate at least caution. facts.md 3.2 [S39] ref:mhra-valproate."""
    a = run_assessment(kb, age_years=34, sex="female", egfr_ml_min=100, myoclonus=CORTICAL)
    fields = missing_fields(a)
    assert "pregnant" in fields
    assert status_at_least(a, "valproate", "caution")
    assert alerts_about(a, "valproate", "pregnancy", kind="missing-information")
    # (that the 'why' text names valproate is in test_pending_engine.py)
    check_invariants(a)


def test_pregnancy_status_not_asked_when_woman_past_childbearing_window(kb: KnowledgeBase) -> None:
    """profile.md: pregnancy status matters for a woman aged 12-55 (manifest derivation window);
    facts.md 3.2: valproate restrictions concern women who could become pregnant; the under-55
    start restriction does not apply at 63. [S39] ref:mhra-valproate."""
    a = run_assessment(kb, age_years=63, sex="female", egfr_ml_min=100, myoclonus=CORTICAL)
    assert "pregnant" not in missing_fields(a)
    assert "childbearing_potential" not in missing_fields(a)
    assert opt(a, "valproate").status == "suggested"


def test_valproate_contraindicated_when_polg_disease(kb: KnowledgeBase) -> None:
    """facts.md 2.3 and 3.2, 11.9: POLG -> hard block valproate (fatal hepatic failure; 52 % fatal
    ADRs in recessive POLG). [S37][S38] ref:label-valproate, ref:valproate-mitochondrial-2024.
    The free-text synonym "POLG mutation" must be recognised (profile.md)."""
    a = run_assessment(
        kb, age_years=62, sex="male", myoclonus=CORTICAL, conditions=["POLG mutation"]
    )
    assert not a.unrecognized.conditions
    assert opt(a, "valproate").status == "contraindicated"
    found = alerts_about(a, "valproate", "polg-disease", kind="contraindication")
    assert worst_severity(found) == "critical"
    check_invariants(a)


def test_valproate_avoided_when_merrf(kb: KnowledgeBase) -> None:
    """facts.md 2.3 (MERRF) and 11.9: avoid mitochondrion-toxic ASMs (valproate, carbamazepine,
    phenytoin, barbiturates); preferred levetiracetam, clonazepam, piracetam. [S36][S29]
    ref:medlink-merrf, ref:michelucci-2016."""
    a = run_assessment(
        kb,
        age_years=30,
        sex="male",
        egfr_ml_min=100,
        myoclonus={"physiology": "cortical", "etiology": "pme-merrf"},
        asks_about=["phenytoin", "carbamazepine", "phenobarbital"],
    )
    for ident in ("valproate", "phenytoin", "carbamazepine", "phenobarbital"):
        assert status_at_least(a, ident, "avoid"), ident
        assert alerts_about(a, ident), ident
    assert opt(a, "levetiracetam").status in OPEN
    assert opt(a, "levetiracetam").rank < opt(a, "valproate").rank
    check_invariants(a)


def test_valproate_avoided_when_mitochondrial_disease(kb: KnowledgeBase) -> None:
    """facts.md 3.2 and 11.9: mitochondrial disease -> avoid valproate (PME reviews advise avoiding
    it in mitochondrial PME). [S29][S36][S38] ref:ferlazzo-2017, ref:valproate-mitochondrial-2024."""
    a = run_assessment(
        kb,
        age_years=62,
        sex="male",
        myoclonus=CORTICAL,
        conditions=["mitochondrial disease"],
    )
    assert status_at_least(a, "valproate", "avoid")
    assert alerts_about(a, "valproate", "mitochondrial-disease")
    check_invariants(a)


def test_barbiturates_contraindicated_when_porphyria(kb: KnowledgeBase) -> None:
    """facts.md 3.6, 3.7 and 11.16: porphyria -> block phenobarbital, primidone (label CI);
    prefer clonazepam, levetiracetam. [S45][S75] ref:label-primidone,
    ref:uct-porphyria-anticonvulsants."""
    a = run_assessment(
        kb,
        age_years=62,
        sex="female",
        egfr_ml_min=100,
        myoclonus=CORTICAL,
        conditions=["acute intermittent porphyria"],
    )
    assert not a.unrecognized.conditions
    for ident in ("primidone", "phenobarbital"):
        assert opt(a, ident).status == "contraindicated", ident
        assert alerts_about(a, ident, "porphyria", kind="contraindication"), ident
    assert status_at_least(a, "valproate", "avoid")
    assert opt(a, "levetiracetam").status in OPEN
    check_invariants(a)


def test_valproate_contraindicated_when_urea_cycle_disorder(kb: KnowledgeBase) -> None:
    """facts.md 3.2: urea cycle disorders -> valproate contraindicated (hyperammonaemic
    encephalopathy). [S79] ref:valproate-hyperammonaemia."""
    a = run_assessment(
        kb, age_years=62, sex="male", myoclonus=CORTICAL, conditions=["urea cycle disorder"]
    )
    assert opt(a, "valproate").status == "contraindicated"
    assert alerts_about(a, "valproate", "urea-cycle-disorder")


def test_levetiracetam_max_dose_capped_when_egfr_40(kb: KnowledgeBase) -> None:
    """facts.md 3.3 (label table): CrCl 30-50 -> 250-750 mg twice daily, max 1500 mg/day.
    [S43] ref:label-levetiracetam."""
    a = run_assessment(kb, age_years=70, sex="male", egfr_ml_min=40, myoclonus=CORTICAL)
    lev = opt(a, "levetiracetam")
    assert lev.status in OPEN
    assert lev.dosing is not None
    assert lev.dosing.max_mg_per_day == 1500
    assert "renal" in lev.dosing.adjusted_for
    assert lev.dosing.start_mg_per_day <= 1500
    assert alerts_about(a, "levetiracetam", kind="dose-adjustment")
    check_invariants(a)


def test_piracetam_dose_reduced_to_third_when_egfr_40(kb: KnowledgeBase) -> None:
    """facts.md 3.5: piracetam CrCl 30-49 -> one third of the usual dose (max 24 g/day -> 8 g).
    [S35][S35b] ref:label-piracetam, ref:piracetam-renal-table."""
    a = run_assessment(kb, age_years=70, sex="male", egfr_ml_min=40, myoclonus=CORTICAL)
    pir = opt(a, "piracetam")
    assert pir.dosing is not None
    assert abs(pir.dosing.max_mg_per_day - 8000) <= 10
    assert "renal" in pir.dosing.adjusted_for


def test_piracetam_contraindicated_when_egfr_below_20(kb: KnowledgeBase) -> None:
    """facts.md 3.5: piracetam contraindicated at CrCl < 20 mL/min or ESRD; levetiracetam capped
    (CrCl < 30: 250-500 mg twice daily). [S35][S43] ref:label-piracetam, ref:label-levetiracetam."""
    a = run_assessment(kb, age_years=70, sex="male", egfr_ml_min=15, myoclonus=CORTICAL)
    pir = opt(a, "piracetam")
    assert pir.status == "contraindicated"
    assert pir.dosing is None
    assert alerts_about(a, "piracetam", "renal-impairment")
    lev = opt(a, "levetiracetam")
    assert lev.dosing is not None
    assert lev.dosing.max_mg_per_day <= 1000
    check_invariants(a)


def test_piracetam_contraindicated_when_on_dialysis(kb: KnowledgeBase) -> None:
    """facts.md 3.5: end-stage kidney disease -> piracetam contraindicated. [S35] ref:label-piracetam."""
    a = run_assessment(
        kb, age_years=58, sex="male", myoclonus=CORTICAL, conditions=["haemodialysis"]
    )
    assert not a.unrecognized.conditions
    assert opt(a, "piracetam").status == "contraindicated"


def test_egfr_reported_missing_before_renally_cleared_drug(kb: KnowledgeBase) -> None:
    """facts.md 3.3 and 3.5: levetiracetam and piracetam are renally cleared with label eGFR limits;
    an unknown eGFR is reported, never assumed normal (profile.md). [S43][S35]
    ref:label-levetiracetam, ref:label-piracetam."""
    a = run_assessment(kb, age_years=62, sex="male", myoclonus=CORTICAL)
    why = missing_fields(a).get("egfr_ml_min", "").lower()
    assert "levetiracetam" in why
    assert "piracetam" in why
    assert status_at_least(a, "piracetam", "caution")
    assert alerts_about(a, "piracetam", kind="missing-information")
    check_invariants(a)


def test_gabapentin_cause_stronger_when_renal_impairment(kb: KnowledgeBase) -> None:
    """facts.md 3.18 and 5: gabapentinoids cause or worsen myoclonus especially with renal
    impairment (also with normal function). [S20] ref:desai-2019."""
    meds = [{"name": "gabapentin", "dose_mg_per_day": 1800}]
    myo = {"physiology": "cortical", "onset": "subacute"}
    normal = run_assessment(
        kb, age_years=70, sex="male", egfr_ml_min=95, myoclonus=myo, medications=meds
    )
    renal = run_assessment(
        kb, age_years=70, sex="male", egfr_ml_min=25, myoclonus=myo, medications=meds
    )
    order = {"weak": 0, "moderate": 1, "strong": 2}
    assert normal.causes_to_review
    assert normal.causes_to_review[0].id == "gabapentin"
    renal_cause = next(c for c in renal.causes_to_review if c.id == "gabapentin")
    normal_cause = next(c for c in normal.causes_to_review if c.id == "gabapentin")
    assert renal_cause.strength == "strong"
    assert order[renal_cause.strength] >= order[normal_cause.strength]
    renal_alerts = alerts_about(renal, "gabapentin", "renal-impairment", kind="possible-cause")
    assert renal_alerts
    assert not alerts_about(normal, "gabapentin", "renal-impairment", kind="possible-cause")


def test_valproate_contraindicated_when_liver_disease(kb: KnowledgeBase) -> None:
    """facts.md 3.2 and 11.10: valproate contraindicated in hepatic disease (boxed warning
    hepatotoxicity). [S37] ref:label-valproate. "cirrhosis" is a synonym of liver disease."""
    a = run_assessment(
        kb, age_years=62, sex="male", egfr_ml_min=90, myoclonus=CORTICAL, conditions=["cirrhosis"]
    )
    assert not a.unrecognized.conditions
    assert opt(a, "valproate").status == "contraindicated"
    assert alerts_about(a, "valproate", "liver-disease", kind="contraindication")
    assert "hepatic_impairment" in missing_fields(a)
    check_invariants(a)


def test_perampanel_capped_at_4_mg_when_moderate_hepatic_impairment(kb: KnowledgeBase) -> None:
    """facts.md 3.11 and 11.10: perampanel hepatic: mild max 6 mg, moderate max 4 mg, severe not
    recommended; valproate contraindicated. [S49][S37] ref:label-perampanel, ref:label-valproate."""
    a = run_assessment(
        kb,
        age_years=62,
        sex="male",
        egfr_ml_min=90,
        hepatic_impairment="moderate",
        myoclonus=CORTICAL,
    )
    per = opt(a, "perampanel")
    assert per.dosing is not None
    assert per.dosing.max_mg_per_day == 4
    assert "hepatic" in per.dosing.adjusted_for
    assert opt(a, "valproate").status == "contraindicated"
    check_invariants(a)


def test_perampanel_capped_at_6_mg_when_mild_hepatic_impairment(kb: KnowledgeBase) -> None:
    """facts.md 3.11: mild hepatic impairment -> perampanel max 6 mg/day. [S49] ref:label-perampanel."""
    a = run_assessment(
        kb, age_years=62, sex="male", egfr_ml_min=90, hepatic_impairment="mild", myoclonus=CORTICAL
    )
    per = opt(a, "perampanel")
    assert per.dosing is not None
    assert per.dosing.max_mg_per_day == 6
    assert "hepatic" in per.dosing.adjusted_for


def test_clonazepam_contraindicated_and_perampanel_avoided_when_severe_hepatic_impairment(
    kb: KnowledgeBase,
) -> None:
    """facts.md 3.1 (clonazepam CI in significant liver disease), 3.11 (perampanel severe: not
    recommended), 11.10. [S42][S49] ref:label-clonazepam, ref:label-perampanel."""
    a = run_assessment(
        kb,
        age_years=62,
        sex="male",
        egfr_ml_min=90,
        hepatic_impairment="severe",
        myoclonus=CORTICAL,
    )
    assert opt(a, "clonazepam").status == "contraindicated"
    assert alerts_about(a, "clonazepam", "liver-disease")
    assert opt(a, "perampanel").status in NOT_ADVISED
    assert opt(a, "levetiracetam").status in OPEN
    check_invariants(a)


def test_clonazepam_caution_when_older_adult(kb: KnowledgeBase) -> None:
    """facts.md 3.1: Beers list - benzodiazepines in the elderly: falls, sedation, cognitive
    impairment; start low. [S42b] ref:clonazepam-beers."""
    a = run_assessment(kb, age_years=78, sex="female", egfr_ml_min=70, myoclonus=CORTICAL)
    assert status_at_least(a, "clonazepam", "caution")
    assert alerts_about(a, "clonazepam", "older-adult")


def test_zonisamide_contraindicated_when_sulfonamide_allergy(kb: KnowledgeBase) -> None:
    """facts.md 3.9 and 11.19: zonisamide is a sulfonamide, contraindicated in sulfonamide
    hypersensitivity. [S48] ref:label-zonisamide. The allergy comes from `allergies`."""
    a = run_assessment(
        kb,
        age_years=24,
        sex="male",
        egfr_ml_min=100,
        myoclonus={"physiology": "myoclonus-dystonia"},
        allergies=["sulfonamides"],
    )
    assert not a.unrecognized.allergies
    assert opt(a, "zonisamide").status == "contraindicated"
    assert alerts_about(a, "zonisamide", "sulfonamide-allergy")
    assert opt(a, "clonazepam").rank == 1
    check_invariants(a)


def test_clonazepam_contraindicated_when_angle_closure_glaucoma(kb: KnowledgeBase) -> None:
    """facts.md 3.1 and 11.18: acute narrow-angle glaucoma -> block clonazepam. [S42]
    ref:label-clonazepam."""
    a = run_assessment(
        kb,
        age_years=62,
        sex="male",
        egfr_ml_min=90,
        myoclonus={"physiology": "subcortical"},
        conditions=["angle-closure glaucoma"],
    )
    assert opt(a, "clonazepam").status == "contraindicated"
    assert alerts_about(a, "clonazepam", "angle-closure-glaucoma")
    check_invariants(a)


def test_botulinum_toxin_flagged_when_myasthenia_gravis(kb: KnowledgeBase) -> None:
    """facts.md 3.14 and 11.17: neuromuscular junction disorders -> exacerbations reported with
    BoNT; traditionally contraindicated. [S76] ref:ma-2022."""
    a = run_assessment(
        kb,
        age_years=55,
        sex="female",
        myoclonus={"physiology": "peripheral", "etiology": "hemifacial-spasm"},
        conditions=["myasthenia gravis"],
    )
    assert status_at_least(a, "botulinum-toxin", "caution")
    assert alerts_about(a, "botulinum-toxin", "myasthenia-gravis")
    check_invariants(a)


def test_clonazepam_caution_not_contraindicated_when_mild_hepatic_impairment(
    kb: KnowledgeBase,
) -> None:
    """facts.md 3.1 and 11.10: clonazepam is contraindicated in *significant* liver disease (UK
    SmPC: severe hepatic insufficiency); in milder impairment benzodiazepines need care (may
    precipitate encephalopathy). [S42] ref:label-clonazepam, ref:smpc-clonazepam-uk."""
    a = run_assessment(
        kb, age_years=62, sex="male", egfr_ml_min=90, hepatic_impairment="mild", myoclonus=CORTICAL
    )
    cz = opt(a, "clonazepam")
    assert cz.status == "caution"
    assert alerts_about(a, "clonazepam", "liver-disease")
    assert opt(a, "valproate").status == "contraindicated"
    check_invariants(a)


def test_clonazepam_caution_and_severity_asked_when_liver_disease_severity_unknown(
    kb: KnowledgeBase,
) -> None:
    """facts.md 3.1 (CI only in significant liver disease) and profile.md (unknown facts stay
    unknown: the check is reported as missing information, never assumed).
    [S42] ref:label-clonazepam."""
    a = run_assessment(
        kb, age_years=62, sex="male", egfr_ml_min=90, myoclonus=CORTICAL, conditions=["cirrhosis"]
    )
    assert status_at_least(a, "clonazepam", "caution")
    assert alerts_about(a, "clonazepam", "liver-disease")
    assert "hepatic_impairment" in missing_fields(a)


def test_brivaracetam_capped_when_hepatic_impairment(kb: KnowledgeBase) -> None:
    """facts.md 3.4 and 3.22: brivaracetam in hepatic impairment 25 mg twice daily, max 75 mg twice
    daily (150 mg/day). [S44] ref:label-brivaracetam."""
    a = run_assessment(
        kb,
        age_years=62,
        sex="male",
        egfr_ml_min=90,
        hepatic_impairment="moderate",
        myoclonus=CORTICAL,
    )
    brv = opt(a, "brivaracetam")
    assert brv.dosing is not None
    assert brv.dosing.max_mg_per_day == 150
    assert "hepatic" in brv.dosing.adjusted_for


def test_brivaracetam_and_perampanel_not_advised_when_on_dialysis(kb: KnowledgeBase) -> None:
    """facts.md 3.4 (brivaracetam not recommended in ESRD on dialysis) and 3.11 (perampanel
    severe renal impairment/haemodialysis not recommended). [S44][S49] ref:label-brivaracetam,
    ref:label-perampanel."""
    a = run_assessment(
        kb, age_years=62, sex="male", egfr_ml_min=8, myoclonus=CORTICAL, conditions=["dialysis"]
    )
    for ident in ("brivaracetam", "perampanel", "piracetam"):
        assert opt(a, ident).status in NOT_ADVISED, ident
        assert alerts_about(a, ident, "renal-impairment"), ident
    lev = opt(a, "levetiracetam")
    assert lev.dosing is not None
    assert lev.dosing.max_mg_per_day <= 1000
    check_invariants(a)


def test_brivaracetam_not_adjusted_when_severe_renal_impairment_without_dialysis(
    kb: KnowledgeBase,
) -> None:
    """facts.md 3.4: brivaracetam needs no renal adjustment (only ESRD on dialysis is excluded).
    [S44] ref:label-brivaracetam."""
    a = run_assessment(kb, age_years=62, sex="male", egfr_ml_min=20, myoclonus=CORTICAL)
    brv = opt(a, "brivaracetam")
    assert brv.status == "suggested"
    assert brv.dosing is not None
    assert "renal" not in brv.dosing.adjusted_for


def test_piracetam_contraindicated_when_cerebral_haemorrhage_or_huntington(
    kb: KnowledgeBase,
) -> None:
    """facts.md 3.5: piracetam contraindications: CrCl < 20, cerebral haemorrhage, Huntington's
    chorea. [S35] ref:label-piracetam."""
    for condition, ident in (
        ("intracerebral haemorrhage", "cerebral-haemorrhage"),
        ("Huntington disease", "huntington-disease"),
    ):
        a = run_assessment(
            kb, age_years=62, sex="male", egfr_ml_min=90, myoclonus=CORTICAL, conditions=[condition]
        )
        assert not a.unrecognized.conditions, condition
        assert opt(a, "piracetam").status == "contraindicated", condition
        assert alerts_about(a, "piracetam", ident), condition


def test_piracetam_interaction_when_taking_anticoagulant(kb: KnowledgeBase) -> None:
    """facts.md 3.5 and 6: piracetam affects platelet aggregation: caution with anticoagulants or
    antiplatelets (even low-dose aspirin). [S35c] ref:piracetam-leaflet."""
    for drug in ("warfarin", "aspirin"):
        a = run_assessment(
            kb,
            age_years=70,
            sex="male",
            egfr_ml_min=90,
            myoclonus=CORTICAL,
            medications=[{"name": drug}],
        )
        assert status_at_least(a, "piracetam", "caution"), drug
        assert alerts_about(a, "piracetam", drug, kind="interaction"), drug


def test_childbearing_potential_reported_missing_when_not_pregnant_woman_of_30(
    kb: KnowledgeBase,
) -> None:
    """profile.md: childbearing_potential absent for a woman aged 12-55 is a finding; facts.md 3.2
    and 3.10 (valproate and topiramate Pregnancy Prevention Programmes). [S39][S41]
    ref:mhra-valproate, ref:mhra-topiramate-2024."""
    a = run_assessment(
        kb, age_years=30, sex="female", pregnant=False, egfr_ml_min=90, myoclonus=CORTICAL
    )
    why = missing_fields(a).get("childbearing_potential", "")
    assert "valproate" in why
    assert "topiramate" in why
    for ident in ("valproate", "topiramate"):
        assert status_at_least(a, ident, "caution")
        assert alerts_about(a, ident, "childbearing-potential")


def test_cannabis_and_piracetam_avoided_when_breastfeeding(kb: KnowledgeBase) -> None:
    """facts.md 3.15 (ACOG/AAP: discourage cannabis in pregnancy and lactation) and 3.5 (piracetam
    passes into breast milk: avoid). [S54][S35c] ref:acog-722, ref:piracetam-leaflet."""
    a = run_assessment(
        kb,
        age_years=30,
        sex="female",
        pregnant=False,
        childbearing_potential=True,
        breastfeeding=True,
        egfr_ml_min=90,
        myoclonus=CORTICAL,
        asks_about=["cannabis"],
    )
    for ident in ("cannabis", "piracetam"):
        assert status_at_least(a, ident, "avoid"), ident
        assert alerts_about(a, ident, "breastfeeding"), ident
    check_invariants(a)


def test_carbamazepine_contraindicated_when_hla_b_1502_positive(kb: KnowledgeBase) -> None:
    """facts.md 3.16: HLA-B*15:02 -> SJS/TEN with carbamazepine; avoid if positive (CPIC/FDA).
    [S47][S47b] ref:cpic-carbamazepine-hla, ref:fda-carbamazepine-hla-2007."""
    a = run_assessment(
        kb,
        age_years=35,
        sex="male",
        myoclonus={"physiology": "segmental"},
        conditions=["HLA-B*15:02"],
        asks_about=["carbamazepine"],
    )
    assert not a.unrecognized.conditions
    assert opt(a, "carbamazepine").status in NOT_ADVISED
    found = alerts_about(a, "carbamazepine", "hla-b-1502-positive")
    assert worst_severity(found) == "critical"


def test_levetiracetam_and_perampanel_flagged_when_psychiatric_history(kb: KnowledgeBase) -> None:
    """facts.md 3.3 (levetiracetam behavioural adverse effects: irritability, depression, psychosis)
    and 3.11 (perampanel boxed warning: psychiatric reactions). [S43b][S49c]
    ref:levetiracetam-behaviour, ref:perampanel-boxed-warning."""
    a = run_assessment(
        kb, age_years=62, sex="male", egfr_ml_min=90, myoclonus=CORTICAL, conditions=["depression"]
    )
    for ident in ("levetiracetam", "perampanel"):
        assert status_at_least(a, ident, "caution"), ident
        assert alerts_about(a, ident, "depression"), ident


def test_clonazepam_flagged_when_sleep_apnoea(kb: KnowledgeBase) -> None:
    """facts.md 3.1: cautions: respiratory compromise/COPD/sleep apnoea. [S42] ref:label-clonazepam."""
    a = run_assessment(
        kb,
        age_years=62,
        sex="male",
        egfr_ml_min=90,
        myoclonus={"physiology": "subcortical"},
        conditions=["obstructive sleep apnoea"],
    )
    assert not a.unrecognized.conditions
    assert status_at_least(a, "clonazepam", "caution")
    assert alerts_about(a, "clonazepam", "sleep-apnoea")


def test_perampanel_titrates_every_two_weeks_in_older_adults(kb: KnowledgeBase) -> None:
    """facts.md 3.11: perampanel +2 mg no faster than weekly, every 2 weeks in the elderly [S49]
    ref:label-perampanel."""
    young = run_assessment(
        kb,
        age_years=40,
        sex="male",
        egfr_ml_min=90,
        myoclonus={"physiology": "cortical"},
        asks_about=["perampanel"],
    )
    old = run_assessment(
        kb,
        age_years=80,
        sex="male",
        egfr_ml_min=90,
        myoclonus={"physiology": "cortical"},
        asks_about=["perampanel"],
    )
    assert opt(young, "perampanel").dosing.step_interval_days == 7
    assert opt(old, "perampanel").dosing.step_interval_days == 14
    assert "age" in opt(old, "perampanel").dosing.adjusted_for
