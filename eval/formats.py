"""Labelled sets in and runs out, in the formats other tools read.

In (``load_set``, picked by what the path holds):

* our JSON Lines (``eval.dataset``);
* a BEIR folder: ``corpus.jsonl`` (``_id, title, text``, optional ``metadata.lang``),
  ``queries.jsonl`` (``_id, text``, optional ``metadata`` with ``lang``, ``category``,
  ``answers``) and ``qrels/<split>.tsv`` (``query-id, corpus-id, score``, header optional);
  the corpus is indexed when the index lacks it;
* TREC qrels (``qid 0 docid grade``), with the query texts from ``--queries`` (BEIR
  ``queries.jsonl``, our JSONL, or ``qid<TAB>text`` lines);
* the judgements file of the judging view (``index.judgements``): every evaluator's records,
  merged for scoring, kept apart for agreement.

Out: TREC run files (``qid Q0 passage_id rank score tag``, scores rank-faithful) and TREC
qrels; a space inside an id is written ``%20`` (and ``%`` as ``%25``), as TREC columns are
split on whitespace. Every reader names the file and line of a malformed entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.dataset import GRADES, Question, load_questions, question_from_record
from eval.qrels import rank_faithful
from index.documents import InputError
from index.judgements import (
    Judgement,
    from_trec_id,
    read_judgements,
    to_eval_records,
    trec_id,
)
from index.langid import detect_language
from index.readers import document_from_text
from index.records import Document

FORMATS = ("ours", "beir", "trec", "judgements")


@dataclass
class LabelledSet:
    name: str
    format: str
    questions: list[Question]
    corpus: Path | None = None  # a BEIR corpus to index when the index lacks it
    judgements: list[Judgement] = field(default_factory=list)  # per evaluator, for agreement


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield lineno, line


def _json_object(path: Path, lineno: int, line: str) -> dict[str, Any]:
    try:
        rec = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{path}:{lineno}: invalid JSON ({exc})") from None
    if not isinstance(rec, dict):
        raise ValueError(f"{path}:{lineno}: each line must be a JSON object")
    return rec


def detect_format(path: Path) -> str:
    if path.is_dir():
        return "beir"
    if not path.is_file():
        raise ValueError(f"{path}: no such file or folder")
    for _, line in _lines(path):
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            return "trec"
        if isinstance(rec, dict) and "evaluator" in rec and "grade" in rec:
            return "judgements"
        return "ours"
    raise ValueError(f"{path}: empty file")


def read_trec_qrels(path: Path) -> dict[str, dict[str, int]]:
    """``{qid: {docid: grade}}`` of a TREC qrels file (``qid iteration docid grade``)."""
    out: dict[str, dict[str, int]] = {}
    for lineno, line in _lines(path):
        cols = line.split()
        if len(cols) != 4:
            raise ValueError(f"{path}:{lineno}: a TREC qrels line has 4 columns "
                             f"(qid 0 docid grade), this one {len(cols)}")
        out.setdefault(from_trec_id(cols[0]), {})[from_trec_id(cols[2])] = _grade(
            path, lineno, cols[3])
    return out


def _grade(path: Path, lineno: int, raw: str) -> int:
    try:
        grade = int(raw)
    except ValueError:
        grade = -1
    if grade < 0:
        raise ValueError(f"{path}:{lineno}: the grade must be a whole number ≥ 0, not {raw!r}")
    return min(grade, max(GRADES))


def read_queries(path: Path) -> dict[str, dict[str, Any]]:
    """``{qid: {"text", **metadata}}`` from BEIR ``queries.jsonl``, our JSONL or TSV."""
    out: dict[str, dict[str, Any]] = {}
    for lineno, line in _lines(path):
        if path.suffix == ".tsv":
            key, sep, value = line.partition("\t")
            if not sep or not value.strip():
                raise ValueError(f"{path}:{lineno}: expected 'qid<TAB>query text'")
            out[key.strip()] = {"text": value.strip()}
            continue
        rec = _json_object(path, lineno, line)
        qid: Any = rec.get("_id", rec.get("id"))
        text: Any = rec.get("text", rec.get("question"))
        meta: dict[str, Any] = rec["metadata"] if isinstance(rec.get("metadata"), dict) else rec
        if not isinstance(qid, str | int) or not isinstance(text, str) or not text.strip():
            raise ValueError(f"{path}:{lineno}: a query needs '_id' and a non-empty 'text'")
        out[str(qid)] = {"text": text, "lang": meta.get("lang"),
                         "category": meta.get("category"), "answers": meta.get("answers")}
    return out


def _beir_qrels(path: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for lineno, line in _lines(path):
        cols = line.rstrip("\n").split("\t")
        if lineno == 1 and cols[-1].strip().lower() == "score":
            continue  # the header
        if len(cols) != 3:
            raise ValueError(f"{path}:{lineno}: a BEIR qrels line has 3 tab-separated "
                             f"columns (query-id, corpus-id, score), this one {len(cols)}")
        out.setdefault(cols[0].strip(), {})[cols[1].strip()] = _grade(path, lineno, cols[2])
    return out


def questions_from_qrels(
    qrels: Mapping[str, Mapping[str, int]], queries: Mapping[str, Mapping[str, Any]],
    where: Path,
) -> list[Question]:
    """Questions in the order of ``queries``; every judged query must have a text."""
    missing = sorted(set(qrels) - set(queries))
    if missing:
        raise ValueError(f"{where}: query {missing[0]!r} has judgements but no text in the "
                         "queries file")
    out = []
    for qid, q in queries.items():
        if qid not in qrels:
            continue
        answers = q.get("answers") or []
        out.append(question_from_record({
            "id": qid, "question": q["text"], "lang": q.get("lang") or detect_language(q["text"]),
            "category": q.get("category"), "answers": answers if isinstance(answers, list) else [],
            "relevant": [{"doc_id": d, "grade": g} for d, g in qrels[qid].items()],
        }))
    return out


def beir_split(folder: Path, split: str | None) -> Path:
    files = sorted((folder / "qrels").glob("*.tsv"))
    names = [f.stem for f in files]
    if not files:
        raise ValueError(f"{folder}: not a BEIR folder (no qrels/*.tsv)")
    if split is not None:
        if split not in names:
            raise ValueError(f"{folder}: no qrels/{split}.tsv; splits: {', '.join(names)}")
        return folder / "qrels" / f"{split}.tsv"
    if len(files) == 1:
        return files[0]
    if "test" in names:
        return folder / "qrels" / "test.tsv"
    raise ValueError(f"{folder}: several qrels ({', '.join(names)}): choose one with --split")


def beir_documents(path: Path) -> list[Document]:
    """The documents of a BEIR ``corpus.jsonl``, by Telusur's document rules."""
    docs = []
    for lineno, line in _lines(path):
        rec = _json_object(path, lineno, line)
        meta: dict[str, Any] = rec["metadata"] if isinstance(rec.get("metadata"), dict) else {}
        raw: Any = rec.get("text")
        try:
            docs.append(document_from_text(
                doc_id=str(rec.get("_id", "")), raw=raw,
                title=rec.get("title") or None, lang=meta.get("lang") or rec.get("lang") or None,
                path=str(path)))
        except InputError as exc:
            raise ValueError(f"{path}:{lineno}: {exc}") from None
    return docs


