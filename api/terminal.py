"""How the CLI shows an answer's quote in a terminal: the quoted text verbatim inside one
pair of curly quotes, its highlight between ``**``, and an ellipsis where the quote was cut
out of a longer sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports lazily: ``--help`` stays fast
    from search.answer.ask import Answer

# A quote not after these (or a line end) was cut out of a longer sentence.
_ENDS = (".", "!", "?", "”", "’", '"', "'", "»", ")")
# A sentence that is a quotation as a whole — its first mark opens a pair its last mark
# closes, with no other mark of the pair inside — brings its own pair; the quote's pair
# replaces it (the web page's ``coreRange`` does the same). "“Kami siap,” ujar Lago." is not
# one: its marks stay, inside the quote's own pair.
_PAIRS = {"“": "”", "„": "“”", "«": "»", '"': '"', "‘": "’", "'": "'"}


def _core(text: str) -> tuple[int, int]:
    """[start, end) of ``text`` without its own enclosing pair of quotation marks (and the
    spaces around them), or all of ``text`` when it is not enclosed in one."""
    s, e = len(text) - len(text.lstrip()), len(text.rstrip())
    closing = _PAIRS.get(text[s:s + 1], "")
    if e - s >= 2 and text[e - 1] in closing:
        inner = text[s + 1:e - 1]
        if not any(m in inner for m in (text[s], *closing)):
            return s + 1, e - 1
    return 0, len(text)


def quote(a: Answer) -> str:
    """``“…text **highlight** text…”``."""
    s, e = _core(a.text)
    hs, he = (max(s, min(e, x)) for x in a.highlight)
    before = a.document.text[:a.char_start].rstrip(" \t")[-1:]
    head = "…" if before not in (*_ENDS, "", "\n") else ""
    tail = "…" if a.text.rstrip()[-1:] not in _ENDS else ""
    marked = "**" + a.text[hs:he] + "**" if he > hs else ""
    return "“" + head + a.text[s:hs] + marked + a.text[he:e] + tail + "”"
