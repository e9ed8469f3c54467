"""The diary storage port: what the services need from a database, as a protocol."""

from myoscope.diary.repository import (
    AccountStore,
    DiaryRepository,
    RecordStore,
    TimeRange,
)

__all__ = ["AccountStore", "DiaryRepository", "RecordStore", "TimeRange"]
