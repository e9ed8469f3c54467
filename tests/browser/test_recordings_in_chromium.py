"""Chromium uploads a simulated recording, follows its analysis, and confirms a group of jerks.

The background worker is started only once the queued upload and its progress bar have been
seen, so that the test does not depend on how fast the analysis is; the page's own polling
script then shows the analysis finishing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from recording_files import write_emg_csv

from .conftest import LiveServer, Patient, sign_in


def nav(page: Any, name: str) -> Any:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


@pytest.fixture
def worker(live_server: LiveServer) -> Iterator[Any]:
    """Starts the recordings worker on demand (the test server runs without its lifespan)."""
    recordings = live_server.services.recordings
    yield recordings.worker
    recordings.worker.stop()


def test_upload_wait_for_detection_and_confirm_a_group(
    new_page: Any, patient: Patient, worker: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    recording = write_emg_csv(tmp_path / "night-emg.csv")
    page = new_page()
    sign_in(page, patient)

    nav(page, "Recordings").click()
    expect(page).to_have_title(re.compile("Recordings"))
    page.get_by_label("Recording file").set_input_files(str(recording))
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page.locator("p.flash")).to_contain_text("being analysed in the background")

    # queued, with a progress bar; then the worker starts and the page follows it by itself
    item = page.locator("li.entry", has_text="night-emg.csv")
    expect(item).to_contain_text("Waiting to be analysed")
    expect(item.get_by_role("progressbar")).to_be_visible()
    worker.start()
    expect(item).to_contain_text("Analysed", timeout=60_000)
    expect(item).to_contain_text("5 jerks, 2 groups to review")

    # the review page: summary, a trace per group, one click to confirm
    item.get_by_role("link", name=re.compile("Review")).click()
    expect(page.get_by_role("heading", name="Recording: night-emg.csv")).to_be_visible()
    expect(page.get_by_text("A hint from the signal is never a diagnosis")).to_be_visible()
    first = page.locator("li.group").first
    expect(first.get_by_role("heading")).to_contain_text("Group 1: 3 jerks")
    trace = first.get_by_role("img")
    expect(trace).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=trace.element_handle(), timeout=30_000
    )
    expect(first.locator(".review-state")).to_have_text("To review")
    first.get_by_role("button", name="Confirm group 1").click()
    expect(page.locator("p.flash")).to_contain_text("Marked confirmed")
    first = page.locator("li.group").first
    expect(first.locator(".review-state")).to_have_text("Confirmed")
    expect(first.get_by_role("button", name="Confirm group 1")).to_have_count(0)
    expect(page.get_by_text("1 to review, 1 confirmed, 0 false alarms")).to_be_visible()

    # History marks sensor episodes and keeps them apart with a filter
    nav(page, "History").click()
    entries = page.locator("ul.entries")
    expect(entries).to_contain_text("sensor · confirmed")
    expect(entries).to_contain_text("sensor · to review")
    expect(entries).to_contain_text("Episode: 3 jerks, intensity not rated")
    page.get_by_label("Episodes", exact=True).select_option("self")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("ul.entries")).to_have_count(0)
