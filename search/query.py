"""What a user may ask for, in one record, and every rule about it (one owner per rule).

``Query.parse`` is the only way a request becomes a query: the HTTP API and the CLI both call
it, so a limit or a message exists once. A broken rule raises ``QueryError`` naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MODES = ("hybrid", "dense", "bm25")
DEFAULT_MODE = "hybrid"
K_MIN, K_MAX = 1, 50
DEFAULT_K = 10
DEFAULT_ASK_K = 5
MAX_QUERY_CHARS = 2000
# Search reads a query's first MAX_QUERY_WORDS words (its question parse, BM25 terms and
# language). Every labelled question we have (eval/data, FacQA train and valid) has at most
# 38 words, so no real question is cut; a pasted 2,000-character paragraph is, which bounds
# what one request can cost whatever it sends (the encoder bounds its tokens likewise).
MAX_QUERY_WORDS = 64
MAX_FILTER_VALUES = 50
SORTS = ("relevance", "date")
DEFAULT_SORT = "relevance"
# How deep a result list can be paged or exported (offset + k): deeper pages re-rank more
# candidate tiers per request; past this, narrowing the filters is the better tool.
MAX_WINDOW = 1000
EXPORT_K_MAX = MAX_WINDOW  # an export may take a whole window in one request
_LANG_CODE = re.compile(r"^[a-z]{2,3}$")
# Unicode categories Cc (C0, DEL, C1) but tab, newline and carriage return, and Cs (lone
# surrogates): one regex scan rather than a category lookup per character (a 2,000-character
# question is checked on the event loop).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class QueryError(ValueError):
    """A query parameter is invalid; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Filters:
    """Which passages a query may return (all when empty)."""

    lang: str | None = None
    sources: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not (self.lang or self.sources or self.docs or self.date_from or self.date_to)


@dataclass(frozen=True)
class Query:
    text: str
    k: int = DEFAULT_K
    mode: str = DEFAULT_MODE
    filters: Filters = field(default_factory=Filters)
    sort: str = DEFAULT_SORT
    offset: int = 0

    @property
    def read_text(self) -> str:
        """What search reads of the query: its first ``MAX_QUERY_WORDS`` words."""
        for i, m in enumerate(re.finditer(r"\S+", self.text), 1):
            if i == MAX_QUERY_WORDS:
                return self.text[:m.end()]
        return self.text

    @classmethod
    def parse(
        cls, text: str, *, k: int = DEFAULT_K, mode: str = DEFAULT_MODE, lang: str | None = None,
        sources: Sequence[str] = (), docs: Sequence[str] = (), date_from: str | None = None,
        date_to: str | None = None, sort: str = DEFAULT_SORT, offset: int = 0,
        export: bool = False, text_field: str = "q",
    ) -> Query:
        """``export``: the request asks for a file (CSV, JSON Lines), so ``k`` may be up to
        ``EXPORT_K_MAX``."""
        text = check_text(text_field, text)
        filters = Filters(
            lang=check_lang(lang), sources=_values("source", sources),
            docs=_values("doc", docs), date_from=check_date("date_from", date_from),
            date_to=check_date("date_to", date_to),
        )
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise QueryError("date_from", "date_from: later than date_to")
        k = check_k(k, k_max=EXPORT_K_MAX if export else K_MAX)
        offset = check_offset(offset)
        if offset + k > MAX_WINDOW:
            raise QueryError("offset", f"offset: offset + k must be at most {MAX_WINDOW} "
                             "(narrow the filters to see further)")
        return cls(text=text, k=k, mode=check_mode(mode),
                   filters=filters, sort=check_sort(sort), offset=offset)


def check_text(field_name: str, value: str) -> str:
    """Reject what cannot be a question: empty, too long, control characters, broken UTF-8,
    nothing to search for (only invisible characters or punctuation)."""
    if not isinstance(value, str) or not value.strip():
        raise QueryError(field_name, f"{field_name}: must not be empty")
    if len(value) > MAX_QUERY_CHARS:
        raise QueryError(field_name, f"{field_name}: longer than {MAX_QUERY_CHARS} characters")
    if "\ufffd" in value:
        raise QueryError(field_name, f"{field_name}: not valid UTF-8")
    if _CONTROL.search(value):
        raise QueryError(field_name, f"{field_name}: contains control characters")
    if not any(c.isalnum() for c in value):
        raise QueryError(field_name, f"{field_name}: must contain a letter or a digit")
    return value.strip()


def check_k(value: int, *, k_max: int = K_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not K_MIN <= value <= k_max:
        raise QueryError("k", f"k: must be a whole number from {K_MIN} to {k_max}")
    return value


def check_offset(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise QueryError("offset", "offset: must be a whole number, 0 or more")
    return value


def check_sort(value: str) -> str:
    if value not in SORTS:
        raise QueryError("sort", f"sort: unknown order {value!r}; use one of {', '.join(SORTS)}")
    return value


def check_mode(value: str) -> str:
    if value not in MODES:
        raise QueryError("mode", f"mode: unknown mode {value!r}; use one of {', '.join(MODES)}")
    return value


def check_lang(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    code = value.lower()  # "ID" means id, as outlets match whatever their case
    if not _LANG_CODE.fullmatch(code):
        raise QueryError("lang", f"lang: {value!r} is not a language code such as 'id' or 'en'")
    return code


def check_date(field_name: str, value: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(
            field_name, f"{field_name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _values(field_name: str, values: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    if len(out) > MAX_FILTER_VALUES:
        raise QueryError(field_name, f"{field_name}: at most {MAX_FILTER_VALUES} values")
    if any(len(v) > 500 for v in out):
        raise QueryError(field_name, f"{field_name}: a value is longer than 500 characters")
    return out
