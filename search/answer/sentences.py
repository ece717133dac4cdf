"""Candidate answer sentences: the sentences of the top passages, with their features.

Each sentence gets the features of ``search.answer.model.SENTENCE_FEATURES``, built by name:
how close it is to the question (similarity, idf-weighted term coverage, proximity, the
question's names), whether it offers what is asked for (typed spans, the strict answer-type
check, the highlighter's best span score) and where it sits (passage rank, heading, length).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from search.answer.highlight import Highlighter
from search.answer.model import SENTENCE_FEATURES
from search.context import SearchContext, Sentence
from search.engine import Hit
from search.features import matrix, term_proximity
from search.fusion import minmax
from search.question import Question
from search.spans import answer_type_present, offers_kind

# Sentences considered come from this many top passages.
ANSWER_PASSAGES = 5
_ENDS_LIKE_A_SENTENCE = re.compile(r"[.!?…\"”]$")


@dataclass
class SentenceCandidates:
    """Sentences of the top passages with their features (row-aligned)."""

    sentences: list[Sentence]
    hits: list[Hit]  # the passage each sentence was found in
    features: np.ndarray  # (n, len(SENTENCE_FEATURES))
    cross: np.ndarray  # per sentence: not in the question's language
    # Per sentence: the highlighter's best span (offsets inside the sentence), when scored.
    answer_spans: list[tuple[int, int] | None]

    def __len__(self) -> int:
        return len(self.sentences)

    def column(self, name: str) -> np.ndarray:
        return np.asarray(self.features[:, SENTENCE_FEATURES.index(name)])

    def subset(self, keep: np.ndarray) -> SentenceCandidates | None:
        """The same candidates without some sentences (relative features recomputed)."""
        if not keep.any():
            return None
        idx = np.flatnonzero(keep)
        return replace(
            self, sentences=[self.sentences[i] for i in idx], hits=[self.hits[i] for i in idx],
            features=relative_features(self.features[keep].copy()), cross=self.cross[keep],
            answer_spans=[self.answer_spans[i] for i in idx],
        )


def sentence_candidates(
    ctx: SearchContext, hits: list[Hit], question: Question, qvec: np.ndarray,
    highlighter: Highlighter,
) -> SentenceCandidates | None:
    idf = ctx.data.lexical.idf(question.terms)
    idf_sum = sum(idf) or 1.0
    passage_mm = minmax(np.array([h.score for h in hits], dtype=np.float32))
    sentences: list[Sentence] = []
    owners: list[Hit] = []
    rows: list[dict[str, float]] = []
    cross_flags: list[bool] = []
    answer_spans: list[tuple[int, int] | None] = []
    seen: set[int] = set()
    for rank, hit in enumerate(hits):
        srows = ctx.sentence_rows(hit.row)
        if len(srows) == 0:
            continue
        sims = ctx.data.sentence_vectors(srows) @ qvec
        cross = (hit.passage.lang or question.lang) != question.lang
        for srow, sim in zip(srows, sims, strict=True):
            if int(srow) in seen:
                continue  # overlapping passages share sentences
            seen.add(int(srow))
            sent = ctx.sentence(int(srow))
            cov = prox = 0.0
            if not cross:  # idf-weighted share of the question's terms, and their closeness
                present = set(sent.terms)
                cov = sum(w for t, w in zip(question.terms, idf, strict=True) if t in present)
                cov /= idf_sum
                prox = term_proximity(question.terms, sent.terms)[1]
            # Across languages the scorer gives the span no weight: not computed there.
            scored = None if cross else highlighter.best_scored(sent.text, question, sent.spans)
            span, span_score = scored if scored is not None else (None, 0.0)
            sentences.append(sent)
            owners.append(hit)
            cross_flags.append(cross)
            answer_spans.append(span)
            rows.append({
                "sim": float(sim), "coverage": cov, "proximity": prox,
                "entities": (len(question.entities & sent.words) / len(question.entities)
                             if question.entities else 0.0),
                "type_match": float(offers_kind(sent.text, sent.spans, question)),
                "type_strict": float(answer_type_present(sent.text, question)),
                "span": span_score, "passage_rrf": 1.0 / (1 + rank),
                "passage_mm": float(passage_mm[rank]),
                "heading": float(len(sent.text.split()) < 5
                                 or not _ENDS_LIKE_A_SENTENCE.search(sent.text)),
                "log_len": math.log1p(len(sent.text)),
            })
    if not sentences:
        return None
    columns = {name: np.array([r.get(name, 0.0) for r in rows], dtype=np.float32)
               for name in SENTENCE_FEATURES}
    x = relative_features(matrix(columns, SENTENCE_FEATURES))
    return SentenceCandidates(sentences=sentences, hits=owners, features=x,
                              cross=np.array(cross_flags, dtype=bool), answer_spans=answer_spans)


_COL = {f: i for i, f in enumerate(SENTENCE_FEATURES)}


def relative_features(x: np.ndarray) -> np.ndarray:
    """Fill the columns that compare a sentence with the other candidates (in place)."""
    sim, cov, span = x[:, _COL["sim"]], x[:, _COL["coverage"]], x[:, _COL["span"]]
    x[:, _COL["sim_gap"]] = sim - sim.max()
    x[:, _COL["sim_rr"]] = 1.0 / (1.0 + np.argsort(np.argsort(-sim, kind="stable"),
                                                    kind="stable"))
    x[:, _COL["cov_gap"]] = cov - cov.max()
    x[:, _COL["span_gap"]] = span - span.max()
    return x
