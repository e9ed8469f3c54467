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
