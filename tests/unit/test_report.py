"""The clinician report: the data gathered from the demo diary, and the PDF drawn from it.

The PDF is read back as text (pypdf) and as an image (pypdfium2): the key figures must be there
as real text, the report must fit on two pages, and the chart must have ink.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import numpy as np
import pypdf
import pypdfium2
import pytest

from myoscope.bootstrap import Services
from myoscope.domain.diary import AccountIn, AuditAction, Role
from myoscope.errors import InvalidInputError
from myoscope.report import render_pdf
from myoscope.report._chart import MEAN_COLOUR, month_ticks, nice_step, rolling_mean
from myoscope.report.pdf import DASH, MAX_ROWS, _clean
from myoscope.services.demo import DemoAccounts, seed_demo
from myoscope.services.diary import DiaryAccess
from myoscope.services.report import REPORT_TITLE, ReportData
from services_helpers import PASSWORD, Clock, make_services

TODAY = date(2025, 3, 31)


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[Services, DemoAccounts]]:
    services = make_services(clock=Clock(datetime(2025, 3, 31, 18, 0, tzinfo=UTC)))
    accounts = seed_demo(services.accounts, services.diaries, services.profiles, today=TODAY)
    yield services, accounts
    services.close()


@pytest.fixture(scope="module")
def services(seeded: tuple[Services, DemoAccounts]) -> Services:
    return seeded[0]


@pytest.fixture(scope="module")
def diary(seeded: tuple[Services, DemoAccounts]) -> DiaryAccess:
    services, demo = seeded
    return services.diaries.open(services.accounts.get(demo.patient.id))


@pytest.fixture(scope="module")
def data(services: Services, diary: DiaryAccess) -> ReportData:
    return services.report.gather(diary)


@pytest.fixture(scope="module")
def pdf(data: ReportData) -> bytes:
    buffer = io.BytesIO()
    render_pdf(data, out=buffer)
    return buffer.getvalue()


def text_of(content: bytes) -> str:
    """The PDF's text with runs of white space (line breaks in wrapped cells) as one space."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pages_of(content: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(content)).pages)


def ci(values: list[float], digits: int = 2) -> str:
    return f"{values[0]:.{digits}f}{DASH}{values[1]:.{digits}f}"


# -- the data --------------------------------------------------------------------------------
def test_the_report_names_the_patient_period_and_myoclonus(data: ReportData) -> None:
    assert data.patient == "Alex Demo"
    assert (data.age_years, data.sex) == (58, "male")
    assert data.period_to == TODAY
    assert data.generated_on == TODAY
    fields = dict(data.myoclonus)
    assert fields["Physiology"] == "cortical"
    assert fields["Distribution"] == "multifocal"
    assert "post hypoxic" in fields["Cause"]
    assert data.enough_data


def test_frequency_is_given_per_kind_with_the_last_episode_of_each(data: ReportData) -> None:
    jerks, lapses = data.frequency
    assert (jerks.kind, lapses.kind) == ("positive", "negative")
    assert jerks.per_day is not None
    assert lapses.per_day is not None
    assert jerks.per_day > lapses.per_day > 0
    assert jerks.per_day_last is not None
    assert jerks.per_day_last < jerks.per_day
    assert jerks.logged_days == data.days_with_entries
    assert 0 < jerks.logged_days_last <= 28
    assert jerks.last_episode is not None
    assert lapses.last_episode is not None
    assert data.last_episode == max(jerks.last_episode, lapses.last_episode)
    assert data.last_episode.date() <= TODAY


def test_the_regimen_and_its_changes_come_from_the_medication_history(data: ReportData) -> None:
    taking = {r.drug: r.mg_per_day for r in data.regimen}
    assert taking == {"clonazepam": 0.5, "levetiracetam": 2000.0}
    assert [(c.drug, c.kind, c.from_mg_per_day, c.to_mg_per_day) for c in data.changes] == [
        ("levetiracetam", "start", 0.0, 1000.0),
        ("levetiracetam", "dose-change", 1000.0, 2000.0),
        ("clonazepam", "start", 0.0, 0.5),
    ]
    assert [r["change"]["drug"] for r in data.responses] == [c.drug for c in data.changes]


