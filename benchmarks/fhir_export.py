"""FHIR export of a five-year diary: Myoscope's exporter against the "obvious" way.

Usage::

    uv run python benchmarks/fhir_export.py [--episodes 50000] [--repeat 3]

The diary is synthetic and deterministic: five years (1,826 days) with about 50,000 episodes,
a check-in every day, two doses a day, medication changes and side effects. Times are the best
of ``--repeat`` runs (wall clock, one process).

- **myoscope**: :func:`myoscope.fhir.diary_to_bundle` builds the Bundle as plain dicts;
- **myoscope + JSON**: the same, serialised to compact JSON with orjson (what the API sends);
- **myoscope validate=True**: the same, with every resource validated by the R4B models;
- **peer (fhir.resources)**: the obvious way with the library, in the same run: build each
  resource as an R4B model object (``Observation.model_validate(...)`` for every resource, the
  Bundle as ``Bundle.model_validate``) and serialise with the library's ``model_dump_json``.

The ratios printed are peer time / Myoscope time (higher is faster for Myoscope).
"""

from __future__ import annotations

import argparse
import platform
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from myoscope.domain.diary import (
    Account,
    BodyArea,
    CheckIn,
    CountBand,
    Dose,
    DoseStatus,
    Episode,
    JerkKind,
    Regimen,
    Role,
    Severity,
    SideEffect,
    Trigger,
)
from myoscope.fhir import diary_to_bundle
from myoscope.fhir.export import encode_bundle
from myoscope.knowledge import load_knowledge_base

DAYS = 1826
START = date(2021, 1, 1)


