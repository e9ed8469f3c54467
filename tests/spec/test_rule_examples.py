"""Every example of every rule, run through the engine: the rules' executable specification."""

from __future__ import annotations

import pytest

from myoscope.knowledge import load_knowledge_base
from myoscope.rules.examples import run_example

KB = load_knowledge_base()
CASES = [(rule, example) for rule in KB.rules for example in rule.examples]


@pytest.mark.parametrize(("rule", "example"), CASES, ids=[f"{r.id}::{e.name}" for r, e in CASES])
def test_rule_example(rule, example):
    result = run_example(KB, rule, example)
    assert result.passed, result.message


def test_every_rule_has_a_firing_and_a_non_firing_example():
    for rule in KB.rules:
        expectations = {e.expect for e in rule.examples}
        assert "fires" in expectations, rule.id
        assert expectations - {"fires"}, rule.id
