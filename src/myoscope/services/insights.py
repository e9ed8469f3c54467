"""Insights of a diary: what the records say about treatment response, tolerance and triggers.

The numbers come from :func:`myoscope.analytics.build_insights` (pure, no I/O); this service
loads the diary through :class:`~myoscope.services.diary.DiaryService` (access control and one
audit entry), supplies what the knowledge base knows about each drug, and adds the disclaimer
every output about treatment carries. The document is ``shared/spec/insights.md`` plus extra
fields, shared by ``myoscope insights``, ``GET /api/v1/insights``, the web page and the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from myoscope.analytics import build_insights
from myoscope.analytics.treatment import DEFAULT_DELAY_DAYS
from myoscope.analytics.triggers import Exposure
from myoscope.domain.diary import FIRST_DAY, LAST_DAY, AuditAction, CheckIn, EpisodeSource
from myoscope.errors import InvalidInputError
from myoscope.knowledge.base import KnowledgeBase
from myoscope.services.diary import (
    CHECKINS,
    DOSES,
    REGIMENS,
    SIDE_EFFECTS,
    DiaryAccess,
    DiaryService,
)

if TYPE_CHECKING:
    from myoscope.services.diary_recordings import RecordingService

__all__ = [
    "DISCLAIMER",
    "MAX_DELAY_DAYS",
    "InsightsService",
    "checkin_factors",
    "drug_knowledge",
    "sensor_from_recordings",
]

DISCLAIMER = (
    "These figures come from what was recorded in the diary. They are information to discuss "
    "with a clinician, not medical advice: a change in jerks can have many causes besides a "
    "medicine."
)

SensorSummary = Callable[[DiaryAccess, date | None, date | None], dict[str, Any] | None]
"""``(diary, first day, last day) -> sensor section or None``."""

MAX_DELAY_DAYS = 28
"""Longest delay before an effect is expected that the analysis uses, in days."""


@dataclass(frozen=True)
class DrugKnowledge:
    """What the knowledge base contributes to the analysis of each drug.

    Parameters
    ----------
    delays_days : dict of str to int
        Drug id to the days before an effect is expected: the knowledge base's titration step
        interval (how long each dose is given before it is judged and raised), capped at
        :data:`MAX_DELAY_DAYS`. Drugs without dosing get the analysis default (7 days).
    tolerance_notes : dict of str to str
        Drug id to the knowledge base's text on tolerance.
    """

    delays_days: dict[str, int]
    tolerance_notes: dict[str, str]


def drug_knowledge(kb: KnowledgeBase) -> DrugKnowledge:
    """Collect the per-drug delays and tolerance notes from the knowledge base."""
    delays: dict[str, int] = {}
    notes: dict[str, str] = {}
    for ident, entry in kb.treatments.items():
        treatment = getattr(entry, "treatment", None)
        dosing = getattr(treatment, "dosing", None)
        if dosing is not None:
            delays[ident] = min(int(dosing.step_interval_days), MAX_DELAY_DAYS)
        dependence = getattr(treatment, "dependence", None)
        if dependence is not None and getattr(dependence, "tolerance", None):
            notes[ident] = " ".join(str(dependence.tolerance).split())
    return DrugKnowledge(delays, notes)


class InsightsService:
    """Insights of a diary for the accounts allowed to read it.

    Parameters
    ----------
    diaries : DiaryService
        Access control, records and audit.
    kb : KnowledgeBase
        Per-drug delays and tolerance notes.
    sensor_summary : callable, optional
        ``(diary, period_from, period_to) -> dict or None``: the confirmed sensor counts of the
        diary's recordings (``sensor`` in the document).
    """

    def __init__(
        self,
        diaries: DiaryService,
        kb: KnowledgeBase,
        sensor_summary: SensorSummary | None = None,
    ) -> None:
        self.diaries = diaries
        self.knowledge = drug_knowledge(kb)
        self.sensor_summary = sensor_summary

    def insights(
        self,
        diary: DiaryAccess,
        *,
        period_from: date | None = None,
        period_to: date | None = None,
    ) -> dict[str, Any]:
        """Compute the insights document of a diary.

        Parameters
        ----------
        diary : DiaryAccess
            From :meth:`DiaryService.open` (any share may read insights).
        period_from, period_to : date, optional
            First and last day; default the first entry and today (the owner's time zone).

        Returns
        -------
        dict
            The insights document, with ``disclaimer`` and ``knowledge`` (the delays used).

        Raises
        ------
        InvalidInputError
            ``period_from`` after ``period_to``.
        """
        for name, day in (("from", period_from), ("to", period_to)):
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                raise InvalidInputError(
                    f"The date {day} is outside the diary's calendar ({FIRST_DAY} to "
                    f"{LAST_DAY}); give a date in it.",
                    field=name,
                )
        end = period_to or self.diaries.today(diary)
        if period_from and period_from > end:
            raise InvalidInputError(
                f"The period starts ({period_from}) after it ends ({end}); give an earlier "
                "start or a later end.",
                field="from",
            )
        self.diaries.record_audit(diary, AuditAction.READ, "insights")
        regimens = self.diaries.all(diary, REGIMENS)
        checkins = self.diaries.all(diary, CHECKINS)
        result = build_insights(
            # light rows: five years of a diary load in a fraction of a second
            episodes=self.diaries.repository.episode_facts(
                diary.patient_id, source=EpisodeSource.SELF
            ),
            checkins=checkins,
            regimens=regimens,
            doses=self.diaries.all(diary, DOSES),
            side_effects=self.diaries.all(diary, SIDE_EFFECTS),
            timezone=diary.owner.timezone,
            period_from=period_from,
            period_to=end,
            delays_days=self.knowledge.delays_days,
            tolerance_notes=self.knowledge.tolerance_notes,
            exposures=checkin_factors(checkins),
            sensor=self._sensor(diary, period_from, end),
        )
        doc = result.to_dict()
        doc["disclaimer"] = DISCLAIMER
        doc["knowledge"] = _delays_used(regimens, self.knowledge.delays_days)
        return doc

    def _sensor(
        self, diary: DiaryAccess, start: date | None, end: date | None
    ) -> dict[str, Any] | None:
        if self.sensor_summary is None:
            return None
        return self.sensor_summary(diary, start, end)


def checkin_factors(checkins: Sequence[CheckIn]) -> dict[str, Exposure]:
    """Return the day factors ticked on check-ins, as exposures for the trigger comparisons.

    A factor is known on the days with a check-in from the first day any factor was ticked
    (check-ins before the person started ticking factors say nothing about them); on those
    days a factor not ticked counts as absent. Factors never ticked are left out.
    """
    ticked = [c for c in checkins if c.factors]
    if not ticked:
        return {}
    first = min(c.day for c in ticked)
    observed = frozenset(c.day for c in checkins if c.day >= first)
    days: dict[str, set[date]] = {}
    for c in ticked:
        for factor in c.factors:
            days.setdefault(str(factor), set()).add(c.day)
    return {name: Exposure(frozenset(d), observed) for name, d in days.items()}


def _delays_used(regimens: list[Any], delays: Mapping[str, int]) -> dict[str, Any]:
    """Say, per drug of the diary, how long the analysis waits for an effect and why."""
    out: dict[str, dict[str, Any]] = {}
    for r in regimens:
        if r.drug in out:
            continue
        known = r.drug_id is not None and r.drug_id in delays
        out[r.drug] = {
            "delay_days": delays[r.drug_id] if known else DEFAULT_DELAY_DAYS,
            "basis": "the knowledge base's titration step interval"
            if known
            else "default: the knowledge base has no dosing for this medicine",
        }
    return {"delay_before_effect": out}


def sensor_from_recordings(recordings: RecordingService) -> SensorSummary:
    """Build the ``sensor`` section from the diary's analysed recordings.

    See :meth:`RecordingService.sensor_section`: the spec's ``recordings`` and
    ``confirmed_jerks_per_hour_median`` plus ``daily`` counts by review state and the hours
    recorded, kept apart from the self-reported counts.
    """

    def summary(diary: DiaryAccess, start: date | None, end: date | None) -> dict[str, Any] | None:
        return recordings.sensor_section(diary, first_day=start, last_day=end)

    return summary
