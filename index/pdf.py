"""PDF files (press releases, reports): text page by page with pypdf.

A PDF's text comes as layout lines, so it is rebuilt into paragraphs before it is stored
(sentences must not end where a printed line did): lines are joined until one stops well
short of the page's usual line width (a paragraph's last line, or a heading), a word
hyphenated across lines is made whole ("pemba-" + "ngunan"; "kota-" + "kota" keeps its
hyphen), and running headers and footers
that repeat on most pages ("SIARAN PERS …", "Halaman 2 dari 3") are dropped. A paragraph
carried over to the next page stays with the page it starts on, so each page's text starts
at a paragraph and a passage's page is the page its first sentence is printed on.
A PDF without a text layer (a scan) is reported and skipped, never stored empty.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from typing import Any

from index.documents import InputError
from index.records import Extracted

log = logging.getLogger(__name__)
PDF_SUFFIXES = {".pdf"}
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’)\]]*$")
_PAGE_NUMBER = re.compile(r"^(?:[-–—]\s*)?\d{1,4}(?:\s*[-–—])?$")
_JUNK_TITLE = re.compile(r"(microsoft\s+\w+\s+-|\.(docx?|pdf|odt|pptx?|xlsx?)$|^untitled)", re.I)
# A line shorter than this share of a full line ends its paragraph; a full-width line
# ending in "." is usually mid-paragraph.
SHORT_LINE = 0.8


def read_pdf(name: str, data: bytes) -> list[Extracted]:
    """One document whose ``pages`` hold each page's paragraphs (one a line)."""
    reader = _open(name, data)
    raw_pages = []
    for number, page in enumerate(reader.pages, 1):
        try:
            raw_pages.append(page.extract_text() or "")
        except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on damaged pages
            log.warning("%s: page %d is unreadable (%s)", name, number, exc)
            raw_pages.append("")
    lines = [_lines(text) for text in raw_pages]
    if not any(lines):
        raise InputError(f"{name}: no text layer (a scanned PDF? run OCR on it first)")
    empty = [n for n, page in enumerate(lines, 1) if not page]
    if empty:
        log.warning("%s: no text on page(s) %s (scanned?)", name, ", ".join(map(str, empty)))
    pages = _paragraphs(_drop_running_lines(lines))
    meta = _metadata(reader)
    return [Extracted(text="\n\n".join(pages), pages=tuple(pages), title=meta.get("title"),
                      author=meta.get("author"))]


def _open(name: str, data: bytes) -> Any:  # noqa: ANN401 - pypdf's PdfReader
    from pypdf import PdfReader  # loaded when the first PDF is read
    from pypdf.errors import PdfReadError

    if not data.lstrip().startswith(b"%PDF"):
        raise InputError(f"{name}: not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{name}: encrypted PDF (needs a password)")
        len(reader.pages)
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{name}: damaged PDF ({exc})") from None
    return reader


def _lines(text: str) -> list[str]:
    return [" ".join(ln.split()) for ln in text.splitlines() if ln.strip()]


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Without page numbers, and without header/footer lines (digits aside) that open or
    close at least half of the pages (and two at least)."""
    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.lower())

    edges: Counter[str] = Counter()
    for page in pages:
        edges.update({key(ln) for ln in page[:2] + page[-2:]})
    with_text = sum(1 for p in pages if p)
    running = {k for k, n in edges.items() if n >= 2 and n * 2 >= with_text}
    out = []
    for page in pages:
        last = len(page) - 1
        out.append([ln for i, ln in enumerate(page)
                    if not ((i < 2 or i >= last - 1)
                            and (key(ln) in running or _PAGE_NUMBER.match(ln)))])
    return out


def _paragraphs(pages: list[list[str]]) -> list[str]:
    """Each page's text as paragraphs, one a line."""
    out: list[list[str]] = []
    for lines in pages:
        width = _line_width(lines)
        paras: list[str] = []
        current = ""
        for i, ln in enumerate(lines):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if current and _heading(current, width) and not _heading(ln, width):
                paras.append(current)  # a heading ends where body text begins
                current = ""
            current = _join(current, ln) if current else ln
            if not nxt or (len(ln) < SHORT_LINE * width and not nxt[:1].islower()
                           and not (_heading(current, width) and _heading(nxt, width))):
                paras.append(current)  # a paragraph's last line, or a heading's
                current = ""
        # A paragraph carried over from the previous page belongs with its start.
        prev = next((p for p in reversed(out) if p), None)
        if prev and paras and not _SENTENCE_END.search(prev[-1]) and paras[0][:1].islower():
            prev[-1] = _join(prev[-1], paras.pop(0))
        out.append(paras)
    return ["\n".join(p) for p in out]


def _line_width(lines: list[str]) -> float:
    """A full line's length on this page: the median of the lines at least half as long as
    the longest (proportional fonts make full lines differ by a tenth or more)."""
    if not lines:
        return 0.0
    longest = max(map(len, lines))
    full = sorted(n for n in map(len, lines) if n * 2 >= longest)
    return float(full[len(full) // 2])


def _heading(text: str, width: float) -> bool:
    """A short run of words that does not end a sentence (a headline or a subheading)."""
    return bool(text) and len(text) < SHORT_LINE * width and not _SENTENCE_END.search(text) \
        and not text[:1].islower()


def _join(left: str, right: str) -> str:
    """Two printed lines of one paragraph, made one (a hyphenated word made whole)."""
    m = re.search(r"(\w+)-$", left)
    if m and right[:1].isalpha():
        first = re.match(r"\w+", right)
        if right[:1].islower() and first and first.group(0).lower() != m.group(1).lower():
            return left[:-1] + right  # "pemba-" + "ngunan"
        return left + right  # "kota-" + "kota", "ASEAN-" + "Jepang"
    return f"{left} {right}"


def _metadata(reader: Any) -> dict[str, str]:  # noqa: ANN401 - pypdf's PdfReader
    """Title and author from the document information, where they are more than a file
    name (a CreationDate is when the file was made, not when the story was published)."""
    try:
        info = reader.metadata or {}
        found = {"title": info.get("/Title"), "author": info.get("/Author")}
    except Exception:  # noqa: BLE001 - damaged information dictionaries are common
        return {}
    out = {}
    for k, v in found.items():
        v = " ".join(str(v).split()) if v else ""
        if v and not _JUNK_TITLE.search(v):
            out[k] = v
    return out
