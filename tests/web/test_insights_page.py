"""The insights page: who may see it, the demo's planted findings, periods, empty diaries."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from importlib.resources import files

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher

from myoscope.bootstrap import Services, build_services
from myoscope.server import create_app
from myoscope.services.demo import DEMO_PASSWORD, DemoAccounts, seed_demo
from myoscope.services.insights import DISCLAIMER
from myoscope.settings import Settings
from myoscope.storage import open_repository
from myoscope.web.routes.insights import parse_day, rolling_mean

from .conftest import Browser, Clock

TODAY = date(2026, 6, 15)  # the conftest clock's day
DATA = re.compile(r'<script type="application/json" id="insights-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def demo_services() -> Iterator[tuple[Services, DemoAccounts]]:
    """The demo diary (default seed) on its own in-memory database, seeded once."""
    settings = Settings(database_url="sqlite://", secret_key="i" * 48, secret_key_configured=True)
    services = build_services(
        settings,
        repository=open_repository("sqlite://"),
        clock=Clock(),
        password_hasher=Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    accounts = seed_demo(services.accounts, services.diaries, services.profiles, today=TODAY)
    yield services, accounts
    services.close()


@pytest.fixture(scope="module")
def demo_app(demo_services: tuple[Services, DemoAccounts]) -> FastAPI:
    return create_app(demo_services[0])


@pytest.fixture(scope="module")
def demo(demo_services: tuple[Services, DemoAccounts]) -> DemoAccounts:
    return demo_services[1]


@pytest.fixture
def sign_in_demo(demo_app: FastAPI) -> Iterator[object]:
    clients: list[TestClient] = []

    def sign_in(email: str) -> Browser:
        client = TestClient(demo_app)
        clients.append(client)
        browser = Browser(client)
        response = browser.sign_in(email, DEMO_PASSWORD)
        assert response.status_code == 303, response.text
        return browser

    yield sign_in
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def owner_page(demo_app: FastAPI, demo: DemoAccounts) -> str:
    with TestClient(demo_app) as client:
        browser = Browser(client)
        assert browser.sign_in(demo.patient.email, DEMO_PASSWORD).status_code == 303
        response = browser.get(f"/d/{demo.patient.id}/insights")
        assert response.status_code == 200, response.text
        return response.text


def text_of(html: str) -> str:
    """The page's words, without tags and with whitespace collapsed."""
    body = DATA.sub("", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace("&#39;", "'")


def chart_data(html: str) -> dict[str, object]:
    found = DATA.search(html)
    assert found, "the page has no JSON data block for its charts"
    data: dict[str, object] = json.loads(found.group(1))
    return data


def test_the_demo_page_shows_the_planted_findings(owner_page: str) -> None:
    text = text_of(owner_page)
    # response to the medication changes planted in the demo
    assert re.search(r"About \d+% fewer jerks", text)
    assert re.search(r"Levetiracetam started, [\d.]+ mg/day", text)
    assert "rate ratio 0." in text
    assert "95 % interval" in text
    # tolerance on clonazepam
    assert re.search(
        r"Clonazepam, [^.]*? Jerks rising again on a stable dose: possible tolerance", text
    )
    # triggers: more jerks with sleep loss and the day after a missed dose
    assert re.search(r"About \d+% more jerks on days with sleep loss", text)
    assert re.search(r"About \d+% more jerks the day after a missed dose", text)
    assert re.search(r"\d+ comparisons were made", text)
    # the descriptive tag counts, labelled apart
    assert "a description, not a comparison" in text


def test_the_headline_states_the_last_28_days_and_the_last_episode(owner_page: str) -> None:
    text = text_of(owner_page)
    assert re.search(r"\d+\.\d jerks a day on average in the last 28 days", text)
    assert "(19 May 2026 to 15 Jun 2026" in text
    assert "Compared with the 28 days before" in text
    assert re.search(r"Last episode: (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d+ \w+ 2026, \d\d:\d\d", text)


def test_the_disclaimer_methods_and_report_link_are_on_the_page(
    owner_page: str, demo: DemoAccounts
) -> None:
    text = text_of(owner_page)
    assert "not medical advice" in text
    assert DISCLAIMER in text
    assert "<summary>Methods and assumptions</summary>" in owner_page
    assert "A day without an episode or a check-in is missing, not zero" in text
    assert f'href="/d/{demo.patient.id}/report.pdf"' in owner_page
    assert "Clinician report (PDF)" in text
    assert f'href="/d/{demo.patient.id}/insights" aria-current="page">Insights</a>' in owner_page


def test_every_chart_has_a_label_and_a_table(owner_page: str) -> None:
    for chart in ("chart-burden", "chart-responses", "chart-triggers", "chart-heatmap"):
        tag = re.search(rf'<div class="chart[^"]*" id="{chart}"([^>]*)>', owner_page)
        assert tag, chart
        assert 'role="img"' in tag.group(1)
        assert 'aria-label="' in tag.group(1)
        assert "hidden" in tag.group(1), "charts stay hidden until the script draws them"
    for caption in (
        "Jerks per day,",
        "Response to each medication change",
        "Trend of jerks per week on a stable dose",
        "Jerks on days with each factor versus days without",
        "Average jerks per logged day, by weekday",
        "Doses taken, the day after a missed dose, and side effects reported",
    ):
        assert f"<caption>{caption}" in owner_page, caption


def test_the_chart_data_keeps_missing_days_missing(owner_page: str) -> None:
    data = chart_data(owner_page)
    daily = data["daily"]
    assert isinstance(daily, list)
    assert len(daily) > 150  # six months
    assert daily[-1][0] == TODAY.isoformat()
    assert daily[-1][1] is None
    assert all(isinstance(d[1], int | float) for d in daily[:-1])
    changes = data["changes"]
    assert isinstance(changes, list)
    assert len(changes) >= 3  # the demo plants three changes
    label = re.compile(r"^\w+ (started, [\d.]+ mg/day|[\d.]+ → [\d.]+ mg/day|stopped .*)$")
    assert all(label.match(c["label"]) for c in changes), changes
    responses = data["responses"]
    assert isinstance(responses, list)
    shown = [r for r in responses if r["ratio"] is not None]
    assert all(r["low"] < r["ratio"] < r["high"] for r in shown)
    assert any(r["direction"] == "fewer" and r["high"] < 1 for r in shown)
    heat = data["heatmap"]
    assert isinstance(heat, dict)
    assert len(heat["values"]) == 7
    assert all(len(row) == 24 for row in heat["values"])


def test_the_page_loads_nothing_from_another_site(owner_page: str, demo_app: FastAPI) -> None:
    for attribute, url in re.findall(r'\b(src|href|action)="([^"]*)"', owner_page):
        assert url.startswith(("/", "#", "?")), (attribute, url)
        assert not url.startswith("//"), (attribute, url)
    assert not re.search(r"https?://", DATA.sub("", owner_page))
    scripts = re.findall(r'<script src="([^"]+)"', owner_page)
    assert "/static/vendor/echarts/echarts.min.js" in scripts
    assert "/static/insights.js" in scripts
    assert "<script>" not in owner_page, "the Content-Security-Policy allows no inline script"
    with TestClient(demo_app) as client:
        for url in [*scripts, "/static/insights.css"]:
            assert client.get(url).status_code == 200, url


def test_the_vendored_library_ships_with_its_licence() -> None:
    folder = files("myoscope.web") / "static" / "vendor" / "echarts"
    assert (folder / "echarts.min.js").is_file()
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert "Apache ECharts" in (folder / "NOTICE").read_text(encoding="utf-8")


@pytest.mark.parametrize("who", ["clinician", "carer"])
def test_shared_accounts_see_the_insights(
    who: str, sign_in_demo: object, demo: DemoAccounts
) -> None:
    account = getattr(demo, who)
    browser = sign_in_demo(account.email)  # type: ignore[operator]
    response = browser.get(f"/d/{demo.patient.id}/insights")
    assert response.status_code == 200
    assert "possible tolerance" in response.text
    assert "You are looking at the diary of" in response.text


def test_visitors_are_sent_to_sign_in(demo_app: FastAPI, demo: DemoAccounts) -> None:
    with TestClient(demo_app) as client:
        response = client.get(f"/d/{demo.patient.id}/insights", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


def test_an_unknown_diary_is_not_found(alice: Browser) -> None:
    response = alice.get(alice.d("insights", "0" * 32))
    assert response.status_code == 404
    assert "We could not find this page" in response.text


def test_another_patient_cannot_open_the_demo_insights(
    sign_in_demo: object, demo_services: tuple[Services, DemoAccounts], demo: DemoAccounts
) -> None:
    from myoscope.domain.diary import AccountIn, Role

    services = demo_services[0]
    services.accounts.create(
        AccountIn(email="stranger@example.org", role=Role.PATIENT), DEMO_PASSWORD
    )
    stranger = sign_in_demo("stranger@example.org")  # type: ignore[operator]
    response = stranger.get(f"/d/{demo.patient.id}/insights")
    assert response.status_code == 404
    assert "possible tolerance" not in response.text
    assert "Alex" not in response.text


def test_a_period_narrows_the_page(sign_in_demo: object, demo: DemoAccounts) -> None:
    browser = sign_in_demo(demo.patient.email)  # type: ignore[operator]
    response = browser.get(f"/d/{demo.patient.id}/insights?from=2026-03-01&to=2026-04-30")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "Period: 1 Mar 2026 to 30 Apr 2026" in text
    assert 'value="2026-03-01"' in response.text
    assert f"/d/{demo.patient.id}/report.pdf?from=2026-03-01&amp;to=2026-04-30" in response.text
    assert len(chart_data(response.text)["daily"]) == 61  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "The start date '2026-13-01' is not a date"),
        ("to=yesterday", "The end date 'yesterday' is not a date"),
        ("from=0001-01-01", "outside the years a diary can hold"),
        ("from=2026-05-01&to=2026-04-01", "The start date (2026-05-01) is after the end date"),
    ],
)
def test_bad_dates_give_the_page_with_a_message(
    query: str, message: str, sign_in_demo: object, demo: DemoAccounts
) -> None:
    browser = sign_in_demo(demo.patient.email)  # type: ignore[operator]
    response = browser.get(f"/d/{demo.patient.id}/insights?{query}")
    assert response.status_code == 422
    text = text_of(response.text)
    assert message in text
    assert "The page shows the whole diary instead" in text
    assert "possible tolerance" in text  # the whole diary, still shown
    assert 'class="error-summary"' in response.text


