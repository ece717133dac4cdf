"""A small newsroom archive made from the seed articles: saved web pages with the furniture
real Indonesian news sites put around an article, a paged PDF press release, an RSS feed of
the five stories, a syndicated near-duplicate and a scanned (image-only) PDF.

Used by the ingest tests, the ``ingest`` bench section and the README example. Each page's
metadata (title, outlet, author, date, canonical URL) is what the fixture states, and
``body`` is the article text a reader must recover: every paragraph of it, and none of the
furniture (``FURNITURE`` lists phrases that only the furniture holds).
"""

from __future__ import annotations

import html
import io
import json
from dataclasses import dataclass
from pathlib import Path

from index.cleaning import clean_article

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

# Phrases that appear only in the page furniture, never in an article.
FURNITURE = [
    "Kami menggunakan cookie", "Beranda", "Masuk / Daftar", "Bagikan artikel ini",
    "Salin link", "Baca juga", "ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT",
    "Berita Terkait", "Harga emas Antam naik", "Komentar", "Mantap, semoga cepat selesai",
    "Dapatkan update berita pilihan", "Hak Cipta", "Tentang Kami", "Pedoman Media Siber",
    "Tag:", "Suasana acara", "appeared first on", "Terpopuler", "Ikuti kami",
]


@dataclass(frozen=True)
class Article:
    stem: str  # the seed file
    title: str
    outlet: str
    url: str
    author: str
    published: str  # ISO date the fixture states
    body: tuple[str, ...]  # paragraphs of article text


_META = {
    "000_cb222094482272af": ("Warta Ibu Kota", "https://wartaibukota.example/nasional/ikn-korea",
                             "Rina Maharani", "2025-12-04"),
    "001_35330518a0891c6f": ("Kabar Properti", "https://kabarproperti.example/d-5993/pupr-korsel",
                             "Dwi Santoso", "2022-03-23"),
    "002_622dfb85f7a88362": ("Portal PUPR", "https://portalpupr.example/berita/smart-city-2017",
                             "Biro Komunikasi Publik", "2017-05-17"),
    "003_d42ff7a54c18c015": ("Gerbangkaltim.com", "https://gerbangkaltim.example/2024/11/iccc",
                             "Redaksi Gerbang", "2024-11-20"),
    "004_16f2d6b19bdc8fa8": ("ANTARA News", "https://antaranews.example/berita/4475361/asean",
                             "Narda Margaretha Sinambela", "2024-10-30"),
}
_TITLE_001 = "PUPR Gandeng Korea Selatan Kembangkan IKN sebagai Smart City"


def articles() -> list[Article]:
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        cleaned = clean_article(path.read_text(encoding="utf-8"))
        paras = cleaned.text.split("\n\n")
        title = cleaned.title or ""
        if path.stem == "001_35330518a0891c6f":
            title = _TITLE_001
        else:
            paras = paras[1:]
        # Datelines ("Rabu , 17 Mei 2017", "NUSANTARA") go in the byline, not the body.
        body = tuple(p for p in paras if len(p) >= 25)
        outlet, url, author, published = _META[path.stem]
        out.append(Article(path.stem, title, outlet, url, author, published, body))
    return out


def _is_heading(p: str) -> bool:
    return len(p) < 90 and not p.rstrip().endswith((".", "”", '"', ":"))


def _body_html(a: Article, *, read_also: str, ad: bool = True) -> str:
    parts = []
    for i, p in enumerate(a.body):
        tag = "h2" if _is_heading(p) else "p"
        parts.append(f"<{tag}>{html.escape(p)}</{tag}>")
        if i == 1:
            parts.append(f'<p><strong>Baca juga: <a href="/x/{i}">{read_also}</a></strong></p>')
        if i == 2 and ad:
            parts.append('<div class="ads"><span>ADVERTISEMENT</span>'
                         '<p class="scroll">SCROLL TO CONTINUE WITH CONTENT</p></div>')
    return "\n".join(parts)


def _date_markup(a: Article, style: int) -> tuple[str, str]:
    """(head markup, byline markup) stating the date the way one kind of site does."""
    d = a.published
    y, m, day = d.split("-")
    if style == 0:  # JSON-LD with an ISO timestamp and time zone
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
              "datePublished": f"{d}T14:05:00+07:00", "author": {"@type": "Person",
              "name": a.author}, "publisher": {"@type": "Organization", "name": a.outlet}}
        return (f'<script type="application/ld+json">{json.dumps(ld)}</script>',
                f"<span>{day}/{m}/{y} 14:05 WIB</span>")
    if style == 1:  # a "publishdate" meta tag with slashes, as some portals write it
        return (f'<meta name="publishdate" content="{y}/{m}/{day} 15:20:11">',
                f"<span>{day}/{m}/{y}</span>")
    if style == 2:  # a <time> element only
        return "", f'<time datetime="{d}">{day}-{m}-{y}</time>'
    if style == 3:  # no machine-readable date: only the dateline inside the article
        return "", "<span>Redaksi</span>"
    return (f'<meta property="article:published_time" content="{d}T18:45:00+07:00">',
            f"<span>{day}/{m}/{y} 18:45 WIB</span>")


