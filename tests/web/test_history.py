"""History: filters, pages and the month calendar, in the diary owner's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from myoscope.bootstrap import Services
from myoscope.services.diary import CHECKINS, EPISODES

from .conftest import Browser


def add_episodes(services: Services, browser: Browser, count: int, **fields: Any) -> None:
    assert browser.account is not None
    diary = services.diaries.open(browser.account)
    start = datetime(2026, 6, 14, 22, 30, tzinfo=UTC)  # 23:30 on the 14th in London
    for n in range(count):
        data = {
            "started_at": (start - timedelta(hours=n)).isoformat(),
            "count_band": "1",
            "intensity": n % 11,
        }
        services.diaries.add(diary, EPISODES, data | fields)


def test_history_pages_through_entries_newest_first(alice: Browser, services: Services) -> None:
    add_episodes(services, alice, 30)
    first = alice.get(alice.d("history"))
    assert "30 entries." in first.text
    assert first.text.count('class="entry entry-episodes"') == 25
    assert "Page 1 of 2" in first.text
    assert "Sun 14 Jun 2026, 23:30" in first.text
    second = alice.get(alice.d("history") + "?page=2")
    assert second.text.count('class="entry entry-episodes"') == 5
    assert 'rel="prev"' in second.text
    beyond = alice.get(alice.d("history") + "?page=99")
    assert "Page 2 of 2" in beyond.text


def test_history_filters_by_kind_date_trigger_and_intensity(
    alice: Browser, services: Services
) -> None:
    add_episodes(services, alice, 3)
    add_episodes(services, alice, 2, triggers=["noise"], intensity=9)
    assert alice.account is not None
    services.diaries.add(
        services.diaries.open(alice.account), CHECKINS, {"day": "2026-06-12", "severity": 2}
    )
    everything = alice.get(alice.d("history"))
    assert "6 entries." in everything.text
    checkins = alice.get(alice.d("history") + "?kind=checkins")
    assert "1 entry." in checkins.text
    assert "Check-in: severity 2/10" in checkins.text
    noise = alice.get(alice.d("history") + "?trigger=noise")
    assert "2 entries." in noise.text
    strong = alice.get(alice.d("history") + "?intensity=5")
    assert "2 entries." in strong.text
    one_day = alice.get(alice.d("history") + "?from=2026-06-12&to=2026-06-12")
    assert "1 entry." in one_day.text
    local_day = alice.get(alice.d("history") + "?kind=episodes&from=2026-06-14&to=2026-06-14")
    assert "5 entries." in local_day.text  # 23:30 London is still the 14th
    swapped = alice.get(alice.d("history") + "?from=2026-06-15&to=2026-06-01")
    assert "swapped" in swapped.text
    assert "6 entries." in swapped.text


def test_the_calendar_counts_episodes_and_the_highest_intensity_per_local_day(
    alice: Browser, services: Services
) -> None:
    add_episodes(services, alice, 3, intensity=4)
    assert alice.account is not None
    diary = services.diaries.open(alice.account)
    services.diaries.add(
        diary, EPISODES, {"started_at": "2026-06-14T23:30:00Z", "count_band": "1", "intensity": 7}
    )
    page = alice.get(alice.d("history/calendar") + "?month=2026-06")
    assert "June 2026: 4 episodes." in page.text
    assert 'aria-label="Sun 14 Jun 2026: 3 episodes, highest intensity 4"' in page.text
    assert (
        'aria-label="Mon 15 Jun 2026: 1 episode, highest intensity 7"' in page.text
    )  # 00:30 in London
    assert "?month=2026-05" in page.text
    assert "?month=2026-07" in page.text
    default = alice.get(alice.d("history/calendar"))
    assert "June 2026" in default.text
