"""Scenarios: interactions, add-on logic, earlier treatments, questions and unknown names.

Source: shared/clinical/facts.md section 2.1.3 (polytherapy with complementary mechanisms),
3 (monographs), 6 (interactions), 9 (claims) and 11 (rules 13-15); profile.md
(previous_treatments, asks_about, names).
"""

from __future__ import annotations

from typing import Any

import pytest
from scenario_helpers import (
    NOT_ADVISED,
    OPEN,
    SEVERITY_ORDER,
    alerts_about,
    check_invariants,
    opt,
    status_at_least,
    worst_severity,
)

from conftest import run_assessment
from myoscope.knowledge import KnowledgeBase

# A man past the valproate age restriction with normal organ function.
BASE: dict[str, Any] = {
    "age_years": 62,
    "sex": "male",
    "egfr_ml_min": 95,
    "hepatic_impairment": "none",
    "myoclonus": {"physiology": "cortical", "onset": "chronic", "course": "stable"},
}


def test_benzodiazepine_flagged_with_interaction_when_taking_opioid(kb: KnowledgeBase) -> None:
    """facts.md 3.1 and 6: benzodiazepines + opioids -> profound sedation, respiratory depression,
    coma, death (FDA boxed warning); avoid unless no alternative. [S42] ref:label-clonazepam."""
    a = run_assessment(kb, **BASE, medications=[{"name": "OxyContin", "dose_mg_per_day": 40}])
    assert not a.unrecognized.medications
    assert status_at_least(a, "clonazepam", "caution")
    found = alerts_about(a, "clonazepam", "oxycodone", kind="interaction")
    assert found
    assert SEVERITY_ORDER[worst_severity(found)] >= SEVERITY_ORDER["warning"]
    check_invariants(a)


def test_valproate_carbapenem_interaction_when_taking_both(kb: KnowledgeBase) -> None:
    """facts.md 3.2 and 6: carbapenems lower valproate 60-100 % within 24 h -> avoid; use another
    antibiotic or bridge with another ASM. [S77] ref:carbapenem-valproate-meta."""
    a = run_assessment(
        kb,
        **BASE,
        medications=[
            {"name": "sodium valproate", "dose_mg_per_day": 1500},
            {"name": "meropenem", "dose_mg_per_day": 3000},
        ],
    )
    found = alerts_about(a, "valproate", "meropenem", kind="interaction")
    assert found
    assert SEVERITY_ORDER[worst_severity(found)] >= SEVERITY_ORDER["warning"]


def test_5htp_not_advised_with_interaction_when_taking_ssri(kb: KnowledgeBase) -> None:
    """facts.md 3.12, 6 and 11.14: 5-HTP + SSRIs/SNRIs/TCAs/MAOIs/tramadol/triptans -> serotonin
    syndrome; block 5-HTP. [S24e][S23] ref:l5htp-interactions, ref:dunkley-2003."""
    a = run_assessment(
        kb,
        **BASE,
        medications=[{"name": "Zoloft", "dose_mg_per_day": 100}],
        asks_about=["5-HTP"],
    )
    assert not a.unrecognized.medications
    five = opt(a, "5-htp")
    assert five.status in NOT_ADVISED
    found = alerts_about(a, "5-htp", "sertraline", kind="interaction")
    assert found
    assert SEVERITY_ORDER[worst_severity(found)] >= SEVERITY_ORDER["warning"]
    check_invariants(a)


def test_lamotrigine_interaction_when_taking_valproate(kb: KnowledgeBase) -> None:
    """facts.md 3.17 and 6: valproate doubles lamotrigine half-life (26 -> 70 h); SJS/TEN risk;
    start 25 mg on alternate days. [S78] ref:lamotrigine-valproate."""
    a = run_assessment(
        kb,
        **BASE
        | {
            "age_years": 22,
            "myoclonus": {
                "physiology": "cortical-subcortical",
                "etiology": "juvenile-myoclonic-epilepsy",
            },
        },
        medications=[{"name": "valproic acid", "dose_mg_per_day": 1000}],
    )
    assert "valproate" not in [o.id for o in a.options if o.status in OPEN and not o.taking_now]
    assert status_at_least(a, "lamotrigine", "caution")
    assert alerts_about(a, "lamotrigine", "valproate", kind="interaction")
    check_invariants(a)