def page(a: Article, style: int, *, outlet: str | None = None, url: str | None = None,
         body: str | None = None) -> str:
    """A saved web page of ``a`` with a news site's furniture around it."""
    outlet = outlet or a.outlet
    url = url or a.url
    head_date, byline_date = _date_markup(a, style)
    author_meta = f'<meta name="author" content="{html.escape(a.author)}">' if style != 0 else ""
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<title>{html.escape(a.title)} - {html.escape(outlet)}</title>
<meta name="description" content="{html.escape(a.body[0][:150])}">
<meta property="og:title" content="{html.escape(a.title)}">
<meta property="og:site_name" content="{html.escape(outlet)}">
<meta property="og:url" content="{url}">
<meta property="og:type" content="article">
<link rel="canonical" href="{url}">
{author_meta}
{head_date}
<link rel="stylesheet" href="/assets/site.css">
</head><body>
<div id="cookie-banner" class="cookie">Kami menggunakan cookie untuk meningkatkan pengalaman
 Anda. <button>Setuju</button></div>
<header><div class="logo"><a href="/">{html.escape(outlet)}</a></div>
<nav><ul><li><a href="/">Beranda</a></li><li><a href="/news">News</a></li>
<li><a href="/ekonomi">Ekonomi</a></li><li><a href="/nusantara">Nusantara</a></li>
<li><a href="/olahraga">Olahraga</a></li><li><a href="/login">Masuk / Daftar</a></li></ul></nav>
</header>
<div class="breadcrumb"><a href="/">Beranda</a> › <a href="/news">News</a></div>
<main><article>
<h1>{html.escape(a.title)}</h1>
<div class="byline">{html.escape(a.author)} - {html.escape(outlet)} | {byline_date}</div>
<div class="share">Bagikan artikel ini: <a href="#">Facebook</a> <a href="#">Twitter</a>
<a href="#">WhatsApp</a> <a href="#">Salin link</a></div>
<figure><img src="/img/{a.stem}.jpg" alt=""><figcaption>Suasana acara. Foto: Dok.
{html.escape(outlet)}</figcaption></figure>
<div class="detail__body-text">
{body or _body_html(a, read_also="Harga emas Antam naik Rp 10.000 per gram hari ini")}
</div>
<div class="tags">Tag: <a href="/tag/ikn">IKN</a> <a href="/tag/smart-city">smart city</a></div>
<div class="newsletter">Dapatkan update berita pilihan dan breaking news setiap hari dari
 {html.escape(outlet)}. Ikuti kami di Google News.</div>
</article>
<section class="related"><h3>Berita Terkait</h3><ul>
<li><a href="/a">Harga emas Antam naik Rp 10.000 per gram hari ini</a></li>
<li><a href="/b">Jadwal KRL Jabodetabek berubah mulai pekan depan</a></li>
<li><a href="/c">Timnas U-23 menang 3-1 atas Vietnam di Hanoi</a></li></ul></section>
<section id="comments"><h3>Komentar (2)</h3>
<div class="comment"><b>budi88</b><p>Mantap, semoga cepat selesai pembangunannya!</p></div>
<div class="comment"><b>sari_w</b><p>Anggarannya dari mana ya? Jangan sampai membebani APBN.</p>
</div></section>
</main>
<aside><h3>Terpopuler</h3><ol><li><a href="/p1">Gempa magnitudo 5,2 guncang Sukabumi</a></li>
<li><a href="/p2">Rupiah menguat ke level Rp 15.600 per dolar AS</a></li></ol></aside>
<footer><ul><li><a href="/about">Tentang Kami</a></li><li><a href="/pedoman">Pedoman Media
Siber</a></li><li><a href="/kontak">Kontak</a></li></ul>
<p>Hak Cipta © 2024 {html.escape(outlet)}. All rights reserved.</p></footer>
</body></html>
"""


def syndicated_copy(a: Article) -> tuple[str, Article]:
    """Another outlet's copy of ``a``: same story, its own furniture, its own opening words
    and without the closing section."""
    body = list(a.body)
    body[0] = "SAMARINDA (KT) - " + body[0]
    body = body[:-2]  # the closing section (its heading and paragraph) left out
    copy = Article(a.stem + "-kt", a.title, "Kaltim Today", "https://kaltimtoday.example/iccc",
                   "Tim KT", a.published, tuple(body))
    return page(copy, 4), copy


def feed(items: list[Article]) -> str:
    """An RSS 2.0 feed with the full text of each article (``content:encoded``)."""
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    import datetime as dt

    out = []
    for a in items:
        d = dt.date.fromisoformat(a.published)
        pub = f"{days[d.weekday()]}, {d.day:02d} {months[d.month - 1]} {d.year} 09:30:00 +0700"
        content = _body_html(a, read_also="Jadwal KRL Jabodetabek berubah", ad=False) + (
            f"\n<p>The post {html.escape(a.title)} appeared first on Kabar Feed.</p>")
        out.append(f"""<item>
