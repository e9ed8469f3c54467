"""Scenarios: drug-induced myoclonus, syndromes with drugs to avoid, and urgent red flags.

Source: shared/clinical/facts.md section 2.1 (treat the cause first), 2.3 (etiologies),
4 (drugs that worsen myoclonus), 5 (drug-induced myoclonus), 7.1 (red flags) and 11 (rules 8, 20).
"""

from __future__ import annotations

from typing import Any

import pytest
from scenario_helpers import (
    NOT_ADVISED,
    OPEN,
    alerts_about,
    cause,
    check_invariants,
    opt,
    status_at_least,
    worst_severity,
)

from conftest import run_assessment
from myoscope.knowledge import KnowledgeBase

NEW_CORTICAL = {"physiology": "cortical", "onset": "subacute", "distribution": "multifocal"}


@pytest.mark.parametrize(
    ("drug", "dose"),
    [
        ("oxycodone", 40),
        ("morphine", 60),
        ("sertraline", 100),
        ("lithium", 800),
        ("gabapentin", 1800),
        ("citalopram", 20),
    ],
)
def test_drug_induced_cause_listed_for_review_and_ranked_first(
    kb: KnowledgeBase, drug: str, dose: float
) -> None:
    """facts.md 2.1.1 and 5: for new myoclonus check the medicines first; opioids, SSRIs
    (citalopram, sertraline), lithium and gabapentinoids are high-strength causes; causes are
    reviewed with the prescriber, never "stop" (DEVELOPERS.md). [S16][S17][S20][S21][S22]
    ref:rissardo-2025, ref:janssen-2017, ref:desai-2019, ref:lithium-toxicity."""
    a = run_assessment(
        kb,
        age_years=66,
        sex="male",
        egfr_ml_min=75,
        myoclonus=NEW_CORTICAL,
        medications=[{"name": drug, "dose_mg_per_day": dose}],
    )
    found = cause(a, drug)
    assert found is not None, [c.id for c in a.causes_to_review]
    assert found.kind == "drug"
    assert found.strength == "strong"
    first = a.options[0]
    assert first.id == "stop-or-replace-causative-drug"
    assert first.rank == 1
    assert any("review" in r.lower() and drug in r.lower() for r in first.reasons)
    assert alerts_about(a, drug, kind="possible-cause")
    check_invariants(a)


def test_cefepime_cause_high_when_renal_impairment(kb: KnowledgeBase) -> None:
    """facts.md 4 and 5: cefepime neurotoxicity (up to 15 % of ICU patients, 80 % had renal
    dysfunction); stop drug +/- haemodialysis. [S19][S19b] ref:payne-2017, ref:lee-cefepime."""
    a = run_assessment(
        kb,
        age_years=74,
        sex="female",
        egfr_ml_min=25,
        myoclonus={"physiology": "cortical", "onset": "acute"},
        medications=[{"name": "cefepime", "dose_mg_per_day": 4000}],
    )
    found = cause(a, "cefepime")
    assert found is not None
    assert found.strength == "strong"
    assert a.options[0].id == "stop-or-replace-causative-drug"
    assert alerts_about(a, "cefepime", "renal-impairment", kind="possible-cause")


def test_drug_induced_several_causes_all_listed_when_opioid_and_ssri(kb: KnowledgeBase) -> None:
    """facts.md 5 (engine rule): check every medicine started before the myoclonus, including
    serotonergic co-medication. [S16][S17] ref:janssen-2017, ref:rissardo-2025."""
    a = run_assessment(
        kb,
        age_years=70,
        sex="female",
        egfr_ml_min=70,
        myoclonus=NEW_CORTICAL,
        medications=[{"name": "morphine"}, {"name": "escitalopram"}, {"name": "Keppra"}],
    )
    listed = {c.id for c in a.causes_to_review}
    assert {"morphine", "escitalopram"} <= listed
    assert "levetiracetam" not in listed
    assert a.options[0].id == "stop-or-replace-causative-drug"
    for c in a.causes_to_review:
        assert "stop taking" not in c.summary.lower()


