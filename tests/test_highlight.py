"""The learned highlighter: verbatim, clean, tight spans of the asked-for kind; a missing or
broken model file is a clear error, never a silent fallback."""

import pytest

from index.text import SPAN_TOKEN as TOKEN
from search.answer import highlight as highlight_module
from search.answer.highlight import Highlighter, widen
from search.answer.span_features import candidates
from search.models import ModelError
from search.question import parse_question

GRANT = ("Peluncuran ICCC ini merupakan tindak lanjut dari penandatanganan hibah senilai "
         "$7,6 juta dari United States Trade and Development Agency (USTDA) pada "
         "20 September 2024.")
LAUNCH = ("Otorita Ibu Kota Nusantara (IKN) bersama Under Secretary of Commerce Amerika Serikat "
          "meluncurkan proyek pembangunan Integrated Command and Control Center atau ICCC di "
          "Kantor Bersama Ibu Kota Nusantara pada Rabu (20/11/2024).")
SIGNED = ("Hibah tersebut disepakati oleh Kepala Otorita IKN, M. Basuki Hadimuljono, dan Duta "
          "Besar Amerika Serikat untuk Indonesia, Kamala Lakhdhir, di Jakarta.")
HEAD = ("Kepala OIKN, Basuki Hadimuljono, mengatakan inovasi menjadi fondasi pembangunan ibu "
        "kota baru.")
EDGE = " \t\n.,;:!?\"'“”‘’-–—([{"

CASES = [
    (GRANT, "Berapa nilai hibah USTDA untuk proyek ICCC di IKN?", "7,6 juta"),
    (GRANT, "How large was the USTDA grant?", "7,6 juta"),
    (GRANT, "Kapan hibah USTDA ditandatangani?", "20 September 2024"),
    (GRANT, "When was the USTDA grant signed?", "20 September 2024"),
    (LAUNCH, "Kapan proyek ICCC diluncurkan?", "20/11/2024"),
    (HEAD, "Siapa Kepala OIKN?", "Basuki Hadimuljono"),
    (HEAD, "Who is the head of OIKN?", "Basuki Hadimuljono"),
    (SIGNED, "Siapa Duta Besar Amerika Serikat untuk Indonesia?", "Kamala Lakhdhir"),
    (SIGNED, "Siapa Kepala Otorita IKN yang menyepakati hibah?", "Basuki Hadimuljono"),
]


@pytest.fixture(scope="module")
def model() -> Highlighter:
    return Highlighter.load()


def best_span(model: Highlighter, text: str, question: str) -> tuple[int, int]:
    return model.best(text, parse_question(question))


@pytest.mark.parametrize(("text", "question", "expected"), CASES)
def test_highlights_the_answer_itself(model, text, question, expected):
    s, e = best_span(model, text, question)
    span = text[s:e]
    assert expected in span, span
    # Tight: the answer plus at most two more words.
    words = lambda t: [w for w in TOKEN.findall(t) if w[0].isalnum()]  # noqa: E731
    assert len(words(span)) <= len(words(expected)) + 2, span


@pytest.mark.parametrize(("text", "question", "expected"), CASES)
def test_span_is_a_clean_verbatim_slice(model, text, question, expected):
    s, e = best_span(model, text, question)
    assert 0 <= s < e <= len(text)
    span = text[s:e]
    assert span == span.strip()
    assert span[0] not in EDGE
    assert span[-1] not in EDGE or (span[-1] == ")" and "(" in span)


def test_grant_amount_is_not_the_date(model):
    s, e = best_span(model, GRANT, "Berapa nilai hibah USTDA?")
    assert "$7,6 juta" in GRANT[s:e] or GRANT[s:e] == "7,6 juta"
    assert "2024" not in GRANT[s:e]


@pytest.mark.xfail(reason="'AS' does not match 'Amerika Serikat': the title is missed and a "
                   "nearer title span wins", strict=False)
def test_abbreviated_title_still_finds_the_person(model):
    s, e = best_span(model, SIGNED, "Siapa Duta Besar AS yang menyepakati hibah itu?")
    assert "Kamala Lakhdhir" in SIGNED[s:e]


def test_a_missing_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(highlight_module, "model_path", lambda kind: tmp_path / "none.json")
    with pytest.raises(ModelError, match="make train"):
        Highlighter.load()


