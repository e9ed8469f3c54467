"""Arbitrary valid episodes and doses come back unchanged from the database (every backend).

The PostgreSQL leg runs when ``MYOSCOPE_TEST_POSTGRES_URL`` is set, in a schema of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import create_engine, make_url
from sqlalchemy.pool import NullPool

from myoscope.domain.diary import (
    Account,
    BodyArea,
    CountBand,
    Dose,
    DoseStatus,
    DoseUnit,
    Episode,
    JerkKind,
    Role,
    Trigger,
)
from myoscope.storage import SqlDiaryRepository, open_repository

POSTGRES_URL = os.environ.get("MYOSCOPE_TEST_POSTGRES_URL")
ROUNDTRIP = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# PostgreSQL text cannot hold NUL characters (the domain allows them; see the storage report).
TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=60)
MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 2),
    max_value=datetime(2200, 1, 1),
    timezones=st.just(UTC) | st.timezones(),
)
AMOUNTS = st.floats(min_value=0, max_value=100_000, exclude_min=True, allow_nan=False)


@pytest.fixture(
    scope="module",
    params=[
        "sqlite-memory",
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(
                not POSTGRES_URL, reason="MYOSCOPE_TEST_POSTGRES_URL is not set"
            ),
        ),
    ],
)
def diary(request: pytest.FixtureRequest) -> Iterator[tuple[SqlDiaryRepository, str]]:
    if request.param == "sqlite-memory":
        with open_repository("sqlite://") as repository:
            yield repository, _patient(repository)
        return
    assert POSTGRES_URL
    admin = create_engine(POSTGRES_URL, poolclass=NullPool)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with open_repository(url.render_as_string(hide_password=False)) as repository:
            yield repository, _patient(repository)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _patient(repository: SqlDiaryRepository) -> str:
    account = Account(email="p@example.org", role=Role.PATIENT, created_at=datetime.now(UTC))
    repository.accounts.add(account, "hash")
    return account.id


def _record(model: type[Any], data: dict[str, Any], patient_id: str, created: datetime) -> Any:
    try:
        return model.model_validate(
            {**data, "patient_id": patient_id, "created_at": created, "updated_at": created}
        )
    except ValidationError:
        reject()


@st.composite
def episode_fields(draw: st.DrawFn) -> dict[str, Any]:
    started = draw(MOMENTS)
    count = draw(st.none() | st.integers(1, 100_000))
    if count is None:
        band: CountBand | None = draw(st.sampled_from(CountBand))
    else:
        band = draw(st.sampled_from([None, CountBand.for_count(count), CountBand.CONTINUOUS]))
    return {
        "started_at": started,
        "ended_at": draw(
            st.none()
            | st.timedeltas(timedelta(0), timedelta(days=2)).map(lambda length: started + length)
        ),
        "count": count,
        "count_band": band,
        "intensity": draw(st.integers(0, 10)),
        "body_areas": draw(st.lists(st.sampled_from(BodyArea), unique=True)),
        "kind": draw(st.sampled_from(JerkKind)),
        "triggers": draw(st.lists(st.sampled_from(Trigger), unique=True)),
        "fell": draw(st.booleans()),
        "note": draw(st.none() | TEXT),
    }


@st.composite
def dose_fields(draw: st.DrawFn) -> dict[str, Any]:
    regimen_id = draw(st.none() | st.uuids().map(lambda u: u.hex))
    return {
        "regimen_id": regimen_id,
        "drug": draw(TEXT.filter(str.strip)) if regimen_id is None else draw(st.none() | TEXT),
        "amount": draw(st.none() | AMOUNTS),
        "unit": draw(st.none() | st.sampled_from(DoseUnit)),
        "status": draw(st.sampled_from(DoseStatus)),
        "taken_at": draw(MOMENTS),
        "scheduled_at": draw(st.none() | MOMENTS),
        "as_needed": draw(st.booleans()),
        "note": draw(st.none() | TEXT),
    }


@ROUNDTRIP
@given(fields=episode_fields(), created=MOMENTS)
def test_an_episode_round_trips(
    diary: tuple[SqlDiaryRepository, str], fields: dict[str, Any], created: datetime
) -> None:
    repository, patient_id = diary
    episode = _record(Episode, fields, patient_id, created)
    repository.episodes.add(episode)
    assert repository.episodes.get(patient_id, episode.id) == episode


@ROUNDTRIP
@given(fields=dose_fields(), created=MOMENTS)
def test_a_dose_round_trips(
    diary: tuple[SqlDiaryRepository, str], fields: dict[str, Any], created: datetime
) -> None:
    repository, patient_id = diary
    dose = _record(Dose, fields, patient_id, created)
    repository.doses.add(dose)
    assert repository.doses.get(patient_id, dose.id) == dose
