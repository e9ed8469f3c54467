"""The five kinds of diary record, each under its own path (``/episodes`` ... ``/side-effects``).

One factory builds the same five operations for each kind (list, create, get, replace, delete),
with operation ids ``{kind}-list`` ... and the kind as tag. ``/medications/{record_id}/change``
records a change of dose.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the annotations of the handlers
# built in ``record_router``, which name the kind's models through closure variables.

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response, status
from pydantic import BaseModel, TypeAdapter

from myoscope.api.deps import DIARY_ERRORS, DiaryDep, ListWindowDep, ServicesDep
from myoscope.api.schemas import (
    CheckInPublic,
    CheckInsPublic,
    DosePublic,
    DosesPublic,
    EpisodePublic,
    EpisodesPublic,
    MedicationChange,
    MedicationPublic,
    MedicationsPublic,
    SideEffectPublic,
    SideEffectsPublic,
    public,
)
from myoscope.services.diary import (
    CHECKINS,
    DOSES,
    EPISODES,
    REGIMENS,
    SIDE_EFFECTS,
    RecordKind,
)

__all__ = ["RECORD_ROUTES", "RecordRoutes", "record_router", "routers"]

RecordId = Annotated[str, Path(min_length=1, max_length=64, description="The record's id.")]

_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The diary was shared with you to read only"},
}


@dataclass(frozen=True)
class RecordRoutes:
    """What the router of one kind of record needs.

    Parameters
    ----------
    kind : RecordKind
        The kind, from :data:`myoscope.services.diary.KINDS`; its name is the URL and the tag.
    public : type
        The response model of one record.
    page : type
        The response model of one page of records.
    plural : str
        The plural, in plain words, for summaries.
    """

    kind: RecordKind[Any, Any]
    public: type[BaseModel]
    page: type[BaseModel]
    plural: str


RECORD_ROUTES = (
    RecordRoutes(EPISODES, EpisodePublic, EpisodesPublic, "episodes"),
    RecordRoutes(CHECKINS, CheckInPublic, CheckInsPublic, "daily check-ins"),
    RecordRoutes(REGIMENS, MedicationPublic, MedicationsPublic, "medication regimens"),
    RecordRoutes(DOSES, DosePublic, DosesPublic, "doses"),
    RecordRoutes(SIDE_EFFECTS, SideEffectPublic, SideEffectsPublic, "side effects"),
)


def _location(request: Request, kind: RecordKind[Any, Any], record_id: str) -> str:
    return f"{request.scope.get('root_path', '')}/{kind.name}/{record_id}"


def record_router(spec: RecordRoutes) -> APIRouter:
    """Return the list/create/get/replace/delete router of one kind of record.

    Parameters
    ----------
    spec : RecordRoutes
        The kind and its response models.

    Returns
    -------
    fastapi.APIRouter
        Routes ``/{kind}`` and ``/{kind}/{record_id}``.
    """
    kind, tag, label = spec.kind, spec.kind.name, spec.kind.label
    record_model, page_model, body_model = spec.public, spec.page, kind.input_model
    router = APIRouter(prefix=f"/{tag}", tags=[tag], responses=DIARY_ERRORS)
    items_json: TypeAdapter[list[Any]] = TypeAdapter(list[kind.record_model])  # type: ignore[name-defined]

    @router.get(
        "",
        operation_id=f"{tag}-list",
        response_model=page_model,
        summary=f"List {spec.plural}",
        description=f"One page of {spec.plural}, newest first, optionally within [since, until).",
    )
    def list_records(diary: DiaryDep, services: ServicesDep, window: ListWindowDep) -> Any:
        page = services.diaries.page(
            diary,
            kind,
            since=window.since,
            until=window.until,
            limit=window.limit,
            offset=window.offset,
        )
        # A page can hold 1,000 records: serialise them once, straight from the (already
        # validated) domain records, instead of converting and validating them again.
        head = b'{"items":' + items_json.dump_json(page.items)
        tail = f',"total":{page.total},"limit":{page.limit},"offset":{page.offset}}}'
        return Response(head + tail.encode(), media_type="application/json")

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        operation_id=f"{tag}-create",
        response_model=record_model,
        summary=f"Record a new {label}",
        responses={
            200: {"description": "An existing entry was replaced (a check-in for the same day)"},
            **_WRITE_ERRORS,
        },
    )
    def create_record(
        body: Annotated[body_model, Body()],  # type: ignore[valid-type]
        diary: DiaryDep,
        services: ServicesDep,
        request: Request,
        response: Response,
    ) -> Any:
        record = services.diaries.add(diary, kind, body)
        response.headers["Location"] = _location(request, kind, record.id)
        if record.created_at != record.updated_at:  # a check-in for that day was replaced
            response.status_code = status.HTTP_200_OK
        return public(record_model, record)

    @router.get(
        "/{record_id}",
        operation_id=f"{tag}-get",
        response_model=record_model,
        summary=f"Get one {label}",
    )
    def get_record(record_id: RecordId, diary: DiaryDep, services: ServicesDep) -> Any:
        return public(record_model, services.diaries.get(diary, kind, record_id))

    @router.put(
        "/{record_id}",
        operation_id=f"{tag}-replace",
        response_model=record_model,
        summary=f"Replace one {label}",
        description="A full replacement: fields left out take their default values.",
        responses={409: {"description": "The change clashes with another entry"}, **_WRITE_ERRORS},
    )
    def replace_record(
        record_id: RecordId,
        body: Annotated[body_model, Body()],  # type: ignore[valid-type]
        diary: DiaryDep,
        services: ServicesDep,
    ) -> Any:
        return public(record_model, services.diaries.update(diary, kind, record_id, body))

    @router.delete(
        "/{record_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        operation_id=f"{tag}-delete",
        summary=f"Delete one {label}",
        responses={409: {"description": "Other entries are linked to it"}, **_WRITE_ERRORS},
    )
    def delete_record(record_id: RecordId, diary: DiaryDep, services: ServicesDep) -> Response:
        services.diaries.delete(diary, kind, record_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


def _add_change_route(router: APIRouter) -> None:
    @router.post(
        "/{record_id}/change",
        status_code=status.HTTP_201_CREATED,
        operation_id="medications-change",
        summary="Change the dose of a medication",
        description="The regimen stops on `on` and a new one, pointing back at it with "
        "`replaces_id`, starts the same day; the new regimen is returned.",
        responses=_WRITE_ERRORS,
    )
    def change_medication(
        record_id: RecordId,
        body: MedicationChange,
        diary: DiaryDep,
        services: ServicesDep,
        request: Request,
        response: Response,
    ) -> MedicationPublic:
        new = services.diaries.change_regimen(
            diary,
            record_id,
            on=body.on,
            dose_amount=body.dose_amount,
            times_per_day=body.times_per_day,
            reason=body.reason,
        )
        response.headers["Location"] = _location(request, REGIMENS, new.id)
        return public(MedicationPublic, new)


def routers() -> list[APIRouter]:
    """Return the routers of the five kinds of record (built afresh for each app)."""
    built = []
    for spec in RECORD_ROUTES:
        router = record_router(spec)
        if spec.kind is REGIMENS:
            _add_change_route(router)
        built.append(router)
    return built