<title>{html.escape(a.title)}</title>
<link>{a.url}</link>
<guid isPermaLink="true">{a.url}</guid>
<pubDate>{pub}</pubDate>
<dc:creator><![CDATA[{a.author}]]></dc:creator>
<description><![CDATA[{a.body[0][:120]}…]]></description>
<content:encoded><![CDATA[{content}]]></content:encoded>
</item>""")
    return ("""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>Kabar Feed</title>
<link>https://kabarfeed.example/</link>
<description>Berita terbaru</description>
<language>id</language>
""" + "\n".join(out) + "\n</channel>\n</rss>\n")


def _font_path() -> str:
    import matplotlib  # ships DejaVu Sans, which covers the articles' curly quotes and dashes

    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")


def pdf(a: Article, *, per_page: int = 4) -> tuple[bytes, list[list[str]]]:
    """A press release PDF: a running header and a page footer on every page, ``per_page``
    paragraphs a page. Returns the bytes and the paragraphs of each page."""
    from fpdf import FPDF

    doc = FPDF(format="A4")
    doc.set_title(a.title)
    doc.set_author(a.author)
    doc.add_font("DejaVu", fname=_font_path())
    doc.set_auto_page_break(False)
    pages = [list(a.body[i:i + per_page]) for i in range(0, len(a.body), per_page)]
    for n, paras in enumerate(pages, 1):
        doc.add_page()
        doc.set_font("DejaVu", size=8)
        doc.cell(0, 6, f"SIARAN PERS - {a.outlet}", new_x="LMARGIN", new_y="NEXT")
        doc.ln(4)
        if n == 1:
            doc.set_font("DejaVu", size=14)
            doc.multi_cell(0, 7, a.title, new_x="LMARGIN", new_y="NEXT")
            doc.ln(3)
        doc.set_font("DejaVu", size=10)
        for p in paras:
            doc.multi_cell(0, 5, p, new_x="LMARGIN", new_y="NEXT")
            doc.ln(3)
        doc.set_y(-15)
        doc.set_font("DejaVu", size=8)
        doc.cell(0, 6, f"Halaman {n} dari {len(pages)}", align="C")
    return bytes(doc.output()), pages


def scanned_pdf() -> bytes:
    """A one-page PDF holding only a picture of text (no text layer), as a scanner makes."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    img = Image.new("L", (800, 400), 255)
    ImageDraw.Draw(img).text((40, 40), "Siaran pers hasil pindaian", fill=0)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    doc = FPDF()
    doc.add_page()
    doc.image(io.BytesIO(buf.getvalue()), x=10, y=10, w=180)
    return bytes(doc.output())


def write_archive(root: Path) -> dict[str, Article]:
    """A mixed folder: ``web/`` pages (one per article, five metadata styles), a syndicated
    copy, ``pdf/`` (a paged release and a scanned one), ``feeds/`` (RSS of the five stories).
    Returns the article each page file holds, by relative path."""
    arts = articles()
    written: dict[str, Article] = {}
    (root / "web").mkdir(parents=True, exist_ok=True)
    for i, a in enumerate(arts):
        rel = f"web/{a.stem}.html"
        (root / rel).write_text(page(a, i), encoding="utf-8")
        written[rel] = a
    copy_html, copy = syndicated_copy(arts[3])
    (root / "web" / "kaltimtoday-iccc.htm").write_text(copy_html, encoding="utf-8")
    written["web/kaltimtoday-iccc.htm"] = copy
    (root / "pdf").mkdir(exist_ok=True)
    data, _ = pdf(arts[4])
    (root / "pdf" / "siaran-pers-ascn.pdf").write_bytes(data)
    written["pdf/siaran-pers-ascn.pdf"] = arts[4]
    (root / "pdf" / "pindaian.pdf").write_bytes(scanned_pdf())
    (root / "feeds").mkdir(exist_ok=True)
    (root / "feeds" / "kabar.rss").write_text(feed(arts), encoding="utf-8")
    return written
