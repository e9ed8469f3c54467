"""The benchmark scripts stay runnable: their inputs are valid and their translations complete."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from myoscope.knowledge import load_knowledge_base

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "engine.py"


def load_script():
    spec = importlib.util.spec_from_file_location("benchmark_engine", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_engine_benchmark_generates_valid_profiles_and_translates_every_rule():
    script = load_script()
    kb = load_knowledge_base()
    assert len(script.generate_profiles(300, 7, kb)) == 300
    for rule in kb.rules:
        assert script.translate(rule.when)


def test_load_benchmark_episodes_are_valid_diary_entries():
    """The server benchmark posts what the API accepts (its inputs follow the domain model)."""
    from datetime import UTC, datetime

    from myoscope.domain.diary import EpisodeIn

    path = SCRIPT.parent / "api_load.py"
    spec = importlib.util.spec_from_file_location("benchmark_api_load", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    end = datetime(2026, 6, 1, tzinfo=UTC)
    for row in module.history(end, 7, 4, 1):
        EpisodeIn.model_validate(row)
    EpisodeIn.model_validate(module.new_episode(1, 0, 0, end))


def test_signals_benchmark_scenarios_are_valid_recordings_with_ground_truth():
    """Every scenario of the signals benchmark is a finite multi-channel EMG with its bursts."""
    import numpy as np

    path = SCRIPT.parent / "signals.py"
    spec = importlib.util.spec_from_file_location("benchmark_signals", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        sims = module.scenarios(0.25, 2, seed=3)
    finally:
        del sys.modules[spec.name]
    assert set(sims) == set(module.SCENARIOS)
    for sim in sims.values():
        assert sim.signal.shape == (2, int(15 * module.RATE))
        assert np.all(np.isfinite(sim.signal))
        bursts = sim.of("positive")
        assert {e.channel for e in bursts} == set(sim.channels)
        rest_end = module.REST_S[1]
        assert all(rest_end < e.onset_s < e.offset_s <= 15.0 for e in bursts)
