"""The knowledge base: schema, loader and integrity checks of the curated clinical data."""

from myoscope.knowledge.base import KnowledgeBase, bare_id
from myoscope.knowledge.loader import (
    bundled_root,
    check_knowledge_base,
    load_knowledge_base,
    read_knowledge_base,
)

__all__ = [
    "KnowledgeBase",
    "bare_id",
    "bundled_root",
    "check_knowledge_base",
    "load_knowledge_base",
    "read_knowledge_base",
]
