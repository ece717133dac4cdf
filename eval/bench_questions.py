"""Fixed benchmark questions about the seed articles: 20 Indonesian, 20 English."""

from __future__ import annotations

INDONESIAN = [
    "Siapa Kepala Otorita IKN?",
    "Apa tujuan kerja sama OIKN dan Korea Selatan?",
    "Kementerian Korea Selatan mana yang bekerja sama dengan OIKN?",
    "Mengapa Korea Selatan dipilih sebagai mitra pembangunan IKN?",
    "Siapa Sekretaris Jenderal Kementerian PUPR?",
    "Kota baru apa yang dibangun Korea Selatan dengan konsep smart city?",
    "Di mana pertemuan bilateral Indonesia dan Korea Selatan tahun 2017 diadakan?",
    "Siapa yang memimpin delegasi Indonesia di Nairobi?",
    "Kapan MoU antara PUPR dan MLIT disepakati?",
    "Apa kepanjangan dari ICCC?",
    "Kapan Pusat Komando IKN diluncurkan?",
    "Negara mana yang bekerja sama dalam pembangunan ICCC di IKN?",
    "Apa tiga elemen kunci pengembangan kota pintar menurut Indonesia?",
    "Siapa Wakil Nasional Indonesia dalam Jaringan Smart City ASEAN?",
    "Peraturan pemerintah apa yang menjadi mandat pengembangan perkotaan?",
    "Di mana Nusantara Smart City Forum 2025 diselenggarakan?",
    "Bagaimana IKN akan menjadi kota hijau dan layak huni?",
    "Teknologi apa yang akan diterapkan di IKN?",
    "Di provinsi mana Ibu Kota Nusantara berada?",
    "Apa peran Korea Selatan dalam pembangunan kota cerdas di Indonesia?",
]

ENGLISH = [
    "Who heads the Nusantara Capital Authority?",
    "What is the goal of the cooperation between OIKN and South Korea?",
    "Which South Korean ministry works with the IKN authority?",
    "Why was South Korea chosen as a development partner for the new capital?",
    "Who is the secretary general of the public works ministry?",
    "Which new Korean city was built as a smart city?",
    "Where did Indonesia and South Korea hold a bilateral meeting in 2017?",
    "Who led the Indonesian delegation in Nairobi?",
    "When was the memorandum of understanding with MLIT signed?",
    "What does ICCC stand for?",
    "When was the IKN command center launched?",
    "Which country helped launch the integrated command and control center?",
    "What are the three key elements of smart city development in Indonesia?",
    "Who represents Indonesia in the ASEAN Smart Cities Network?",
    "Which government regulation mandates urban development?",
    "Where was the Nusantara Smart City Forum 2025 held?",
    "How will the new capital become a green and livable city?",
    "What technology will be applied in the new capital?",
    "In which province is the new capital Nusantara located?",
    "What role does South Korea play in Indonesian smart city projects?",
]

QUESTIONS = INDONESIAN + ENGLISH


def unique(i: int) -> str:
    """Question ``i`` of an endless distinct stream (a numbered suffix defeats the cache)."""
    return f"{QUESTIONS[i % len(QUESTIONS)]} ({i // len(QUESTIONS)})"
