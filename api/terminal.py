"""How the CLI shows an answer's quote in a terminal: the quoted text verbatim inside one
pair of curly quotes, its highlight between ``**``, and an ellipsis where the quote was cut
out of a longer sentence."""

from __future__ import annotations

from search.answer.ask import Answer

_ENDS = (".", "!", "?", "”", '"', ")")  # a quote not after these (or a line end) was cut
# The quotation marks a sentence may bring with it: dropped at the quote's ends, since the
# quote gets its own pair (the web page's ``coreRange`` drops the same).
_QUOTES = "\u201c\u201d\u201e\u00ab\u00bb\"'\u2018\u2019"


def _core(text: str) -> tuple[int, int]:
    """[start, end) of ``text`` without the quotation marks and spaces around it."""
    s, e = 0, len(text)
    while s < e and (text[s] in _QUOTES or text[s].isspace()):
        s += 1
    while e > s and (text[e - 1] in _QUOTES or text[e - 1].isspace()):
        e -= 1
    return (s, e) if e > s else (0, len(text))


def quote(a: Answer) -> str:
    """``“…text **highlight** text…”``."""
    s, e = _core(a.text)
    hs, he = (max(s, min(e, x)) for x in a.highlight)
    before = a.document.text[:a.char_start].rstrip(" \t")[-1:]
    head = "…" if before not in (*_ENDS, "", "\n") else ""
    tail = "…" if a.text.rstrip()[-1:] not in _ENDS else ""
    return ("“" + head + a.text[s:hs] + "**" + a.text[hs:he] + "**" + a.text[he:e] + tail
            + "”")
