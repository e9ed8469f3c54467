"""Pydantic models, one per knowledge-base file kind.

Every model forbids unknown keys (a typo in a YAML key fails loudly), is frozen, and uses strict
booleans so that YAML's ``no`` is never silently ``False``. Ids are namespaced, lowercase and
hyphenated (``drug:valproate``, ``rule:valproate-pregnancy``); the file stem equals the id after
the colon.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

__all__ = [
    "AdverseEffects",
    "AllCondition",
    "AnyCondition",
    "Claim",
    "ClassEntry",
    "ClassKind",
    "Classification",
    "Condition",
    "ConditionEntry",
    "Dependence",
    "DoseUnit",
    "Dosing",
    "Drug",
    "Effect",
    "Etiology",
    "Evidence",
    "EvidenceScale",
    "EvidenceScales",
    "Example",
    "Expectation",
    "HepaticAdjustment",
    "Intervention",
    "Leaf",
    "Line",
    "Manifest",
    "MessageTemplate",
    "Messages",
    "Monitoring",
    "NotCondition",
    "OlderAdultAdjustment",
    "OptionSpec",
    "OrganAction",
    "Reference",
    "Renal",
    "RenalAdjustment",
    "Review",
    "Rule",
    "RuleKind",
    "Says",
    "Severity",
    "Status",
    "Strength",
    "TreatmentInfo",
    "Verdict",
]


_SLUG = "[a-z0-9][a-z0-9-]*$"


def _pattern(prefix: str) -> StringConstraints:
    return StringConstraints(pattern=rf"^{prefix}:{_SLUG}")


RefId = Annotated[str, _pattern("ref")]
DrugId = Annotated[str, _pattern("drug")]
ClassId = Annotated[str, _pattern("class")]
ConditionId = Annotated[str, _pattern("condition")]
EtiologyId = Annotated[str, _pattern("etiology")]
RuleId = Annotated[str, _pattern("rule")]
ScaleId = Annotated[str, _pattern("scale")]
ClaimId = Annotated[str, _pattern("claim")]
InterventionId = Annotated[str, _pattern("intervention")]
TreatmentId = Annotated[str, _pattern("(?:drug|intervention)")]
TargetId = Annotated[str, _pattern("(?:drug|intervention|class)")]
SubjectId = Annotated[str, _pattern("(?:drug|intervention|class|condition|etiology)")]
CauseTargetId = Annotated[str, _pattern("(?:drug|class|condition)")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Sources = Annotated[tuple[RefId, ...], Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Severity(StrEnum):
    """Alert severity (the CDS Hooks indicator words)."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Status(StrEnum):
    """Status of a treatment option for this person."""

    SUGGESTED = "suggested"
    CAUTION = "caution"
    AVOID = "avoid"
    CONTRAINDICATED = "contraindicated"


class Line(StrEnum):
    """Place of a treatment in guideline order."""

    ACUTE = "acute"
    FIRST = "first"
    SECOND = "second"
    ADJUNCT = "adjunct"
    THIRD = "third"
    REFRACTORY = "refractory"


class RuleKind(StrEnum):
    """What a rule produces: a treatment line, or an alert of one of the assessment's kinds."""

    TREATMENT_LINE = "treatment-line"
    CONTRAINDICATION = "contraindication"
    INTERACTION = "interaction"
    AGGRAVATION = "aggravation"
    POSSIBLE_CAUSE = "possible-cause"
    DOSE_ADJUSTMENT = "dose-adjustment"
    RED_FLAG = "red-flag"
    MONITORING = "monitoring"
    MISSING_INFORMATION = "missing-information"
    LIFESTYLE = "lifestyle"
    EVIDENCE = "evidence"


