"""build_insights: the document of shared/spec/insights.md, deterministic, edge cases."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from analytics_records import at, checkin, episode, regimen

from myoscope.analytics import Exposure, build_insights, simulate_diary
from myoscope.errors import InvalidInputError


@pytest.fixture(scope="module")
def demo():
    return simulate_diary(3, "demo")


def insights_of(diary, **options):
    return build_insights(
        episodes=diary.episodes,
        checkins=diary.checkins,
        regimens=diary.regimens,
        doses=diary.doses,
        side_effects=diary.side_effects,
        timezone=diary.timezone,
        exposures={k: Exposure(d, o) for k, (d, o) in diary.exposures.items()},
        **options,
    )


def test_the_document_has_the_spec_layout_and_is_strict_json(demo):
    document = insights_of(demo, sensor={"recordings": 3}).to_dict()
    text = json.dumps(document, allow_nan=False)
    assert json.loads(text) == document
    assert {
        "period",
        "burden",
        "responses",
        "tolerance",
        "triggers",
        "adherence",
        "side_effects",
        "sensor",
    } <= set(document)
    period = document["period"]
    assert period["days"] == len(document["burden"]["daily"])
    assert period["days_with_entries"] == sum(d["logged"] for d in document["burden"]["daily"])
    assert set(document["burden"]["daily"][0]) >= {"date", "jerks", "intensity_mean", "logged"}
    last = document["burden"]["last_28_days"]
    assert set(last["vs_previous_28_days"]) >= {"ratio", "ci95"}
    assert (
        "+01:00" in document["burden"]["last_episode"]
        or "+00:00" in document["burden"]["last_episode"]
    )
    for response in document["responses"]:
        assert set(response) >= {
            "change",
            "rate_ratio",
            "ci95",
            "days_before",
            "days_after",
            "method",
            "verdict",
            "enough_data",
        }
        assert set(response["change"]) >= {"date", "drug", "from_mg_per_day", "to_mg_per_day"}
    for trigger in document["triggers"]:
        assert set(trigger) >= {
            "trigger",
            "lag_days",
            "rate_ratio",
            "ci95",
            "days_with",
            "days_without",
            "verdict",
        }
    assert document["trigger_comparisons"] == sum(t["enough_data"] for t in document["triggers"])
    for entry in document["adherence"]:
        assert set(entry) >= {"drug", "taken_fraction", "missed_then_next_day_ratio"}
    assert {e["drug"] for e in document["side_effects"]} == {"levetiracetam", "clonazepam"}
    assert all(set(e) >= {"drug", "reports", "most_common"} for e in document["side_effects"])
    assert document["sensor"] == {"recordings": 3}


def test_numbers_are_never_findings_without_enough_data(demo):
    document = insights_of(demo).to_dict()
    for entry in document["responses"] + document["tolerance"] + document["triggers"]:
        if not entry["enough_data"]:
            assert entry["ci95"] is None
            assert entry["verdict"].startswith("not enough data")
            assert entry["reason"]


def test_the_same_records_give_the_same_document(demo):
    assert insights_of(demo).to_dict() == insights_of(demo).to_dict()


def test_the_demo_story_shows_in_the_findings(demo):
    insights = insights_of(demo, tolerance_notes={"clonazepam": "Tolerance is common."})
    assert [c.kind for c in insights.changes] == ["start", "dose-change", "start"]
    triggers = {(e.trigger, e.lag_days): e for e in insights.triggers.effects}
    assert triggers["stress", 0].estimate.low > 1
    assert triggers["sleep-loss", 1].estimate.low > 1


def test_an_empty_diary_gives_an_empty_document():
    document = build_insights(episodes=[], checkins=[]).to_dict()
    assert document["period"]["days"] == 0
    assert document["period"]["from"] is None
    assert document["responses"] == []
    assert document["triggers"] == []
    assert document["burden"]["last_episode"] is None
    assert not document["burden"]["last_28_days"]["vs_previous_28_days"]["enough_data"]


def test_one_day_and_a_period_of_missing_days():
    d = date(2026, 1, 10)
    document = build_insights(
        episodes=[episode(at(d), 4)],
        checkins=[],
        period_from=d - timedelta(days=2),
        period_to=d + timedelta(days=2),
    ).to_dict()
    assert document["period"] == {
        "from": "2026-01-08",
        "to": "2026-01-12",
        "days": 5,
        "days_with_entries": 1,
        "timezone": "UTC",
    }
    assert [row["jerks"] for row in document["burden"]["daily"]] == [None, None, 4, None, None]


def test_the_period_limits_changes_and_day_sets_plug_in(demo):
    start = demo.start + timedelta(days=100)
    insights = insights_of(demo, period_from=start)
    assert insights.series.start == start
    assert all(c.day >= start for c in insights.changes)
    days = {demo.start + timedelta(days=k) for k in range(0, 183, 4)}
    plain = build_insights(
        episodes=demo.episodes,
        checkins=demo.checkins,
        timezone=demo.timezone,
        exposures={"noise": days},
    )
    assert {e.trigger for e in plain.triggers.effects} == {"noise", "sleep-loss"}


def test_bad_input_is_refused_in_words():
    with pytest.raises(InvalidInputError, match="unknown time zone"):
        build_insights(episodes=[], checkins=[], timezone="Mars/Olympus")
    with pytest.raises(InvalidInputError, match="before it starts"):
        build_insights(
            episodes=[],
            checkins=[checkin(date(2026, 1, 1))],
            period_from=date(2026, 2, 1),
            period_to=date(2026, 1, 1),
        )


def test_regimens_without_dose_amounts_still_give_changes_and_responses():
    diary = simulate_diary(12, "response", alpha=0.05)
    bare = [
        r.model_copy(update={"dose_amount": None, "times_per_day": None}) for r in diary.regimens
    ]
    document = build_insights(
        episodes=diary.episodes,
        checkins=diary.checkins,
        regimens=[*bare, regimen("x", date(1990, 1, 1), unit="tablet")],
        timezone=diary.timezone,
    ).to_dict()
    (response,) = document["responses"]
    assert response["change"]["from_mg_per_day"] == 0
    assert response["change"]["to_mg_per_day"] is None
    assert response["enough_data"]
    assert {a["drug"] for a in document["adherence"]} == {"levetiracetam", "x"}
    json.dumps(document, allow_nan=False)


def test_sensor_episodes_are_not_mixed_with_self_reports():
    from myoscope.domain import diary as model

    if not hasattr(model, "EpisodeSource"):
        pytest.skip("episodes have no source yet")
    d = date(2026, 1, 10)
    mine = episode(at(d), 4)
    sensor = mine.model_copy(
        update={"id": "sensor1", "source": "sensor", "recording_id": "r1", "review": "confirmed"}
    )
    document = build_insights(episodes=[mine, sensor], checkins=[]).to_dict()
    assert [row["jerks"] for row in document["burden"]["daily"]] == [4]
