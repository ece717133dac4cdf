"""Which files a run reads: named files as given, folders walked recursively with
include/exclude globs.

A glob is matched against the path relative to the walked folder, against the file's name,
and against each folder on the way (``--exclude drafts`` leaves out ``drafts/``'s files).
Hidden files and folders, and the ``NAME_files/`` folders a browser saves beside a page's
``NAME.html`` (its scripts, styles, images and ad frames), are not walked. Files of a type
no reader takes are reported, except media and web assets, which an archive is full of.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from index.documents import InputError

# File types that are never documents: not worth a line each in the run's summary.
ASSETS = frozenset(
    """.jpg .jpeg .png .gif .webp .svg .ico .bmp .tif .tiff .avif .css .js .mjs .map .json
    .woff .woff2 .ttf .otf .eot .mp3 .mp4 .m4a .wav .ogg .webm .mov .avi .zip .gz .tgz .7z
    .rar .ds_store .db .ini .lock""".split())


@dataclass
class Walk:
    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def matches(rel: PurePosixPath, globs: Sequence[str]) -> bool:
    """Whether a relative path, its name or one of its folders matches one of ``globs``."""
    candidates = [str(rel), rel.name, *(str(p) for p in rel.parents if str(p) != ".")]
    for g in globs:
        g = g.strip().rstrip("/")
        variants = {g, g.removeprefix("**/")} if g.startswith("**/") else {g}
        if any(fnmatchcase(c, v) for c in candidates for v in variants):
            return True
    return False


def walk(
    paths: Iterable[str | Path], *, readable: frozenset[str], include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Walk:
    """Files to read, in a stable order. ``readable`` holds the suffixes readers take; a
    file without a suffix is kept (its content decides). A path that does not exist raises
    InputError; a named file is read whatever the globs say."""
    out = Walk()
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(_files(p)):
                rel = PurePosixPath(f.relative_to(p).as_posix())
                if (include and not matches(rel, include)) or matches(rel, exclude):
                    continue
                suffix = f.suffix.lower()
                if suffix in readable or suffix == "":
                    out.files.append(f)
                elif suffix not in ASSETS:
                    out.skipped.append((str(f), f"unsupported file type ({suffix})"))
        elif p.is_file():
            out.files.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return out


def _files(root: Path) -> Iterable[Path]:
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            entries = list(d.iterdir())
        except OSError:
            continue
        pages = {e.stem for e in entries if e.suffix.lower() in {".html", ".htm"}}
        for e in entries:
            if e.name.startswith("."):
                continue
            if e.is_dir():
                if not (e.name.endswith("_files") and e.name[:-6] in pages):
                    stack.append(e)
            elif e.is_file():
                yield e
