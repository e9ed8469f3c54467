"""The forms record what they should, show problems next to the fields and keep what was typed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from myoscope.bootstrap import Services
from myoscope.domain.diary import CountBand, DoseStatus, JerkKind
from myoscope.services.diary import CHECKINS, DOSES, EPISODES, REGIMENS, SIDE_EFFECTS

from .conftest import Browser, Clock


def diary_of(services: Services, browser: Browser) -> Any:
    assert browser.account is not None
    return services.diaries.open(browser.account)


def records(services: Services, browser: Browser, kind: Any) -> list[Any]:
    return services.diaries.all(diary_of(services, browser), kind)


def add_regimen(services: Services, browser: Browser, **fields: Any) -> Any:
    data = {
        "drug": "levetiracetam",
        "dose_amount": 500,
        "times_per_day": 2,
        "started_on": "2026-06-01",
    }
    return services.diaries.add(diary_of(services, browser), REGIMENS, data | fields)


def test_the_quick_log_records_an_episode_now(
    alice: Browser, services: Services, clock: Clock
) -> None:
    page = alice.get(alice.d())
    assert "Save episode now" in page.text
    response = alice.post(alice.d("today/episode"), {"intensity": "8", "count_band": "11-50"})
    assert response.status_code == 303
    assert response.headers["location"] == alice.d()
    (episode,) = records(services, alice, EPISODES)
    assert episode.intensity == 8
    assert episode.count_band is CountBand.SEVERAL
    assert episode.started_at == clock.now.replace(second=0)
    today = alice.get(alice.d())
    assert "Episode recorded at 13:00" in today.text  # London time (UTC+1 in June)
    assert "intensity 8/10" in today.text


def test_the_quick_log_says_what_is_missing(alice: Browser, services: Services) -> None:
    response = alice.post(alice.d("today/episode"), {"count_band": "1"})
    assert response.status_code == 422
    assert "Choose how strong it was." in response.text
    assert 'value="1" checked' in response.text  # the band chosen stays chosen
    assert records(services, alice, EPISODES) == []


def test_the_full_episode_form_reads_local_times_and_every_field(
    alice: Browser, services: Services
) -> None:
    response = alice.post(
        alice.d("episodes"),
        {
            "started_at": "2026-06-14T14:30",
            "ended_at": "2026-06-14T14:45",
            "count": "12",
            "intensity": "6",
            "body_areas": ["left-arm", "face"],
            "kind": "negative",
            "triggers": ["noise", "stress"],
            "fell": "on",
            "note": "at the supermarket",
            "next": alice.d("today"),
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == alice.d("today")
    (episode,) = records(services, alice, EPISODES)
    assert episode.started_at == datetime(2026, 6, 14, 13, 30, tzinfo=UTC)
    assert episode.ended_at == datetime(2026, 6, 14, 13, 45, tzinfo=UTC)
    assert episode.count == 12
    assert episode.count_band is CountBand.SEVERAL
    assert [a.value for a in episode.body_areas] == ["left-arm", "face"]
    assert episode.kind is JerkKind.NEGATIVE
    assert [t.value for t in episode.triggers] == ["noise", "stress"]
    assert episode.fell is True
    assert episode.note == "at the supermarket"
    history = alice.get(alice.d("history"))
    assert "Sun 14 Jun 2026, 14:30" in history.text
    assert "12 jerks" in history.text
    assert "at the supermarket" in history.text


def test_a_failed_episode_form_keeps_what_was_typed_and_names_each_field(
    alice: Browser, services: Services
) -> None:
    response = alice.post(
        alice.d("episodes"),
        {
            "started_at": "2026-06-14T14:30",
            "ended_at": "2026-06-14T14:00",
            "count": "many",
            "intensity": "6",
            "triggers": ["noise"],
            "note": "please keep this note",
        },
    )
    assert response.status_code == 422
    assert "Enter a whole number" in response.text
    assert "please keep this note" in response.text
    assert 'value="2026-06-14T14:30"' in response.text
    assert 'value="noise" checked' in response.text
    assert 'aria-invalid="true"' in response.text
    second = alice.post(
        alice.d("episodes"),
        {
            "started_at": "2026-06-14T14:30",
            "ended_at": "2026-06-14T14:00",
            "count_band": "1",
            "intensity": "11",
        },
    )
    assert second.status_code == 422
    assert "Enter a value of 10 or less." in second.text
    third = alice.post(
        alice.d("episodes"),
        {
            "started_at": "2026-06-14T14:30",
            "ended_at": "2026-06-14T14:00",
            "count_band": "1",
            "intensity": "3",
        },
    )
    assert "The end is before the start" in third.text
    missing = alice.post(alice.d("episodes"), {"started_at": "yesterday", "intensity": "3"})
    assert "Enter a date and time" in missing.text
    no_count = alice.post(alice.d("episodes"), {"started_at": "2026-06-14T14:30", "intensity": "3"})
    assert "Choose how many jerks" in no_count.text
    assert records(services, alice, EPISODES) == []


def test_doses_due_today_are_ticked_taken_late_or_skipped(
    alice: Browser, services: Services, clock: Clock
) -> None:
    regimen = add_regimen(services, alice)
    page = alice.get(alice.d())
    due = page.text.split('class="prn"')[0]
    assert due.count('name="status" value="taken"') == 2  # two doses a day
    for status in ("taken", "late"):
        response = alice.post(alice.d("today/dose"), {"regimen_id": regimen.id, "status": status})
        assert response.status_code == 303
    doses = records(services, alice, DOSES)
    assert sorted(d.status.value for d in doses) == ["late", "taken"]
    assert all(d.regimen_id == regimen.id and d.amount == 500 for d in doses)
    assert all(d.taken_at == clock.now for d in doses)
    page = alice.get(alice.d())
    assert 'name="status" value="taken"' not in page.text.split('class="prn"')[0]
    assert "Taken late at 13:00" in page.text
    # a third dose beyond the schedule is still possible, and skipped doses count
    alice.post(alice.d("today/dose"), {"regimen_id": regimen.id, "status": "skipped"})
    statuses = sorted(d.status.value for d in records(services, alice, DOSES))
    assert statuses == ["late", "skipped", "taken"]


def test_an_as_needed_dose_by_name_or_from_the_list(alice: Browser, services: Services) -> None:
    rescue = add_regimen(
        services, alice, drug="clonazepam", dose_amount=0.5, times_per_day=None, as_needed=True
    )
    alice.post(
        alice.d("today/dose"), {"regimen_id": rescue.id, "status": "taken", "as_needed": "on"}
    )
    alice.post(
        alice.d("today/dose"),
        {"regimen_id": "", "drug": "paracetamol", "status": "taken", "as_needed": "on"},
    )
    doses = records(services, alice, DOSES)
    assert sorted((d.drug, d.as_needed) for d in doses) == [
        ("clonazepam", True),
        ("paracetamol", True),
    ]
    empty = alice.post(alice.d("today/dose"), {"regimen_id": "", "drug": "", "status": "taken"})
    assert empty.status_code == 422
    assert "type the medicine" in empty.text


def test_a_dose_time_and_status_can_be_corrected(alice: Browser, services: Services) -> None:
    regimen = add_regimen(services, alice)
    alice.post(alice.d("today/dose"), {"regimen_id": regimen.id, "status": "taken"})
    (dose,) = records(services, alice, DOSES)
    form = alice.get(alice.d(f"doses/{dose.id}/edit"))
    assert 'value="2026-06-15T13:00"' in form.text
    response = alice.post(
        alice.d(f"doses/{dose.id}"),
        {
            "regimen_id": regimen.id,
            "status": "late",
            "taken_at": "2026-06-15T09:40",
            "note": "forgot",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == alice.d("doses")
    (changed,) = records(services, alice, DOSES)
    assert changed.status is DoseStatus.LATE
    assert changed.taken_at == datetime(2026, 6, 15, 8, 40, tzinfo=UTC)
    assert changed.note == "forgot"
    assert "taken late" in alice.get(alice.d("doses")).text


def test_the_daily_check_in_is_saved_and_replaced_the_same_day(
    alice: Browser, services: Services
) -> None:
    data = {
        "day": "2026-06-15",
        "severity": "6",
        "walking": "2",
        "eating": "1",
        "speaking": "0",
        "writing": "3",
        "work": "4",
        "sleep_hours": "6.5",
        "mood": "2",
        "next": alice.d("today"),
        "replace_day": "yes",  # the Today form says that saving again replaces the check-in
    }
    assert alice.post(alice.d("checkins"), data).status_code == 303
    assert alice.post(alice.d("checkins"), data | {"severity": "3"}).status_code == 303
    other_form = alice.post(alice.d("checkins"), {"day": "2026-06-15", "severity": "1"})
    assert other_form.status_code == 422
    assert "already a check-in" in other_form.text
    (checkin,) = records(services, alice, CHECKINS)
    assert checkin.day == date(2026, 6, 15)
    assert (checkin.severity, checkin.walking, checkin.work, checkin.sleep_hours, checkin.mood) == (
        3,
        2,
        4,
        6.5,
        2,
    )
    today = alice.get(alice.d())
    assert "You checked in today (severity 3/10)" in today.text
    bad = alice.post(alice.d("checkins"), {"day": "2026-06-15", "walking": "9"})
    assert bad.status_code == 422
    assert "This is required." in bad.text
    assert "Enter a value of 4 or less." in bad.text


def test_medicines_are_added_changed_and_stopped_with_history(
    alice: Browser, services: Services
) -> None:
    response = alice.post(
        alice.d("medications"),
        {
            "drug": "Keppra",
            "dose_amount": "250",
            "dose_unit": "mg",
            "times_per_day": "2",
            "started_on": "2026-05-01",
            "start_reason": "jerks",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == alice.d("medications")
    (regimen,) = records(services, alice, REGIMENS)
    assert regimen.drug_id is not None  # the brand was recognised
    change = alice.post(
        alice.d(f"medications/{regimen.id}/change"),
        {"on": "2026-06-01", "dose_amount": "500", "times_per_day": "2", "reason": "still jerking"},
    )
    assert change.status_code == 303
    old, new = sorted(records(services, alice, REGIMENS), key=lambda r: r.started_on)
    assert old.stopped_on == date(2026, 6, 1)
    assert new.replaces_id == old.id
    assert new.dose_amount == 500
    bad_change = alice.post(
        alice.d(f"medications/{new.id}/change"), {"on": "2020-01-01", "dose_amount": "-1"}
    )
    assert bad_change.status_code == 422
    assert "Enter a dose above 0." in bad_change.text
    stop = alice.post(
        alice.d(f"medications/{new.id}/stop"),
        {"stopped_on": "2026-06-10", "stop_reason": "too drowsy", "outcome": "not-tolerated"},
    )
    assert stop.status_code == 303
    stopped = services.diaries.get(diary_of(services, alice), REGIMENS, new.id)
    assert (stopped.stopped_on, stopped.outcome) == (date(2026, 6, 10), "not-tolerated")
    assert stopped.replaces_id == old.id  # kept through the edit
    early = alice.post(alice.d(f"medications/{old.id}/stop"), {"stopped_on": "2020-01-01"})
    assert early.status_code == 422
    assert "before the start" in early.text
    page = alice.get(alice.d("medications"))
    assert "No medicines are listed as taken now." in page.text
    assert "changed from Keppra 250 mg, 2 times a day" in page.text
    assert "Side effects were too much" in page.text
    profile = alice.get(alice.d("profile"))
    assert "Keppra (side effects were too much)" in profile.text


def test_a_medicine_with_doses_cannot_be_deleted_but_says_why(
    alice: Browser, services: Services
) -> None:
    regimen = add_regimen(services, alice)
    alice.post(alice.d("today/dose"), {"regimen_id": regimen.id, "status": "taken"})
    response = alice.post(alice.d(f"medications/{regimen.id}/delete"))
    assert response.status_code == 409
    assert "record that it stopped" in response.text


def test_side_effects_are_linked_to_a_medicine(alice: Browser, services: Services) -> None:
    regimen = add_regimen(services, alice)
    page = alice.get(alice.d("side-effects"))
    assert regimen.id in page.text
    response = alice.post(
        alice.d("side-effects"),
        {
            "effect": "drowsiness",
            "severity": "moderate",
            "started_at": "2026-06-12T08:00",
            "regimen_id": regimen.id,
        },
    )
    assert response.status_code == 303
    (effect,) = records(services, alice, SIDE_EFFECTS)
    assert effect.regimen_id == regimen.id
    assert "thought to be from levetiracetam" in alice.get(alice.d("side-effects")).text
    bad = alice.post(
        alice.d("side-effects"),
        {"effect": "", "severity": "awful", "started_at": "2026-06-12T08:00"},
    )
    assert bad.status_code == 422
    assert "Choose one of" in bad.text


def test_an_entry_is_edited_and_deleted_after_confirmation(
    alice: Browser, services: Services
) -> None:
    alice.post(alice.d("today/episode"), {"intensity": "5", "count_band": "2-10"})
    (episode,) = records(services, alice, EPISODES)
    form = alice.get(alice.d(f"episodes/{episode.id}/edit"))
    assert 'value="2-10" checked' in form.text
    response = alice.post(
        alice.d(f"episodes/{episode.id}"),
        {"started_at": "2026-06-15T12:10", "count_band": ">50", "intensity": "9", "note": "worse"},
    )
    assert response.status_code == 303
    changed = services.diaries.get(diary_of(services, alice), EPISODES, episode.id)
    assert (changed.intensity, changed.count_band, changed.note) == (9, CountBand.MANY, "worse")
    confirm = alice.get(alice.d(f"episodes/{episode.id}/delete"))
    assert "Yes, delete it" in confirm.text
    assert "intensity 9/10" in confirm.text
    assert alice.post(alice.d(f"episodes/{episode.id}/delete")).status_code == 303
    assert records(services, alice, EPISODES) == []


def test_no_input_produces_a_server_error(alice: Browser, services: Services) -> None:
    regimen = add_regimen(services, alice)
    nasty = [
        " ",
        "-1",
        "1e309",
        "nan",
        "inf",
        "2026-02-30T10:00",
        "9" * 400,
        "<script>x</script>",
        "\x00",
        "ü" * 3000,
    ]
    urls = [
        alice.d("today/episode"),
        alice.d("today/dose"),
        alice.d("episodes"),
        alice.d("checkins"),
        alice.d("medications"),
        alice.d("doses"),
        alice.d("side-effects"),
        alice.d("profile"),
        alice.d(f"medications/{regimen.id}/change"),
        alice.d(f"medications/{regimen.id}/stop"),
        "/settings/account",
        "/settings/password",
        "/settings/sharing",
        "/settings/delete",
    ]
    fields = [
        "started_at",
        "ended_at",
        "count",
        "count_band",
        "intensity",
        "day",
        "severity",
        "walking",
        "sleep_hours",
        "mood",
        "drug",
        "dose_amount",
        "dose_unit",
        "times_per_day",
        "started_on",
        "regimen_id",
        "amount",
        "unit",
        "status",
        "taken_at",
        "effect",
        "age_years",
        "sex",
        "weight_kg",
        "egfr_ml_min",
        "occurs_at",
        "on",
        "stopped_on",
        "outcome",
        "timezone",
        "email",
        "access",
        "prev_name_0",
        "prev_outcome_0",
        "confirm",
        "new_password",
    ]
    for value in nasty:
        for url in urls:
            response = alice.post(url, dict.fromkeys(fields, value))
            assert response.status_code < 500, (url, value, response.text[:300])
            assert "Traceback" not in response.text
            assert "<script>x</script>" not in response.text
    for query in (
        "?page=abc",
        "?page=-5",
        "?from=2026-13-01&to=x",
        "?intensity=99&trigger=nope",
        "?kind=../../etc",
    ):
        assert alice.get(alice.d("history") + query).status_code == 200
    assert alice.get(alice.d("history/calendar") + "?month=2026-99").status_code == 200
    assert alice.get(alice.d("options") + "?audience=robot").status_code == 200
    assert alice.get("/settings/access?page=zzz").status_code == 200


def test_the_check_in_records_the_factors_of_the_day(alice: Browser, services: Services) -> None:
    form = alice.get(alice.d())
    assert 'name="factors"' in form.text
    assert "Today there was" in form.text
    data = {
        "day": "2026-06-14",
        "severity": "4",
        "factors": ["stress", "alcohol"],
        "next": alice.d("today"),
    }
    assert alice.post(alice.d("checkins"), data).status_code == 303
    (checkin,) = records(services, alice, CHECKINS)
    assert [str(f) for f in checkin.factors] == ["stress", "alcohol"]
    bad = alice.post(alice.d("checkins"), data | {"day": "2026-06-13", "factors": ["action"]})
    assert bad.status_code == 422
    assert "cannot be a factor of the day" in bad.text
