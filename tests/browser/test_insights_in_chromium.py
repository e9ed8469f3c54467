"""Chromium opens the demo patient's insights: the charts draw, respond, and fit a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from myoscope.errors import ConflictError
from myoscope.services.demo import DEMO_PASSWORD, seed_demo

from .conftest import LiveServer, Patient, sign_in

CHARTS = ("chart-burden", "chart-responses", "chart-triggers", "chart-heatmap")


@pytest.fixture(scope="module")
def demo(live_server: LiveServer) -> tuple[str, str]:
    """The demo diary on the live server: (e-mail address, patient id)."""
    services = live_server.services
    try:
        accounts = seed_demo(
            services.accounts,
            services.diaries,
            services.profiles,
            today=datetime.now(UTC).date(),
        )
        return accounts.patient.email, accounts.patient.id
    except ConflictError:  # another test module of this server seeded it already
        found = services.accounts.authenticate("demo@example.org", DEMO_PASSWORD)
        return found.email, found.id


def open_insights(page: Any, server: LiveServer, demo: tuple[str, str]) -> None:
    from playwright.sync_api import expect

    email, patient_id = demo
    page.goto(f"{server.url}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/d/{patient_id}/today")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Insights", exact=True
    ).click()
    expect(page).to_have_title(re.compile("Insights"))


def chart_drawn(page: Any, element_id: str) -> bool:
    """True when the chart's canvas exists, has a size and is not blank."""
    result: bool = page.evaluate(
        """(id) => {
            const canvas = document.querySelector('#' + id + ' canvas');
            if (!canvas || canvas.width < 50 || canvas.height < 50) return false;
            const pixels = canvas.getContext('2d')
                .getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
            return false;
        }""",
        element_id,
    )
    return result


def test_the_demo_insights_draw_their_charts_and_respond(
    new_page: Any, live_server: LiveServer, demo: tuple[str, str]
) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport={"width": 1200, "height": 900})
    open_insights(page, live_server, demo)
    for element_id in CHARTS:
        chart = page.locator(f"#{element_id}")
        expect(chart).to_be_visible()
        expect(chart.locator("canvas")).to_have_count(1)
        assert chart_drawn(page, element_id), element_id
        assert chart.get_attribute("aria-label")

    # the planted findings, in words
    main = page.locator("main")
    expect(main).to_contain_text("fewer jerks")
    expect(main).to_contain_text("possible tolerance")
    expect(main).to_contain_text("more jerks")

    # hovering the daily chart shows that day's numbers
    burden = page.locator("#chart-burden")
    burden.scroll_into_view_if_needed()
    box = burden.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)
    tooltip = page.locator(".chart-tip").first
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(re.compile(r"Jerks: \d+|No entry this day"))

    # hovering a forest-plot row shows its verdict
    responses = page.locator("#chart-responses")
    expect(responses).to_be_visible()
    responses.scroll_into_view_if_needed()
    point = page.evaluate(
        """() => {
            const chart = echarts.getInstanceByDom(document.getElementById('chart-responses'));
            const row = chart.getOption().series[0].data[0];
            return chart.convertToPixel({seriesIndex: 0}, [row[2], row[3]]);
        }"""
    )
    rbox = responses.bounding_box()
    assert rbox is not None
    page.mouse.move(rbox["x"] + point[0], rbox["y"] + point[1])
    expect(page.locator("#chart-responses .chart-tip")).to_contain_text("fewer jerks")

    # Ctrl + wheel zooms the daily chart in
    burden.scroll_into_view_if_needed()
    box = burden.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)
    page.keyboard.down("Control")
    for _ in range(3):
        page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_function(
        """() => {
            const chart = echarts.getInstanceByDom(document.getElementById('chart-burden'));
            const zoom = chart.getOption().dataZoom[0];
            return zoom.end - zoom.start < 100;
        }"""
    )


def test_a_phone_screen_shows_the_charts_without_sideways_scrolling(
    new_page: Any, live_server: LiveServer, demo: tuple[str, str]
) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    open_insights(page, live_server, demo)
    for element_id in CHARTS:
        expect(page.locator(f"#{element_id} canvas")).to_have_count(1)
        assert chart_drawn(page, element_id), element_id
        width = page.locator(f"#{element_id}").bounding_box()["width"]
        assert width <= 360, (element_id, width)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"


def test_without_javascript_the_tables_carry_the_numbers(
    new_page: Any, live_server: LiveServer, demo: tuple[str, str]
) -> None:
    from playwright.sync_api import expect

    page = new_page(java_script_enabled=False)
    open_insights(page, live_server, demo)
    for element_id in CHARTS:
        expect(page.locator(f"#{element_id}")).to_be_hidden()
    page.get_by_text("Table: response to each change").click()
    table = page.get_by_role("table", name="Response to each medication change")
    expect(table).to_be_visible()
    expect(table).to_contain_text("fewer jerks")


def test_a_young_diary_shows_not_enough_data_without_errors(
    new_page: Any, patient: Patient
) -> None:
    from playwright.sync_api import expect

    from myoscope.services.diary import EPISODES, REGIMENS

    services = patient.server.services
    diary = services.diaries.open(patient.account)
    today = services.diaries.today(diary)
    services.diaries.add(
        diary,
        REGIMENS,
        {
            "drug": "levetiracetam",
            "dose_amount": 500,
            "times_per_day": 2,
            "started_on": (today - timedelta(days=4)).isoformat(),
        },
    )
    for days_ago in range(1, 9):
        when = datetime.combine(today - timedelta(days=days_ago), time(12), UTC)
        services.diaries.add(diary, EPISODES, {"started_at": when, "count": 4, "intensity": 3})

    page = new_page(viewport={"width": 800, "height": 900})
    sign_in(page, patient)
    page.goto(patient.diary("insights"))
    expect(page.locator("main")).to_contain_text("Not enough data")
    expect(page.locator("#chart-burden canvas")).to_have_count(1)
    expect(page.locator("#chart-responses canvas")).to_have_count(1)  # one greyed row
    assert chart_drawn(page, "chart-responses")
    expect(page.locator("#chart-triggers")).to_have_count(0)
