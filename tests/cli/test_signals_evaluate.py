"""`myoscope signals evaluate`: the evaluation report as text and JSON, and its errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from myoscope.cli.main import cli


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["signals", "evaluate", *args])
    return result.exit_code, result.output


def test_text_report() -> None:
    code, out = _run("--scenario", "clean", "--scenario", "walking", "--seeds", "1")
    assert code == 0, out
    assert "clean" in out
    assert "walking" in out
    assert "met" in out
    assert "none while walking" in out


def test_json_report() -> None:
    code, out = _run("--scenario", "negative", "--seeds", "1", "--minutes", "1", "--format", "json")
    assert code == 0, out
    (result,) = json.loads(out)
    assert result["scenario"] == "negative"
    assert result["scores"]["f1"] >= 0.9
    assert result["met"] is True


def test_unknown_scenario_is_a_clear_error() -> None:
    code, out = _run("--scenario", "nope")
    assert code == 2
    assert "Unknown scenario nope" in out
    assert "Traceback" not in out


def test_bad_minutes() -> None:
    code, out = _run("--minutes", "0")
    assert code == 2
    assert "0.5" in out
