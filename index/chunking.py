"""Sentence-aware chunking with exact character offsets.

Sentences are found on the stored text itself, so every span slices back to the exact
characters: ``text[start:end]``. Abbreviations (``Prof.``, ``Dr.``, ``No.``), decimal and
thousands separators (``$7,6 juta``, ``1.000``) and dates (``20/11/2024``) never end a
sentence. Chunks pack whole sentences inside a paragraph; a short paragraph (a heading) is
joined to the paragraph after it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from index.text import strip_span

ABBREVIATIONS = frozenset(
    """prof dr drs dra ir h hj st no nos nomor tel telp hlm kab kec kel jl jln bpk ibu sdr
    mr mrs ms mt sh se sp mm mba msc phd jr sr vs etc dkk dll dsb tsb yth a.n u.p
    inc ltd co corp dept gov est approx fig no vol ed eds pp p op cit ca e.g i.e u.s u.k
    m.si m.t m.kom s.e s.h s.t s.kom s.pd s.sos a.md st. kh pt cv tbk persero jan feb mar apr
    jun jul agu aug sep sept okt oct nov des dec""".split()
)
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|[.!?…]+[\"'”’)\]]*$")
_PARA = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class ChunkerConfig:
    max_chars: int = 700
    overlap_sentences: int = 1
    min_paragraph_chars: int = 120

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in _PARA.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return [strip_span(text, s, e) for s, e in spans if text[s:e].strip()]


def _is_false_end(text: str, start: int, end_punct: int) -> bool:
    """Whether the period ending at ``end_punct`` belongs to an abbreviation or initial."""
    if text[end_punct - 1] != ".":
        return False
    m = re.search(r"([^\s(\[“\"]+)\.$", text[start:end_punct])
    if not m:
        return False
    token = m.group(1).lower()
    if token in ABBREVIATIONS or token.rstrip(".") in ABBREVIATIONS:
        return True
    if len(token) == 1 and token.isalpha():  # an initial: "M. Basuki"
        return True
    nxt = text[end_punct:end_punct + 3].lstrip()
    # Next sentence should start with a capital, digit, quote or bracket.
    return bool(nxt) and nxt[0].islower()


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]`` (paragraph breaks always end a sentence)."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for p_start, p_end in paragraph_spans(text[start:end]):
        p_start, p_end = p_start + start, p_end + start
        for line_start, line_end in _line_spans(text, p_start, p_end):
            s = line_start
            for m in _END.finditer(text, line_start, line_end):
                punct_end = m.start() + len(m.group(0).rstrip("\"'”’)]"))
                if _is_false_end(text, s, punct_end):
                    continue
                spans.append(strip_span(text, s, m.end()))
                s = m.end()
            if text[s:line_end].strip():
                spans.append(strip_span(text, s, line_end))
    return [sp for sp in spans if sp[1] > sp[0]]


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for m in re.finditer(r"\n", text[start:end]):
        out.append((pos, start + m.start()))
        pos = start + m.end()
    out.append((pos, end))
    return [strip_span(text, s, e) for s, e in out if text[s:e].strip()]


def chunk_spans(text: str, config: ChunkerConfig) -> list[tuple[int, int]]:
    """Passage spans: whole sentences, at most ``max_chars`` unless one sentence is longer."""
    paragraphs = paragraph_spans(text)
    # Join short paragraphs (headings, one-line leads) with the next one.
    blocks: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for s, e in paragraphs:
        if pending is not None:
            s = pending[0]
            pending = None
        if e - s < config.min_paragraph_chars:
            pending = (s, e)
        else:
            blocks.append((s, e))
    if pending is not None:
        if blocks and pending[1] - blocks[-1][0] <= config.max_chars:
            blocks[-1] = (blocks[-1][0], pending[1])
        else:
            blocks.append(pending)

    chunks: list[tuple[int, int]] = []
    for b_start, b_end in blocks:
        sents = sentence_spans(text, b_start, b_end)
        i = 0
        while i < len(sents):
            j = i + 1
            while j < len(sents) and sents[j][1] - sents[i][0] <= config.max_chars:
                j += 1
            chunks.append((sents[i][0], sents[j - 1][1]))
            if j >= len(sents):
                break
            i = max(j - config.overlap_sentences, i + 1)
    return chunks