class Strength(StrEnum):
    """Strength of association between a drug and myoclonus."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"


class Verdict(StrEnum):
    """Verdict on a popular claim."""

    SUPPORTED = "supported"
    PARTLY_SUPPORTED = "partly-supported"
    OUTDATED = "outdated"
    WEAK = "weak"
    UNSUPPORTED = "unsupported"
    WRONG = "wrong"


class Review(_Model):
    """Provenance of an entity: who reviewed it and when."""

    status: Literal["draft", "reviewed", "retired"]
    reviewed_on: dt.date | None = None
    reviewers: tuple[str, ...] = ()


class Says(_Model):
    """The same statement for a patient (plain words) and for a clinician (dense)."""

    patient: Text
    clinician: Text


class Evidence(_Model):
    """Evidence behind a statement: a named grading scale, a level on it, and references."""

    scale: ScaleId
    level: Annotated[str, StringConstraints(min_length=1)]
    references: Sources


# ---------------------------------------------------------------------------------------------
# manifest and vocabularies


class Manifest(_Model):
    """``manifest.yaml``: version, schema version, the disclaimer and the required vocabulary."""

    kb_version: Text
    schema_version: int = Field(ge=1)
    title: Text
    disclaimer: Says
    changelog: Text
    required: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Ids the specifications require, by kind (treatments, etiologies, conditions).",
    )
    cause_review_option: TreatmentId | None = None
    condition_cause_option: TreatmentId | None = None
    derivation: Derivation


class Derivation(_Model):
    """Thresholds used to derive facts from a profile (kept as data, with their sources)."""

    older_adult_min_age_years: int = Field(ge=0, le=120)
    adult_min_age_years: int = Field(ge=0, le=120)
    childbearing_age_years: tuple[int, int]
    renal_impairment_below_egfr_ml_min: float = Field(gt=0)
    sources: Sources


Manifest.model_rebuild()


class ScaleLevel(_Model):
    """One level of an evidence scale."""

    level: Text
    strength: Literal["high", "moderate", "low", "very-low"]
    patient: Text
    clinician: Text


class EvidenceScale(_Model):
    """A named evidence-grading system (OCEBM 2011, AAN, ...)."""

    id: ScaleId
    name: Text
    description: Text
    references: Sources
    levels: Annotated[tuple[ScaleLevel, ...], Field(min_length=1)]


class EvidenceScales(_Model):
    """``vocab/evidence-scales.yaml``."""

    scales: Annotated[tuple[EvidenceScale, ...], Field(min_length=1)]


class ClassKind(StrEnum):
    """A mechanism class (one per treatment drug) or a wider group used by rules."""

    MECHANISM = "mechanism"
    GROUP = "group"


class ClassEntry(_Model):
    """``classes/<id>.yaml``: a mechanism class or drug group (``class:opioid``)."""

    id: ClassId
    name: Text
    kind: ClassKind
    description: Text
    parents: tuple[ClassId, ...] = ()
    review: Review


class AxisValue(_Model):
    """One value on a clinical axis."""

    id: Text
    name: Text
    description: Text
    sources: Sources


class ClinicalAxis(_Model):
    """A clinical (phenomenological) axis: activation, distribution, polarity, rhythm, course."""

    id: Text
    name: Text
    values: Annotated[tuple[AxisValue, ...], Field(min_length=1)]


class EtiologicalClass(_Model):
    """An etiological class (physiological, essential, epileptic, symptomatic, functional)."""

    id: Text
    name: Text
    definition: Text
    examples: tuple[Text, ...] = ()
    sources: Sources


class Marker(_Model):
    """An electrophysiological marker (giant SEP, C-reflex, back-averaged potential, ...)."""

    id: Text
    name: Text
    description: Text
    sources: Sources


class MarkerFinding(_Model):
    """What a marker shows in one physiology class."""

    marker: Text
    finding: Text
    sources: Sources


class BurstDuration(_Model):
    """Typical surface-EMG burst duration range, in milliseconds."""

    min_ms: float = Field(ge=0)
    max_ms: float = Field(ge=0)
    note: Text | None = None
    sources: Sources


class PhysiologyClass(_Model):
    """A neurophysiological class; ``id`` equals the profile's physiology value."""

    id: Text
    name: Text
    clinical_picture: Text
    burst_duration: BurstDuration | None = None
    markers: tuple[MarkerFinding, ...] = ()
    typical_causes: tuple[Text, ...] = ()
    sources: Sources


class Classification(_Model):
    """``vocab/classification.yaml``: the three classifications of myoclonus."""

    axes: Annotated[tuple[ClinicalAxis, ...], Field(min_length=1)]
    etiological_classes: Annotated[tuple[EtiologicalClass, ...], Field(min_length=1)]
    markers: Annotated[tuple[Marker, ...], Field(min_length=1)]
    physiology_classes: Annotated[tuple[PhysiologyClass, ...], Field(min_length=1)]


class MessageTemplate(_Model):
    """Wording of one engine message; ``{placeholders}`` are declared in the message registry."""

    says: Says
    detail: Text | None = None
    sources: tuple[RefId, ...] = ()


class Messages(_Model):
    """``vocab/messages.yaml``: templates of the wording the engine writes itself."""

    messages: dict[str, MessageTemplate]


# ---------------------------------------------------------------------------------------------
# references


