"""Options: the engine's assessment of the diary's profile, with sources and dosing."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from myoscope.domain.assessment import Assessment
from myoscope.domain.diary import Role
from myoscope.domain.profile import PatientProfile
from myoscope.errors import NotFoundError
from myoscope.knowledge import KnowledgeBase
from myoscope.services.diary import CHECKINS, DOSES, EPISODES, SIDE_EFFECTS, DiaryAccess
from myoscope.services.knowledge import TitrationAdvice, plan_titration
from myoscope.web.deps import DiaryDep, render, services_of
from myoscope.web.localtime import day_bounds, zone
from myoscope.web.views import Summary, summarise

__all__ = ["reference_links", "router"]

router = APIRouter(include_in_schema=False)
SUMMARY_DAYS = 28


def _sentences(*parts: str) -> str:
    """Join parts as sentences, without doubling a full stop a part already ends with."""
    return " ".join(p if p.endswith((".", "?", "!")) else f"{p}." for p in parts if p)


def reference_links(kb: KnowledgeBase, keys: list[str]) -> list[dict[str, Any]]:
    """Return the cited references in order of first citation, each with a link when known."""
    out = []
    for key in dict.fromkeys(keys):
        ref = kb.references.get(key)
        if ref is None:
            out.append({"key": key, "anchor": _anchor(key), "text": key, "url": None})
            continue
        authors = ", ".join(ref.authors[:3]) + (" et al." if len(ref.authors) > 3 else "")
        journal = f" {ref.journal}." if ref.journal else ""
        url = ref.url or (f"https://doi.org/{ref.doi}" if ref.doi else None)
        if url is None and ref.pmid:
            url = f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"
        out.append(
            {
                "key": key,
                "anchor": _anchor(key),
                "text": _sentences(authors, ref.title, str(ref.year)) + journal,
                "url": url,
                "pmid": ref.pmid,
                "doi": ref.doi,
            }
        )
    return out


def _anchor(key: str) -> str:
    return "ref-" + "".join(c if c.isalnum() or c == "-" else "-" for c in key.removeprefix("ref:"))


def _cited(assessment: Assessment) -> list[str]:
    keys: list[str] = []
    for cause in assessment.causes_to_review:
        keys += cause.sources
    for option in assessment.options:
        keys += option.sources
    for alert in assessment.alerts:
        keys += alert.sources
    return keys


def _plans(
    kb: KnowledgeBase, assessment: Assessment, profile: PatientProfile, audience: str
) -> dict[str, TitrationAdvice]:
    plans: dict[str, TitrationAdvice] = {}
    for option in assessment.options:
        if option.dosing is None or option.status in ("avoid", "contraindicated"):
            continue
        try:
            advice = plan_titration(
                option.id,
                egfr_ml_min=profile.egfr_ml_min,
                hepatic=profile.hepatic_impairment.value if profile.hepatic_impairment else None,
                weight_kg=profile.weight_kg,
                age_years=profile.age_years,
                audience=audience,
                kb=kb,
            )
        except NotFoundError:
            continue
        if advice.plan is not None:
            plans[option.id] = advice
    return plans


def _summary(request: Request, diary: DiaryAccess) -> Summary:
    services = services_of(request)
    today = services.diaries.today(diary)
    since, until = day_bounds(
        today - timedelta(days=SUMMARY_DAYS - 1), today, zone(diary.owner.timezone)
    )

    def items(kind: Any) -> list[Any]:
        return list(services.diaries.page(diary, kind, since=since, until=until, limit=1000).items)

    return summarise(
        SUMMARY_DAYS, items(EPISODES), items(DOSES), items(CHECKINS), items(SIDE_EFFECTS)
    )


@router.get("/d/{patient_id}/options")
def options(
    request: Request, diary: DiaryDep, audience: Annotated[str | None, Query()] = None
) -> Response:
    """Show the assessment of the profile, in patient or clinician wording."""
    services = services_of(request)
    if audience not in ("patient", "clinician"):  # by default, the wording for the reader
        audience = "clinician" if diary.actor.role is Role.CLINICIAN else "patient"
    chosen: Literal["patient", "clinician"] = "clinician" if audience == "clinician" else "patient"
    view, assessment = services.profiles.assess(diary, audience=chosen)
    context: dict[str, Any] = {"audience": chosen, "assessment": assessment}
    if assessment is not None and view.effective is not None:
        context |= {
            "profile": view.effective,
            "references": reference_links(services.kb, _cited(assessment)),
            "anchors": {k: _anchor(k) for k in _cited(assessment)},
            "plans": _plans(services.kb, assessment, view.effective, chosen),
            "alerts": [a for a in assessment.alerts if a.kind != "possible-cause"],
            "cause_names": {
                c.id: services.kb.name_of(f"{c.kind}:{c.id}") for c in assessment.causes_to_review
            },
        }
    context["summary"] = _summary(request, diary)
    return render(request, "options.html", **context)