def test_cannabidiol_clobazam_interaction_when_asked_while_taking_clobazam(
    kb: KnowledgeBase,
) -> None:
    """facts.md 3.15 and 6: CBD raises N-desmethylclobazam ~2.2-2.6x -> sedation; reduce
    clobazam. [S51b] ref:cbd-clobazam-pk."""
    a = run_assessment(
        kb,
        **BASE,
        medications=[{"name": "clobazam", "dose_mg_per_day": 20}],
        asks_about=["Epidiolex"],
    )
    assert not a.unrecognized.asks_about
    assert status_at_least(a, "cannabidiol", "caution")
    assert alerts_about(a, "cannabidiol", "clobazam", kind="interaction")
    check_invariants(a)


def test_cannabidiol_valproate_interaction_when_asked_while_taking_valproate(
    kb: KnowledgeBase,
) -> None:
    """facts.md 3.15 and 6: CBD + valproate -> transaminase elevations (13 % > 5x ULN at high
    dose); LFT monitoring. [S51] ref:cbd-valproate-fda-2017."""
    a = run_assessment(
        kb,
        **BASE,
        medications=[{"name": "Epilim", "dose_mg_per_day": 1000}],
        asks_about=["cannabidiol"],
    )
    assert not a.unrecognized.medications
    assert status_at_least(a, "cannabidiol", "caution")
    assert alerts_about(a, "cannabidiol", "valproate", kind="interaction")


def test_topiramate_hyperammonaemia_interaction_when_taking_valproate(kb: KnowledgeBase) -> None:
    """facts.md 3.10 and 6: valproate + topiramate -> hyperammonaemic encephalopathy; check
    ammonia. [S79] ref:valproate-hyperammonaemia."""
    a = run_assessment(kb, **BASE, medications=[{"name": "Depakote"}])
    assert status_at_least(a, "topiramate", "caution")
    assert alerts_about(a, "topiramate", "valproate", kind="interaction")


def test_levetiracetam_not_resuggested_and_brivaracetam_avoided_when_taking_levetiracetam(
    kb: KnowledgeBase,
) -> None:
    """facts.md 2.1.3: polytherapy with complementary mechanisms (levetiracetam + valproate +
    clonazepam; piracetam add-on); brivaracetam is an SV2A ligand like levetiracetam (3.4).
    [S1][S3][S44c] ref:kojovic-2011, ref:caviness-2014, ref:coppola-2017."""
    a = run_assessment(kb, **BASE, medications=[{"name": "Keppra", "dose_mg_per_day": 2000}])
    assert not a.unrecognized.medications
    lev = next((o for o in a.options if o.id == "levetiracetam"), None)
    assert lev is None or lev.taking_now
    brv = opt(a, "brivaracetam")
    assert brv.status == "avoid"
    assert alerts_about(a, "brivaracetam", "levetiracetam", kind="interaction")
    for ident in ("valproate", "clonazepam"):
        o = opt(a, ident)
        assert o.status in OPEN
        assert any("levetiracetam" in r.lower() for r in o.reasons), (ident, o.reasons)
    assert a.options[0].id in {"valproate", "clonazepam"}
    check_invariants(a)


def test_sodium_oxybate_and_gabapentinoid_flagged_when_taking_opioid(kb: KnowledgeBase) -> None:
    """facts.md 3.13, 6 and 11.13: opioid co-medication -> flag benzodiazepines, sodium oxybate
    (boxed warning: CNS/respiratory depression with other depressants) and gabapentinoids
    (respiratory depression). [S42][S83] ref:sodium-oxybate-boxed-warning,
    ref:fda-gabapentinoid-respiratory-2019."""
    a = run_assessment(
        kb,
        **BASE | {"myoclonus": {"physiology": "subcortical"}},
        medications=[{"name": "morphine"}],
        asks_about=["sodium oxybate", "pregabalin"],
    )
    assert status_at_least(a, "sodium-oxybate", "avoid")
    assert alerts_about(a, "sodium-oxybate", "morphine", kind="interaction")
    assert status_at_least(a, "pregabalin", "caution")
    assert alerts_about(a, "pregabalin", "morphine", kind="interaction")
    assert status_at_least(a, "clonazepam", "caution")
    assert alerts_about(a, "clonazepam", "morphine", kind="interaction")
    check_invariants(a)


