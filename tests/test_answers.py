"""Answers quote the document verbatim, answer in both languages, and abstain when unsure."""

from pathlib import Path

import pytest

from eval.dataset import load_questions
from search.answer.choose import MAX_ANSWER_CHARS, NO_AMOUNT, OTHER_EDITION
from search.answer.constraints import pins
from search.answer.subjects import named, on_subject, subjects, unnamed
from search.question import parse_question
from tests.conftest import ask

QUESTIONS = load_questions(Path(__file__).resolve().parents[1] / "eval/data/telusur_qa.jsonl")


def test_every_answer_over_the_labelled_set_is_a_verbatim_slice(searcher, answerer):
    for q in QUESTIONS:
        result = ask(searcher, answerer, q.question)
        a = result.answer
        if a is None:
            assert result.no_answer_reason
            continue
        assert a.document.text[a.char_start:a.char_end] == a.text, q.id
        assert 0 < len(a.text) <= MAX_ANSWER_CHARS
        hs, he = a.highlight
        assert 0 <= hs < he <= len(a.text)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Berapa nilai hibah USTDA untuk IKN?", "$7,6 juta"),
        ("How large was the USTDA grant?", "$7,6 juta"),
        ("Siapa Kepala OIKN?", "Basuki Hadimuljono"),
        ("Who is the head of OIKN?", "Basuki Hadimuljono"),
        ("When was the SCCC inaugurated?", "3 Desember 2025"),
        ("Kapan SCCC diresmikan?", "3 Desember 2025"),
    ],
)
def test_answers_in_both_languages(searcher, answerer, question, expected):
    result = ask(searcher, answerer, question)
    assert result.answer is not None, result.no_answer_reason
    text, want = result.answer.text.lower(), expected.lower()  # a heading may capitalise
    assert want in text
    hs, he = result.answer.highlight
    assert want in text[hs:he] or text[hs:he] in want


@pytest.mark.parametrize(
    "question",
    [
        "Siapa pemenang Piala Dunia 2022?",
        "Berapa harga tiket kereta cepat Jakarta-Bandung?",
    ],
)
def test_abstains_when_the_corpus_does_not_know(searcher, answerer, question):
    result = ask(searcher, answerer, question)
    assert result.answer is None
    assert result.no_answer_reason and result.hits  # passages are still returned


def test_highlight_prefers_the_asked_type(answerer):
    text = "Hibah senilai $7,6 juta dari USTDA ditandatangani pada 20 September 2024."
    hs, he = answerer.highlighter.best(text, parse_question("Berapa nilai hibah USTDA?"))
    assert text[hs:he] == "$7,6 juta"
    hs, he = answerer.highlighter.best(text, parse_question("Kapan hibah USTDA ditandatangani?"))
    assert text[hs:he] == "20 September 2024"


def test_ask_endpoint(client):
    r = client.post("/ask", json={"question": "Berapa nilai hibah USTDA untuk IKN?"})
    assert r.status_code == 200, r.text
    body = r.json()
    a = body["answer"]
    assert body["question_lang"] == "id" and "7,6 juta" in a["text"]
    doc = client.get(f"/documents/{a['doc_id']}").json()
    assert doc["text"][a["char_start"]:a["char_end"]] == a["text"]
    assert a["citations"][0]["title"].startswith("Peluncuran Pusat Komando IKN")
    assert body["passages"] and body["no_answer_reason"] is None
    r = client.post("/ask", json={"question": "  "})
    assert r.status_code == 422 and "question" in str(r.json()["detail"])


ON_TOPIC_UNANSWERABLE = [q for q in QUESTIONS if not q.relevant]
ANSWERABLE = [q for q in QUESTIONS if q.relevant]


def test_withholds_on_topic_questions_the_articles_do_not_answer(searcher, answerer):
    """Our 10 no-answer questions are about the articles' subjects (Sejong's budget, the SCCC
    builder, IKN's area): most must be withheld while nearly all answerable ones are not."""
    def silent(q) -> bool:  # noqa: ANN001
        return ask(searcher, answerer, q.question).answer is None

    withheld = [q.id for q in ON_TOPIC_UNANSWERABLE if silent(q)]
    lost = [q.id for q in ANSWERABLE if silent(q)]
    assert len(withheld) >= 5, withheld
    assert len(lost) <= 0.05 * len(ANSWERABLE) + 1e-9, lost


@pytest.mark.parametrize(
    "question",
    ["Berapa anggaran pembangunan Kota Sejong?", "Berapa luas wilayah Ibu Kota Nusantara dalam "
     "hektare?", "How much funding did Japan pledge for ASEAN smart city projects?"],
)
def test_a_question_about_money_or_area_needs_an_amount_in_the_passages(
    searcher, answerer, question,
):
    result = ask(searcher, answerer, question)
    assert result.answer is None and result.no_answer_reason == NO_AMOUNT
    assert result.hits


def test_money_questions_the_articles_answer_are_not_withheld(searcher, answerer):
    result = ask(searcher, answerer, "Berapa nilai hibah USTDA untuk proyek ICCC di IKN?")
    assert result.answer is not None and "$7,6 juta" in result.answer.text


ARTICLES = ["Peresmian dan pengoperasian SCCC pada 3 Desember 2025 di IKN.",
            "Proyek ICCC diluncurkan di IKN pada Rabu (20/11/2024), didanai USTDA."]


