"""The CLI adapter: exit codes, one-line errors, output formats. Business cases live elsewhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from myoscope.cli.main import cli
from myoscope.knowledge import bundled_root


def invoke(runner: CliRunner, *args: str, input: str | None = None) -> Result:
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def user_error(result: Result) -> str:
    """Assert exit code 2 and exactly one line on stderr; return that line."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def profile(tmp_path: Path):
    def write(text: str, name: str = "p.yaml") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def test_help_without_arguments_lists_commands(runner: CliRunner):
    result = invoke(runner)
    assert result.exit_code == 0
    for command in ("advise", "treatments", "titrate", "sources", "kb"):
        assert command in result.output


def test_version(runner: CliRunner):
    assert invoke(runner, "--version").exit_code == 0


def test_unknown_command_is_one_line(runner: CliRunner):
    assert "No such command 'advice'" in user_error(invoke(runner, "advice"))


def test_advise_without_profile_uses_the_bundled_example(runner: CliRunner):
    result = invoke(runner, "advise")
    assert result.exit_code == 0
    assert "bundled synthetic example profile" in result.stderr
    assert "Options" in result.output
    assert "not medical advice" in result.output


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_advise_json_follows_the_assessment_contract(runner: CliRunner, audience: str):
    result = invoke(runner, "advise", "--format", "json", "--audience", audience)
    data = json.loads(result.stdout)
    assert set(data) >= {
        "kb",
        "urgent",
        "options",
        "alerts",
        "causes_to_review",
        "missing_information",
        "unrecognized",
        "disclaimer",
    }
    assert [o["rank"] for o in data["options"]] == list(range(1, len(data["options"]) + 1))
    assert data["audience"] == audience


def test_advise_reads_standard_input(runner: CliRunner):
    result = invoke(
        runner,
        "advise",
        "-",
        "--format",
        "json",
        input="age_years: 70\nsex: male\nmyoclonus: {physiology: subcortical}\n",
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["options"]


def test_advise_typo_in_field_name(runner: CliRunner, profile):
    path = profile("age_years: 30\nsex: male\nmyoclonus: {physiolgy: cortical}\n")
    line = user_error(invoke(runner, "advise", path))
    assert "unknown field 'myoclonus.physiolgy'" in line
    assert "Did you mean 'physiology'?" in line


def test_advise_unknown_physiology(runner: CliRunner, profile):
    path = profile("age_years: 30\nsex: male\nmyoclonus: {physiology: cortikal}\n")
    line = user_error(invoke(runner, "advise", path))
    assert "got 'cortikal'" in line
    assert "Allowed: cortical" in line
    assert "Did you mean 'cortical'?" in line


def test_advise_unknown_etiology(runner: CliRunner, profile):
    path = profile("age_years: 30\nsex: male\nmyoclonus: {etiology: Lance-Adams syndrom}\n")
    line = user_error(invoke(runner, "advise", path))
    assert "'myoclonus.etiology'" in line
    assert "Did you mean" in line


def test_advise_misspelled_drug_is_listed_not_fatal(runner: CliRunner, profile):
    path = profile("age_years: 50\nsex: male\nmedications: [{name: gabapenxin}]\n")
    data = json.loads(invoke(runner, "advise", path, "--format", "json").stdout)
    item = data["unrecognized"]["medications"][0]
    assert item["name"] == "gabapenxin"
    assert "gabapentin" in item["did_you_mean"]
    text = invoke(runner, "advise", path).output
    assert "NOT checked" in text
    assert "gabapenxin" in text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["advise", "nope.yaml"], "No such profile file"),
        (["advise", "profile.txt"], "must be a .yaml, .yml or .json file"),
        (["advise", "--format", "xml"], "'xml' is not one of 'text', 'json'"),
        (["advise", "--audience", "nurse"], "'nurse' is not one of"),
        (["treatments", "valproatte"], "Unknown treatment 'valproatte'. Did you mean"),
        (["treatments", "sertraline"], "is known, but is not a myoclonus treatment"),
        (["titrate", "unknowndrug"], "Unknown treatment 'unknowndrug'"),
        (["titrate", "botulinum-toxin"], "has no oral daily dosing"),
        (["titrate", "cannabidiol"], "pass --weight-kg"),
        (["titrate", "levetiracetam", "--egfr", "-5"], "Invalid value for '--egfr'"),
        (["titrate", "levetiracetam", "--hepatic", "C"], "Invalid value for '--hepatic'"),
        (["titrate", "levetiracetam", "--egfr", "nan"], "nan is not a number"),
        (["titrate", "levetiracetam", "--age", "8"], "adult label dosing"),
        (["titrate"], "Missing argument 'DRUG'"),
        (["sources", "ref:nobody-1900"], "Unknown source key 'ref:nobody-1900'"),
        (["kb", "check", "--path", "."], "is not a knowledge-base folder"),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(runner: CliRunner, args, expected):
    assert expected in user_error(invoke(runner, *args))