def test_an_empty_diary_says_there_is_not_enough_data(alice: Browser) -> None:
    response = alice.get(alice.d("insights"))
    assert response.status_code == 200
    text = text_of(response.text)
    assert "not medical advice" in text
    assert "Not enough data" in text
    assert "0 logged days in the last 28" in text
    assert "nothing to compare yet (not enough data)" in text
    assert "No factor was recorded on at least 3 days" in text
    assert "Last episode: none recorded" in text
    assert 'id="chart-heatmap"' not in response.text  # no pattern to draw
    assert "Traceback" not in response.text


def test_parse_day_and_the_moving_average() -> None:
    assert parse_day(" 2026-02-03 ", "start") == date(2026, 2, 3)
    assert parse_day("", "start") is None
    with pytest.raises(Exception, match="write it as year-month-day"):
        parse_day("3/2/2026", "start")
    values: list[float | None] = [1, 2, 3, None, 5, 6, None, None, None, None, None]
    averages = rolling_mean(values, window=3, min_logged=2)
    assert averages[:3] == [None, 1.5, 2.0]
    assert averages[3] == 2.5  # the missing day is skipped, not counted as zero
    assert averages[-1] is None  # too few logged days in the window: a gap


def test_a_change_without_enough_days_is_greyed_with_its_reason(
    alice: Browser, services: Services
) -> None:
    from datetime import UTC, datetime, timedelta

    from myoscope.services.diary import EPISODES, REGIMENS

    diary = services.diaries.open(services.accounts.get(alice.id))
    services.diaries.add(
        diary,
        REGIMENS,
        {
            "drug": "levetiracetam",
            "dose_amount": 500,
            "times_per_day": 2,
            "started_on": "2026-06-10",
        },
    )
    for days_ago in range(1, 10):
        when = datetime(2026, 6, 15, 9, tzinfo=UTC) - timedelta(days=days_ago)
        services.diaries.add(diary, EPISODES, {"started_at": when, "count": 5, "intensity": 4})
    response = alice.get(alice.d("insights"))
    assert response.status_code == 200
    greyed = re.findall(
        r'<li class="finding direction-none not-enough">(.*?)</li>', response.text, re.S
    )
    words = " ".join(text_of(item) for item in greyed if "Levetiracetam" in item)
    assert "Levetiracetam started, 1000 mg/day (10 Jun 2026)" in words, "not shown greyed"
    assert "Not enough data" in words
    assert "at least 14 are needed on each side" in words
    row = chart_data(response.text)["responses"][0]  # type: ignore[index]
    assert row["ratio"] is None
    assert row["enough"] is False


def test_sensor_counts_are_shown_apart_and_labelled_sensor(
    alice: Browser, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = services.insights.insights

    def with_sensor(diary: object, **period: object) -> dict[str, object]:
        doc = real(diary, **period)  # type: ignore[arg-type]
        doc["sensor"] = {
            "recordings": 2,
            "confirmed_jerks_per_hour_median": 41.5,
            "daily": [
                {
                    "date": "2026-06-15",
                    "confirmed": 37,
                    "pending": 4,
                    "false_alarm": 2,
                    "recorded_h": 1.5,
                }
            ],
            "note": "jerks found in sensor recordings and confirmed by the person or a clinician",
        }
        return doc

    monkeypatch.setattr(services.insights, "insights", with_sensor)
    response = alice.get(alice.d("insights"))
    assert response.status_code == 200
    section = response.text.split('id="sensor-heading"', 1)[1].split("</section>", 1)[0]
    words = text_of(section)
    assert "sensor Recordings" in words
    assert "2 analysed recordings; median 41.5 confirmed sensor jerks per hour recorded" in words
    assert "15 Jun 2026 no entry 37 4 2 1.5" in words  # the diary's own count beside it
