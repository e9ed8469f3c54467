"""The diary's profile, kept current from the medication list, and its assessment.

The stored profile holds what the person tells about themselves (age, sex, kidney and liver
function, myoclonus, conditions, allergies, earlier treatments). What they take *now* is never
typed twice: ``medications`` comes from the regimens active today, and regimens stopped with an
outcome (ineffective, not tolerated ...) are added to ``previous_treatments``. So the options page
always reflects the current medication list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from myoscope.domain.assessment import Assessment
from myoscope.domain.diary import AuditAction, Regimen
from myoscope.domain.profile import PatientProfile
from myoscope.errors import InvalidInputError
from myoscope.rules.assess import assess_profile
from myoscope.rules.facts import resolve_profile
from myoscope.services.diary import REGIMENS, DiaryAccess, DiaryService
from myoscope.services.profiles import parse_profile

__all__ = ["RECENT_DAYS", "ProfileService", "ProfileView"]

RECENT_DAYS = 28
"""A medicine started or increased within this many days counts as recently started."""


@dataclass(frozen=True)
class ProfileView:
    """The stored profile and the profile the engine sees.

    Parameters
    ----------
    stored : dict or None
        What the person entered (no ``medications``), or None when nothing is stored yet.
    effective : PatientProfile or None
        ``stored`` with medications and earlier treatments from the medication list; None when
        no profile is stored yet (age and sex are needed).
    """

    stored: dict[str, Any] | None
    effective: PatientProfile | None


class ProfileService:
    """Read, save and assess the diary's profile.

    Parameters
    ----------
    diaries : DiaryService
        The diary service (for access checks, regimens and the audit log).
    """

    def __init__(self, diaries: DiaryService) -> None:
        self.diaries = diaries

    def view(self, diary: DiaryAccess) -> ProfileView:
        """Return the stored and the effective profile."""
        stored = self.diaries.repository.get_profile(diary.patient_id)
        if stored is None:
            return ProfileView(None, None)
        regimens = self.diaries.all(diary, REGIMENS)
        return ProfileView(stored, effective_profile(stored, regimens, self.diaries.today(diary)))

    def save(self, diary: DiaryAccess, data: Any) -> ProfileView:
        """Validate and store the profile (``medications`` come from the medication list).

        Raises
        ------
        InvalidInputError
            A field that is wrong, with the allowed values; or ``medications`` given.
        PermissionDeniedError
            A read-only share.
        """
        self.diaries.require_write(diary)
        if not isinstance(data, dict):
            raise InvalidInputError(
                "A profile must be a mapping of fields (age_years, sex, ...); see "
                "schemas/profile.schema.json."
            )
        if data.get("medications"):
            raise InvalidInputError(
                "'medications' come from your medication list; add, change or stop medicines "
                "there (POST /api/v1/medications) and leave them out of the profile.",
                field="medications",
            )
        document = {k: v for k, v in data.items() if k != "medications"}
        checked = parse_profile(document, source="profile")
        resolve_profile(checked, self.diaries.kb)  # an etiology the knowledge base lacks, ...
        stored = checked.model_dump(mode="json", exclude_none=True, exclude={"medications"})
        repository = self.diaries.repository
        with repository.transaction():
            repository.put_profile(diary.patient_id, stored, self.diaries.clock())
            self.diaries.record_audit(diary, AuditAction.UPDATE, "profile")
        return self.view(diary)

    def read(self, diary: DiaryAccess) -> ProfileView:
        """Return the profile and write an audit entry for the read."""
        self.diaries.record_audit(diary, AuditAction.READ, "profile")
        return self.view(diary)

    def assess(
        self, diary: DiaryAccess, *, audience: Literal["patient", "clinician"] = "patient"
    ) -> tuple[ProfileView, Assessment | None]:
        """Assess the effective profile (information to discuss with a clinician).

        Returns
        -------
        view : ProfileView
            The profile assessed.
        assessment : Assessment or None
            None when no profile is stored yet.
        """
        view = self.view(diary)
        self.diaries.record_audit(diary, AuditAction.ASSESS, "assessment")
        if view.effective is None:
            return view, None
        return view, assess_profile(view.effective, self.diaries.kb, audience=audience)


def effective_profile(
    stored: dict[str, Any], regimens: list[Regimen], today: date
) -> PatientProfile:
    """Combine a stored profile with the medication list.

    Parameters
    ----------
    stored : dict
        The stored profile document (validated when it was saved).
    regimens : list of Regimen
        Every regimen of the diary.
    today : date
        The day in the person's time zone.

    Returns
    -------
    PatientProfile
        With ``medications`` = the regimens active today (daily dose in mg when known;
        ``recently_started`` within :data:`RECENT_DAYS`) and earlier treatments stopped with an
        outcome added to ``previous_treatments``.
    """
    active = [r for r in regimens if r.active_on(today)]
    recent = today - timedelta(days=RECENT_DAYS)
    medications = []
    for regimen in active:
        entry: dict[str, Any] = {"name": regimen.drug}
        if regimen.dose_mg_per_day is not None:
            entry["dose_mg_per_day"] = round(regimen.dose_mg_per_day, 3)
        if regimen.started_on >= recent and _is_start_or_increase(regimen, regimens):
            entry["recently_started"] = True
        medications.append(entry)
    taking = {(r.drug_id or r.drug.lower()) for r in active}
    previous = list(stored.get("previous_treatments", []))
    named = {str(p.get("name", "")).lower() for p in previous}
    for regimen in sorted(regimens, key=lambda r: r.stopped_on or today, reverse=True):
        key = regimen.drug_id or regimen.drug.lower()
        if regimen.outcome is None or key in taking or regimen.drug.lower() in named:
            continue
        item: dict[str, Any] = {"name": regimen.drug, "outcome": regimen.outcome}
        if regimen.stop_reason:
            item["note"] = regimen.stop_reason[:200]
        previous.append(item)
        named.add(regimen.drug.lower())
    data = dict(stored) | {"medications": medications, "previous_treatments": previous}
    return parse_profile(data, source="stored profile")


def _is_start_or_increase(regimen: Regimen, regimens: list[Regimen]) -> bool:
    if regimen.replaces_id is None:
        return True
    before = next((r for r in regimens if r.id == regimen.replaces_id), None)
    if before is None or before.dose_mg_per_day is None or regimen.dose_mg_per_day is None:
        return True
    return regimen.dose_mg_per_day > before.dose_mg_per_day