def test_the_findings_planted_in_the_demo_are_in_the_report(data: ReportData) -> None:
    assert all(r["enough_data"] and r["rate_ratio"] < 1 for r in data.responses)
    assert any("possible tolerance" in t["verdict"] for t in data.tolerance)
    assert {t["trigger"] for t in data.triggers} >= {"sleep-loss", "missed-dose"}
    assert data.trigger_comparisons == len(data.triggers)
    assert {a["drug"] for a in data.adherence} == {"clonazepam", "levetiracetam"}
    assert {s["drug"] for s in data.side_effects} == {"clonazepam", "levetiracetam"}


def test_alerts_are_the_engines_for_the_current_profile_critical_first(data: ReportData) -> None:
    assert data.alerts
    order = {"critical": 0, "warning": 1, "info": 2}
    ranks = [order[a.severity] for a in data.alerts]
    assert ranks == sorted(ranks)
    assert all(a.sources for a in data.alerts)
    keys = {key for key, _ in data.sources}
    assert keys == {s for a in data.alerts for s in a.sources}
    # advice on treatment options the person is not taking is left to the Options page
    assert data.alerts_note is None or "treatment options not being taken" in data.alerts_note
    assert data.kb_version


def test_gathering_the_report_is_audited_as_an_export(
    services: Services, diary: DiaryAccess
) -> None:
    services.report.gather(diary, period_from=date(2025, 1, 1))
    latest = services.repository.list_audit(diary.patient_id, limit=5).items
    assert any(e.action is AuditAction.EXPORT and e.resource == "report" for e in latest)


def test_a_period_that_ends_before_it_starts_is_refused(
    services: Services, diary: DiaryAccess
) -> None:
    with pytest.raises(InvalidInputError, match="after it ends"):
        services.report.gather(diary, period_from=date(2025, 3, 1), period_to=date(2025, 2, 1))


def test_a_shorter_period_narrows_the_changes_and_the_chart(
    services: Services, diary: DiaryAccess
) -> None:
    part = services.report.gather(diary, period_from=date(2025, 1, 15), period_to=date(2025, 3, 15))
    assert [c.drug for c in part.changes] == ["clonazepam"]
    assert part.burden[0][0] == date(2025, 1, 15)
    assert part.burden[-1][0] == date(2025, 3, 15)
    assert len(part.burden) == part.days


