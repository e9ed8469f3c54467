"""Chromium records an episode, a dose and a check-in, and finds them in history and options."""

from __future__ import annotations

import re
from typing import Any

from .conftest import Patient, sign_in


def nav(page: Any, name: str) -> Any:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def test_record_then_see_in_history_and_options(new_page: Any, patient: Patient) -> None:
    from playwright.sync_api import expect

    page = new_page()
    sign_in(page, patient)
    expect(page).to_have_title(re.compile("Today"))

    # a medicine, so that today's doses appear
    nav(page, "Medicines").click()
    page.get_by_label("Medicine", exact=True).fill("levetiracetam")
    page.get_by_label("Dose each time").fill("500")
    page.get_by_label("Times a day").fill("2")
    page.get_by_role("button", name="Add medicine").click()
    expect(page.get_by_role("status")).to_contain_text("Medication recorded")

    # an episode in three taps
    nav(page, "Today").click()
    quick = page.locator("form.quick")
    quick.locator("label.option", has_text="Moderate").click()
    quick.locator("label.option", has_text="2-10").click()
    quick.get_by_role("button", name="Save episode now").click()
    expect(page.get_by_role("status")).to_contain_text("Episode recorded")

    # a dose, taken now
    page.get_by_role("button", name="Taken: levetiracetam dose 1 of 2").click()
    expect(page.get_by_role("status")).to_contain_text("Dose recorded as taken")

    # the daily check-in
    checkin = page.locator("form.checkin")
    checkin.locator("#c-severity-field label.option", has_text="4").click()
    checkin.get_by_label("Walking: A little").check()
    checkin.get_by_label("Hours of sleep last night").fill("7")
    checkin.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_role("status")).to_contain_text("Check-in recorded")

    # all three in the history
    nav(page, "History").click()
    entries = page.locator("ul.entries")
    expect(entries).to_contain_text("Episode: 2-10 jerks, intensity 5/10")
    expect(entries).to_contain_text("Dose: levetiracetam 500 mg: taken")
    expect(entries).to_contain_text("Check-in: severity 4/10")

    # the options page, after filling in the profile
    nav(page, "Options").click()
    expect(page.get_by_role("heading", name="Fill in your profile first")).to_be_visible()
    page.get_by_role("link", name="Fill in the profile").click()
    page.get_by_label("Age (years)").fill("58")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Type found by tests (physiology)").select_option("cortical")
    page.get_by_label("Cause, if known").fill("Lance-Adams syndrome")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url(patient.diary("options"))
    expect(page.get_by_role("note").first).to_contain_text("not medical advice")
    expect(page.get_by_role("heading", name="Options, in the order to discuss")).to_be_visible()
    summary = page.locator("section.summary")
    expect(summary).to_contain_text("1 episode")
    expect(summary).to_contain_text("1 taken")
    expect(summary).to_contain_text("severity 4/10")
    expect(page.locator("section.basis")).to_contain_text(
        "Medicines taken now: levetiracetam 1000 mg/day"
    )
    expect(page.locator("ol.options-list")).to_contain_text("Evidence:")
    page.get_by_role("link", name="Clinician wording").click()
    expect(page.get_by_role("heading", name="Options (ranked)")).to_be_visible()