def _id(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


def synthetic_diary(episodes: int, seed: int = 5) -> dict[str, Any]:
    """Return a five-year synthetic diary (domain records) with about ``episodes`` episodes."""
    rng = random.Random(seed)
    patient = "b" * 32
    per_day = episodes / DAYS

    def stamp(at: datetime) -> dict[str, Any]:
        return {"patient_id": patient, "created_at": at, "updated_at": at}

    regimens: list[Regimen] = []
    previous: Regimen | None = None
    for year in range(5):  # levetiracetam, raised every year; clonazepam from year 3
        started = START + timedelta(days=365 * year)
        stopped = START + timedelta(days=365 * (year + 1)) if year < 4 else None
        at = datetime(started.year, started.month, started.day, 9, tzinfo=UTC)
        regimen = Regimen(
            id=_id(rng),
            drug="levetiracetam",
            drug_id="drug:levetiracetam",
            dose_amount=500.0 + 250 * year,
            times_per_day=2,
            started_on=started,
            stopped_on=stopped,
            stop_reason="dose changed" if stopped else None,
            replaces_id=previous.id if previous else None,
            **stamp(at),
        )
        regimens.append(regimen)
        previous = regimen
    clonazepam = Regimen(
        id=_id(rng),
        drug="Rivotril",
        drug_id="drug:clonazepam",
        dose_amount=0.5,
        times_per_day=1,
        started_on=START + timedelta(days=900),
        **stamp(datetime(2023, 6, 20, 9, tzinfo=UTC)),
    )
    regimens.append(clonazepam)
    areas, triggers = list(BodyArea), list(Trigger)
    records: dict[str, list[Any]] = {"episodes": [], "checkins": [], "doses": [], "effects": []}
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        for _ in range(int(per_day) + (rng.random() < per_day % 1)):
            start = midnight + timedelta(minutes=rng.randrange(6 * 60, 23 * 60))
            count = rng.randint(1, 40)
            banded = rng.random() < 0.2
            records["episodes"].append(
                Episode(
                    id=_id(rng),
                    started_at=start,
                    ended_at=start + timedelta(minutes=rng.randint(1, 20))
                    if rng.random() < 0.5
                    else None,
                    count=None if banded else count,
                    count_band=CountBand.for_count(count) if banded else None,
                    intensity=rng.randint(0, 10),
                    body_areas=rng.sample(areas, rng.randint(1, 3)),
                    kind=JerkKind.NEGATIVE if rng.random() < 0.1 else JerkKind.POSITIVE,
                    triggers=rng.sample(triggers, rng.randint(0, 2)),
                    fell=rng.random() < 0.01,
                    note="Spilled tea." if rng.random() < 0.05 else None,
                    **stamp(start + timedelta(minutes=5)),
                )
            )
        evening = midnight + timedelta(hours=21)
        records["checkins"].append(
            CheckIn(
                id=_id(rng),
                day=day,
                severity=rng.randint(0, 10),
                walking=rng.randint(0, 4),
                eating=rng.randint(0, 4),
                writing=rng.randint(0, 4),
                sleep_hours=rng.randint(20, 36) / 4,
                mood=rng.randint(1, 5),
                **stamp(evening),
            )
        )
        regimen = next(r for r in regimens[:5] if r.active_on(day))
        for hour in (8, 20):
            due = midnight + timedelta(hours=hour)
            skipped = rng.random() < 0.05
            records["doses"].append(
                Dose(
                    id=_id(rng),
                    regimen_id=regimen.id,
                    drug=regimen.drug,
                    amount=regimen.dose_amount,
                    unit=regimen.dose_unit,
                    status=DoseStatus.SKIPPED if skipped else DoseStatus.TAKEN,
                    taken_at=due,
                    scheduled_at=due,
                    **stamp(due),
                )
            )
        if offset % 90 == 45:
            records["effects"].append(
                SideEffect(
                    id=_id(rng),
                    effect="drowsiness",
                    severity=Severity.MILD,
                    started_at=midnight + timedelta(hours=14),
                    regimen_id=regimen.id,
                    **stamp(midnight + timedelta(hours=15)),
                )
            )
    account = Account(
        id=patient,
        email="bench@example.org",
        role=Role.PATIENT,
        display_name="Bench Mark",
        created_at=datetime(2020, 12, 1, tzinfo=UTC),
    )
    profile = {
        "age_years": 58,
        "sex": "female",
        "myoclonus": {"physiology": "cortical", "etiology": "post-hypoxic-chronic"},
        "conditions": ["CKD stage 3"],
    }
    return {
        "account": account,
        "regimens": regimens,
        "episodes": records["episodes"],
        "checkins": records["checkins"],
        "doses": records["doses"],
        "side_effects": records["effects"],
        "profile": profile,
    }


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """Return the shortest wall time of ``repeat`` runs and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    """Time the exporter and the peer and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="Skip validate=True and the peer (slow)."
    )
    args = parser.parse_args()

    import fhir.resources
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    kb = load_knowledge_base()
    diary = synthetic_diary(args.episodes)
    records = sum(
        len(diary[k]) for k in ("regimens", "episodes", "checkins", "doses", "side_effects")
    )

    def export(validate: bool = False) -> dict[str, Any]:
        return diary_to_bundle(
            diary["account"],
            episodes=diary["episodes"],
            checkins=diary["checkins"],
            regimens=diary["regimens"],
            doses=diary["doses"],
            side_effects=diary["side_effects"],
            profile=diary["profile"],
            kb=kb,
            validate=validate,
        )

    def export_json() -> bytes:
        return encode_bundle(export())

    def peer() -> bytes:
        # The obvious way: every resource an R4B model object, the Bundle a model, the
        # library's own serialiser. (The same resource content as Myoscope's, so the two write
        # the same Bundle.)
        plain = export()
        entries = []
        for entry in plain["entry"]:
            resource = entry["resource"]
            model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
            entries.append({"fullUrl": entry["fullUrl"], "resource": model})
        bundle = Bundle.model_validate({**plain, "entry": entries})
        return bundle.model_dump_json(exclude_none=True).encode()

    t_build, bundle = best_of(args.repeat, export)
    t_json, body = best_of(args.repeat, export_json)
    if args.quick:
        t_validate = t_peer = float("nan")
    else:
        t_validate, _ = best_of(max(1, args.repeat - 1), lambda: export(validate=True))
        t_peer, _ = best_of(max(1, args.repeat - 1), peer)
    entries = len(bundle["entry"])

    print(
        f"FHIR export of a five-year diary ({platform.python_version()}, "
        f"fhir.resources {fhir.resources.__version__}, best of {args.repeat})"
    )
    print(
        f"  records: {records:,} ({len(diary['episodes']):,} episodes, "
        f"{len(diary['checkins']):,} check-ins, {len(diary['doses']):,} doses); "
        f"Bundle entries: {entries:,}; JSON: {len(body) / 1e6:.1f} MB"
    )
    rows = [
        ("myoscope diary_to_bundle (dicts)", t_build),
        ("myoscope + compact JSON", t_json),
        ("myoscope validate=True (R4B models)", t_validate),
        ("peer: R4B models + Bundle.model_dump_json", t_peer),
    ]
    for name, seconds in rows:
        print(f"  {name:<44} {seconds:7.3f} s   {entries / seconds:10,.0f} resources/s")
    print(f"  ratio peer / myoscope (dicts):        {t_peer / t_build:5.1f}x")
    print(f"  ratio peer / myoscope + JSON:         {t_peer / t_json:5.1f}x")
    print(
        f"  target (issue 5): export under 2 s: the Bundle in {t_build:.2f} s "
        f"({'met' if t_build < 2 else 'NOT met'}); with JSON serialisation {t_json:.2f} s "
        f"({'met' if t_json < 2 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