def test_lithium_accumulation_interaction_when_taking_nsaid_and_thiazide(kb: KnowledgeBase) -> None:
    """facts.md 5 and 6: lithium + NSAIDs / thiazide or loop diuretics / ACE-I / dehydration ->
    accumulation and neurotoxicity including myoclonus; lithium is a high-strength cause.
    [S22] ref:lithium-toxicity."""
    a = run_assessment(
        kb,
        **BASE,
        medications=[
            {"name": "lithium carbonate"},
            {"name": "ibuprofen"},
            {"name": "hydrochlorothiazide"},
        ],
    )
    assert not a.unrecognized.medications
    assert alerts_about(a, "lithium", "ibuprofen", "hydrochlorothiazide", kind="interaction")
    lithium = next(c for c in a.causes_to_review if c.id == "lithium")
    assert lithium.strength == "strong"


def test_taken_aggravating_drug_reviewed_when_jme_on_phenytoin_and_lamotrigine(
    kb: KnowledgeBase,
) -> None:
    """facts.md 2.3 (JME: misdiagnosis as focal epilepsy -> sodium-channel blockers aggravate),
    3.8, 3.17 and 5 (phenytoin is a level-A cause of myoclonus). [S82d][S29][S17]
    ref:jme-review-2012, ref:rissardo-2025."""
    a = run_assessment(
        kb,
        age_years=30,
        sex="male",
        egfr_ml_min=90,
        myoclonus={"physiology": "cortical-subcortical", "etiology": "JME"},
        medications=[{"name": "phenytoin"}, {"name": "Lamictal"}],
    )
    assert not a.unrecognized.medications
    assert alerts_about(a, "phenytoin", kind="aggravation")
    assert alerts_about(a, "lamotrigine", kind="aggravation")
    assert any(c.id == "phenytoin" for c in a.causes_to_review)
    assert a.options[0].id == "stop-or-replace-causative-drug"
    check_invariants(a)


def test_cause_review_worded_as_review_not_stop_when_patient_audience(kb: KnowledgeBase) -> None:
    """DEVELOPERS.md (privacy and safety): causes are "review with the prescriber", never "stop";
    facts.md 5 (opioid myoclonus: dose reduction or rotation). [S21] ref:etg-opioid-myoclonus."""
    a = run_assessment(
        kb, audience="patient", **BASE, medications=[{"name": "oxycodone"}, {"name": "sertraline"}]
    )
    first = a.options[0]
    assert first.id == "stop-or-replace-causative-drug"
    for text in [*first.reasons, *(c.summary for c in a.causes_to_review)]:
        assert not text.lower().startswith("stop"), text
    assert all("review" in r.lower() for r in first.reasons if "may be causing" in r)


def test_clonazepam_caution_with_alert_when_previously_not_tolerated(kb: KnowledgeBase) -> None:
    """profile.md previous_treatments: a not-tolerated agent is not suggested again without saying
    why; facts.md 3.1 (drowsiness, ataxia). [S42] ref:label-clonazepam."""
    a = run_assessment(
        kb,
        **BASE,
        previous_treatments=[
            {"name": "Klonopin", "outcome": "not-tolerated", "note": "too drowsy at 2 mg"}
        ],
    )
    assert not a.unrecognized.previous_treatments
    cz = opt(a, "clonazepam")
    assert cz.status != "suggested"
    found = alerts_about(a, "clonazepam")
    assert found
    assert any("drowsy" in al.summary for al in found)
    assert cz.rank > opt(a, "valproate").rank
    check_invariants(a)


