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