class Reference(_Model):
    """``references/<key>.yaml``: one bibliography entry."""

    id: RefId
    type: Literal[
        "journal-article",
        "review",
        "guideline",
        "drug-label",
        "book",
        "website",
        "database",
        "trial-registry",
        "abstract",
        "patient-article",
    ]
    authors: Annotated[tuple[Text, ...], Field(min_length=1)]
    title: Text
    year: int = Field(ge=1900, le=2100)
    journal: Text | None = None
    pmid: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,9}$")] | None = None
    doi: Annotated[str, StringConstraints(pattern=r"^10\.\S+/\S+$")] | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _locatable(self) -> Reference:
        if not (self.pmid or self.doi or self.url):
            raise ValueError("a reference needs at least one of pmid, doi or url")
        return self


# ---------------------------------------------------------------------------------------------
# conditions and etiologies


class ConditionEntry(_Model):
    """``conditions/<id>.yaml``: a condition the profile's ``conditions`` list can name.

    ``implies`` lists conditions that are present whenever this one is (POLG disease implies
    mitochondrial disease). ``egfr_range_ml_min`` gives the eGFR range of a kidney-disease stage,
    used (conservatively, at its lower bound) when no eGFR is recorded.
    """

    id: ConditionId
    name: Text
    synonyms: tuple[Text, ...] = ()
    description: Text
    implies: tuple[ConditionId, ...] = ()
    egfr_range_ml_min: tuple[float, float] | None = None
    codes: dict[str, str] = Field(default_factory=dict)
    sources: tuple[RefId, ...] = ()
    review: Review


class Etiology(_Model):
    """``etiologies/<id>.yaml``: a cause or syndrome of myoclonus.

    ``parents`` are broader etiologies (``etiology:pme`` for the progressive myoclonus epilepsies),
    so rules can target a whole group.
    """

    id: EtiologyId
    name: Text
    synonyms: tuple[Text, ...] = ()
    etiological_class: Literal[
        "physiological", "essential", "epileptic", "symptomatic", "functional", "unknown"
    ]
    parents: tuple[EtiologyId, ...] = ()
    implies_conditions: tuple[ConditionId, ...] = ()
    typical_physiology: tuple[Text, ...] = ()
    summary: Text
    investigations: tuple[Text, ...] = ()
    codes: dict[str, str] = Field(default_factory=dict)
    sources: Sources
    review: Review


# ---------------------------------------------------------------------------------------------
# treatments


class DoseUnit(StrEnum):
    """Unit of the dosing numbers."""

    MG = "mg"
    MG_PER_KG = "mg/kg"


class Dosing(_Model):
    """Adult dosing; all amounts are per day except ``step``.

    Parameters
    ----------
    unit : DoseUnit
        ``mg`` (per day) or ``mg/kg`` (per day).
    start_per_day : float
        Starting total daily dose.
    step : float
        Increase at each step of the titration (0 when no titration is needed).
    step_interval_days : int
        Days between steps.
    target_per_day : float
        Usual target (maintenance) daily dose.
    max_per_day : float
        Maximum daily dose.
    doses_per_day : int
        Number of doses the daily amount is divided into.
    start_doses_per_day : int, optional
        Number of doses at the start, when the label starts with fewer (e.g. once at night).
    """

    unit: DoseUnit = DoseUnit.MG
    start_per_day: float = Field(gt=0)
    step: float = Field(ge=0)
    step_interval_days: int = Field(ge=1)
    target_per_day: float = Field(gt=0)
    max_per_day: float = Field(gt=0)
    doses_per_day: int = Field(ge=1, le=6)
    start_doses_per_day: int | None = Field(
        default=None,
        ge=1,
        le=6,
        description="Doses a day at the start (1 = a single dose, e.g. at night).",
    )
    notes: tuple[Text, ...] = ()
    sources: Sources

    @model_validator(mode="after")
    def _ordered(self) -> Dosing:
        if not self.start_per_day <= self.target_per_day <= self.max_per_day:
            raise ValueError("dosing needs start_per_day <= target_per_day <= max_per_day")
        if self.step == 0 and self.start_per_day != self.target_per_day:
            raise ValueError("step is 0 but start_per_day differs from target_per_day")
        return self


class OrganAction(StrEnum):
    """What kidney or liver impairment does to a drug's use."""

    NONE = "none"
    CAP = "cap"  # max_per_day applies
    FRACTION = "fraction"  # the usual doses times `fraction`
    CAUTION = "caution"
    AVOID = "avoid"
    CONTRAINDICATED = "contraindicated"


