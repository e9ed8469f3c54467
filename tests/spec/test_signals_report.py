"""The evaluation report across the scenarios of issue 4 meets every aim on its seeds."""

from __future__ import annotations

import pytest

from myoscope.errors import SignalError
from myoscope.signals.report import SCENARIOS, evaluate_scenarios


def test_every_scenario_meets_its_aims() -> None:
    results = evaluate_scenarios()
    assert [r.name for r in results] == [
        "clean",
        "ecg",
        "mains",
        "low_snr",
        "dense",
        "negative",
        "walking",
    ]
    for r in results:
        assert r.met, r.to_dict()
        assert r.scores.tp + r.scores.fn > 20  # enough true events to mean something
    walking = results[-1]
    assert walking.extra["jerks_counted_while_walking"] == 0.0


def test_report_is_reproducible() -> None:
    a = evaluate_scenarios(["low_snr"], seeds=[5], minutes=1.0)[0].to_dict()
    b = evaluate_scenarios(["low_snr"], seeds=[5], minutes=1.0)[0].to_dict()
    assert a == b


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"names": ["nope"]}, "Unknown scenario nope"),
        ({"seeds": []}, "at least one seed"),
        ({"minutes": 0.1}, "at least 0.5"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SignalError, match=message):
        evaluate_scenarios(**kwargs)  # type: ignore[arg-type]


def test_scenarios_are_described() -> None:
    assert all(s.description for s in SCENARIOS.values())
