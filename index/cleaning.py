"""Turn raw news text into clean, indexable text plus the metadata the article states.

News pages arrive with navigation crumbs, photo credits, "read also" links and copyright
lines. Those are dropped line by line (never edited inside a line, so quotes stay verbatim);
the outlet and the publication date are extracted only where the article states them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.dates import COPYRIGHT, extract_published

# Whole lines that are page furniture rather than article text.
_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^[|\-–—•*#=_~.]*$",  # separators, lone "|"
        r"^(by|oleh|share|bagikan|tag|tags|tagar)\s*:?\s*$",
        r"^(tag|tags|tagar)\s*:.*$",
        r"^(foto|photo|ilustrasi|sumber foto|image)\s*:.*$",
        r"^(membaca|baca juga|baca|read also|lihat juga|simak juga)\b\s*:?.*$",
        r"^berita terkait\s*:.*$",
        r"^(hak cipta|copyright)\b.*$",
        r"^.*©.*$",
        r"^(penerjemah|editor|penulis|pewarta|pewarta foto|reporter|redaktur|translator"
        r"|penyunting|kontributor|fotografer|writer|author|laporan wartawan)\s*:.*$",
        r"^(kontak|contact|email|e-mail)\s*:.*$",
        r"^(sumber|source)\s*:.*$",
        r"^(tinggalkan komentar|leave a comment|komentar|advertisement|iklan|ads"
        r"|scroll to (continue|resume) (with )?content|konten berlanjut di bawah ini)$",
        # What news sites put around the article: share bars, related lists, pagers, comment
        # prompts, newsletter and channel invitations, syndication notes, cookie banners.
        r"^(facebook|twitter|x|whatsapp|telegram|linkedin|line|e-?mail|copy link"
        r"|salin (link|tautan)|bagikan artikel ini|share this article)$",
        r"^(pilihan untuk anda|berita terkait|artikel terkait|topik terkait|video terkait"
        r"|terpopuler|berita terpopuler|terkini|berita terkini|terbaru|berita terbaru"
        r"|rekomendasi|populer|most popular|related( articles| stories)?|read more"
        r"|selanjutnya|halaman (selanjutnya|berikutnya)|next page|muat lebih banyak|load more)"
        r"\s*[>»›:]*$",
        r"^(halaman|page)\s+\d+(\s*(dari|of|/)\s*\d+)?$",
        r"^\[gambas:.*\]$",
        r"^(simak|tonton|saksikan|watch)( juga)? video\b.*$",
        r"^(tulis|kirim|lihat|tampilkan|muat) (semua )?komentar\b.*$",
        r"^(belum ada komentar|\d+ komentar|be the first to comment)\b.*$",
        r"^(dapatkan (update|informasi|berita)|ikuti (berita|update|kami|channel|saluran))\b.*$",
        r"^artikel ini (telah )?(tayang|terbit|dimuat)\b.*$",
        r"^the post .{1,300} appeared first on .{1,120}$",
        r"^(kami menggunakan (cookie|kuki)|situs (web )?ini menggunakan (cookie|kuki)"
        r"|this (web)?site uses cookies|we use cookies)\b.*$",
        r"^\((?:[a-z]{2,5}/)*[a-z]{2,5}\)$",  # desk initials closing an article: "(rfs/imk)"
        r"^(biro komunikasi publik|humas(\s+[\w.&-]+){0,6})$",  # press-office signature
        r"^\(\*\)$",
    )
]

_DATELINE_OUTLET = re.compile(
    r"^(?P<outlet>[A-Za-z0-9-]+\.(?:com|co\.id|id|net|org|go\.id))\s*,\s*[^–—-]{1,40}\s*[–—-]"
)
_SOURCE_LINE = re.compile(r"^(?:sumber|source)\s*:\s*(?P<outlet>.+?)\s*$", re.IGNORECASE)
_PR_SIGNATURE = re.compile(
    r"^(?P<outlet>biro komunikasi publik|humas(?:\s+[\w.&-]+){0,6})$", re.IGNORECASE
)

@dataclass(frozen=True)
class Cleaned:
    text: str
    title: str | None
    source: str | None
    published: str | None


# A photo caption ends in its credit ("… di Multifunction Hall. Foto: IKN / TRT Indonesia").
# Captions state facts (venues, names) that readers ask about, so a caption with a few words
# of its own is kept, credit included; a bare credit line is furniture.
_CAPTION = re.compile(r"^(?P<caption>.*\S)\s*\b(foto|photo)\s*:\s*\S.*$", re.IGNORECASE)
_MIN_CAPTION_WORDS = 4


def is_boilerplate(line: str) -> bool:
    stripped = line.strip()
    if len(stripped) > 400:  # a long line is article text, whatever it starts with
        return False
    caption = _CAPTION.match(stripped)
    if caption and len(caption.group("caption").split()) < _MIN_CAPTION_WORDS:
        return True
    return any(p.match(stripped) for p in _BOILERPLATE)


def clean_article(raw: str) -> Cleaned:
    """Drop boilerplate lines, keep paragraphs (joined by a blank line), read title/source/date."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = [ln.rstrip() for ln in raw.split("\n")]
    kept = [ln.strip() for ln in lines if ln.strip() and not is_boilerplate(ln)]
    text = "\n\n".join(kept)
    title = _title(kept)
    return Cleaned(
        text=text,
        title=title,
        source=extract_source([ln.strip() for ln in lines if ln.strip()]),
        published=extract_published(raw),
    )


def _title(kept: list[str]) -> str | None:
    for line in kept:
        # The first meaningful line: has letters and is not a bare dateline like "NUSANTARA".
        if re.search(r"[^\W\d_]{2,}", line) and len(line.split()) >= 2:
            return _shorten(line, 160)
    return None


def _shorten(line: str, limit: int) -> str:
    """A lead sentence used as title is cut at a word boundary."""
    if len(line) <= limit:
        return line
    cut = line.rfind(" ", 0, limit)
    return line[: cut if cut > 0 else limit].rstrip(" ,;:") + "…"


def extract_source(lines: list[str]) -> str | None:
    """The outlet, only where the article names it (copyright line, dateline, source line)."""
    for line in lines:
        m = COPYRIGHT.search(line)
        if m:
            return m.group("outlet").strip()
    for line in lines[:8]:
        m = _DATELINE_OUTLET.match(line)
        if m:
            return m.group("outlet")
    for line in lines:
        m = _SOURCE_LINE.match(line)
        if m:
            return m.group("outlet")
    for line in reversed(lines[-6:]):
        m = _PR_SIGNATURE.match(line)
        if m:
            return m.group("outlet")
    return None
