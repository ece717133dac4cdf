"""Candidate answer spans of one sentence and their categorical features, as small-int codes.

A sentence is split into word tokens (``$7,6``, ``20/11/2024``, ``Se-eun`` stay whole) and
single punctuation tokens. A candidate is a run of at most ``MAX_WORDS`` words that starts at
a word or currency sign, ends at a word, ``%`` or a closing bracket, and keeps its brackets
balanced; the typed spans of ``search.spans`` are snapped to tokens and always included.

Each template (``TEMPLATES``) gives every candidate one value out of a fixed list, so a
linear model is a weight table per template; ``search.highlight`` conjoins each template with
the question type and with the (language-neutral) wh-word (``search.question``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy as np

from index.text import MONTHS, SPAN_TOKEN, WEEKDAYS
from search.question import DATE, ENTITY, FOCUS, NUMBER, PERSON, Question
from search.spans import TypedSpan, typed_spans

MAX_WORDS = 8
MAX_TOKENS = 14

_VOCAB = """di pada oleh yaitu yakni sebesar senilai sebanyak adalah ialah merupakan dari ke
sebagai yang dan atau dengan untuk dalam tahun tanggal sejak hingga sampai bernama sekitar
lebih kurang para sang kepada bagi tentang menjadi itu ini tersebut saat ketika antara
the of in on at by is was as to from and a an said kata ujar mengatakan menurut bahwa juga
akan telah sudah tidak bulan hari pukul nomor us juta miliar triliun ribu persen
orang kota provinsi kabupaten pulau negara presiden menteri kepala ketua direktur gubernur
pt universitas partai badan selatan utara timur barat baru jenis nama disebut dinamakan
termasuk seperti mencapai total sekitar setiap per kali""".split()
_PUNCT = [",", ".", "(", ")", '"', "“", "”", ":", ";", "-", "/", "$", "%", "'"]
_SHAPES = ["<bos>", "<eos>", "<cur>", "<month>", "<day>", "<year>", "<num>", "<CAPS>", "<Cap>",
           "<lower>", "<sym>"]
CLASSES: tuple[str, ...] = tuple(dict.fromkeys(_VOCAB + _PUNCT + _SHAPES))
_CLS = {c: i for i, c in enumerate(CLASSES)}
_CURRENCY = {"$", "€", "£", "¥", "rp", "usd", "us$", "idr", "eur"}
_MONEY = {"juta", "miliar", "milyar", "triliun", "million", "billion", "dollar", "dolar",
          "rupiah", "euro", "yen", "won"} | _CURRENCY
_UNITS = {"juta", "miliar", "milyar", "triliun", "ribu", "persen", "%", "$", "rp", "usd",
          "million", "billion", "thousand", "percent", "km", "meter", "hektare", "ton", "kg"}
_KINDS = (DATE, NUMBER, PERSON, ENTITY)
_SHAPE6 = ("nocap", "somecap", "allcap", "nocap+digit", "somecap+digit", "allcap+digit")


def _bucket(values: np.ndarray, edges: tuple[int, ...]) -> np.ndarray:
    return np.searchsorted(np.asarray(edges), values, side="right")


_DIST_EDGES = (2, 3, 5, 9)  # 1, 2, 3-4, 5-8, 9+ tokens; 0 means none
_DIST_NAMES = ("none", "1", "2", "3-4", "5-8", "9+")


def _bits() -> tuple[str, ...]:
    """Names of the 16 subsets of ``_KINDS`` (a bitmask code)."""
    return tuple("+".join(k for b, k in enumerate(_KINDS) if m >> b & 1) or "-"
                 for m in range(1 << len(_KINDS)))


# template name -> value names (the code of a value is its index).
TEMPLATES: dict[str, tuple[str, ...]] = {
    "nw": tuple(str(n) for n in range(1, MAX_WORDS + 1)),
    "prev": CLASSES, "next": CLASSES, "prev2": CLASSES, "next2": CLASSES,
    "first": CLASSES, "last": CLASSES,
    "cap": tuple(f"{c}{d}" for d in ("", "+digit") for c in ("nocap", "somecap", "allcap")),
    "nw_cap": tuple(f"{n}:{c}" for n in range(1, MAX_WORDS + 1)
                    for c in ("nocap", "somecap", "allcap", "digit")),
    "inq": ("0", "<1/3", "<2/3", "<1", "all"),
    "edge_inq": ("-", "last", "first", "both"),
    "ctx_q": tuple(f"L{a}R{b}" for a in range(4) for b in range(4)),
    "dist_l": _DIST_NAMES, "dist_r": _DIST_NAMES,
    "punct": ("none", "comma", "bracket", "comma+bracket", "other"),
    "typed": _bits(), "in_typed": _bits(), "has_typed": _bits(),
    "pos": ("mid", "at_end", "at_start", "whole"),
    "unit": ("no", "yes"),
    "head": ("none", "inside", "last", "first", "first+last"),
    "adj_q": tuple(f"L{a}R{b}" for a in range(3) for b in range(3)),
    "inner": tuple(f"{a}{f}" for a in range(4) for f in ("", "+func")),
    "calendar": ("none", "year", "month", "month+year", "day", "day+year", "day+month",
                 "day+month+year"),
    "money": ("q-:s-", "q-:s+", "q+:s-", "q+:s+"),
    "focus": tuple(f"{f}:{c}{t}" for f in FOCUS for c in _SHAPE6 for t in ("", "+typed")),
}


def _token_class(tok: str) -> str:
    low = tok.lower()
    if low in _CURRENCY:
        return "<cur>"
    if low in _CLS and low not in _SHAPES:
        return low
    if not tok[0].isalnum() and tok[0] != "_":
        return "<sym>"
    if low in MONTHS and len(low) > 3:
        return "<month>"
    if low in WEEKDAYS:
        return "<day>"
    if tok.isdigit() and len(tok) == 4 and tok[:2] in ("19", "20"):
        return "<year>"
    if any(ch.isdigit() for ch in tok):
        return "<num>"
    if tok.isupper() and len(tok) > 1:
        return "<CAPS>"
    return "<Cap>" if tok[0].isupper() else "<lower>"


@dataclass
class Candidates:
    """Char spans ``[start, end)`` of the candidates and one code array per template."""

    spans: np.ndarray  # (n, 2) int
    codes: dict[str, np.ndarray]


# Per token string: word, class, capitalised, digit, comma, open, close, other punct, unit,
# may start a span, may end a span, lowercase function word.
_PROPS = ("word", "cls", "cap", "digit", "comma", "open", "close", "other", "unit", "start",
          "end", "func", "money")
_FUNC = {"yang", "dan", "di", "dari", "pada", "untuk", "dengan", "ke", "oleh", "adalah", "the",
         "of", "in", "and", "to", "for", "at", "is", "was", "by", "dalam", "bahwa"}
_prop_cache: dict[str, tuple[int, ...]] = {}


def _props(tok: str) -> tuple[int, ...]:
    got = _prop_cache.get(tok)
    if got is None:
        word = tok[0].isalnum() or tok[0] == "_"
        low = tok.lower()
        bracket_open, bracket_close = tok in ("(", "["), tok in (")", "]")
        got = (int(word), _CLS[_token_class(tok)], int(word and tok[0].isupper()),
               int(any(ch.isdigit() for ch in tok)), int(tok == ","), int(bracket_open),
               int(bracket_close),
               int(not word and tok not in ("$", "%", ",") and not bracket_open
                   and not bracket_close),
               int(low in _UNITS), int(word or tok in ("$", "€", "£")),
               int(word or tok in ("%", ")", "]")), int(low in _FUNC and tok.islower()),
               int(low in _MONEY))
        if len(_prop_cache) < 50_000:
            _prop_cache[tok] = got
    return got


def _runs(flags: np.ndarray) -> np.ndarray:
    """``out[k]``: how many consecutive set flags end at ``k``."""
    out = np.zeros(len(flags), dtype=np.int64)
    run = 0
    for k, f in enumerate(flags.tolist()):
        run = run + 1 if f else 0
        out[k] = run
    return out


def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    ii, ll = np.meshgrid(np.arange(n), np.arange(MAX_TOKENS), indexing="ij")
    i_all, j_all = ii.ravel(), (ii + ll).ravel()
    keep = j_all < n
    return i_all[keep], j_all[keep]


def candidates(
    text: str, q: Question, spans: tuple[TypedSpan, ...] | None = None,
) -> Candidates:
    """Every candidate span of ``text`` with its template codes (``spans``: the text's typed
    spans, when already known)."""
    toks = [(m.start(), m.end(), m.group(0)) for m in SPAN_TOKEN.finditer(text)]
    n = len(toks)
    if n == 0:
        return Candidates(np.zeros((0, 2), dtype=np.int64), {})
    starts = np.array([t[0] for t in toks])
    ends = np.array([t[1] for t in toks])
    props = np.array([_props(t[2]) for t in toks], dtype=np.int64)
    (is_word, cls, cap, digit, comma, opens, closes, other, unit, start_ok, end_ok,
     func, money) = props.T
    low = [t[2].lower() for t in toks]
    inq = np.array([lo in q.content for lo in low], dtype=np.int64) & is_word
    head = np.array([lo in q.head for lo in low], dtype=np.int64)

    flags = np.stack([is_word, inq, cap, digit, comma, opens, closes, other, unit, head,
                      is_word & (1 - cap) & (1 - digit), func, money,
                      cls == _CLS["<year>"], cls == _CLS["<month>"], cls == _CLS["<day>"]],
                     axis=1)
    pre = np.zeros((n + 1, flags.shape[1]), dtype=np.int64)
    np.cumsum(flags, axis=0, out=pre[1:])
    (p_word, p_inq, p_cap, p_dig, p_comma, p_open, p_close, p_other, p_unit, p_head, p_lower,
     p_func, p_money, p_year, p_month, p_day) = pre.T

    i_all, j_all = _pairs(n)
    nw = p_word[j_all + 1] - p_word[i_all]
    keep = ((start_ok[i_all] == 1) & (end_ok[j_all] == 1) & (nw >= 1) & (nw <= MAX_WORDS)
            & (p_open[j_all + 1] - p_open[i_all] == p_close[j_all + 1] - p_close[i_all]))
    i_arr, j_arr = i_all[keep], j_all[keep]

    # Typed spans, snapped to tokens: (first token, last token) -> bitmask of kinds.
    starts_l, ends_l = starts.tolist(), ends.tolist()
    typed: dict[tuple[int, int], int] = {}
    for span in (typed_spans(text) if spans is None else spans):
        if span.kind in _KINDS:
            a = bisect_right(ends_l, span.start)
            b = bisect_left(starts_l, span.end) - 1
            if a <= b:
                typed[(a, b)] = typed.get((a, b), 0) | 1 << _KINDS.index(span.kind)
    index = {k: x for x, k in enumerate((i_arr * n + j_arr).tolist())}
    t_exact = np.zeros(len(i_arr), dtype=np.int64)
    extra = []
    for (a, b), kinds in typed.items():
        x = index.get(a * n + b)
        if x is None:
            extra.append((a, b, kinds))
        else:
            t_exact[x] = kinds
    if extra:
        i_arr = np.concatenate([i_arr, [e[0] for e in extra]]).astype(np.int64)
        j_arr = np.concatenate([j_arr, [e[1] for e in extra]]).astype(np.int64)
        t_exact = np.concatenate([t_exact, [e[2] for e in extra]]).astype(np.int64)
    if typed:
        ta, tb = (np.array(x) for x in zip(*typed, strict=True))
        tk = np.array(list(typed.values()))
        ii, jj = i_arr[:, None], j_arr[:, None]
        same = (ii == ta) & (jj == tb)
        t_in = np.bitwise_or.reduce(np.where((ii >= ta) & (jj <= tb) & ~same, tk, 0), axis=1)
        t_has = np.bitwise_or.reduce(np.where((ii <= ta) & (jj >= tb) & ~same, tk, 0), axis=1)
    else:
        t_in = t_has = np.zeros_like(i_arr)

    j1 = j_arr + 1
    nw = np.clip(p_word[j1] - p_word[i_arr], 1, MAX_WORDS)
    pad = np.concatenate([[_CLS["<bos>"]] * 2, cls, [_CLS["<eos>"]] * 2])
    ncap = p_cap[j1] - p_cap[i_arr]
    has_digit = (p_dig[j1] - p_dig[i_arr]) > 0
    cap_code = np.where(ncap == 0, 0, np.where(ncap < nw, 1, 2))
    nq = p_inq[j1] - p_inq[i_arr]
    frac = nq / nw
    inq_code = np.where(nq == 0, 0, np.where(frac >= 1, 4, np.minimum(
        (frac * 3).astype(np.int64) + 1, 3)))
    left_q = p_inq[i_arr] - p_inq[np.maximum(i_arr - 4, 0)]
    right_q = p_inq[np.minimum(j_arr + 5, n)] - p_inq[j1]

    # Question words right next to the span (one punctuation token may sit between).
    run_l = _runs(inq)
    run_r = _runs(inq[::-1])[::-1]
    rl = np.concatenate([[0, 0], run_l])  # rl[k + 2] = run ending at k
    rr = np.concatenate([run_r, [0, 0]])
    word_pad = np.concatenate([[1, 1], is_word, [1, 1]])
    adj_l = np.where(word_pad[i_arr + 1] == 1, rl[i_arr + 1], rl[i_arr])
    adj_r = np.where(word_pad[j_arr + 3] == 1, rr[np.minimum(j1, n + 1)],
                     rr[np.minimum(j_arr + 2, n + 1)])

    qpos = np.flatnonzero(inq)
    if len(qpos):
        k = np.searchsorted(qpos, i_arr, side="left") - 1
        dl = np.where(k >= 0, i_arr - qpos[np.maximum(k, 0)], 0)
        k = np.searchsorted(qpos, j_arr, side="right")
        dr = np.where(k < len(qpos), qpos[np.minimum(k, len(qpos) - 1)] - j_arr, 0)
    else:
        dl = dr = np.zeros_like(i_arr)
    ncomma = p_comma[j1] - p_comma[i_arr]
    nbr = p_open[j1] - p_open[i_arr]
    nother = p_other[j1] - p_other[i_arr]
    punct = np.where(nother > 0, 4, (ncomma > 0) * 1 + (nbr > 0) * 2)
    nhead = p_head[j1] - p_head[i_arr]
    interior = np.maximum(j_arr - i_arr - 1, 0)
    inner_lower = np.where(interior > 0, p_lower[j_arr] - p_lower[np.minimum(i_arr + 1, j_arr)],
                           0)
    inner_func = np.where(interior > 0, p_func[j_arr] - p_func[np.minimum(i_arr + 1, j_arr)], 0)

    codes = {
        "nw": nw - 1,
        "prev": pad[i_arr + 1], "prev2": pad[i_arr], "next": pad[j_arr + 3],
        "next2": pad[j_arr + 4], "first": cls[i_arr], "last": cls[j_arr],
        "cap": cap_code + 3 * has_digit,
        "nw_cap": (nw - 1) * 4 + np.where(has_digit, 3, cap_code),
        "inq": inq_code,
        "edge_inq": inq[i_arr] * 2 + inq[j_arr],
        "ctx_q": np.minimum(left_q, 3) * 4 + np.minimum(right_q, 3),
        "adj_q": np.minimum(adj_l, 2) * 3 + np.minimum(adj_r, 2),
        "dist_l": np.where(dl > 0, _bucket(dl, _DIST_EDGES) + 1, 0),
        "dist_r": np.where(dr > 0, _bucket(dr, _DIST_EDGES) + 1, 0),
        "punct": punct,
        "typed": t_exact, "in_typed": t_in, "has_typed": t_has,
        "pos": (i_arr == 0) * 2 + (j_arr == n - 1),
        "unit": ((p_unit[j1] - p_unit[i_arr]) > 0).astype(np.int64),
        "head": np.where(head[i_arr] & head[j_arr], 4, np.where(
            head[i_arr] == 1, 3, np.where(head[j_arr] == 1, 2, np.where(nhead > 0, 1, 0)))),
        "inner": np.minimum(inner_lower, 3) * 2 + (inner_func > 0),
        "calendar": (((p_year[j1] - p_year[i_arr]) > 0) + ((p_month[j1] - p_month[i_arr]) > 0) * 2
                     + ((p_day[j1] - p_day[i_arr]) > 0) * 4),
        "money": int(q.mentions_money) * 2 + ((p_money[j1] - p_money[i_arr]) > 0),
        "focus": (FOCUS.index(q.focus) * 6 + cap_code + 3 * has_digit) * 2 + (t_exact > 0),
    }
    return Candidates(np.stack([starts[i_arr], ends[j_arr]], axis=1), codes)
