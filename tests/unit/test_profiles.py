from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from myoscope.errors import InvalidInputError
from myoscope.services.profiles import parse_profile, read_profile


def error(data: object) -> str:
    with pytest.raises(InvalidInputError) as info:
        parse_profile(data, source="p.yaml")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_minimal_profile_is_valid_and_optional_fields_are_unknown():
    profile = parse_profile({"age_years": 30, "sex": "female"})
    assert profile.pregnant is None
    assert profile.myoclonus.physiology == "unknown"


def test_typo_in_a_field_name_is_named_with_a_suggestion():
    message = error({"age_years": 30, "sex": "male", "myoclonus": {"physiolgy": "cortical"}})
    assert "unknown field 'myoclonus.physiolgy'" in message
    assert "Did you mean 'physiology'?" in message


def test_typo_in_a_top_level_field_lists_allowed_fields():
    message = error({"age_years": 30, "sex": "male", "medicatons": []})
    assert "Did you mean 'medications'?" in message
    assert "Allowed fields here:" in message


def test_unknown_physiology_names_allowed_values_and_received_value():
    message = error({"age_years": 30, "sex": "male", "myoclonus": {"physiology": "cortcal"}})
    assert "'myoclonus.physiology'" in message
    assert "got 'cortcal'" in message
    assert "cortical-subcortical" in message
    assert "Did you mean 'cortical'?" in message


def test_missing_required_field_is_named():
    assert "missing required field 'sex' (allowed: female, male, other)" in error({"age_years": 3})


def test_wrong_type_names_the_value_received():
    message = error({"age_years": "old", "sex": "male"})
    assert "invalid value for 'age_years': got \"old\"" in message


def test_out_of_range_age_is_rejected():
    assert "'age_years'" in error({"age_years": 130, "sex": "male"})


def test_medication_list_errors_name_the_item():
    message = error({"age_years": 30, "sex": "male", "medications": [{"dose_mg_per_day": 5}]})
    assert "medications[0].name" in message


def test_string_booleans_are_not_coerced():
    assert "'pregnant'" in error({"age_years": 30, "sex": "female", "pregnant": "maybe"})


def test_a_list_is_not_a_profile():
    assert "must be a mapping" in error([1, 2])


def test_read_profile_reads_yaml_and_json(tmp_path: Path):
    (tmp_path / "p.yaml").write_text("age_years: 30\nsex: male\n")
    (tmp_path / "p.json").write_text(json.dumps({"age_years": 31, "sex": "female"}))
    assert read_profile(str(tmp_path / "p.yaml")).age_years == 30
    assert read_profile(str(tmp_path / "p.json")).age_years == 31


def test_read_profile_reads_standard_input(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("sys.stdin", io.StringIO('{"age_years": 44, "sex": "other"}'))
    assert read_profile("-").age_years == 44


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("p.txt", "x", "must be a .yaml, .yml or .json file"),
        ("p.yaml", "a: [1, 2", "is not valid YAML (line"),
        ("p.json", "{", "is not valid JSON (line 1"),
        ("missing.yaml", None, "No such profile file"),
    ],
)
def test_read_profile_errors_are_one_clear_line(tmp_path: Path, name, content, expected):
    if content is not None:
        (tmp_path / name).write_text(content)
    with pytest.raises(InvalidInputError, match=expected.replace("(", r"\(").replace(".", r"\.")):
        read_profile(str(tmp_path / name))


def test_true_is_not_a_number():
    assert "invalid value for 'age_years': got \"true\"; expected a whole number" in error(
        {"age_years": True, "sex": "male"}
    )


def test_null_list_means_empty_and_nan_is_refused():
    assert parse_profile({"age_years": 3, "sex": "male", "conditions": None}).conditions == ()
    assert "expected a finite number" in error(
        {"age_years": 30, "sex": "male", "egfr_ml_min": float("nan")}
    )


def test_type_errors_are_explained_without_python_words():
    message = error({"age_years": 30, "sex": "male", "medications": "sertraline"})
    assert "expected a list" in message
    assert "tuple" not in message
    assert "expected a mapping of fields" in error(
        {"age_years": 30, "sex": "male", "myoclonus": ["cortical"]}
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "dup.yaml",
            "age_years: 4\nage_years: 5\nsex: male\n",
            "the key 'age_years' appears twice",
        ),
        (
            "dup.json",
            '{"sex": "male", "sex": "female", "age_years": 3}',
            "the key 'sex' appears twice",
        ),
        ("empty.yaml", "", "the profile is empty"),
        ("binary.yaml", b"\xff\xfe\x00\xbc", "is not a text file"),
    ],
)
def test_bad_files_get_one_clear_line(tmp_path: Path, name, content, expected):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(InvalidInputError, match=expected):
        read_profile(str(path))


def test_a_folder_is_not_a_profile(tmp_path: Path):
    folder = tmp_path / "p.yaml"
    folder.mkdir()
    with pytest.raises(InvalidInputError, match="is a folder"):
        read_profile(str(folder))