def test_drug_induced_no_cause_review_option_when_no_causative_drug(kb: KnowledgeBase) -> None:
    """facts.md 2.1 and 5: the cause-review step is only for medicines that can cause myoclonus.
    [S17] ref:rissardo-2025."""
    a = run_assessment(
        kb,
        age_years=66,
        sex="male",
        egfr_ml_min=90,
        myoclonus=NEW_CORTICAL,
        medications=[{"name": "atorvastatin"}, {"name": "ramipril"}],
    )
    assert a.causes_to_review == [] or all(c.id != "ramipril" for c in a.causes_to_review)
    assert all(o.id != "stop-or-replace-causative-drug" for o in a.options)


def test_pme_unverricht_lundborg_phenytoin_avoided(kb: KnowledgeBase) -> None:
    """facts.md 2.3 (ULD) and 4: phenytoin may worsen ULD and precipitate cerebellar signs/atrophy;
    avoid carbamazepine too; valproate drug of choice, piracetam/levetiracetam help.
    [S31][S29][S33][S32] ref:roivainen-2014, ref:michelucci-2016, ref:koskiniemi-1998,
    ref:magaudda-2004."""
    a = run_assessment(
        kb,
        age_years=19,
        sex="male",
        egfr_ml_min=110,
        myoclonus={"physiology": "cortical", "etiology": "pme-unverricht-lundborg"},
        asks_about=["phenytoin", "carbamazepine"],
    )
    assert opt(a, "phenytoin").status in NOT_ADVISED
    found = alerts_about(a, "phenytoin", kind="aggravation")
    assert found
    assert opt(a, "carbamazepine").status in NOT_ADVISED
    for ident in ("valproate", "levetiracetam", "piracetam"):
        assert opt(a, ident).status in OPEN, ident
    check_invariants(a)


def test_jme_sodium_channel_blockers_avoided_and_lamotrigine_caution(kb: KnowledgeBase) -> None:
    """facts.md 2.3 (JME), 3.16, 3.17 and 4: carbamazepine/oxcarbazepine/phenytoin aggravate
    myoclonic seizures (avoid); lamotrigine may exacerbate myoclonus (use with caution).
    [S82][S82c][S82d][S29] ref:medlink-jme, ref:medscape-jme, ref:jme-review-2012."""
    a = run_assessment(
        kb,
        age_years=21,
        sex="male",
        egfr_ml_min=110,
        myoclonus={"physiology": "cortical-subcortical", "etiology": "JME"},
        asks_about=["Tegretol", "oxcarbazepine", "phenytoin"],
    )
    assert not a.unrecognized.asks_about
    for ident in ("carbamazepine", "oxcarbazepine", "phenytoin"):
        assert opt(a, ident).status in NOT_ADVISED, ident
        assert alerts_about(a, ident), ident
    assert status_at_least(a, "lamotrigine", "caution")
    assert alerts_about(a, "lamotrigine", kind="aggravation")
    assert {o.id for o in a.options[:2]} == {"valproate", "levetiracetam"}
    check_invariants(a)


def test_jme_lifestyle_sleep_and_alcohol_alert(kb: KnowledgeBase) -> None:
    """facts.md 2.3 and 7.2: JME: regular sleep; avoid sleep deprivation and alcohol. [S82]
    ref:medlink-jme."""
    a = run_assessment(
        kb,
        age_years=17,
        sex="male",
        myoclonus={"physiology": "cortical-subcortical", "etiology": "juvenile-myoclonic-epilepsy"},
    )
    text = " ".join(al.summary.lower() for al in a.alerts if al.kind == "lifestyle")
    assert "sleep" in text
    assert "alcohol" in text


# -- red flags (facts.md 7.1) --------------------------------------------------------------------


def _red_flags(a: Any) -> list[Any]:
    return [al for al in a.alerts if al.kind == "red-flag"]


def test_post_cardiac_arrest_urgent_referral(kb: KnowledgeBase) -> None:
    """facts.md 2.3 and 7.1: myoclonus in a comatose patient after cardiac arrest -> always
    urgent/ICU care with EEG; propofol/midazolam used acutely. [S60][S61] ref:elmer-2016,
    ref:nolan-2021. assessment-json.md: the red flag names recent-cardiac-arrest and
    post-hypoxic-acute."""
    a = run_assessment(
        kb,
        age_years=61,
        sex="male",
        myoclonus={
            "physiology": "unknown",
            "etiology": "post-hypoxic-acute",
            "onset": "acute",
            "distribution": "generalized",
        },
        conditions=["cardiac arrest", "coma"],
    )
    assert a.urgent.refer is True
    assert a.urgent.reasons
    flags = alerts_about(a, "recent-cardiac-arrest", "post-hypoxic-acute", kind="red-flag")
    assert flags
    assert worst_severity(flags) == "critical"
    acute = [o for o in a.options if o.line == "acute"]
    assert {"propofol", "midazolam"} & {o.id for o in acute}


