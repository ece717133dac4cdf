"""Document rules, in one place: what an id, a URL and stored text may hold.

Every way a document enters the index (files, ``.jsonl`` corpora, HTTP uploads and JSON) goes
through :func:`check_document`, so the rules cannot drift between entry points.
"""

from __future__ import annotations

import re
import unicodedata

MAX_ID_CHARS = 200
MAX_META_CHARS = {"title": 1000, "source": 500, "url": 2000, "published": 50, "lang": 20,
                  "author": 500}
# C0 controls (but tab, line feed, carriage return), DEL and C1 controls: never part of an
# article, and they turn into terminal escape sequences when printed (ANSI "\x1b[31m").
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
# Controls plus the characters that reorder what follows them on screen (bidi overrides and
# isolates, direction marks): shown escaped wherever stored text is printed to a terminal.
_UNSAFE_ON_SCREEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                               r"\u2066-\u2069]")


class InputError(ValueError):
    """A document, path or file cannot be used as given; the message names what and why."""


def encodable(value: str) -> bool:
    """Whether ``value`` can be stored as UTF-8 (JSON escapes can smuggle in lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def strip_controls(text: str) -> str:
    """``text`` without ANSI escape sequences and control characters (tab and newlines kept)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def for_terminal(text: str) -> str:
    """``text`` safe to print: controls and reordering characters become visible escapes
    (``\\x1b``, ``\\u202e``), so stored or user text can never drive the terminal."""
    return _UNSAFE_ON_SCREEN.sub(lambda m: ascii(m.group())[1:-1], text)


def check_id(doc_id: str) -> str:
    """A document id: 1-200 printable characters, no path separators, no invisible or
    direction-changing characters (an id must read as what it is)."""
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise InputError("id: must not be empty")
    if not encodable(doc_id):
        raise InputError("id: holds invalid Unicode (lone surrogates)")
    if len(doc_id) > MAX_ID_CHARS:
        raise InputError(f"id: longer than {MAX_ID_CHARS} characters")
    if doc_id != doc_id.strip():
        raise InputError("id: must not start or end with spaces")
    for c in doc_id:
        if c in "/\\":
            raise InputError("id: must not contain '/' or '\\'")
        category = unicodedata.category(c)
        # Cc control, Cf format (zero-width, bidi overrides), Zl/Zp separators, Co/Cn unassigned
        if category in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs") or (
            category == "Zs" and c != " "
        ):
            raise InputError(
                f"id: must be printable (U+{ord(c):04X} is an invisible or control character)"
            )
    return doc_id


def check_url(url: str | None) -> str | None:
    """An article URL: http or https only (a ``javascript:`` link must never reach a page)."""
    if url is None or not url.strip():
        return None
    url = url.strip()
    if not re.match(r"https?://[^\s/]+", url, re.I) or any(c.isspace() for c in url):
        raise InputError("url: must be an http:// or https:// address")
    return url


def check_meta(name: str, value: object) -> str | None:
    """A metadata string (title, source, published, lang, author): a string or nothing, valid
    Unicode, no control characters, bounded length."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{name}: must be a string")
    if not encodable(value):
        raise InputError(f"{name}: holds invalid Unicode (lone surrogates)")
    value = " ".join(strip_controls(value).split())
    limit = MAX_META_CHARS.get(name, 1000)
    if len(value) > limit:
        raise InputError(f"{name}: longer than {limit} characters")
    return value or None


def check_published(value: object) -> str | None:
    """A publication date as ISO ``YYYY-MM-DD`` (or ``YYYY``), whatever form it was given in
    (``20/11/2024``, ``Rabu (20/11/2024)``, ``17 Mei 2017``); a value that states no real
    date is refused rather than stored as it came (date filters and citations read it)."""
    from index.dates import parse_date

    raw = check_meta("published", value)
    if raw is None:
        return None
    date = parse_date(raw)
    if date is None:
        raise InputError(f"published: {raw!r} is not a date; give YYYY-MM-DD (or a year), or "
                         "leave it out")
    return date


def check_text(text: object, *, where: str = "text") -> str:
    """Article text as given: a non-empty string of valid Unicode, control characters dropped."""
    if not isinstance(text, str):
        raise InputError(f"{where}: must be a string")
    if not encodable(text):
        raise InputError(f"{where}: holds invalid Unicode (lone surrogates)")
    text = strip_controls(text)
    if not text.strip():
        raise InputError(f"{where}: must not be empty")
    return text
