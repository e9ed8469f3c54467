"""The profile form and the options page (the engine's assessment with sources)."""

from __future__ import annotations

from typing import Any

from myoscope.bootstrap import Services
from myoscope.services.diary import REGIMENS

from .conftest import Browser

PROFILE = {
    "age_years": "58",
    "sex": "female",
    "pregnant": "no",
    "childbearing_potential": "no",
    "weight_kg": "70",
    "egfr_ml_min": "45",
    "hepatic_impairment": "none",
    "distribution": "multifocal",
    "occurs_at": ["action", "stimulus"],
    "polarity": "both",
    "physiology": "cortical",
    "etiology": "Lance-Adams syndrome",
    "onset": "chronic",
    "course": "stable",
    "conditions": "depression\nCKD stage 3",
    "allergies": "sulfonamides",
    "prev_name_0": "clonazepam",
    "prev_outcome_0": "not-tolerated",
    "prev_note_0": "too drowsy at 2 mg",
    "asks_about": "cannabis, 5-HTP",
}


def test_the_options_page_asks_for_a_profile_first(alice: Browser) -> None:
    page = alice.get(alice.d("options"))
    assert page.status_code == 200
    assert "information to discuss with your clinician, not medical advice" in page.text.lower()
    assert "Fill in your profile first" in page.text
    assert f'href="{alice.d("profile")}"' in page.text


def test_the_profile_is_saved_and_shown_again(alice: Browser, services: Services) -> None:
    response = alice.post(alice.d("profile"), PROFILE)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == alice.d("options")
    assert alice.account is not None
    stored = services.repository.get_profile(alice.account.id)
    assert stored is not None
    assert stored["age_years"] == 58
    assert stored["myoclonus"]["occurs_at"] == ["action", "stimulus"]
    assert stored["conditions"] == ["depression", "CKD stage 3"]
    assert stored["previous_treatments"] == [
        {"name": "clonazepam", "outcome": "not-tolerated", "note": "too drowsy at 2 mg"}
    ]
    assert stored["asks_about"] == ["cannabis", "5-HTP"]
    assert stored["pregnant"] is False
    form = alice.get(alice.d("profile"))
    assert 'value="58"' in form.text
    assert 'value="action" checked' in form.text
    assert "CKD stage 3" in form.text
    assert 'value="clonazepam"' in form.text


def test_profile_problems_are_shown_next_to_the_fields_and_nothing_typed_is_lost(
    alice: Browser, services: Services
) -> None:
    bad = PROFILE | {"age_years": "200", "weight_kg": "heavy", "sex": "male", "pregnant": "yes"}
    response = alice.post(alice.d("profile"), bad)
    assert response.status_code == 422
    assert "Enter a number." in response.text
    assert 'value="heavy"' in response.text
    assert "CKD stage 3" in response.text
    assert 'value="too drowsy at 2 mg"' in response.text
    again = alice.post(alice.d("profile"), PROFILE | {"age_years": "200"})
    assert "Enter a value of 120 or less." in again.text
    assert 'id="age_years-error"' in again.text
    pregnant_man = alice.post(alice.d("profile"), PROFILE | {"sex": "male", "pregnant": "yes"})
    assert pregnant_man.status_code == 422
    assert "pregnant" in pregnant_man.text.split('id="pregnant-error"')[1][:300]
    missing = alice.post(alice.d("profile"), {"sex": "", "prev_name_0": "zonisamide"})
    assert missing.status_code == 422
    assert 'id="age_years-error"' in missing.text
    assert 'id="prev_outcome_0-error"' in missing.text
    assert alice.account is not None
    assert services.repository.get_profile(alice.account.id) is None


