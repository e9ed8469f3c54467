"""Keyboard-only use and a phone-sized screen."""

from __future__ import annotations

from typing import Any

from .conftest import PASSWORD, Patient, sign_in

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    name: el.getAttribute('name'),
    type: el.getAttribute('type'),
    text: (el.innerText || el.value || '').trim().slice(0, 60),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
  };
}"""


def _tab_to(page: Any, wanted: Any, limit: int = 60) -> dict[str, Any]:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused: dict[str, Any] = page.evaluate(FOCUSED)
        assert focused["outline"] or focused["type"] == "radio", f"no visible focus on {focused}"
        if wanted(focused):
            return focused
    raise AssertionError("the keyboard never reached the control")


def test_keyboard_only_sign_in_and_quick_log(new_page: Any, patient: Patient) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto(f"{patient.server.url}/login")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    _tab_to(page, lambda f: f["name"] == "email")
    page.keyboard.type(patient.account.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(patient.diary())

    _tab_to(page, lambda f: f["name"] == "intensity")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # Mild -> Moderate
    _tab_to(page, lambda f: f["name"] == "count_band")
    page.keyboard.press("Space")  # 1 jerk
    _tab_to(page, lambda f: f["text"] == "Save episode now")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Episode recorded")
    expect(page.locator("#entries-heading + ul")).to_contain_text("1 jerk, intensity 5/10")


def test_a_phone_screen_has_no_sideways_scrolling_and_big_targets(
    new_page: Any, patient: Patient
) -> None:
    from playwright.sync_api import expect

    page = new_page(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    sign_in(page, patient)
    for name in (
        "today",
        "history",
        "history/calendar",
        "medications",
        "side-effects",
        "profile",
        "options",
        "doses",
    ):
        page.goto(patient.diary(name))
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px on a phone"
    page.goto(patient.diary())
    save = page.get_by_role("button", name="Save episode now")
    box = save.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] >= 280
    tile = page.locator("form.quick label.option").first.bounding_box()
    assert tile is not None
    assert tile["height"] >= 44
    quick = page.locator("form.quick")
    quick.locator("label.option", has_text="Strong").tap()
    quick.locator("label.option", has_text="More than 50").tap()
    save.tap()
    expect(page.get_by_role("status")).to_contain_text("Episode recorded")
