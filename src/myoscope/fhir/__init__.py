"""FHIR R4 exchange: the diary as a Bundle and back, and the CDS Hooks service's mapping.

An adapter at the edge: it uses the domain models, the knowledge base and ``fhir.resources``
(the R4B models, whose JSON is R4-compatible for the resources used here), and nothing of
storage, services or the web. The mapping is documented in ``docs/fhir.md`` and tabulated in
:mod:`myoscope.fhir.codes`.
"""

from __future__ import annotations

from myoscope.fhir.export import diary_to_bundle, full_url
from myoscope.fhir.parse import FhirRecords, ParsedRecord, bundle_to_records
from myoscope.fhir.validate import validate_resource

__all__ = [
    "FhirRecords",
    "ParsedRecord",
    "bundle_to_records",
    "diary_to_bundle",
    "full_url",
    "validate_resource",
]