def test_levetiracetam_moves_down_when_previously_ineffective(kb: KnowledgeBase) -> None:
    """profile.md previous_treatments: an ineffective first-line agent moves the next line forward;
    facts.md 2.2 (cortical first line). [S3] ref:caviness-2014."""
    a = run_assessment(
        kb, **BASE, previous_treatments=[{"name": "levetiracetam", "outcome": "ineffective"}]
    )
    lev = opt(a, "levetiracetam")
    assert lev.rank > opt(a, "valproate").rank
    assert lev.rank > opt(a, "clonazepam").rank
    assert a.options[0].id in {"valproate", "clonazepam"}
    assert alerts_about(a, "levetiracetam")
    check_invariants(a)


def test_cannabis_shown_with_evidence_alerts_when_asked_about(kb: KnowledgeBase) -> None:
    """facts.md 3.15 and 9 (claims 1a-1c): no controlled trials of cannabis in myoclonus; "no
    addiction" is wrong (CDC: ~3 in 10 users have cannabis use disorder). [S52][S53][S56]
    ref:koppel-2014, ref:cdc-cannabis-use-disorder, ref:article-medical-marijuana-myoclonus."""
    a = run_assessment(kb, **BASE, asks_about=["medical marijuana"])
    assert not a.unrecognized.asks_about
    can = opt(a, "cannabis")
    assert can.status != "suggested"
    evidence = alerts_about(a, "cannabis", kind="evidence")
    assert evidence
    assert worst_severity(evidence) == "warning"
    check_invariants(a)


def test_5htp_shown_with_evidence_alert_when_asked_about(kb: KnowledgeBase) -> None:
    """facts.md 3.12 and 9 (claim 3f): 5-HTP evidence is weak (small open series, GI and affective
    adverse effects, can worsen some myoclonus). [S24][S24b] ref:thal-1980, ref:l5htp-worsening."""
    a = run_assessment(kb, **BASE, asks_about=["oxitriptan"])
    assert not a.unrecognized.asks_about
    five = opt(a, "5-htp")
    assert five.status != "suggested"
    assert alerts_about(a, "5-htp", kind="evidence")
    check_invariants(a)


def test_5htp_aggravation_when_asked_about_in_myoclonic_epilepsy(kb: KnowledgeBase) -> None:
    """facts.md 2.3 and 4: 5-HTP can worsen myoclonus in lipid-storage disease / myoclonic
    epilepsy. [S24b] ref:l5htp-worsening. (Section 4 says "may worsen", not "avoid" as for
    phenytoin/carbamazepine, so at least caution with an aggravation alert.)"""
    a = run_assessment(
        kb,
        **BASE
        | {"age_years": 20, "myoclonus": {"physiology": "cortical", "etiology": "pme-lafora"}},
        asks_about=["5-HTP"],
    )
    assert status_at_least(a, "5-htp", "caution")
    assert alerts_about(a, "5-htp", kind="aggravation")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("gabapentinne", "gabapentin"),
        ("levetiracetamm", "levetiracetam"),
        ("sertrallin", "sertraline"),
    ],
)
def test_unrecognised_medication_listed_with_did_you_mean_when_misspelt(
    kb: KnowledgeBase, typed: str, expected: str
) -> None:
    """profile.md ("What bad input gets"): an unknown medication is not an error; it is listed under
    `unrecognized` with "did you mean" suggestions; nothing is silently dropped. (These spellings
    are not synonyms in the KB, unlike "gabapentine" or "sertralin", which are normalised.)"""
    a = run_assessment(kb, **BASE, medications=[{"name": typed}])
    listed = {u.name: u for u in a.unrecognized.medications}
    assert typed in listed
    assert expected in listed[typed].did_you_mean


def test_known_misspelling_normalised_when_synonym(kb: KnowledgeBase) -> None:
    """profile.md: common misspellings are normalised to one id ("gabapentine" -> gabapentin), so the
    cause check still works; facts.md 5 gabapentin is a high-strength cause [S20] ref:desai-2019."""
    a = run_assessment(kb, **BASE, medications=[{"name": "gabapentine"}])
    assert not a.unrecognized.medications
    assert any(c.id == "gabapentin" for c in a.causes_to_review)