def test_an_unreadable_model_is_a_clear_error(tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(highlight_module, "model_path", lambda kind: bad)
    with pytest.raises(ModelError, match="unreadable"):
        Highlighter.load()


@pytest.mark.parametrize("text", ["", "   ", "...", "Ya.", "(x)", "Jakarta"])
def test_degenerate_text(model, text):
    s, e = best_span(model, text, "Apa?")
    assert 0 <= s <= e <= len(text)
    if text.strip():
        assert e > s


def test_candidates_keep_compound_tokens():
    q = parse_question("Siapa?")
    spans = {GRANT[s:e] for s, e in candidates(GRANT, q).spans.tolist()}
    assert "$7,6 juta" in spans
    assert "United States Trade and Development Agency (USTDA)" in spans
    assert "USTDA" in spans
    spans = {LAUNCH[s:e] for s, e in candidates(LAUNCH, q).spans.tolist()}
    assert "Rabu (20/11/2024)" in spans and "20/11/2024" in spans
    assert "Integrated Command and Control Center" in spans
    text = "Hwang Se-eun  Deputy Director of Urban Economy Division"
    spans = {text[s:e] for s, e in candidates(text, q).spans.tolist()}
    assert "Hwang Se-eun" in spans
    # Never a half bracket.
    assert all(s.count("(") == s.count(")") for s in spans)


def test_every_candidate_is_clean_and_bounded():
    for text in (GRANT, LAUNCH, SIGNED, HEAD):
        cands = candidates(text, parse_question("Apa?"))
        assert len(cands.spans)
        for s, e in cands.spans.tolist():
            piece = text[s:e]
            assert piece == piece.strip() and piece
            assert len([w for w in TOKEN.findall(piece) if w[0].isalnum()]) <= 8


def test_many_calls_stay_consistent(model):
    """Repeated calls (cached tables) give the same span."""
    first = best_span(model, SIGNED, "Siapa Duta Besar AS?")
    for _ in range(200):
        assert best_span(model, SIGNED, "Siapa Duta Besar AS?") == first


@pytest.mark.parametrize(
    ("text", "span", "question", "quoted"),
    [
        ("Populasinya kini sekitar 50.000 ekor saja.", "50.000 ekor",
         "Berapa populasi orangutan?", "sekitar 50.000 ekor"),
        ("Koleksinya lebih dari 20 jenis katak.", "20", "Berapa jenis katak?",
         "lebih dari 20 jenis"),
        ("Buku itu memuat 47 puisi.", "47", "Berapa jumlah puisi di buku itu?", "47 puisi"),
        ("Pepera dilakukan pada tahun 1969 di Irian.", "1969", "Tahun berapa Pepera di Irian?",
         "1969"),
        ("Produksi naik pada 2003 produksi.", "2003", "Tahun berapa produksi naik?", "2003"),
        ("Luasnya mencapai 700.000 hektar.", "700.000 hektar", "Berapa luasnya?",
         "700.000 hektar"),
        ("Mereka tiba tahun 45 orang.", "45", "Berapa orang tiba?", "45 orang"),
        ("Hibah senilai $7,6 juta ditandatangani.", "$7,6 juta", "Berapa nilai hibah?",
         "$7,6 juta"),
        ("Kepala OIKN, Basuki Hadimuljono, hadir.", "Basuki Hadimuljono", "Siapa kepala OIKN?",
         "Basuki Hadimuljono"),
        ("Banjir melanda daerah sekitar Riau.", "Riau", "Di mana banjir melanda?", "Riau"),
        ("Dirawat di sekitar Rumah Sakit Fatmawati.", "Rumah Sakit Fatmawati",
         "Di mana dirawat?", "Rumah Sakit Fatmawati"),
        ("Hibahnya sekitar US$7,6 juta.", "US$7,6 juta", "Berapa hibahnya?",
         "sekitar US$7,6 juta"),
        ("Buku itu memuat 47, puisi lainnya hilang.", "47,", "Berapa jumlah puisi?", "47,"),
    ],
)
def test_an_amount_is_quoted_with_its_qualifier_and_counted_thing(text, span, question, quoted):
    """A highlight on an amount takes the words that qualify it ("sekitar", "lebih dari")
    and, after a bare number, the counted thing the question names; nothing else."""
    s = text.index(span)
    a, b = widen(text, s, s + len(span), parse_question(question))
    assert text[a:b] == quoted