class _OrganAdjustment(_Model):
    action: OrganAction
    max_per_day: float | None = Field(default=None, gt=0)
    start_per_day: float | None = Field(
        default=None, gt=0, description="Starting daily dose when the label gives a lower one."
    )
    fraction: float | None = Field(default=None, gt=0, le=1)
    slower_titration: StrictBool = Field(
        default=False, description="Titrate at twice the usual interval between steps."
    )
    doses_per_day: int | None = Field(
        default=None, ge=1, le=6, description="Doses a day when the label changes the schedule."
    )
    note: Text

    @model_validator(mode="after")
    def _numbers(self) -> _OrganAdjustment:
        if self.action is OrganAction.CAP and self.max_per_day is None:
            raise ValueError("action 'cap' needs max_per_day")
        if self.action is OrganAction.FRACTION and self.fraction is None:
            raise ValueError("action 'fraction' needs fraction")
        return self


class RenalAdjustment(_OrganAdjustment):
    """An adjustment for an eGFR band: ``egfr_min_ml_min <= eGFR < egfr_max_ml_min``.

    ``dialysis: true`` marks a band for people on dialysis only; someone on dialysis without such
    a band gets the lowest eGFR band.
    """

    egfr_min_ml_min: float = Field(ge=0)
    egfr_max_ml_min: float = Field(gt=0)
    dialysis: StrictBool = False


class Renal(_Model):
    """Renal handling: how much the kidneys clear the drug, and adjustments by eGFR band."""

    clearance: Literal["major", "partial", "minor"]
    adjustments: tuple[RenalAdjustment, ...] = ()
    sources: Sources


class HepaticAdjustment(_OrganAdjustment):
    """An adjustment for a Child-Pugh class."""

    severity: Literal["mild", "moderate", "severe"]


class OlderAdultAdjustment(_OrganAdjustment):
    """How the label changes dosing in older adults (age from the manifest's derivation)."""


class Hepatic(_Model):
    """Hepatic adjustments by Child-Pugh class."""

    adjustments: tuple[HepaticAdjustment, ...] = ()
    sources: Sources


class AdverseEffects(_Model):
    """Key adverse effects."""

    common: tuple[Text, ...] = ()
    serious: tuple[Text, ...] = ()
    sources: Sources


class Dependence(_Model):
    """Tolerance, dependence and withdrawal."""

    tolerance: Text
    dependence: Text
    withdrawal: Text
    sources: Sources


class Monitoring(_Model):
    """One thing to monitor."""

    what: Text
    sources: Sources


class Statement(_Model):
    """A sourced statement."""

    summary: Text
    sources: Sources


class TreatmentInfo(_Model):
    """The monograph part of a drug used to treat myoclonus."""

    role: Statement
    dosing: Dosing | None = None
    renal: Renal | None = None
    hepatic: Hepatic | None = None
    older_adults: OlderAdultAdjustment | None = None
    adverse_effects: AdverseEffects
    pregnancy: Statement
    dependence: Dependence | None = None
    monitoring: tuple[Monitoring, ...] = ()
    driving: Statement | None = None
    other_cautions: tuple[Statement, ...] = ()


class Drug(_Model):
    """``drugs/<id>.yaml``: a medicine, either a treatment agent or one that matters for safety.

    ``mechanism`` is required for treatment agents: add-ons are proposed from a different
    mechanism class. ``classes`` are the groups that rules target (``class:opioid``).
    """

    id: DrugId
    name: Text
    synonyms: tuple[Text, ...] = ()
    brands: tuple[Text, ...] = ()
    mechanism: ClassId | None = None
    classes: tuple[ClassId, ...] = ()
    codes: dict[str, str] = Field(default_factory=dict)
    summary: Text
    treatment: TreatmentInfo | None = None
    review: Review

    @model_validator(mode="after")
    def _mechanism_for_treatments(self) -> Drug:
        if self.treatment is not None and self.mechanism is None:
            raise ValueError("a drug with a treatment section needs a mechanism class")
        return self


class Intervention(_Model):
    """``interventions/<id>.yaml``: a non-drug option (surgery, DBS, physiotherapy, ...)."""

    id: InterventionId
    name: Text
    synonyms: tuple[Text, ...] = ()
    mechanism: ClassId
    summary: Statement
    considerations: tuple[Statement, ...] = ()
    review: Review


# ---------------------------------------------------------------------------------------------
# claims


class Claim(_Model):
    """``claims/<id>.yaml``: a claim often made in patient-facing articles, with its verdict."""

    id: ClaimId
    claim: Text
    made_in: tuple[RefId, ...] = ()
    about: Annotated[tuple[TreatmentId, ...], Field(min_length=1)]
    verdict: Verdict
    says: Says
    evidence: Evidence
    review: Review