def test_advise_bad_yaml_and_json(runner: CliRunner, profile):
    assert "not valid YAML" in user_error(invoke(runner, "advise", profile("a: [1,", "p.yaml")))
    assert "not valid JSON" in user_error(invoke(runner, "advise", profile("{", "p.json")))


def test_treatments_lists_and_shows_monographs(runner: CliRunner):
    listing = invoke(runner, "treatments")
    assert "levetiracetam" in listing.output
    assert "deep-brain-stimulation" in listing.output
    assert json.loads(invoke(runner, "treatments", "--format", "json").stdout)
    monograph = invoke(runner, "treatments", "Keppra")
    assert monograph.exit_code == 0
    assert "levetiracetam" in monograph.output
    assert "ref:" in monograph.output
    entry = json.loads(invoke(runner, "treatments", "Depakote", "--format", "json").stdout)
    assert entry["id"] == "drug:valproate"


def test_titrate_prints_a_capped_weekly_table(runner: CliRunner):
    result = invoke(runner, "titrate", "levetiracetam", "--egfr", "40")
    assert result.exit_code == 0
    assert "week" in result.output
    assert "maximum 1500 mg/day" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["piracetam", "--egfr", "10"],
        ["valproate", "--hepatic", "severe"],
        ["Klonopin", "--hepatic", "moderate"],
        ["acetazolamide", "--hepatic", "severe"],
    ],
)
def test_titrate_refuses_a_drug_that_must_not_be_used(runner: CliRunner, args):
    """Label contraindications (facts.md 3.1, 3.2, 3.5, 3.19) apply to plans as to advice."""
    result = invoke(runner, "titrate", *args, "--audience", "clinician")
    assert result.exit_code == 0
    assert "No titration plan" in result.stdout


def test_sources_prints_a_reference(runner: CliRunner):
    result = invoke(runner, "sources", "caviness-2014")
    assert result.exit_code == 0
    assert "PMID: 24037428" in result.output


def test_kb_check_passes_on_the_bundled_knowledge_base(runner: CliRunner):
    result = invoke(runner, "kb", "check")
    assert result.exit_code == 0, result.output
    assert "Knowledge base OK" in result.output


def test_kb_check_reports_problems_in_another_folder(runner: CliRunner, tmp_path: Path):
    root = tmp_path / "kb"
    shutil.copytree(str(bundled_root()), root)
    (root / "drugs" / "levetiracetam.yaml").write_text(
        (root / "drugs" / "levetiracetam.yaml").read_text().replace("synonyms:", "synonym:", 1)
    )
    result = invoke(runner, "kb", "check", "--path", str(root))
    assert result.exit_code == 1
    assert (
        "drugs/levetiracetam.yaml: synonym: unknown key (did you mean 'synonyms'?)" in result.output
    )


def test_kb_schema_prints_and_writes(runner: CliRunner, tmp_path: Path):
    schemas = json.loads(invoke(runner, "kb", "schema").stdout)
    assert {"profile", "drug", "rule"} <= set(schemas)
    out = tmp_path / "schemas"
    assert invoke(runner, "kb", "schema", "--out", str(out)).exit_code == 0
    assert (out / "profile.schema.json").is_file()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "Cannot write schemas" in user_error(
        invoke(runner, "kb", "schema", "--out", str(blocker / "x"))
    )


def test_advise_text_leads_with_urgent_care_and_causes(runner: CliRunner, profile):
    path = profile(
        "age_years: 60\nsex: male\nconditions: [recent cardiac arrest, coma]\n"
        "medications: [{name: oxycodone}]\nmyoclonus: {etiology: post-hypoxic-acute}\n"
    )
    out = invoke(runner, "advise", path).stdout
    assert out.index("URGENT") < out.index("Possible causes") < out.index("Options")
    clinician = invoke(runner, "advise", path, "--audience", "clinician").stdout
    assert "URGENT REFERRAL" in clinician
    assert "based on:" in clinician


def test_intervention_monograph(runner: CliRunner):
    result = invoke(runner, "treatments", "deep-brain-stimulation")
    assert result.exit_code == 0
    assert "Deep brain stimulation" in result.stdout
    assert "ref:" in result.stdout


def test_titrate_warns_when_a_drug_can_worsen_myoclonus(runner: CliRunner):
    """facts.md 3.16 and 4: carbamazepine is not an antimyoclonic drug and aggravates
    myoclonic epilepsies [S29][S36] ref:ferlazzo-2017."""
    out = invoke(runner, "titrate", "carbamazepine").stdout
    assert "WARNING: Carbamazepine is not one of the medicines used to treat myoclonus" in out
    assert "May make jerks worse" in out