def load_set(
    path: str | Path, *, fmt: str | None = None, queries: str | Path | None = None,
    split: str | None = None,
) -> LabelledSet:
    """The labelled set at ``path`` in any format above (``fmt`` to force one)."""
    p = Path(path)
    fmt = fmt or detect_format(p)
    if fmt not in FORMATS:
        raise ValueError(f"--format: use one of {', '.join(FORMATS)}, not {fmt!r}")
    if split is not None and fmt in ("trec", "judgements"):
        raise ValueError(f"--split: a {fmt} set has no splits")
    if fmt == "ours":
        return LabelledSet(p.name, fmt, load_questions(p, split=split))
    if fmt == "beir":
        qrels_file = beir_split(p, split)
        for name in ("corpus.jsonl", "queries.jsonl"):
            if not (p / name).is_file():
                raise ValueError(f"{p}: not a BEIR folder (no {name})")
        qs = questions_from_qrels(_beir_qrels(qrels_file), read_queries(p / "queries.jsonl"),
                                  qrels_file)
        return LabelledSet(f"{p.name}/{qrels_file.stem}", fmt, qs, corpus=p / "corpus.jsonl")
    if fmt == "trec":
        if queries is None:
            raise ValueError(f"{p}: TREC qrels hold no query texts: give them with --queries "
                             "(queries.jsonl or qid<TAB>text lines)")
        return LabelledSet(p.name, fmt, questions_from_qrels(
            read_trec_qrels(p), read_queries(Path(queries)), p))
    records = read_judgements(p)
    return LabelledSet(p.name, fmt, [question_from_record(r) for r in to_eval_records(records)],
                       judgements=records)


def write_trec_run(
    path: Path, run: Mapping[str, Sequence[tuple[str, float]]], tag: str,
) -> None:
    """``qid Q0 passage_id rank score tag`` lines, ranks from 1, scores rank-faithful."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tag = "".join(c if c.isalnum() or c in "-_.=" else "_" for c in tag) or "telusur"
    with path.open("w", encoding="utf-8") as f:
        for qid, ranked in run.items():
            scores = rank_faithful(s for _, s in ranked)
            for rank, ((pid, _), score) in enumerate(zip(ranked, scores, strict=True), 1):
                f.write(f"{trec_id(qid)} Q0 {trec_id(pid)} {rank} {score:.6f} {tag}\n")


def write_trec_qrels(path: Path, qrels: Mapping[str, Mapping[str, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for qid, rels in qrels.items():
            for pid, grade in rels.items():
                f.write(f"{trec_id(qid)} 0 {trec_id(pid)} {grade}\n")