def test_lance_adams_not_urgent_when_chronic_and_stable(kb: KnowledgeBase) -> None:
    """facts.md 2.3: chronic post-hypoxic (Lance-Adams) myoclonus is treated as an outpatient
    (levetiracetam 72 % initial, valproate, clonazepam, piracetam). [S62][S35] ref:xeros-2024."""
    a = run_assessment(
        kb,
        age_years=52,
        sex="male",
        egfr_ml_min=90,
        hepatic_impairment="none",
        myoclonus={
            "physiology": "cortical",
            "etiology": "Lance-Adams syndrome",
            "onset": "chronic",
            "course": "stable",
            "occurs_at": ["action"],
        },
    )
    assert a.urgent.refer is False
    assert not _red_flags(a)
    assert opt(a, "levetiracetam").rank == 1
    for ident in ("valproate", "clonazepam", "piracetam"):
        assert opt(a, ident).status in OPEN, ident


def test_serotonin_toxicity_urgent_when_serotonergic_drugs_with_fever_and_clonus(
    kb: KnowledgeBase,
) -> None:
    """facts.md 5 and 7.1: myoclonus with fever, agitation, diaphoresis, clonus on serotonergic
    drugs -> serotonin toxicity (Hunter criteria), urgent. [S23][S17] ref:dunkley-2003."""
    a = run_assessment(
        kb,
        age_years=45,
        sex="female",
        pregnant=False,
        myoclonus={"physiology": "unknown", "onset": "acute", "distribution": "generalized"},
        medications=[
            {"name": "sertraline", "dose_mg_per_day": 150},
            {"name": "tramadol", "dose_mg_per_day": 200, "recently_started": True},
        ],
        conditions=["fever", "agitation", "sweating", "clonus"],
    )
    assert not a.unrecognized.conditions
    assert a.urgent.refer is True
    flags = _red_flags(a)
    assert flags
    assert any("sertraline" in al.subjects or "tramadol" in al.subjects for al in flags)
    assert {"sertraline", "tramadol"} <= {c.id for c in a.causes_to_review}
    assert alerts_about(a, "tramadol", "sertraline", kind="interaction")


def test_serotonin_toxicity_etiology_urgent(kb: KnowledgeBase) -> None:
    """facts.md 7.1: serotonin toxicity is a red flag. [S23] ref:dunkley-2003."""
    a = run_assessment(
        kb,
        age_years=45,
        sex="male",
        myoclonus={"etiology": "serotonin-toxicity", "onset": "acute"},
        medications=[{"name": "venlafaxine"}],
    )
    assert a.urgent.refer is True


@pytest.mark.parametrize(
    "myoclonus_and_conditions",
    [
        ({"course": "rapidly-progressive"}, ["rapidly progressive dementia"]),
        ({"etiology": "creutzfeldt-jakob", "course": "rapidly-progressive"}, []),
    ],
    ids=["rapidly-progressive-dementia", "cjd"],
)
def test_rapidly_progressive_dementia_urgent_referral(
    kb: KnowledgeBase, myoclonus_and_conditions: tuple[dict[str, str], list[str]]
) -> None:
    """facts.md 2.3 (CJD) and 7.1: rapidly progressive dementia + myoclonus -> urgent (CJD,
    autoimmune encephalitis, NCSE, toxic-metabolic). [S67] ref:cdc-cjd-criteria, ref:ucsf-cjd."""
    myo, conditions = myoclonus_and_conditions
    a = run_assessment(
        kb,
        age_years=67,
        sex="female",
        myoclonus={"physiology": "cortical", **myo},
        conditions=conditions,
    )
    assert a.urgent.refer is True
    flags = _red_flags(a)
    assert flags
    assert worst_severity(flags) == "critical"


def test_opsoclonus_myoclonus_urgent_referral(kb: KnowledgeBase) -> None:
    """facts.md 2.3 and 7.1: opsoclonus + myoclonus +/- ataxia -> paraneoplastic screen and
    immunotherapy, urgent. [S66][S6] ref:armangue-2016."""
    a = run_assessment(
        kb,
        age_years=34,
        sex="female",
        pregnant=False,
        myoclonus={"etiology": "opsoclonus-myoclonus", "onset": "subacute"},
        conditions=["opsoclonus", "ataxia"],
    )
    assert a.urgent.refer is True
    assert alerts_about(a, "opsoclonus-myoclonus", kind="red-flag")


