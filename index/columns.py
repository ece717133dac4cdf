"""Per-document columns that filters need, as compact arrays instead of one dict per document.

At a million passages (~300k documents) a dict of metadata per document costs hundreds of
megabytes of Python objects; the filters only need the language, the outlet and the
publication day. Those are kept here as small integer codes (a value table per column) and
day numbers; the rest of a document's metadata is read from its segment when asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

_EPOCH = dt.date(1970, 1, 1)
UNKNOWN_DAY = -1


def day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


def published_days(published: str | None) -> tuple[int, int]:
    """The first and last day a publication date may mean (a year means the whole year),
    as days since 1970; (-1, -1) when unknown."""
    if not published:
        return UNKNOWN_DAY, UNKNOWN_DAY
    try:
        if len(published) == 4:
            y = int(published)
            return day_number(dt.date(y, 1, 1)), day_number(dt.date(y, 12, 31))
        d = day_number(dt.date.fromisoformat(published[:10]))
        return d, d
    except ValueError:
        return UNKNOWN_DAY, UNKNOWN_DAY


def _codes(values: Iterable[str], table: dict[str, int]) -> np.ndarray:
    return np.array([table.setdefault(v, len(table)) for v in values], dtype=np.int32)


@dataclass(frozen=True)
class DocColumns:
    """Language and outlet (codes into value tables) and publication days, per document."""

    lang: np.ndarray  # int32 codes into ``langs``
    langs: tuple[str, ...]  # "" = unknown
    source: np.ndarray  # int32 codes into ``sources`` (case-folded outlet names)
    sources: tuple[str, ...]
    first_day: np.ndarray  # int32, UNKNOWN_DAY when unknown
    last_day: np.ndarray

    def __len__(self) -> int:
        return len(self.lang)

    @classmethod
    def build(
        cls, *, langs: Sequence[str | None], sources: Sequence[str | None],
        published: Sequence[str | None],
    ) -> DocColumns:
        lt: dict[str, int] = {"": 0}
        st: dict[str, int] = {"": 0}
        days = np.array([published_days(p) for p in published], dtype=np.int32).reshape(-1, 2)
        return cls(
            lang=_codes((x or "" for x in langs), lt), langs=tuple(lt),
            source=_codes(((x or "").casefold() for x in sources), st), sources=tuple(st),
            first_day=days[:, 0], last_day=days[:, 1],
        )

    @classmethod
    def concat(cls, parts: Sequence[DocColumns]) -> DocColumns:
        """One table over several segments' documents (codes re-mapped to shared tables)."""
        lt: dict[str, int] = {"": 0}
        st: dict[str, int] = {"": 0}
        lang, source = [], []
        for p in parts:
            lang.append(np.array([lt.setdefault(v, len(lt)) for v in p.langs],
                                 dtype=np.int32)[p.lang])
            source.append(np.array([st.setdefault(v, len(st)) for v in p.sources],
                                   dtype=np.int32)[p.source])
        empty = np.zeros(0, np.int32)
        return cls(
            lang=np.concatenate(lang) if lang else empty, langs=tuple(lt),
            source=np.concatenate(source) if source else empty, sources=tuple(st),
            first_day=np.concatenate([p.first_day for p in parts]) if parts else empty,
            last_day=np.concatenate([p.last_day for p in parts]) if parts else empty,
        )

    def lang_code(self, lang: str) -> int:
        """The code of ``lang`` (-1 when no document has it)."""
        return self.langs.index(lang) if lang in self.langs else -1

    def source_codes(self, names: Iterable[str]) -> np.ndarray:
        folded = {n.casefold() for n in names}
        return np.array([i for i, s in enumerate(self.sources) if s in folded], dtype=np.int32)