def test_the_options_page_shows_the_assessment_with_sources_and_dosing(
    alice: Browser, services: Services
) -> None:
    assert alice.account is not None
    diary = services.diaries.open(alice.account)
    services.diaries.add(
        diary,
        REGIMENS,
        {"drug": "sertraline", "dose_amount": 100, "times_per_day": 1, "started_on": "2026-01-01"},
    )
    alice.post(alice.d("profile"), PROFILE)
    page = alice.get(alice.d("options"))
    assert page.status_code == 200
    text = page.text
    assert text.index("not medical advice") < text.index("Options, in the order to discuss")
    assert "Possible causes to review first" in text
    assert "sertraline" in text
    assert "Evidence:" in text
    assert 'class="references"' in text
    assert 'href="#ref-' in text
    assert "https://" in text  # links to the references
    assert "Dosing (adults):" in text
    assert "Week-by-week titration plan" in text
    assert "Not recognised" not in text or "did you mean" in text
    assert "The diary, last 28 days" in text
    clinician = alice.get(alice.d("options") + "?audience=clinician")
    assert "Options (ranked)" in clinician.text
    assert 'href="?audience=clinician" aria-current="page"' in clinician.text
    assert clinician.text != text


def test_the_profile_lists_medicines_from_the_medicine_list_read_only(
    alice: Browser, services: Services
) -> None:
    assert alice.account is not None
    diary = services.diaries.open(alice.account)
    services.diaries.add(
        diary,
        REGIMENS,
        {"drug": "Keppra", "dose_amount": 500, "times_per_day": 2, "started_on": "2026-06-01"},
    )
    page = alice.get(alice.d("profile"))
    assert "Keppra 500 mg, 2 times a day" in page.text
    assert 'name="medications"' not in page.text
    assert f'href="{alice.d("medications")}"' in page.text


def test_a_read_only_clinician_sees_the_profile_as_text(
    alice: Browser, make_browser: Any, services: Services
) -> None:
    from myoscope.domain.diary import Access, Role

    alice.post(alice.d("profile"), PROFILE)
    doctor = make_browser("dr@example.org", Role.CLINICIAN)
    assert alice.account is not None
    services.diaries.grant(services.diaries.open(alice.account), "dr@example.org", Access.READ)
    page = doctor.get(alice.d("profile"))
    assert "<dt>Age</dt><dd>58</dd>" in page.text
    assert "clonazepam" in page.text
    assert '<form method="post" action="/d/' not in page.text
    options = doctor.get(alice.d("options"))
    assert "Options (ranked)" in options.text  # a clinician gets the clinician wording first
    assert (
        "Options, in the order to discuss" in doctor.get(alice.d("options?audience=patient")).text
    )


def test_urgent_red_flags_come_first(alice: Browser) -> None:
    urgent = PROFILE | {
        "onset": "acute",
        "course": "rapidly-progressive",
        "conditions": "fever\nconfusion",
    }
    assert alice.post(alice.d("profile"), urgent).status_code == 303
    text = alice.get(alice.d("options")).text
    assert "Get medical help" in text
    assert text.index("not medical advice") < text.index("Get medical help")
    assert text.index("Get medical help") < text.index("The diary, last 28 days")
    assert text.index("Get medical help") < text.index("Options, in the order to discuss")


def test_every_profile_problem_shows_at_once_and_nothing_typed_is_lost(alice: Browser) -> None:
    bad = PROFILE | {"age_years": "200", "weight_kg": "-1", "egfr_ml_min": "abc"}
    page = alice.post(alice.d("profile"), bad)
    assert page.status_code == 422
    assert page.text.count('class="error"') >= 3  # age, weight and eGFR, all at once
    for typed in ("200", "-1", "abc"):
        assert f'value="{typed}"' in page.text


def test_a_cause_the_knowledge_base_cannot_read_is_shown_at_its_field(alice: Browser) -> None:
    page = alice.post(alice.d("profile"), PROFILE | {"etiology": "after a heart attack"})
    assert page.status_code == 422
    assert "after a heart attack" in page.text
    assert "Lance-Adams" in page.text  # the message suggests what is accepted
    assert alice.get(alice.d("options")).status_code == 200