def test_a_questions_subjects_are_its_acronyms_however_written():
    assert subjects("Kapan SCCC diresmikan?", ARTICLES) == {"sccc"}
    assert subjects("kapan sccc diresmikan", ARTICLES) == {"sccc"}  # the articles capitalise it
    assert subjects("WHEN WAS THE SCCC OPENED", ARTICLES) == {"sccc"}  # not WHEN, WAS, ...
    assert subjects("Siapa CEO USAID?", ARTICLES) == {"ceo", "usaid"}
    assert subjects("Berapa hibah USAID untuk G20?", ARTICLES) == {"usaid", "g20"}
    assert subjects("Siapa Duta Besar AS yang menandatangani MoU?", ARTICLES) == frozenset()


def test_capitals_of_a_headline_or_dateline_are_not_acronyms():
    texts = ["SCCC diresmikan pada 3 Desember.", "PROYEK ICCC DIRESMIKAN\nICCC diluncurkan."]
    assert subjects("kapan proyek sccc diresmikan", texts) == {"sccc"}
    assert on_subject(subjects("kapan proyek sccc diresmikan", texts), texts) == [True, False]


def test_the_rarest_subject_decides_which_articles_answer():
    texts = ["SCCC di IKN diresmikan.", "Kementerian PUPR dan MLIT membahas IKN.",
             "PUPR membangun IKN."]
    assert on_subject(frozenset({"sccc", "pupr", "ikn"}), texts) == [True, False, False]
    assert on_subject(frozenset({"pupr", "ikn"}), texts) == [False, True, True]


def test_answers_come_from_the_articles_naming_the_subject():
    assert on_subject(frozenset({"sccc"}), ARTICLES) == [True, False]
    assert on_subject(frozenset({"usaid"}), ARTICLES) == [True, True]  # nobody names it
    assert on_subject(frozenset(), ARTICLES) == [True, True]
    assert unnamed(frozenset({"usaid", "sccc", "un"}), ARTICLES) == {"usaid"}  # UN may be PBB
    assert unnamed(frozenset({"msme"}), ["Pelatihan UMKM di IKN."]) == frozenset()  # = UMKM


def test_a_name_written_out_names_its_acronym():
    assert {"oikn", "ikn"} <= named("Otorita Ibu Kota Nusantara (IKN) meluncurkan proyek.")
    assert "oikn" in named("Kepala Otorita IKN, Basuki Hadimuljono")
    assert "pupr" in named("Kementerian Pekerjaan Umum dan Perumahan Rakyat")
    assert "mlit" in named("Minister for Land, Infrastructure and Transport")
    assert "ustda" in named("U.S. Trade and Development Agency")
    assert "cop28" in named("KTT iklim COP 28 di Dubai")
    assert "sccc" not in named("pusat kolaborasi kota cerdas")


@pytest.mark.parametrize("question", ["Kapan SCCC diluncurkan?", "sccc diluncurkan kapan",
                                      "When was the SCCC project launched?"])
def test_a_question_about_one_centre_is_not_answered_with_another(searcher, answerer, question):
    """The ICCC article's launch date answered these (confidence 0.997) before the subject
    rule: the SCCC is the centre of another article."""
    result = ask(searcher, answerer, question)
    assert result.answer is not None, result.no_answer_reason
    assert "SCCC" in result.answer.document.text
    assert "ICCC" not in result.answer.document.text


def test_an_acronym_no_article_names_withholds_the_answer(searcher, answerer):
    result = ask(searcher, answerer, "Berapa nilai hibah USAID untuk ICCC?")
    assert result.answer is None and result.no_answer_reason
    assert "USAID" in result.no_answer_reason and result.hits
    assert result.confidence == 0.0


@pytest.mark.parametrize(("question", "edition"), [
    ("Di kota mana Pertemuan Tingkat Tinggi Jaringan Smart Cities ASEAN-Jepang yang kelima "
     "diadakan?", 5),
    ("Which city will host the seventh ASEAN-Japan Smart Cities Network High Level Meeting?", 7),
    ("What was on the agenda of the 25th Governing Council?", 25),
    ("Kapan pertemuan ke-2 diadakan?", 2),
    ("Apa isi kesepakatan kedua negara di forum itu?", None),  # kedua = both
    ("Siapa yang hadir di pertemuan kedua belah pihak?", None),
])
def test_the_edition_a_question_asks_about(question, edition):
    assert pins(question).ordinals == (frozenset({edition}) if edition else frozenset())


def test_a_quote_about_another_edition_is_withheld(searcher, answerer):
    """The seed articles report the sixth ASEAN-Japan meeting, held in Tokyo."""
    result = ask(searcher, answerer, "Di kota mana Pertemuan Tingkat Tinggi Jaringan Smart "
                 "Cities ASEAN-Jepang yang kelima diadakan?")
    assert result.answer is None and result.no_answer_reason == OTHER_EDITION
    assert result.confidence == 0.0  # a rule withheld it: no confidence to report
    sixth = ask(searcher, answerer, "Di kota mana Pertemuan Tingkat Tinggi Jaringan Smart "
                "Cities ASEAN-Jepang yang keenam diadakan?")
    assert sixth.answer is not None and "Tokyo" in sixth.answer.text