def test_asterixis_with_confusion_urgent_referral(kb: KnowledgeBase) -> None:
    """facts.md 7.1: new asterixis (negative myoclonus) with encephalopathy/confusion ->
    uraemic/hepatic encephalopathy or drug accumulation, urgent. [S68][S69]
    ref:hepatic-encephalopathy-management, ref:epilepsy-com-renal."""
    a = run_assessment(
        kb,
        age_years=59,
        sex="male",
        myoclonus={"polarity": "negative", "onset": "acute"},
        conditions=["asterixis", "confusion"],
    )
    assert a.urgent.refer is True
    flags = _red_flags(a)
    assert any({"asterixis", "confusion"} & set(al.subjects) for al in flags)


def test_new_myoclonus_with_kidney_failure_urgent_and_cause_first(kb: KnowledgeBase) -> None:
    """facts.md 2.3 (uraemic), 7.1 (new myoclonus with renal failure) and 2.1.1 (treat the cause):
    dialysis/correct uraemia, avoid renally cleared neurotoxic drugs. [S69]
    ref:epilepsy-com-renal."""
    a = run_assessment(
        kb,
        age_years=71,
        sex="male",
        egfr_ml_min=9,
        myoclonus={"physiology": "unknown", "onset": "acute", "distribution": "multifocal"},
    )
    assert a.urgent.refer is True
    conditions = [c for c in a.causes_to_review if c.kind == "condition"]
    assert conditions
    assert a.options[0].id == "treat-underlying-cause"
    check_invariants(a)


def test_new_myoclonus_with_hepatic_encephalopathy_urgent(kb: KnowledgeBase) -> None:
    """facts.md 2.3 (hepatic encephalopathy: treat precipitants, lactulose, avoid sedatives) and
    7.1. [S68] ref:hepatic-encephalopathy-management."""
    a = run_assessment(
        kb,
        age_years=57,
        sex="male",
        hepatic_impairment="severe",
        myoclonus={"etiology": "hepatic-encephalopathy", "onset": "acute", "polarity": "negative"},
        conditions=["confusion"],
    )
    assert a.urgent.refer is True
    assert a.options[0].id == "treat-underlying-cause"
    assert not any(o.id == "clonazepam" and o.status in OPEN for o in a.options)


def test_drug_neurotoxicity_urgent_when_new_drug_with_confusion(kb: KnowledgeBase) -> None:
    """facts.md 7.1: new myoclonus after starting a drug (cefepime, lithium, opioid, gabapentinoid)
    with confusion -> drug neurotoxicity (NCSE possible), urgent. [S19][S22][S20]
    ref:payne-2017, ref:lithium-toxicity, ref:desai-2019."""
    a = run_assessment(
        kb,
        age_years=80,
        sex="female",
        egfr_ml_min=35,
        myoclonus={"onset": "acute"},
        medications=[{"name": "pregabalin", "dose_mg_per_day": 300, "recently_started": True}],
        conditions=["confusion"],
    )
    assert a.urgent.refer is True
    assert cause(a, "pregabalin") is not None


def test_spinal_cord_signs_urgent_when_segmental(kb: KnowledgeBase) -> None:
    """facts.md 7.1: new segmental myoclonus with weakness, sensory level, sphincter disturbance ->
    spinal cord lesion, urgent MRI. [S14] ref:termsarasab-2015."""
    a = run_assessment(
        kb,
        age_years=48,
        sex="male",
        myoclonus={"physiology": "segmental", "onset": "subacute"},
        conditions=["spinal cord signs"],
    )
    assert a.urgent.refer is True


def test_no_urgent_referral_when_hypnic_jerks(kb: KnowledgeBase) -> None:
    """facts.md 2.3: hypnic jerks are benign; no red flag. [S74] ref:hypnic-jerks-summary."""
    a = run_assessment(
        kb,
        age_years=26,
        sex="male",
        myoclonus={"physiology": "physiological", "etiology": "hypnic", "occurs_at": ["sleep"]},
    )
    assert a.urgent.refer is False
    assert not _red_flags(a)
