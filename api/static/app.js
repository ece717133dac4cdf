/* Telusur web page: search, quoted answers with citations, and an article view.
   Plain JS, no dependencies. All text reaches the page through textContent / text
   nodes, never through innerHTML. */
(function () {
  "use strict";

  var I18N = {
    id: {
      skip: "Lewati ke konten",
      tagline: "Cari dan kutip berita Indonesia",
      uiLangHint: "Ganti bahasa antarmuka ke bahasa Inggris",
      uiLangButton: "EN",
      uiLangName: "English",
      searchHeading: "Cari di arsip berita",
      questionLabel: "Pertanyaan atau kata kunci",
      search: "Cari",
      options: "Opsi pencarian",
      modeLabel: "Metode",
      modeHybrid: "Hibrida",
      modeDense: "Semantik (dense)",
      modeBm25: "Kata kunci (BM25)",
      langLabel: "Bahasa artikel",
      langAny: "Semua",
      langId: "Indonesia",
      langEn: "Inggris",
      kLabel: "Jumlah hasil",
      passagesHeading: "Bagian artikel terkait",
      intro: "Ajukan pertanyaan tentang berita dalam arsip. Telusur mengutip kalimat persis dari artikel dan menunjukkan sumbernya — atau mengatakan terus terang bila artikel tidak menjawabnya.",
      tryLabel: "Coba:",
      back: "← Kembali ke pencarian",
      footer: "Jawaban adalah kutipan langsung dari artikel; selalu periksa konteks aslinya.",
      searching: "Mencari…",
      loadingDoc: "Memuat artikel…",
      questionLang: "Bahasa pertanyaan terdeteksi:",
      noResults: "Tidak ada bagian artikel yang cocok.",
      answerHeading: "Jawaban",
      answerFrom: "Sumber:",
      confidence: "Keyakinan",
      copy: "Salin kutipan",
      copied: "Tersalin ✓",
      copyFailed: "Gagal menyalin",
      noAnswerHeading: "Artikel tidak menjawab pertanyaan ini",
      noAnswerBody: "Tidak ada kalimat dalam artikel yang cukup yakin menjawab pertanyaan ini. Bagian yang paling terkait tetap ditampilkan di bawah.",
      reason: "Alasan:",
      score: "skor",
      language: "bahasa",
      openArticle: "Buka artikel pada bagian ini",
      errorPrefix: "Permintaan gagal",
      networkError: "Tidak dapat menghubungi server.",
      emptyQuery: "Tulis pertanyaan terlebih dahulu.",
      docNotFound: "Artikel tidak ditemukan",
      original: "Artikel asli",
      citedPassage: "Bagian yang dikutip",
      passagesCount: function (n) { return n + " bagian"; },
      langNames: { id: "Indonesia", en: "Inggris" },
      sourceLabel: "Media",
      sourceAny: "Semua media",
      dateFromLabel: "Dari tanggal",
      dateToLabel: "Sampai tanggal",
      sortLabel: "Urutan",
      sortRelevance: "Paling relevan",
      sortDate: "Terbaru",
      total: function (n, shown) { return n + " bagian cocok" + (n ? " · " + shown + " ditampilkan" : ""); },
      tookMs: function (ms) { return ms + " md"; },
      searchedAs: "Dicari sebagai:",
      exportCsv: "Ekspor CSV",
      exportHint: function (n) { return "Unduh " + n + " hasil pertama sebagai CSV"; },
      more: "Hasil berikutnya",
      loadingMore: "Memuat…",
      citeStyle: "Gaya kutipan",
      styleQuote: "Kutipan langsung",
      similarHeading: "Artikel serupa",
      noSimilar: "Tidak ada artikel serupa lain di arsip.",
      similarity: "kemiripan"
    },
    en: {
      skip: "Skip to content",
      tagline: "Search and cite Indonesian news",
      uiLangHint: "Switch the interface to Indonesian",
      uiLangButton: "ID",
      uiLangName: "Bahasa Indonesia",
      searchHeading: "Search the news archive",
      questionLabel: "Question or keywords",
      search: "Search",
      options: "Search options",
      modeLabel: "Method",
      modeHybrid: "Hybrid",
      modeDense: "Semantic (dense)",
      modeBm25: "Keywords (BM25)",
      langLabel: "Article language",
      langAny: "Any",
      langId: "Indonesian",
      langEn: "English",
      kLabel: "Results",
      passagesHeading: "Related passages",
      intro: "Ask a question about the news in the archive. Telusur quotes the exact sentence from an article and shows its source — or says plainly when the articles do not answer it.",
      tryLabel: "Try:",
      back: "← Back to search",
      footer: "Answers are direct quotes from the articles; always check the original context.",
      searching: "Searching…",
      loadingDoc: "Loading article…",
      questionLang: "Detected question language:",
      noResults: "No matching passages.",
      answerHeading: "Answer",
      answerFrom: "Source:",
      confidence: "Confidence",
      copy: "Copy citation",
      copied: "Copied ✓",
      copyFailed: "Copy failed",
      noAnswerHeading: "The articles do not answer this question",
      noAnswerBody: "No sentence in the articles answers this question with enough confidence. The most related passages are still listed below.",
      reason: "Reason:",
      score: "score",
      language: "language",
      openArticle: "Open the article at this passage",
      errorPrefix: "Request failed",
      networkError: "Could not reach the server.",
      emptyQuery: "Type a question first.",
      docNotFound: "Article not found",
      original: "Original article",
      citedPassage: "Cited passage",
      passagesCount: function (n) { return n + " passages"; },
      langNames: { id: "Indonesian", en: "English" },
      sourceLabel: "Outlet",
      sourceAny: "All outlets",
      dateFromLabel: "From date",
      dateToLabel: "To date",
      sortLabel: "Order",
      sortRelevance: "Most relevant",
      sortDate: "Newest first",
      total: function (n, shown) { return n + " matching passages" + (n ? " · " + shown + " shown" : ""); },
      tookMs: function (ms) { return ms + " ms"; },
      searchedAs: "Searched as:",
      exportCsv: "Export CSV",
      exportHint: function (n) { return "Download the first " + n + " results as CSV"; },
      more: "More results",
      loadingMore: "Loading…",
      citeStyle: "Citation style",
      styleQuote: "Direct quote",
      similarHeading: "Similar articles",
      noSimilar: "No other similar article in the archive.",
      similarity: "similarity"
    }
  };

  var STORE_KEY = "telusur.uiLang";
  var MODES = ["hybrid", "dense", "bm25"];
  var uiLang = readStoredLang();
  var lastRender = null; // re-render dynamic parts when the interface language changes

  function $(id) { return document.getElementById(id); }
  function t(key) { return I18N[uiLang][key]; }

  function readStoredLang() {
    try {
      var v = window.localStorage.getItem(STORE_KEY);
      if (v === "id" || v === "en") { return v; }
    } catch (e) { /* storage unavailable */ }
    return "id";
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) { return; }
        if (k === "text") { node.textContent = v; }
        else if (k === "className") { node.className = v; }
        else { node.setAttribute(k, v === true ? "" : String(v)); }
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  /* ---------- interface language ---------- */

  function applyUiLang() {
    document.documentElement.lang = uiLang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      var v = t(node.getAttribute("data-i18n"));
      if (typeof v === "string") { node.textContent = v; }
    });
    var btn = $("ui-lang");
    btn.textContent = t("uiLangButton");
    btn.setAttribute("aria-label", t("uiLangName"));
    btn.title = t("uiLangHint");
    if (lastRender) { lastRender(); }
  }

  $("ui-lang").addEventListener("click", function () {
    uiLang = uiLang === "id" ? "en" : "id";
    try { window.localStorage.setItem(STORE_KEY, uiLang); } catch (e) { /* ignore */ }
    applyUiLang();
  });

  /* ---------- helpers ---------- */

  function queryTerms(q) {
    var words = (q || "").toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
    var seen = {};
    return words.filter(function (w) {
      if (w.length < 3 || seen[w]) { return false; }
      seen[w] = true;
      return true;
    });
  }

  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  /* Append `text` to `parent`, wrapping whole-word query terms in <mark>. */
  function appendHighlighted(parent, text, terms) {
    if (!terms.length) { parent.appendChild(document.createTextNode(text)); return; }
    terms = terms.slice().sort(function (a, b) { return b.length - a.length; });
    var re = new RegExp("(?<![\\p{L}\\p{N}])(" + terms.map(escapeRegExp).join("|") +
      ")(?![\\p{L}\\p{N}])", "giu");
    var last = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) { parent.appendChild(document.createTextNode(text.slice(last, m.index))); }
      parent.appendChild(el("mark", { className: "term", text: m[0] }));
      last = m.index + m[0].length;
    }
    if (last < text.length) { parent.appendChild(document.createTextNode(text.slice(last))); }
  }

  function docHref(docId, start, end, q) {
    var p = new URLSearchParams();
    p.set("start", String(start));
    p.set("end", String(end));
    if (q) { p.set("q", q); }
    return "/doc/" + encodeURIComponent(docId) + "?" + p.toString();
  }

  function langName(code) {
    var names = t("langNames");
    return (code && names[code]) || code || "?";
  }

  function formatDetail(detail) {  // every error's detail is one line (api/problems.py)
    return typeof detail === "string" ? detail : JSON.stringify(detail);
  }

  function fetchJson(url, options) {
    return fetch(url, options).then(function (resp) {
      return resp.text().then(function (body) {
        var data = null;
        try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
        if (!resp.ok) {
          var msg = data && data.detail !== undefined ? formatDetail(data.detail) : (body || resp.statusText);
          var err = new Error(msg);
          err.status = resp.status;
          throw err;
        }
        return data;
      });
    }, function () {
      var err = new Error(t("networkError"));
      err.status = 0;
      throw err;
    });
  }

  function showError(box, err) {
    clear(box);
    var prefix = t("errorPrefix") + (err.status ? " (" + err.status + ")" : "") + ": ";
    box.appendChild(el("strong", { text: prefix }));
    box.appendChild(document.createTextNode(err.message));
    box.hidden = false;
  }

  function metaParts(item) {
    return [item.source, item.published].filter(Boolean);
  }

  /* The curly quotes the page puts around a quote: none when the sentence has double
     quotation marks of its own ("\u201CKami siap,\u201D ujar Lago.", or the first sentence of
     a quotation that goes on): ours would double or unbalance them, and changing them would
     change the quote. api/terminal.py (the CLI) follows the same rule. */
  var OWN_MARKS = "\u201C\u201D\u201E\u00AB\u00BB\"";
  function quoteMarks(text) {
    for (var i = 0; i < OWN_MARKS.length; i++) {
      if (text.indexOf(OWN_MARKS.charAt(i)) >= 0) { return ["", ""]; }
    }
    return ["\u201C", "\u201D"];
  }

  function citationText(answer) {
    var c = answer.citations && answer.citations[0] ? answer.citations[0] : {};
    var parts = [c.title || answer.doc_id, c.source, c.published].filter(Boolean);
    var m = quoteMarks(answer.text);
    var s = m[0] + answer.text + m[1] + " \u2014 " + parts.join(", ");
    if (c.url) { s += " (" + c.url + ")"; }
    return s;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return legacyCopy(text);
  }

  function legacyCopy(text) {
    return new Promise(function (resolve, reject) {
      var ta = el("textarea", { readonly: true, "aria-hidden": "true", className: "offscreen" });
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  /* ---------- search view ---------- */

  var form = $("search-form");
  var input = $("q");
  var modeSel = $("mode");
  var langSel = $("lang");
  var kInput = $("k");
  var sourceSel = $("source");
  var dateFrom = $("date-from");
  var dateTo = $("date-to");
  var sortSel = $("sort");
  var requestSeq = 0;
  var knownSources = {}; // outlets seen in facets this session: the filter keeps offering them
  var CITE_KEY = "telusur.citeStyle";
  var CITE_STYLES = ["quote", "apa", "chicago", "mla", "bibtex"];
  var CITE_NAMES = { apa: "APA", chicago: "Chicago", mla: "MLA", bibtex: "BibTeX" };
  var EXPORT_MAX = 1000;
  var ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

  function isoOrEmpty(v) { return v && ISO_DATE.test(v) ? v : ""; }

  function readParams() {
    var p = new URLSearchParams(window.location.search);
    var k = parseInt(p.get("k") || "5", 10);
    return {
      q: p.get("q") || "",
      mode: MODES.indexOf(p.get("mode")) >= 0 ? p.get("mode") : "hybrid",
      lang: p.get("lang") === "id" || p.get("lang") === "en" ? p.get("lang") : "",
      k: isFinite(k) ? Math.min(50, Math.max(1, k)) : 5,
      source: p.get("source") || "",
      date_from: isoOrEmpty(p.get("date_from")),
      date_to: isoOrEmpty(p.get("date_to")),
      sort: p.get("sort") === "date" ? "date" : "relevance"
    };
  }

  function currentParams() {
    var k = parseInt(kInput.value, 10);
    if (!isFinite(k)) { k = 5; }
    k = Math.min(50, Math.max(1, k));
    kInput.value = String(k);
    return {
      q: input.value.trim(), mode: modeSel.value, lang: langSel.value, k: k,
      source: sourceSel.value, date_from: isoOrEmpty(dateFrom.value),
      date_to: isoOrEmpty(dateTo.value), sort: sortSel.value
    };
  }

  function addSourceOptions(values, counts) {
    values.forEach(function (v) { if (v) { knownSources[v] = true; } });
    var chosen = sourceSel.value;
    while (sourceSel.options.length > 1) { sourceSel.remove(1); }
    Object.keys(knownSources).sort(function (a, b) { return a.localeCompare(b); }).forEach(function (v) {
      var n = counts && counts[v];
      sourceSel.appendChild(el("option", { value: v, text: n ? v + " (" + n + ")" : v }));
    });
    sourceSel.value = chosen;
  }

  function fillControls(params) {
    input.value = params.q;
    modeSel.value = params.mode;
    langSel.value = params.lang;
    kInput.value = String(params.k);
    if (params.source) { addSourceOptions([params.source]); }
    sourceSel.value = params.source;
    dateFrom.value = params.date_from;
    dateTo.value = params.date_to;
    sortSel.value = params.sort;
  }

  /* The filters as /search query parameters (the page and the export link share them). */
  function filterParams(params, p) {
    if (params.lang) { p.set("lang", params.lang); }
    if (params.source) { p.set("source", params.source); }
    if (params.date_from) { p.set("date_from", params.date_from); }
    if (params.date_to) { p.set("date_to", params.date_to); }
    return p;
  }

  function searchUrl(params) {
    var p = new URLSearchParams();
    p.set("q", params.q);
    p.set("mode", params.mode);
    filterParams(params, p);
    if (params.sort !== "relevance") { p.set("sort", params.sort); }
    p.set("k", String(params.k));
    return "/?" + p.toString();
  }

  function apiSearchUrl(params, offset, k, format) {
    var p = new URLSearchParams();
    p.set("q", params.q);
    p.set("mode", params.mode);
    filterParams(params, p);
    p.set("sort", params.sort);
    p.set("k", String(k));
    if (offset) { p.set("offset", String(offset)); }
    if (format) { p.set("format", format); }
    return "/search?" + p.toString();
  }

  function resetResults() {
    $("error").hidden = true;
    clear($("answer-slot"));
    clear($("results"));
    $("results-section").hidden = true;
    $("more").hidden = true;
    clear($("status"));
    lastRender = null;
  }

  function runSearch(params) {
    resetResults();
    $("intro").hidden = true;
    if (!params.q) {
      $("intro").hidden = false;
      return;
    }
    var seq = ++requestSeq;
    $("status").textContent = t("searching");
    document.body.setAttribute("aria-busy", "true");
    var body = {
      question: params.q, k: params.k, lang: params.lang || null, mode: params.mode,
      source: params.source ? [params.source] : [], date_from: params.date_from || null,
      date_to: params.date_to || null
    };
    // One after the other: the second request finds the query's vector cached.
    fetchJson("/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (ask) {
      return fetchJson(apiSearchUrl(params, 0, params.k)).then(function (list) {
        return { ask: ask, list: list, items: list.results.slice(), params: params };
      });
    }).then(function (state) {
      if (seq !== requestSeq) { return; }
      lastRender = function () { renderSearch(state); };
      lastRender();
    }, function (err) {
      if (seq !== requestSeq) { return; }
      clear($("status"));
      showError($("error"), err);
    }).then(function () {
      if (seq === requestSeq) { document.body.removeAttribute("aria-busy"); }
    });
  }

  function renderSearch(state) {
    var data = state.ask;
    var list = state.list;
    var params = state.params;
    var status = $("status");
    clear(status);
    var qlang = el("span", {
      className: "badge", "data-testid": "question-lang", "data-lang": data.question_lang,
      title: langName(data.question_lang), text: data.question_lang
    });
    status.appendChild(el("span", { className: "status-item" }, [
      t("questionLang") + " ", qlang, " ", el("span", { className: "muted", text: "(" + langName(data.question_lang) + ")" })
    ]));
    status.appendChild(el("span", {
      className: "status-item muted", text: t("tookMs")(Math.round(data.took_ms + list.took_ms))
    }));
    // What the keyword side searched, when it is not what was typed (slang, typos, English).
    if (list.searched && list.searched.trim().toLowerCase() !== list.query.trim().toLowerCase()) {
      status.appendChild(el("span", { className: "status-item", "data-testid": "searched-as" }, [
        t("searchedAs") + " ", el("q", { text: list.searched })
      ]));
    }

    var slot = $("answer-slot");
    clear(slot);
    slot.appendChild(data.answer ? answerCard(data, params) : noAnswerCard(data));

    var counts = {};
    list.facets.source.forEach(function (f) { if (f.value) { counts[f.value] = f.count; } });
    addSourceOptions(Object.keys(counts), counts);

    var ol = $("results");
    clear(ol);
    var terms = queryTerms(params.q);
    state.items.forEach(function (p) { ol.appendChild(resultItem(p, terms, params.q)); });
    if (!state.items.length) {
      ol.appendChild(el("li", { className: "empty" }, [
        t("noResults"), list.empty_reason ? el("span", { className: "muted", text: " (" + list.empty_reason + ")" }) : null
      ]));
    }
    $("total").textContent = t("total")(list.total, state.items.length);
    var exportLink = $("export-csv");
    var n = Math.min(Math.max(list.total, 1), EXPORT_MAX);
    exportLink.href = apiSearchUrl(params, 0, n, "csv");
    exportLink.title = t("exportHint")(n);
    exportLink.hidden = !list.total;
    var more = $("more");
    more.hidden = state.items.length >= list.total;
    more.disabled = false;
    more.onclick = function () { loadMore(state); };
    $("results-section").hidden = false;
  }

  function loadMore(state) {
    var seq = requestSeq;
    var more = $("more");
    more.disabled = true;
    more.textContent = t("loadingMore");
    var first = state.items.length;
    fetchJson(apiSearchUrl(state.params, first, state.params.k)).then(function (page) {
      if (seq !== requestSeq) { return; }
      state.items = state.items.concat(page.results);
      state.list.total = page.total;
      lastRender();
      more.textContent = t("more");
      // keyboard users continue at the first new result
      var link = $("results").children[first] && $("results").children[first].querySelector("a");
      if (link) { link.focus(); }
    }, function (err) {
      more.disabled = false;
      more.textContent = t("more");
      showError($("error"), err);
    });
  }

  function readCiteStyle() {
    try {
      var v = window.localStorage.getItem(CITE_KEY);
      if (CITE_STYLES.indexOf(v) >= 0) { return v; }
    } catch (e) { /* storage unavailable */ }
    return "quote";
  }

  function answerCard(data, params) {
    var a = data.answer;
    var c = a.citations && a.citations[0] ? a.citations[0] : { doc_id: a.doc_id };
    var m = quoteMarks(a.text);
    var hl = a.highlight || [0, 0];
    var s = Math.max(0, Math.min(a.text.length, hl[0]));
    var e = Math.max(s, Math.min(a.text.length, hl[1]));
    var quote = el("blockquote", { className: "answer-quote", lang: "id" });
    var qp = el("p");
    qp.appendChild(document.createTextNode(m[0] + a.text.slice(0, s)));
    if (e > s) { qp.appendChild(el("mark", { className: "answer-span", text: a.text.slice(s, e) })); }
    qp.appendChild(document.createTextNode(a.text.slice(e) + m[1]));
    quote.appendChild(qp);

    var link = el("a", {
      className: "citation-link", "data-testid": "answer-citation",
      href: docHref(c.doc_id, c.char_start !== undefined ? c.char_start : a.char_start,
        c.char_end !== undefined ? c.char_end : a.char_end, params.q)
    }, [el("span", { className: "citation-title", text: c.title || c.doc_id })]);
    var meta = metaParts(c);
    var cite = el("p", { className: "citation" }, [
      el("span", { className: "muted", text: t("answerFrom") + " " }), link,
      meta.length ? el("span", { className: "citation-meta", text: " \u2014 " + meta.join(", ") }) : null
    ]);

    var feedback = el("span", { className: "copy-feedback", role: "status", "aria-live": "polite" });
    var copyBtn = el("button", {
      type: "button", className: "btn btn-secondary", "data-testid": "copy-citation", text: t("copy")
    });
    var styleSel = el("select", { id: "cite-style", "data-testid": "cite-style" });
    CITE_STYLES.forEach(function (st) {
      styleSel.appendChild(el("option", { value: st, text: st === "quote" ? t("styleQuote") : CITE_NAMES[st] }));
    });
    var styleLabel = el("label", { "for": "cite-style", className: "muted small", text: t("citeStyle") });
    var seq = 0;
    function setStyle(style) {
      var mine = ++seq;
      if (style === "quote") {
        copyBtn.setAttribute("data-citation", citationText(a));
        copyBtn.disabled = false;
        return;
      }
      copyBtn.disabled = true;
      fetchJson("/documents/" + encodeURIComponent(c.doc_id) + "/cite?style=" + style).then(function (got) {
        if (mine !== seq) { return; }
        copyBtn.setAttribute("data-citation", got.citation);
        copyBtn.disabled = false;
      }, function (err) {
        if (mine !== seq) { return; }
        feedback.textContent = t("errorPrefix") + ": " + err.message;
      });
    }
    styleSel.value = readCiteStyle();
    styleSel.addEventListener("change", function () {
      try { window.localStorage.setItem(CITE_KEY, styleSel.value); } catch (e) { /* ignore */ }
      setStyle(styleSel.value);
    });
    setStyle(styleSel.value);
    copyBtn.addEventListener("click", function () {
      copyText(copyBtn.getAttribute("data-citation") || "").then(function () {
        feedback.textContent = t("copied");
        copyBtn.classList.add("is-done");
      }, function () {
        feedback.textContent = t("copyFailed");
      }).then(function () {
        window.setTimeout(function () { feedback.textContent = ""; copyBtn.classList.remove("is-done"); }, 2500);
      });
    });

    return el("section", { className: "card answer-card", "data-testid": "answer", "aria-labelledby": "answer-heading" }, [
      el("div", { className: "card-head" }, [
        el("h2", { id: "answer-heading", className: "card-title", text: t("answerHeading") }),
        el("span", { className: "muted small", text: t("confidence") + " " + Number(data.confidence).toFixed(2) })
      ]),
      quote, cite,
      el("div", { className: "card-actions" }, [
        el("span", { className: "cite-style" }, [styleLabel, styleSel]), copyBtn, feedback
      ])
    ]);
  }

  function noAnswerCard(data) {
    return el("section", { className: "card no-answer-card", "data-testid": "no-answer", role: "note", "aria-labelledby": "no-answer-heading" }, [
      el("h2", { id: "no-answer-heading", className: "card-title", text: t("noAnswerHeading") }),
      el("p", { text: t("noAnswerBody") }),
      data.no_answer_reason ? el("p", { className: "muted small" }, [
        el("strong", { text: t("reason") + " " }), data.no_answer_reason
      ]) : null
    ]);
  }

  function resultItem(p, terms, q) {
    var href = docHref(p.doc_id, p.char_start, p.char_end, q);
    var text = el("p", { className: "result-text", lang: p.lang || null });
    appendHighlighted(text, p.text, terms);
    var meta = metaParts(p);
    meta.push(t("language") + ": " + (p.lang || "?"));
    meta.push(t("score") + " " + Number(p.score).toFixed(3));
    return el("li", {
      className: "card result", "data-testid": "result", "data-doc-id": p.doc_id, "data-rank": p.rank,
      "data-source": p.source || "", "data-published": p.published || ""
    }, [
      el("div", { className: "result-head" }, [
        el("span", { className: "rank", "aria-hidden": "true", text: String(p.rank) }),
        el("h3", { className: "result-title" }, [
          el("a", { href: href, title: t("openArticle"), text: p.title || p.doc_id })
        ])
      ]),
      el("p", { className: "meta", text: meta.join(" · ") }),
      text
    ]);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var params = currentParams();
    if (!params.q) {
      resetResults();
      showError($("error"), { status: 0, message: t("emptyQuery") });
      input.focus();
      return;
    }
    var url = searchUrl(params);
    if (window.location.pathname + window.location.search !== url) {
      window.history.pushState(params, "", url);
    }
    runSearch(params);
  });

  /* ---------- article view ---------- */

  function renderDoc(doc, start, end, q) {
    $("doc-title").textContent = doc.title || doc.id;
    var meta = $("doc-meta");
    clear(meta);
    var parts = metaParts(doc);
    if (doc.lang) { parts.push(t("language") + ": " + doc.lang); }
    parts.push(t("passagesCount")(doc.n_passages));
    meta.appendChild(document.createTextNode(parts.join(" · ")));
    if (doc.url && /^https?:\/\//i.test(doc.url)) {
      meta.appendChild(document.createTextNode(" · "));
      meta.appendChild(el("a", { href: doc.url, rel: "noopener noreferrer", text: t("original") }));
    }

    var body = $("doc-body");
    clear(body);
    var text = doc.text || "";
    var hasSpan = isFinite(start) && isFinite(end) && end > start;
    var first = null;
    var re = /\n{2,}/g;
    var pos = 0;
    var m;
    var paras = [];
    while ((m = re.exec(text)) !== null) {
      paras.push([pos, m.index]);
      pos = m.index + m[0].length;
    }
    paras.push([pos, text.length]);
    paras.forEach(function (range, i) {
      var ps = range[0];
      var pe = range[1];
      if (pe <= ps) { return; }
      var inSpan = hasSpan && start < pe && end > ps;
      // the stored text repeats the title as its first paragraph: the heading shows it already
      if (i === 0 && !inSpan && doc.title && text.slice(ps, pe).trim() === doc.title.trim()) { return; }
      var node = el("p", { lang: doc.lang || null });
      if (inSpan) {
        var s = Math.max(start, ps);
        var e = Math.min(end, pe);
        if (s > ps) { node.appendChild(document.createTextNode(text.slice(ps, s))); }
        var mark = el("mark", { className: "cited", text: text.slice(s, e) });
        if (!first) {
          first = mark;
          mark.id = "cited";
          mark.setAttribute("tabindex", "-1");
          mark.setAttribute("aria-label", t("citedPassage") + ": " + text.slice(start, end));
        }
        node.appendChild(mark);
        if (e < pe) { node.appendChild(document.createTextNode(text.slice(e, pe))); }
      } else {
        node.appendChild(document.createTextNode(text.slice(ps, pe)));
      }
      body.appendChild(node);
    });
    $("doc-article").hidden = false;
    document.title = (doc.title || doc.id) + " — Telusur";
    return first;
  }

  function renderSimilar(items, q) {
    var ul = $("similar-list");
    clear(ul);
    items.forEach(function (d) {
      var meta = metaParts(d);
      meta.push(t("similarity") + " " + Number(d.score).toFixed(2));
      var href = "/doc/" + encodeURIComponent(d.doc_id) + (q ? "?q=" + encodeURIComponent(q) : "");
      ul.appendChild(el("li", { className: "similar-item", "data-doc-id": d.doc_id }, [
        el("a", { href: href, text: d.title || d.doc_id }),
        el("span", { className: "meta", text: " — " + meta.join(" · ") })
      ]));
    });
    if (!items.length) { ul.appendChild(el("li", { className: "empty", text: t("noSimilar") })); }
    $("similar-section").hidden = false;
  }

  function showDocView(docId) {
    $("search-view").hidden = true;
    $("doc-view").hidden = false;
    var p = new URLSearchParams(window.location.search);
    var start = parseInt(p.get("start"), 10);
    var end = parseInt(p.get("end"), 10);
    var q = p.get("q") || "";
    $("back-link").href = q ? "/?q=" + encodeURIComponent(q) : "/";
    var status = $("doc-error");
    status.hidden = true;
    $("similar-section").hidden = true;
    fetchJson("/documents/" + encodeURIComponent(docId)).then(function (doc) {
      var scrolled = false;
      var similar = null;
      lastRender = function () {
        var mark = renderDoc(doc, start, end, q);
        if (mark && !scrolled) {
          scrolled = true;
          mark.scrollIntoView({ block: "center" });
          mark.focus({ preventScroll: true });
        }
        if (similar) { renderSimilar(similar, q); }
      };
      lastRender();
      fetchJson("/documents/" + encodeURIComponent(docId) + "/similar?k=5").then(function (got) {
        similar = got.similar;
        renderSimilar(similar, q);
      }, function () { /* the article itself is what matters; no list then */ });
    }, function (err) {
      $("doc-article").hidden = true;
      clear(status);
      status.appendChild(el("strong", { text: (err.status === 404 ? t("docNotFound") : t("errorPrefix")) + ": " }));
      status.appendChild(document.createTextNode(err.message));
      status.hidden = false;
    });
  }

  /* ---------- routing ---------- */

  function route() {
    var path = window.location.pathname;
    var docMatch = path.match(/^\/doc\/(.+)$/);
    if (docMatch) {
      var id;
      try { id = decodeURIComponent(docMatch[1]); } catch (e) { id = docMatch[1]; }
      showDocView(id);
      return;
    }
    $("doc-view").hidden = true;
    $("search-view").hidden = false;
    var params = readParams();
    fillControls(params);
    runSearch(params);
  }

  window.addEventListener("popstate", route);
  applyUiLang();
  route();
})();
