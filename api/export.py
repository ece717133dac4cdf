"""Search results as files: CSV (a header row, UTF-8) and JSON Lines, for the HTTP API and
the CLI alike. Texts are written exactly as stored (the csv module quotes what needs it)."""

from __future__ import annotations

import csv
import io
import json
import re

from api.schemas import SearchHitOut
from search.engine import SearchResult

FORMATS = ("json", "csv", "jsonl")
EXPORTS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
CSV_FIELDS = ("rank", "score", "doc_id", "title", "source", "published", "url", "page",
              "char_start", "char_end", "text")


def to_csv(res: SearchResult, *, citations: list[str] | None = None) -> str:
    """One row per hit under a header row; ``citations`` (one per hit) adds a last column."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*CSV_FIELDS, *(["citation"] if citations is not None else [])])
    for i, hit in enumerate(res.hits):
        row = SearchHitOut.of(hit).model_dump()
        w.writerow([*("" if row[f] is None else row[f] for f in CSV_FIELDS),
                    *([citations[i]] if citations is not None else [])])
    return buf.getvalue()


def to_jsonl(res: SearchResult, *, citations: list[str] | None = None) -> str:
    """One JSON object per hit (the fields of a ``/search`` result)."""
    lines = []
    for i, hit in enumerate(res.hits):
        row = SearchHitOut.of(hit).model_dump()
        if citations is not None:
            row["citation"] = citations[i]
        lines.append(json.dumps(row, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def filename(res: SearchResult, fmt: str) -> str:
    """``telusur-<query words>.<fmt>``: ASCII only, safe in a Content-Disposition header."""
    slug = re.sub(r"[^a-z0-9]+", "-", res.query.text.lower()).strip("-")[:40].strip("-")
    return f"telusur-{slug or 'search'}.{fmt}"