# -- the PDF ---------------------------------------------------------------------------------
def test_the_pdf_fits_on_two_pages(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    assert 1 <= pages_of(pdf) <= 2


def test_the_pdf_text_holds_the_key_figures(pdf: bytes, data: ReportData) -> None:
    text = text_of(pdf)
    assert REPORT_TITLE in text
    assert "Alex Demo" in text
    assert "cortical" in text
    assert "multifocal" in text
    jerks, lapses = data.frequency
    assert f"{jerks.per_day:.1f}" in text
    assert f"{lapses.per_day:.1f}" in text
    assert data.last_episode is not None
    assert data.last_episode.strftime("%Y-%m-%d %H:%M") in text
    for drug in ("levetiracetam", "clonazepam"):
        assert drug in text
    for response in data.responses:
        assert f"{response['rate_ratio']:.2f}" in text
        assert ci(response["ci95"]) in text
    tolerant = next(t for t in data.tolerance if "possible tolerance" in t["verdict"])
    assert "possible tolerance" in text
    assert ci(tolerant["ci95"], 3) in text
    assert "sleep loss" in text
    assert f"{data.trigger_comparisons} comparisons" in text
    assert " ".join(data.alerts[0].text.split()) in text
    assert "WARNING" in text or "CRITICAL" in text
    assert data.disclaimer in text


def test_page_one_renders_with_ink_in_the_chart(pdf: bytes) -> None:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = np.asarray(document[0].render(scale=1.5).to_pil().convert("RGB"), dtype=np.int16)
    finally:
        document.close()
    assert (image < 250).any(axis=2).mean() > 0.02  # not blank
    target = np.array([int(MEAN_COLOUR[k : k + 2], 16) for k in (1, 3, 5)], dtype=np.int16)
    near = (np.abs(image - target).sum(axis=2) < 60).sum()
    assert near > 200, "the chart's 7-day mean line is missing from page 1"


def test_the_pdf_can_be_written_to_a_path(data: ReportData, tmp_path: object) -> None:
    from pathlib import Path

    out = Path(str(tmp_path)) / "report.pdf"
    render_pdf(data, out=out)
    assert pages_of(out.read_bytes()) <= 2


def test_the_sensor_summary_prints_when_recordings_exist(data: ReportData) -> None:
    with_sensor = dataclasses.replace(
        data, sensor={"recordings": 3, "confirmed_jerks_per_hour_median": 41.0}
    )
    buffer = io.BytesIO()
    render_pdf(with_sensor, out=buffer)
    text = text_of(buffer.getvalue())
    assert "3 analysed recording(s)" in text
    assert "41.0 confirmed jerks per hour" in text


def test_an_empty_diary_gives_a_valid_pdf_saying_there_is_not_enough_data(
    services: Services,
) -> None:
    account = services.accounts.create(
        AccountIn(email="empty@example.org", role=Role.PATIENT), PASSWORD
    )
    empty = services.report.gather(services.diaries.open(account))
    assert not empty.enough_data
    assert empty.responses == []
    assert empty.regimen == []
    assert empty.alerts == []
    assert empty.alerts_note is not None
    buffer = io.BytesIO()
    render_pdf(empty, out=buffer)
    text = text_of(buffer.getvalue())
    assert pages_of(buffer.getvalue()) == 1
    assert "Not enough data" in text
    assert "the patient" in text
    assert "No profile is stored" in text


def test_month_ticks_stay_few_over_five_years() -> None:
    ticks = month_ticks(date(2021, 1, 10), date(2025, 12, 31))
    assert 4 <= len(ticks) <= 10
    assert all(t.day == 1 for t in ticks)
    assert month_ticks(date(2025, 3, 5), date(2025, 3, 20)) == [date(2025, 3, 5)]


def test_the_chart_axis_steps_are_round_numbers() -> None:
    assert [nice_step(t) for t in (1, 7, 23, 130, 2400)] == [1.0, 2.0, 5.0, 50.0, 500.0]
    assert nice_step(0) == 1.0


def test_the_seven_day_mean_skips_missing_days_and_needs_four_logged() -> None:
    values: list[float | None] = [10, None, 20, None, 30, 40, None, None, None, None, None]
    means = rolling_mean(values)
    assert means[:3] == [None, None, None]
    assert means[5] == 25.0  # 10, 20, 30 and 40 in the last seven days
    assert means[6] == 25.0
    assert means[7] is None  # only 20, 30, 40 left in the window


def test_long_histories_list_the_latest_changes_and_say_what_is_left_out(data: ReportData) -> None:
    many = dataclasses.replace(data, changes=data.changes * 5, responses=data.responses * 5)
    buffer = io.BytesIO()
    render_pdf(many, out=buffer)
    text = text_of(buffer.getvalue())
    assert f"{len(many.changes) - MAX_ROWS} earlier changes are left out here" in text
    assert pages_of(buffer.getvalue()) <= 2


def test_helvetica_text_is_escaped_and_kept_to_latin_1() -> None:
    assert _clean(f"≥ 3 {DASH} 5 <b> µ →", "Helvetica") == "&gt;= 3 - 5 &lt;b&gt; µ -&gt;"
    assert _clean("≥ <b>", "DejaVuSans") == "≥ &lt;b&gt;"


def test_period_bounds_outside_the_calendar_are_refused(
    services: Services, diary: DiaryAccess
) -> None:
    # the report reads the insights' daily series; dates beyond the diary's calendar (and
    # beyond what a datetime can hold with an offset) never reach it
    for bounds in ({"period_from": date.min}, {"period_to": date.max}):
        with pytest.raises(InvalidInputError, match="outside the diary's calendar"):
            services.report.gather(diary, **bounds)
