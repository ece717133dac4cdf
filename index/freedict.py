"""Convert the FreeDict English–Indonesian dictionary (dictd format) into a compact TSV.

Run as ``python -m index.freedict [--dict PATH] [--index PATH] --out PATH``; the shipped file
is ``index/data/en_id_dictionary.tsv``.

Input: Debian's ``dict-freedict-eng-ind`` (``.dict.dz`` is dictzip, which gzip reads; ``.index``
lines are ``headword TAB base64 offset TAB base64 length``). Each entry is plain text::

    capital //ˈkæp.ɪ.təl// <n>          headword, pronunciations, <part of speech>
    1. modal, kapital                   numbered sense: translations, comma separated
    money and wealth                    English gloss (dropped)
    2. kapital
    uppermost part of a column

An entry with one sense has its translations on the line right after the header. A sense's
translation line may end in a gloss number (``kronis 2.``) followed by more glosses
(`` 3.`` lines); those are glosses, not senses.

Output (sorted by headword, deterministic)::

    # comment lines: source, edition, licence
    capital\tmodal|kapital
    capital city\tibu kota

Headwords are lower-cased and keep their spaces, hyphens and apostrophes; translations keep
their case (``Jepang``: proper nouns stay recognisable) and multi-word translations stay whole.
Entries of the same lower-cased headword are merged, nouns first, then verbs, adjectives,
adverbs, proper nouns and the rest, each in dictionary order; affix entries (``<prefix>``,
``<suffix>``) are left out because their index headword collides with real words
(``-ability`` is indexed as ``ability``).
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DICT = Path("/usr/share/dictd/freedict-eng-ind.dict.dz")
DEFAULT_INDEX = Path("/usr/share/dictd/freedict-eng-ind.index")
LICENCE = "CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/)"

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUE = {c: i for i, c in enumerate(_B64)}
# Parts of speech in the order their senses are listed for a merged headword.
_POS_ORDER = {"n": 0, "v": 1, "adj": 2, "adv": 3, "pn": 4}
_SKIP_POS = frozenset({"prefix", "suffix"})

_SENSE = re.compile(r"^\d+\.\s+")
_GLOSS_NUMBER = re.compile(r"\s+\d+\.\s*$")
_WIKILINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_POS_TAG = re.compile(r"<([^>]+)>\s*$")


@dataclass(frozen=True)
class Entry:
    headword: str  # as written in the entry header (case kept)
    pos: str | None
    translations: tuple[str, ...]


def _b64(text: str) -> int:
    n = 0
    for ch in text:
        n = n * 64 + _B64_VALUE[ch]
    return n


def read_raw_entries(dict_path: Path, index_path: Path) -> Iterator[tuple[str, str]]:
    """(index headword, entry text) for every entry, in index order."""
    with gzip.open(dict_path) as fh:  # dictzip is gzip with a random-access header
        data = fh.read()
    with open(index_path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            key, off, length = parts
            start = _b64(off)
            yield key, data[start:start + _b64(length)].decode("utf-8")


def database_info(dict_path: Path, index_path: Path) -> dict[str, str]:
    """The ``00-database-*`` entries: ``short`` (name and edition), ``info``, ``url``."""
    out = {}
    for key, text in read_raw_entries(dict_path, index_path):
        if key.startswith("00database"):
            body = text.split("\n", 1)[1] if text.startswith("00-database") else text
            out[key[len("00database"):]] = body.strip()
    return out


def _headword(header: str) -> tuple[str, str | None]:
    m = _POS_TAG.search(header)
    pos = m.group(1) if m else None
    head = header[:m.start()] if m else header
    # Pronunciations follow the headword as " /.../" (sometimes "//...//"); cut at the first.
    cut = head.find(" /")
    if cut >= 0:
        head = head[:cut]
    return " ".join(head.split()), pos


def clean_translations(line: str) -> list[str]:
    """``"1. [[kemudi|mengemudi(kan)]], mengendalikan 2."`` → ``["mengemudi", "mengendalikan"]``."""
    line = _SENSE.sub("", line.strip())
    line = _GLOSS_NUMBER.sub("", line)
    line = _WIKILINK.sub(r"\1", line)
    line = _PARENS.sub(" ", line)
    out = []
    for piece in re.split(r"[,/;|\t]", line):
        piece = " ".join(piece.split()).strip(" ?!.:'\"")
        # Bare affixes ("piko-", "e- -an") are not words a search can use.
        if not piece or piece.startswith("-") or piece.endswith("-"):
            continue
        out.append(piece)
    return out


def parse_entry(text: str) -> Entry | None:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < 2:
        return None
    head, pos = _headword(lines[0])
    body = lines[1:]
    # Numbered senses each start a line with "N. "; a single sense is the line after the header.
    sense_lines = [ln for ln in body if _SENSE.match(ln)] if _SENSE.match(body[0]) else body[:1]
    translations: list[str] = []
    for ln in sense_lines:
        translations.extend(clean_translations(ln))
    return Entry(head, pos, tuple(translations))


def convert(dict_path: Path, index_path: Path) -> dict[str, list[str]]:
    """Lower-cased English headword → ordered, de-duplicated Indonesian translations."""
    grouped: dict[str, list[tuple[int, int, Entry]]] = {}
    for i, (key, text) in enumerate(read_raw_entries(dict_path, index_path)):
        if key.startswith("00database"):
            continue
        entry = parse_entry(text)
        if entry is None or entry.pos in _SKIP_POS or not entry.translations:
            continue
        head = entry.headword.lower().replace("\u2019", "'")
        rank = _POS_ORDER.get(entry.pos or "", len(_POS_ORDER))
        grouped.setdefault(head, []).append((rank, i, entry))
    table = {}
    for head, entries in grouped.items():
        seen: set[str] = set()
        out = []
        for _, _, entry in sorted(entries, key=lambda x: (x[0], x[1])):
            for t in entry.translations:
                if t.lower() not in seen:
                    seen.add(t.lower())
                    out.append(t)
        if head and out:
            table[head] = out
    return table


def write_tsv(table: dict[str, list[str]], out: Path, info: dict[str, str]) -> None:
    short = info.get("short", "FreeDict English-Indonesian")
    header = [
        f"# {short}",
        f"# Source: FreeDict eng-ind ({info.get('url', 'https://freedict.org/')}), "
        "from Debian's dict-freedict-eng-ind, built from Wiktionary by WikDict",
        f"# Licence: {LICENCE}; attribution in FREEDICT-LICENSE.txt beside this file.",
        "# This file is an adaptation (senses flattened, glosses dropped) under the same licence.",
        "# Generated by: python -m index.freedict --out index/data/en_id_dictionary.tsv",
        "# Format: english<TAB>indonesian|indonesian|... (first sense first)",
    ]
    lines = [f"{head}\t{'|'.join(table[head])}" for head in sorted(table)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(header + lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m index.freedict", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--dict", type=Path, default=DEFAULT_DICT, help="freedict-eng-ind.dict.dz")
    ap.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="freedict-eng-ind.index")
    ap.add_argument("--out", type=Path, required=True, help="TSV to write")
    args = ap.parse_args(argv)
    for p in (args.dict, args.index):
        if not p.exists():
            print(f"{p} not found: apt-get install dict-freedict-eng-ind, or pass --dict/--index",
                  file=sys.stderr)
            return 2
    table = convert(args.dict, args.index)
    write_tsv(table, args.out, database_info(args.dict, args.index))
    print(f"{len(table)} headwords written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
