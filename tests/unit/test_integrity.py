"""kb check reports every kind of problem with file, field and a "did you mean"."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from myoscope.errors import KnowledgeBaseError
from myoscope.knowledge import bundled_root, check_knowledge_base, read_knowledge_base

Edit = Callable[[str, Callable[[dict], None]], None]


@pytest.fixture
def broken(tmp_path: Path) -> tuple[Path, Edit]:
    root = tmp_path / "kb"
    shutil.copytree(str(bundled_root()), root)

    def edit(relative: str, change: Callable[[dict], None]) -> None:
        path = root / relative
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    return root, edit


def messages(root: Path) -> list[str]:
    return [str(p) for p in check_knowledge_base(root) if p.level == "error"]


def test_bundled_knowledge_base_has_no_errors():
    assert messages(Path(str(bundled_root()))) == []


def test_dangling_reference_is_reported_with_a_suggestion(broken):
    root, edit = broken
    edit(
        "rules/safety/valproate-polg.yaml",
        lambda d: d["evidence"].__setitem__("references", ["ref:label-valproat"]),
    )
    assert (
        "rules/safety/valproate-polg.yaml: evidence.references[0]: 'ref:label-valproat' does "
        "not exist (did you mean 'ref:label-valproate'?)"
    ) in messages(root)


def test_missing_source_is_reported(broken):
    root, edit = broken
    edit("rules/safety/valproate-polg.yaml", lambda d: d["evidence"].__setitem__("references", []))
    assert any("valproate-polg.yaml: evidence.references" in m for m in messages(root))


def test_rule_without_a_non_firing_example_is_reported(broken):
    root, edit = broken

    def only_fires(d: dict) -> None:
        d["examples"] = [d["examples"][0], {**d["examples"][0], "name": "again"}]

    edit("rules/safety/valproate-polg.yaml", only_fires)
    assert (
        "rules/safety/valproate-polg.yaml: examples: needs an example that does not fire"
        in messages(root)
    )


def test_rule_with_too_few_examples_fails_its_schema(broken):
    root, edit = broken
    edit("rules/safety/valproate-polg.yaml", lambda d: d.__setitem__("examples", d["examples"][:1]))
    assert any("valproate-polg.yaml: examples" in m for m in messages(root))


def test_duplicate_id_is_reported(broken):
    root, _ = broken
    shutil.copy(root / "drugs" / "valproate.yaml", root / "drugs" / "valproate-copy.yaml")
    found = messages(root)
    assert any("duplicate id 'drug:valproate'" in m for m in found)
    assert any("does not match the file name 'valproate-copy.yaml'" in m for m in found)


def test_unknown_vocabulary_in_a_rule_is_reported_with_a_suggestion(broken):
    root, edit = broken
    edit(
        "rules/treatment/treatment-cortical.yaml",
        lambda d: d.__setitem__(
            "when", {"fact": "myoclonus.physiology", "op": "eq", "value": "cortcal"}
        ),
    )
    assert any(
        "'cortcal' is not a value of 'myoclonus.physiology'" in m and "did you mean 'cortical'" in m
        for m in messages(root)
    )


def test_unknown_fact_and_wrong_operator_are_reported(broken):
    root, edit = broken
    edit(
        "rules/treatment/treatment-cortical.yaml",
        lambda d: d.__setitem__(
            "when",
            {
                "all": [
                    {"fact": "myoclonus.physiolgy", "op": "eq", "value": "cortical"},
                    {"fact": "patient.age_years", "op": "includes", "value": 3},
                ]
            },
        ),
    )
    found = messages(root)
    assert any(
        "unknown fact 'myoclonus.physiolgy' (did you mean 'myoclonus.physiology'?)" in m
        for m in found
    )
    assert any(
        "operator 'includes' does not fit number fact 'patient.age_years'" in m for m in found
    )


def test_failing_rule_example_is_reported_by_the_service(broken):
    from myoscope.services.knowledge import check_bundled_knowledge_base

    root, edit = broken
    edit(
        "rules/safety/valproate-polg.yaml",
        lambda d: d["examples"][0].__setitem__("given", {"conditions": []}),
    )
    found = [str(p) for p in check_bundled_knowledge_base(root)]
    assert any("valproate-polg.yaml" in m and "expected fires, got silent" in m for m in found)


def test_unknown_key_suggests_the_right_one(broken):
    root, edit = broken
    edit("drugs/valproate.yaml", lambda d: d.__setitem__("brand", d.pop("brands")))
    assert "drugs/valproate.yaml: brand: unknown key (did you mean 'brands'?)" in messages(root)


def test_ambiguous_synonym_is_reported(broken):
    root, edit = broken
    edit("drugs/valproate.yaml", lambda d: d["synonyms"].append("Keppra"))
    assert any("name 'Keppra' also belongs to" in m for m in messages(root))


def test_required_vocabulary_and_overlapping_bands_are_reported(broken):
    root, edit = broken
    (root / "etiologies" / "hypnic.yaml").unlink()

    def overlap(d: dict) -> None:
        d["treatment"]["renal"]["adjustments"][0]["egfr_min_ml_min"] = 10

    edit("drugs/levetiracetam.yaml", overlap)
    found = messages(root)
    assert any("'hypnic' is required by the specification but has no file" in m for m in found)
    assert any("levetiracetam.yaml: treatment.renal.adjustments: bands overlap" in m for m in found)


def test_evidence_level_must_be_on_its_scale(broken):
    root, edit = broken
    edit("rules/safety/valproate-polg.yaml", lambda d: d["evidence"].__setitem__("level", "labell"))
    assert any(
        "level 'labell' is not on scale:regulatory" in m and "did you mean 'label'" in m
        for m in messages(root)
    )


def test_read_knowledge_base_raises_with_every_problem(broken):
    root, edit = broken
    edit("drugs/valproate.yaml", lambda d: d.__setitem__("brand", d.pop("brands")))
    with pytest.raises(KnowledgeBaseError) as info:
        read_knowledge_base(root)
    assert info.value.problems
    assert "run 'myoscope kb check'" in str(info.value) or "brand" in str(info.value)


def test_bad_yaml_is_a_problem_not_a_crash(broken):
    root, _ = broken
    (root / "drugs" / "valproate.yaml").write_text("id: [unclosed")
    assert any("drugs/valproate.yaml: not valid YAML" in m for m in messages(root))


def test_content_hash_changes_with_content(broken):
    root, edit = broken
    before = read_knowledge_base(root).sha256
    edit("drugs/valproate.yaml", lambda d: d.__setitem__("summary", d["summary"] + " Edited."))
    assert read_knowledge_base(root).sha256 != before


def leaf_rule(value_leaf: dict) -> Callable[[dict], None]:
    return lambda d: d.__setitem__("when", value_leaf)


@pytest.mark.parametrize(
    ("leaf", "expected"),
    [
        ({"fact": "patient.age_years", "op": "gt", "value": "old"}, "is a number; got 'old'"),
        ({"fact": "patient.pregnant", "op": "is", "value": "yes"}, "is true or false; got 'yes'"),
        (
            {"fact": "medications.active", "op": "includes", "value": "condition:x"},
            "holds ids starting drug:, class:",
        ),
        ({"fact": "patient.weight_kg", "op": "present", "value": 3}, "'present' takes no value"),
        (
            {"fact": "myoclonus.physiology", "op": "in", "value": "cortical"},
            "'in' needs a non-empty list of values",
        ),
        (
            {"fact": "patient.age_years", "op": "between", "value": [1, 2, 3]},
            "'between' needs [low, high]",
        ),
    ],
)
def test_leaf_values_must_fit_the_fact_type(broken, leaf, expected):
    root, edit = broken
    edit("rules/treatment/treatment-cortical.yaml", leaf_rule(leaf))
    assert any(expected in m for m in messages(root)), messages(root)


def test_option_must_be_a_treatment(broken):
    root, edit = broken
    edit(
        "rules/treatment/treatment-cortical.yaml",
        lambda d: d["options"][0].__setitem__("treatment", "drug:sertraline"),
    )
    assert any("'drug:sertraline' has no treatment section" in m for m in messages(root))


def test_message_templates_are_checked(broken):
    root, edit = broken

    def damage(d: dict) -> None:
        d["messages"]["reason.add-on"]["says"]["patient"] = "Added to {drugg}."
        d["messages"]["reason.unknown"] = d["messages"].pop("reason.asked")

    edit("vocab/messages.yaml", damage)
    found = messages(root)
    assert any(
        "placeholder '{drugg}' is not declared (allowed: drug, mechanism)" in m for m in found
    )
    assert any("messages.reason.unknown: unknown message key" in m for m in found)
    assert any("message 'reason.asked' is missing" in m for m in found)


def test_classification_must_match_the_profile_vocabulary(broken):
    root, edit = broken

    def rename(d: dict) -> None:
        d["physiology_classes"][0]["id"] = "corticall"

    edit("vocab/classification.yaml", rename)
    found = messages(root)
    assert any("physiology 'cortical' of the profile vocabulary is missing" in m for m in found)
    assert any("'corticall' is not a physiology of the profile vocabulary" in m for m in found)


def test_mechanism_must_be_a_mechanism_class_and_classes_not_their_own_parent(broken):
    root, edit = broken
    edit(
        "drugs/valproate.yaml", lambda d: d.__setitem__("mechanism", "class:antiseizure-medication")
    )
    edit("classes/opioid.yaml", lambda d: d.__setitem__("parents", ["class:opioid"]))
    found = messages(root)
    assert any("'class:antiseizure-medication' is not a mechanism class" in m for m in found)
    assert any("classes/opioid.yaml: parents: a class cannot be its own parent" in m for m in found)


def test_manifest_required_kind_must_be_known(broken):
    root, edit = broken
    edit("manifest.yaml", lambda d: d["required"].__setitem__("symptoms", ["x"]))
    assert any("required.symptoms: unknown kind" in m for m in messages(root))


def test_a_mapping_is_required_per_file(broken):
    root, _ = broken
    (root / "drugs" / "valproate.yaml").write_text("- just\n- a list\n")
    assert any(
        "drugs/valproate.yaml: expected a mapping of keys to values" in m for m in messages(root)
    )
