"""Question types and the answer-type check that backs abstention."""

from dataclasses import replace

import pytest

from search.question import DATE, NUMBER, PERSON, parse_question, question_type
from search.spans import answer_type_present as _present


def answer_type_present(text: str, question: str, wanted: str | None = None) -> bool:
    q = parse_question(question)
    return _present(text, replace(q, qtype=wanted) if wanted else q)


def money_question(text: str) -> bool:
    return parse_question(text).asks_money


def area_question(text: str) -> bool:
    return parse_question(text).asks_area

GRANT = ("Peluncuran ICCC ini merupakan tindak lanjut dari penandatanganan hibah senilai "
         "$7,6 juta dari United States Trade and Development Agency (USTDA) pada "
         "20 September 2024.")
SIGNED = ("Hibah tersebut disepakati oleh Kepala Otorita IKN, M. Basuki Hadimuljono, dan Duta "
          "Besar Amerika Serikat untuk Indonesia, Kamala Lakhdhir, di Jakarta.")
MINISTRY = ("OIKN bersama Kementerian Pertanahan, Infrastruktur, dan Transportasi Korea Selatan "
            "(MOLIT) menegaskan komitmen mereka.")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Siapa Duta Besar AS yang ikut menyepakati hibah USTDA?", PERSON),  # not "Besar"
        ("Berapa nilai hibah USTDA?", NUMBER),
        ("Tanggal berapakah forum itu diselenggarakan?", DATE),
        ("How much was the grant?", NUMBER),
        ("When was the grant signed?", DATE),
        ("Berapa jumlah perusahaan yang ikut?", NUMBER),
    ],
)
def test_question_type(question, kind):
    assert question_type(question) == kind


def test_money_and_area_questions():
    assert money_question("Berapa anggaran pembangunan Kota Sejong?")
    assert money_question("How much funding did Japan pledge?")
    assert not money_question("Berapa persen modal yang dimiliki desa?")  # a share, not money
    assert not money_question("Siapa yang menandatangani hibah?")
    assert area_question("Berapa luas wilayah IKN dalam hektare?")


def test_amounts_need_their_unit():
    assert answer_type_present(GRANT, "Berapa nilai hibah USTDA?")
    assert not answer_type_present(
        "Pertemuan diadakan di Tokyo pada 29-30 Oktober 2024.", "Berapa dana yang dijanjikan?")
    assert answer_type_present("Luasnya mencapai 1,2 juta hektar.", "Berapa luas lahan itu?")
    assert not answer_type_present("Kota itu dibangun pada 2012.", "Berapa luas kota itu?")


def test_dates_must_be_new_to_the_question():
    assert answer_type_present(GRANT, "Kapan hibah ditandatangani?")
    assert not answer_type_present(GRANT, "Apa yang terjadi pada 20 September 2024?", DATE)


def test_people_not_institutions():
    q = "Siapa Duta Besar AS untuk Indonesia?"
    assert answer_type_present(SIGNED, q)
    assert not answer_type_present(MINISTRY, q)
    assert not answer_type_present(GRANT, q)
    assert answer_type_present("Amran, Wakil Nasional Indonesia, menjelaskan hal itu.", q)
    assert answer_type_present("“Ini penting,” ujar Basuki di Nusantara.", q)


def test_word_lookaheads_leave_the_typed_spans_unchanged() -> None:
    """The month, unit and number-word alternations sit behind a look-ahead at their first
    letters, names behind one at a capital (speed only): the spans must be those of the
    plain patterns."""
    import re

    from index.text import MONTH_PATTERN, NUMBER_WORD_PATTERN, UNIT_PATTERN
    from search.spans import _CAPITAL, _SPAN_PATTERNS, _words, typed_spans
    from tests.conftest import SEEDS

    plain = [(kind, re.compile(
        p.pattern.replace(_CAPITAL, "")
        .replace(_words(MONTH_PATTERN), f"(?:{MONTH_PATTERN})")
        .replace(_words(UNIT_PATTERN), f"(?:{UNIT_PATTERN})")
        .replace(_words(NUMBER_WORD_PATTERN), f"(?:{NUMBER_WORD_PATTERN})"), p.flags))
        for kind, p in _SPAN_PATTERNS]
    assert [p.pattern for _, p in plain] != [p.pattern for _, p in _SPAN_PATTERNS]
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir()) if p.is_file()]
    texts += ["JANUARI 2020, 3 Agt 2021, 12 des 2019 dan Rp 5 JUTA, US$7,6 juta, dua puluh "
              "orang, Tiga Kota, sepuluh ribu warga, 40 persen, 1.200 KM pada 20/10/2024",
              "Kemarin ﬁve orang; SEMBILAN Hari; tahun 2045; 2–3 Maret 2026; Ten million",
              "Prof. Dr. Ir. H. Basuki Hadimuljono (PUPR), Wakil Menteri; M. Natsir dan "
              "A. B. Cahyono of United States Trade and Development Agency (USTDA) ÉCOLE"]
    for text in texts:
        want = tuple((k, m.start(), m.end()) for k, p in plain for m in p.finditer(text)
                     if m.end() > m.start() and m.group(0).strip())
        assert tuple((s.kind, s.start, s.end) for s in typed_spans(text)) == want


def test_spans_of_the_asked_kinds_are_the_matching_ones_of_all_spans() -> None:
    """The ranker looks only for the kinds a question asks for (``kinds_for``): for every
    question type that must be exactly the spans ``span_matches`` keeps of all of them."""
    from search.question import QTYPES
    from search.spans import kinds_for, span_matches, typed_spans
    from tests.conftest import SEEDS

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir()) if p.is_file()]
    assert texts
    for qtype in QTYPES:
        for text in texts:
            want = [s for s in typed_spans(text) if span_matches(s.kind, qtype)]
            assert list(typed_spans(text, kinds_for(qtype))) == want
    assert kinds_for("reason") == ()
