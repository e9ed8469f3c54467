"""The loaded, validated knowledge base and its indexes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from myoscope.knowledge.names import NameIndex
from myoscope.knowledge.schema import (
    Claim,
    ClassEntry,
    Classification,
    ConditionEntry,
    Drug,
    Etiology,
    EvidenceScale,
    Intervention,
    Manifest,
    MessageTemplate,
    Reference,
    Rule,
    ScaleLevel,
)

__all__ = ["KnowledgeBase", "bare_id"]


def _closure(start: str, neighbours: Callable[[str], Iterable[str]]) -> frozenset[str]:
    """Return ``start`` and everything reachable from it (cycles are tolerated)."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(neighbours(current))
    return frozenset(seen)


def bare_id(ident: str) -> str:
    """Return an id without its namespace: ``drug:valproate`` -> ``valproate``."""
    return ident.split(":", 1)[1] if ":" in ident else ident


@dataclass(frozen=True, eq=False)
class KnowledgeBase:
    """Every entity of the knowledge base, by id, with its version and content hash.

    Build it with :func:`myoscope.knowledge.load_knowledge_base`; it is immutable.
    """

    manifest: Manifest
    scales: dict[str, EvidenceScale]
    classification: Classification | None
    references: dict[str, Reference]
    classes: dict[str, ClassEntry]
    conditions: dict[str, ConditionEntry]
    etiologies: dict[str, Etiology]
    drugs: dict[str, Drug]
    interventions: dict[str, Intervention]
    claims: dict[str, Claim]
    rules: tuple[Rule, ...]
    messages: dict[str, MessageTemplate]
    sha256: str
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The knowledge-base version from the manifest."""
        return self.manifest.kb_version

    # -- indexes -------------------------------------------------------------------------------

    @cached_property
    def treatments(self) -> dict[str, Drug | Intervention]:
        """Every drug with a treatment section, and every intervention, by id."""
        found: dict[str, Drug | Intervention] = {
            i: d for i, d in self.drugs.items() if d.treatment is not None
        }
        found.update(self.interventions)
        return found

    @cached_property
    def medicine_names(self) -> NameIndex:
        """Names, synonyms and brands of every drug and intervention."""
        entries: list[tuple[str, str]] = []
        for drug in self.drugs.values():
            entries += [(n, drug.id) for n in (drug.name, bare_id(drug.id), *drug.synonyms)]
            entries += [(b, drug.id) for b in drug.brands]
        for item in self.interventions.values():
            entries += [(n, item.id) for n in (item.name, bare_id(item.id), *item.synonyms)]
        return NameIndex(entries)

    @cached_property
    def condition_names(self) -> NameIndex:
        """Names and synonyms of every condition."""
        entries: list[tuple[str, str]] = []
        for cond in self.conditions.values():
            entries += [(n, cond.id) for n in (cond.name, bare_id(cond.id), *cond.synonyms)]
        return NameIndex(entries)

    @cached_property
    def etiology_names(self) -> NameIndex:
        """Names and synonyms of every etiology."""
        entries: list[tuple[str, str]] = []
        for et in self.etiologies.values():
            entries += [(n, et.id) for n in (et.name, bare_id(et.id), *et.synonyms)]
        return NameIndex(entries)

    @cached_property
    def class_ancestors(self) -> dict[str, frozenset[str]]:
        """Each class with all its parents, transitively."""

        def parents(cid: str) -> tuple[str, ...]:
            entry = self.classes.get(cid)
            return entry.parents if entry else ()

        return {cid: _closure(cid, parents) for cid in self.classes}

    @cached_property
    def _expansions(self) -> dict[str, frozenset[str]]:
        return {i: self._expand(i) for i in (*self.drugs, *self.interventions, *self.classes)}

    def _expand(self, ident: str) -> frozenset[str]:
        found = {ident}
        drug = self.drugs.get(ident)
        direct: tuple[str, ...] = ()
        if drug is not None:
            direct = (*((drug.mechanism,) if drug.mechanism else ()), *drug.classes)
        elif ident in self.interventions:
            direct = (self.interventions[ident].mechanism,)
        elif ident in self.classes:
            direct = (ident,)
        for cid in direct:
            found |= self.class_ancestors.get(cid, frozenset({cid}))
        return frozenset(found)

    def expand(self, ident: str) -> frozenset[str]:
        """Return ``ident`` with every class it belongs to (drugs) or its ancestors (classes).

        Parameters
        ----------
        ident : str
            A drug, intervention or class id.

        Returns
        -------
        frozenset of str
            The id itself, its mechanism, its classes and all their parents.
        """
        found = self._expansions.get(ident)
        return found if found is not None else self._expand(ident)

    @cached_property
    def _class_members(self) -> dict[str, frozenset[str]]:
        members: dict[str, set[str]] = {}
        for ident in (*self.drugs, *self.interventions):
            for cid in self.expand(ident):
                if cid.startswith("class:"):
                    members.setdefault(cid, set()).add(ident)
        return {cid: frozenset(ids) for cid, ids in members.items()}

    def members(self, target: str) -> frozenset[str]:
        """Return the treatment and drug ids a rule target stands for (a class -> its drugs)."""
        if not target.startswith("class:"):
            return frozenset({target})
        return self._class_members.get(target, frozenset())

    @cached_property
    def etiology_ancestors(self) -> dict[str, frozenset[str]]:
        """Each etiology with all its parents, transitively."""

        def parents(eid: str) -> tuple[str, ...]:
            entry = self.etiologies.get(eid)
            return entry.parents if entry else ()

        return {eid: _closure(eid, parents) for eid in self.etiologies}

    def implied_conditions(self, ident: str) -> frozenset[str]:
        """Return a condition with every condition it implies, transitively."""

        def implies(cid: str) -> tuple[str, ...]:
            entry = self.conditions.get(cid)
            return entry.implies if entry else ()

        return _closure(ident, implies)

    def scale_level(self, scale: str, level: str) -> ScaleLevel | None:
        """Return a level of an evidence scale, or None when it does not exist."""
        found = self.scales.get(scale)
        if found is None:
            return None
        return next((lv for lv in found.levels if lv.level == level), None)

    def name_of(self, ident: str) -> str:
        """Return the display name of any id (falls back to the bare id)."""
        for table in (
            self.drugs,
            self.interventions,
            self.conditions,
            self.etiologies,
            self.classes,
        ):
            entry = table.get(ident)
            if entry is not None:
                return entry.name
        return bare_id(ident)
