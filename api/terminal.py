"""How the CLI shows an answer's quote in a terminal: the quoted text verbatim, its
highlight between ``**``, an ellipsis where the quote was cut out of a longer sentence, and
a pair of curly quotes around it unless the text has quotation marks of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports lazily: ``--help`` stays fast
    from search.answer.ask import Answer

# A quote not after these (or a line end) was cut out of a longer sentence.
_ENDS = (".", "!", "?", "”", "’", '"', "'", "»", ")")
# A sentence with double quotation marks of its own ("“Kami siap,” ujar Lago.", or the first
# sentence of a quotation that goes on) is shown as it stands: a pair of ours around it would
# leave its marks unbalanced or doubled, and changing its marks would change the quote. The
# web page's ``ownMarks`` (api/static/app.js) follows the same rule.
OWN_MARKS = "“”„«»\""


def quote(a: Answer) -> str:
    """``“…text **highlight** text…”`` (without our pair when the text has its own marks)."""
    hs, he = a.highlight
    before = a.document.text[:a.char_start].rstrip(" \t")[-1:]
    head = "…" if before not in (*_ENDS, "", "\n") else ""
    tail = "…" if a.text.rstrip()[-1:] not in _ENDS else ""
    marked = "**" + a.text[hs:he] + "**" if he > hs else ""
    body = head + a.text[:hs] + marked + a.text[he:] + tail
    return body if any(m in a.text for m in OWN_MARKS) else "“" + body + "”"