# ---------------------------------------------------------------------------------------------
# rules


class Leaf(_Model):
    """A condition leaf: ``{fact, op, value}``."""

    fact: Text
    op: Text
    value: Any = None


class AllCondition(_Model):
    """True when every child is true (false if any is false, else unknown)."""

    all: Annotated[tuple[Condition, ...], Field(min_length=1)]


class AnyCondition(_Model):
    """True when any child is true (false if every one is false, else unknown)."""

    any: Annotated[tuple[Condition, ...], Field(min_length=1)]


class NotCondition(_Model):
    """Swaps true and false; keeps unknown."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    not_: Condition = Field(alias="not")


Condition = Leaf | AllCondition | AnyCondition | NotCondition


class Effect(_Model):
    """What a firing rule does to treatment options: ``target`` gets at least ``status``.

    ``standard_dosing: false`` withholds the standard titration plan of the target, for example
    when an interaction changes the schedule (lamotrigine started on valproate); the rule's
    wording then gives the schedule.
    """

    target: TargetId
    status: Literal["caution", "avoid", "contraindicated"]
    standard_dosing: StrictBool = True


class CauseSpec(_Model):
    """For possible-cause rules: what may be causing the myoclonus.

    A drug or class target lists every medicine taken now that belongs to it; a condition target
    (kidney failure, liver failure, an electrolyte disorder) lists the condition itself.
    """

    target: Annotated[
        str, StringConstraints(pattern=r"^(?:drug|class|condition):[a-z0-9][a-z0-9-]*$")
    ]
    strength: Strength


class OptionSpec(_Model):
    """One treatment option proposed by a treatment-line rule."""

    treatment: TreatmentId
    line: Line
    preference: int = Field(ge=1, description="Order within the line, 1 first.")
    says: Says
    evidence: Evidence


class Expectation(StrEnum):
    """What a rule example expects."""

    FIRES = "fires"
    SILENT = "silent"
    UNDETERMINED = "undetermined"


class Example(_Model):
    """An executable example: facts given, the expected outcome and the expected missing facts."""

    name: Text
    given: dict[str, Any]
    expect: Expectation
    missing: tuple[str, ...] = ()


class Rule(_Model):
    """``rules/{treatment,safety}/<id>.yaml``: a rule as data.

    Alerts (every kind but ``treatment-line``) are shown when the rule fires and, if it has
    ``effects`` and ``relevance`` is ``targets``, when one of its targets is an option shown,
    a medicine taken, or a treatment asked about.
    """

    id: RuleId
    version: int = Field(ge=1)
    kind: RuleKind
    title: Text
    severity: Severity | None = None
    when: Condition
    says: Says
    because: Text
    evidence: Evidence
    effects: tuple[Effect, ...] = ()
    subjects: tuple[SubjectId, ...] = ()
    urgent: StrictBool = False
    cause: CauseSpec | None = None
    options: tuple[OptionSpec, ...] = ()
    refractory_after: int | None = Field(default=None, ge=1)
    relevance: Literal["targets", "always"] | None = None
    examples: Annotated[tuple[Example, ...], Field(min_length=2)]
    review: Review

    @model_validator(mode="after")
    def _shape_fits_kind(self) -> Rule:
        if self.kind is RuleKind.TREATMENT_LINE:
            if not self.options:
                raise ValueError("a treatment-line rule needs options")
            if self.effects or self.cause or self.urgent:
                raise ValueError("a treatment-line rule has options only (no effects/cause/urgent)")
        else:
            if self.severity is None:
                raise ValueError(f"a {self.kind} rule needs a severity")
            if self.options or self.refractory_after is not None:
                raise ValueError("only treatment-line rules have options and refractory_after")
        if (self.cause is None) != (self.kind is not RuleKind.POSSIBLE_CAUSE):
            raise ValueError("possible-cause rules, and only they, need a cause")
        if self.urgent and self.kind is not RuleKind.RED_FLAG:
            raise ValueError("only red-flag rules can be urgent")
        return self

    @property
    def alert_relevance(self) -> Literal["targets", "always"]:
        """When the alert is shown: only with a relevant target, or always."""
        if self.relevance is not None:
            return self.relevance
        return "targets" if self.effects else "always"


AllCondition.model_rebuild()
AnyCondition.model_rebuild()
NotCondition.model_rebuild()
Rule.model_rebuild()
