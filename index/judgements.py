"""Relevance judgements made in the judging view: an append-only JSON Lines file beside the
index (``INDEX_DIR/judgements.jsonl`` unless configured otherwise).

One record per judgement: evaluator, query, passage (id, document, character span, text),
grade (0 not relevant, 1 partly, 2 relevant) and time. A record is one ``write`` of one
complete line to a file opened for appending, under an exclusive lock, then ``fsync``: a
crash can at worst leave a torn last line, which readers skip and the next append cuts off.
Nothing is ever rewritten: judging a passage again appends a record, and the latest record
of an evaluator for a (query, passage) is the one that counts.

Exports: TREC qrels and our evaluation format, both with the evaluators merged — a passage
gets the *lower* of the evaluators' grades (it counts as relevant only as far as everyone
judging it agrees) — while the records themselves keep every evaluator apart, for agreement.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from index.documents import InputError, check_meta
from index.files import fsync_dir
from index.langid import detect_language

log = logging.getLogger(__name__)

FILENAME = "judgements.jsonl"
GRADES = {0: "not", 1: "partly", 2: "relevant"}
MAX_EVALUATOR_CHARS = 100


class JudgementError(InputError):
    """A judgement that cannot be stored as given (the message names the field)."""


@dataclass(frozen=True)
class Judgement:
    evaluator: str
    query: str
    query_id: str
    passage_id: str
    doc_id: str
    char_start: int
    char_end: int
    grade: int
    time: str
    text: str = ""

    def key(self) -> tuple[str, str, str]:
        return self.evaluator, self.query_id, self.passage_id


def query_id(query: str) -> str:
    """A stable id for a query text (whitespace-normalised): the same query judged by two
    evaluators, or on two days, is one query."""
    return "j-" + hashlib.sha256(" ".join(query.split()).encode("utf-8")).hexdigest()[:12]


def check_evaluator(name: object) -> str:
    try:
        value = check_meta("evaluator", name)
    except InputError as exc:
        raise JudgementError(str(exc)) from None
    if not value:
        raise JudgementError("evaluator: give a name (who is judging)")
    if len(value) > MAX_EVALUATOR_CHARS:
        raise JudgementError(f"evaluator: longer than {MAX_EVALUATOR_CHARS} characters")
    return value


def check_grade(grade: object) -> int:
    if not isinstance(grade, int) or isinstance(grade, bool) or grade not in GRADES:
        raise JudgementError("grade: must be 0 (not relevant), 1 (partly) or 2 (relevant)")
    return grade


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _record(rec: object) -> Judgement:
    if not isinstance(rec, dict):
        raise ValueError("not a JSON object")
    names = {f.name for f in fields(Judgement)}
    missing = sorted(names - set(rec) - {"text"})
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    j = Judgement(**{k: v for k, v in rec.items() if k in names})
    if not all(isinstance(getattr(j, k), str) for k in
               ("evaluator", "query", "query_id", "passage_id", "doc_id", "time", "text")):
        raise ValueError("evaluator, query, ids, time and text must be strings")
    if not all(isinstance(x, int) for x in (j.char_start, j.char_end)):
        raise ValueError("char_start and char_end must be integers")
    check_grade(j.grade)
    return j


def read_judgements(path: str | Path) -> list[Judgement]:
    """Every record in file order. A torn last line (a crash mid-append) is skipped with a
    warning; any other malformed line raises a ValueError naming it."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        return []
    lines = raw.split(b"\n")
    torn = lines.pop()  # b"" when the file ends with a newline
    if torn.strip():
        log.warning("%s: skipping a torn last line (%d bytes)", p, len(torn))
    out = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(_record(json.loads(line.decode("utf-8"))))
        except (ValueError, TypeError, RecursionError, JudgementError) as exc:
            raise ValueError(f"{p}:{lineno}: not a judgement ({exc})") from None
    return out


class JudgementStore:
    """The judgements file: append one record at a time, read them all."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_name(self.path.name + ".lock").open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def append(self, judgement: Judgement) -> None:
        data = (json.dumps(asdict(judgement), ensure_ascii=False) + "\n").encode("utf-8")
        with self._locked():
            created = not self.path.exists()
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                _cut_torn_tail(fd)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                fsync_dir(self.path.parent)

    def read(self) -> list[Judgement]:
        return read_judgements(self.path)


def _cut_torn_tail(fd: int) -> None:
    """Drop a partial last line left by a crash, so the next record starts on its own line."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    block = min(size, 1 << 16)
    tail = os.pread(fd, block, size - block)
    cut = size - block + tail.rfind(b"\n") + 1 if b"\n" in tail else 0
    log.warning("judgements file: cutting a torn last line (%d bytes)", size - cut)
    os.ftruncate(fd, cut)


def latest(records: Iterable[Judgement]) -> dict[tuple[str, str, str], Judgement]:
    """The latest record per (evaluator, query, passage)."""
    out: dict[tuple[str, str, str], Judgement] = {}
    for j in records:
        out[j.key()] = j
    return out


def merged(records: Iterable[Judgement]) -> dict[str, dict[str, Judgement]]:
    """Per query id, per passage: the record with the lowest of the evaluators' latest grades
    (ties: the latest such record), queries and passages in first-judged order."""
    out: dict[str, dict[str, Judgement]] = {}
    for j in latest(records).values():
        per_query = out.setdefault(j.query_id, {})
        seen = per_query.get(j.passage_id)
        if seen is None or j.grade < seen.grade or (j.grade == seen.grade and j.time > seen.time):
            per_query[j.passage_id] = j
    return out


def trec_id(value: str) -> str:
    """An id as a TREC column: ids may hold spaces, TREC files split on them."""
    return value.replace("%", "%25").replace(" ", "%20")


def from_trec_id(value: str) -> str:
    return value.replace("%20", " ").replace("%25", "%")


def to_trec_qrels(records: Iterable[Judgement]) -> str:
    """TREC qrels (``query_id 0 passage_id grade``) of the merged judgements."""
    return "".join(f"{trec_id(qid)} 0 {trec_id(pid)} {j.grade}\n"
                   for qid, by_passage in merged(records).items()
                   for pid, j in by_passage.items())


def to_eval_records(records: Iterable[Judgement]) -> list[dict[str, Any]]:
    """Our evaluation format (one question per judged query) of the merged judgements: each
    judged passage an item with its span, grade and text; grade 0 items are kept (judged
    not relevant) and make nothing relevant."""
    out = []
    for qid, by_passage in merged(records).items():
        items = list(by_passage.values())
        text = items[0].query
        out.append({
            "id": qid, "question": text, "lang": detect_language(text),
            "relevant": [{"doc_id": j.doc_id, "passage_id": j.passage_id,
                          "char_start": j.char_start, "char_end": j.char_end,
                          "grade": j.grade, "evidence": j.text} for j in items],
            "answers": [],
        })
    return out
