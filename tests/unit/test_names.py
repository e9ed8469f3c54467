from __future__ import annotations

import pytest

from myoscope.knowledge.names import NameIndex, normalize_name


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Keppra", "keppra"),
        ("Keppra XR 500mg", "keppra"),
        ("5-HTP", "5htp"),
        ("HLA-B*15:02", "hlab1502"),
        ("CKD stage 3", "ckdstage3"),
        ("  Sodium Valproate ", "sodiumvalproate"),
    ],
)
def test_normalize_name_ignores_case_punctuation_doses_and_formulations(typed, key):
    assert normalize_name(typed) == key


def test_index_finds_and_suggests():
    index = NameIndex(
        [
            ("gabapentin", "drug:gabapentin"),
            ("Neurontin", "drug:gabapentin"),
            ("pregabalin", "drug:pregabalin"),
        ]
    )
    assert index.lookup("NEURONTIN") == "drug:gabapentin"
    assert index.lookup("gabapentine") is None
    assert index.suggest("gabapentine")[0] == "gabapentin"


def test_index_records_a_name_claimed_by_two_ids():
    index = NameIndex([("x", "drug:a"), ("X", "drug:b")])
    assert index.lookup("x") == "drug:a"
    assert index.conflicts == [("X", "drug:a", "drug:b")]