def test_unrecognised_names_kept_in_every_list(kb: KnowledgeBase) -> None:
    """profile.md: medicines, conditions and allergies the KB does not know are listed under
    `unrecognized`, never dropped."""
    a = run_assessment(
        kb,
        **BASE,
        medications=[{"name": "Zzyzxol"}],
        conditions=["quantum flu"],
        allergies=["blorptide"],
    )
    assert [u.name for u in a.unrecognized.medications] == ["Zzyzxol"]
    assert [u.name for u in a.unrecognized.conditions] == ["quantum flu"]
    assert [u.name for u in a.unrecognized.allergies] == ["blorptide"]


@pytest.mark.parametrize(
    ("brand", "ident"),
    [
        ("Depakote", "valproate"),
        ("divalproex", "valproate"),
        ("Rivotril", "clonazepam"),
        ("Klonopin", "clonazepam"),
        ("Keppra", "levetiracetam"),
    ],
)
def test_brand_names_normalised_to_inn(kb: KnowledgeBase, brand: str, ident: str) -> None:
    """profile.md medications[].name: brands and salts normalise to one id (Depakote, divalproex ->
    valproate; Klonopin, Rivotril -> clonazepam)."""
    a = run_assessment(kb, **BASE, medications=[{"name": brand}])
    assert not a.unrecognized.medications
    o = next((o for o in a.options if o.id == ident), None)
    assert o is None or o.taking_now


# -- invariants over a panel of profiles -----------------------------------------------------

PANEL: list[dict[str, Any]] = [
    BASE,
    {
        "age_years": 28,
        "sex": "female",
        "pregnant": True,
        "myoclonus": {"physiology": "cortical"},
        "medications": [{"name": "valproate"}],
        "asks_about": ["cannabis", "5-HTP"],
    },
    {"age_years": 34, "sex": "female", "myoclonus": {"physiology": "cortical-subcortical"}},
    {
        "age_years": 70,
        "sex": "male",
        "egfr_ml_min": 18,
        "hepatic_impairment": "moderate",
        "myoclonus": {"physiology": "cortical"},
        "medications": [{"name": "gabapentin"}, {"name": "morphine"}],
        "asks_about": ["piracetam", "perampanel"],
    },
    {
        "age_years": 24,
        "sex": "male",
        "myoclonus": {"physiology": "myoclonus-dystonia"},
        "allergies": ["sulfonamides"],
        "previous_treatments": [{"name": "clonazepam", "outcome": "not-tolerated"}],
    },
    {
        "age_years": 30,
        "sex": "male",
        "conditions": ["POLG", "porphyria"],
        "myoclonus": {"physiology": "cortical", "etiology": "pme-merrf"},
        "asks_about": ["phenytoin", "primidone"],
    },
    {
        "age_years": 40,
        "sex": "female",
        "childbearing_potential": True,
        "pregnant": False,
        "myoclonus": {"physiology": "functional"},
        "asks_about": ["clonazepam", "botulinum toxin"],
    },
    {
        "age_years": 58,
        "sex": "male",
        "myoclonus": {"physiology": "subcortical"},
        "medications": [{"name": "sertraline"}, {"name": "oxycodone"}, {"name": "Keppra"}],
        "asks_about": ["5-HTP", "sodium oxybate"],
    },
    {
        "age_years": 66,
        "sex": "female",
        "myoclonus": {"physiology": "peripheral"},
        "conditions": ["myasthenia gravis"],
    },
    {
        "age_years": 19,
        "sex": "male",
        "myoclonus": {"etiology": "pme-unverricht-lundborg"},
        "medications": [{"name": "valproate"}, {"name": "meropenem"}],
        "asks_about": ["phenytoin", "lamotrigine", "cannabidiol"],
    },
]


@pytest.mark.parametrize("profile", PANEL, ids=lambda p: str(p.get("myoclonus")))
def test_invariants_nothing_contraindicated_suggested_and_every_status_explained(
    kb: KnowledgeBase, profile: dict[str, Any]
) -> None:
    """assessment-json.md: avoid/contraindicated options are shown only to explain why not; every
    caution/avoid/contraindicated status is explained by an alert naming the option; a critical
    contraindication never leaves its subject suggested."""
    a = run_assessment(kb, **profile)
    check_invariants(a)
    for ident in profile.get("asks_about", []):
        resolved = kb.medicine_names.lookup(ident)
        assert resolved is not None
        assert any(o.id == resolved.split(":", 1)[1] for o in a.options), ident
