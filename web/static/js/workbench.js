// The SPARQL workbench: a CodeMirror 6 editor (vendored, window.NinekCM) over the page's
// plain form. Without this script the form posts to /sparql and the server answers with an
// HTML table; with it, the query is POSTed as application/sparql-query and the answer drawn
// here. Data only ever reaches the DOM through textContent (NinekResults.el).
"use strict";

(function () {
  const R = window.NinekResults;
  const el = R.el;
  // Where this server is reached (it may be under a path prefix), from the page's head.
  const ROOT = (document.querySelector('meta[name="ninek-root"]') || {}).content || "/";
  const ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9";
  const TABLE_FORMATS = [
    ["json", "SPARQL JSON", "srj"], ["xml", "SPARQL XML", "srx"], ["csv", "CSV", "csv"],
    ["tsv", "TSV", "tsv"],
  ];
  // SPARQL 1.1 CSV/TSV results define only SELECT answers: a boolean has JSON and XML.
  const BOOLEAN_FORMATS = TABLE_FORMATS.slice(0, 2);
  const GRAPH_FORMATS = [
    ["ttl", "Turtle", "ttl"], ["nt", "N-Triples", "nt"], ["jsonld", "JSON-LD", "jsonld"],
    ["rdfxml", "RDF/XML", "rdf"],
  ];
  // gunicorn is configured with limit_request_line 16384; stay well below it in a GET.
  const MAX_GET_URL = 12000;

  const $ = (id) => document.getElementById(id);
  let editor = null;
  let running = false;

  function getQuery() {
    return editor ? editor.state.doc.toString() : $("wb-query").value;
  }

  function setQuery(text) {
    if (editor) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text },
        selection: { anchor: 0 } });
    }
    $("wb-query").value = text;
  }

  function focusEditor() {
    if (editor) editor.focus(); else $("wb-query").focus();
  }

  /** Put the cursor at 1-based line/column (as the server's syntax errors give them). */
  function goTo(line, column) {
    if (!editor) return;
    const doc = editor.state.doc;
    const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
    const pos = Math.min(l.from + Math.max((column || 1) - 1, 0), l.to);
    editor.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
  }

  function mountEditor() {
    const CM = window.NinekCM;
    const textarea = $("wb-query");
    if (!CM) return; // the bundle did not load: the plain textarea still works
    const runKey = CM.keymap.of([{ key: "Mod-Enter", run: () => { run(); return true; } }]);
    // The page's Content-Security-Policy admits the editor's <style> element by this nonce.
    const nonce = (document.querySelector('meta[name="ninek-csp-nonce"]') || {}).content || "";
    editor = new CM.EditorView({
      state: CM.EditorState.create({
        doc: textarea.value,
        extensions: [
          CM.EditorView.cspNonce.of(nonce),
          runKey,
          CM.lineNumbers(), CM.highlightActiveLineGutter(), CM.highlightSpecialChars(),
          CM.history(), CM.drawSelection(), CM.indentOnInput(), CM.bracketMatching(),
          CM.highlightActiveLine(),
          CM.syntaxHighlighting(CM.defaultHighlightStyle, { fallback: true }),
          CM.StreamLanguage.define(CM.sparql),
          CM.keymap.of([...CM.defaultKeymap, ...CM.historyKeymap]),
          CM.EditorView.lineWrapping,
          CM.EditorView.contentAttributes.of({ "aria-labelledby": "wb-query-label",
            "aria-multiline": "true", role: "textbox" }),
          CM.EditorView.updateListener.of((u) => {
            if (u.docChanged) textarea.value = u.state.doc.toString();
          }),
        ],
      }),
    });
    textarea.hidden = true;
    textarea.setAttribute("aria-hidden", "true");
    textarea.tabIndex = -1;
    textarea.after(editor.dom);
    editor.dom.classList.add("wb-editor");
    const label = document.querySelector("label[for=wb-query]");
    label.id = "wb-query-label";
    label.addEventListener("click", () => editor.focus());
  }

  function status(text) { $("wb-status").textContent = text; }

  function clearAnswer() {
    $("wb-answer").hidden = false;
    for (const id of ["wb-results", "wb-notices", "wb-downloads"]) $(id).replaceChildren();
    $("wb-error").hidden = true;
    $("wb-error").replaceChildren();
  }

  function showError(title, message) {
    const box = $("wb-error");
    box.replaceChildren(el("strong", { text: title }), el("br"), message);
    box.hidden = false;
    const where = /line (\d+)(?:, column (\d+))?/i.exec(message);
    if (where) {
      const line = Number(where[1]);
      const column = where[2] ? Number(where[2]) : 1;
      box.append(el("br"), el("button", { type: "button", class: "wb-goto",
        text: "Show line " + line + (where[2] ? ", column " + column : "") + " in the editor" }));
      box.querySelector(".wb-goto").addEventListener("click", () => {
        goTo(line, column); focusEditor();
      });
      goTo(line, column);
    }
  }

  function downloads(query, kind) {
    const formats = { select: TABLE_FORMATS, ask: BOOLEAN_FORMATS, graph: GRAPH_FORMATS }[kind];
    const list = el("ul", { class: "downloads", "aria-label": "Download the answer" });
    for (const [fmt, label, ext] of formats) {
      const href = ROOT + "sparql?query=" + encodeURIComponent(query) + "&format=" + fmt;
      if (href.length <= MAX_GET_URL) {
        list.append(el("li", {}, el("a", { href, download: "answer." + ext,
          "data-format": fmt, text: label })));
      } else { // too long for a URL: the same request as a form POST
        const form = el("form", { method: "post", action: ROOT + "sparql", class: "wb-post-download" },
          el("input", { type: "hidden", name: "format", value: fmt }),
          el("button", { type: "submit", "data-format": fmt, text: label }));
        const input = el("input", { type: "hidden", name: "query" });
        input.value = query;
        form.prepend(input);
        list.append(el("li", {}, form));
      }
    }
    $("wb-downloads").replaceChildren(el("h3", { text: "Download" }), list);
  }

  function notices(response) {
    const box = $("wb-notices");
    if (response.headers.get("X-Ninek-Truncated") === "true") {
      box.append(el("p", { class: "notice", role: "status",
        text: "The answer was cut at the server's row limit; add LIMIT/OFFSET or narrow the query." }));
    }
    for (let n = 1; response.headers.get("X-Ninek-Warning-" + n); n++) {
      box.append(el("p", { class: "notice", role: "status",
        text: response.headers.get("X-Ninek-Warning-" + n) }));
    }
  }

  async function run() {
    if (running) return;
    const query = getQuery();
    if (!query.trim()) { status("Write a query first."); focusEditor(); return; }
    running = true;
    $("wb-run").disabled = true;
    status("Running…");
    clearAnswer();
    const started = performance.now();
    let response;
    try {
      response = await fetch(ROOT + "sparql", { method: "POST", body: query,
        headers: { "Content-Type": "application/sparql-query; charset=utf-8", Accept: ACCEPT } });
    } catch (error) {
      showError("The server could not be reached.", String(error.message || error));
      status("Failed.");
      return finish();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
    const body = await response.text();
    if (!response.ok) {
      const message = body.replace(/^\d{3} [^\n]*\n+/, "").trim() || response.statusText;
      const titles = {
        400: "The query was not accepted (400).",
        403: "Refused (403): this endpoint is read-only.",
        406: "No answer in a format this page reads (406).",
        503: "The query ran out of time (503).",
      };
      showError(titles[response.status] || "The server answered " + response.status + ".", message);
      status("Failed after " + seconds + " s.");
      return finish();
    }
    notices(response);
    if (type === "application/sparql-results+json") {
      const data = JSON.parse(body);
      if (typeof data.boolean === "boolean") {
        $("wb-results").append(el("p", {}, "Answer: ", el("strong", { text: String(data.boolean) })));
        status("ASK answered in " + seconds + " s.");
        downloads(query, "ask");
      } else {
        const rows = data.results.bindings;
        $("wb-results").append(
          el("p", { class: "muted", text: rows.length + (rows.length === 1 ? " row" : " rows") }),
          R.table(data.head.vars, rows, "Query answer"));
        status(rows.length + " rows in " + seconds + " s.");
        downloads(query, "select");
      }
    } else if (type === "application/n-triples") {
      const rows = R.parseNTriples(body);
      $("wb-results").append(
        el("p", { class: "muted", text: rows.length + (rows.length === 1 ? " triple" : " triples") }),
        R.table(["subject", "predicate", "object"], rows, "Triples"));
      status(rows.length + " triples in " + seconds + " s.");
      downloads(query, "graph");
    } else {
      showError("Unexpected answer type " + type + ".", body.slice(0, 500));
    }
    return finish();
  }

  function finish() {
    running = false;
    $("wb-run").disabled = false;
  }

  function sparqlValue(type, value) {
    if (type === "integer" && /^[+-]?\d{1,18}$/.test(value.trim())) return value.trim();
    if (type === "iri" && /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"{}|^`\\]*$/.test(value)) {
      return "<" + value + ">";
    }
    return '"' + value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
      .replace(/\r/g, "\\r") + '"';
  }

  /** The example's text with a VALUES line for each parameter at the start of the first
   *  WHERE block that is not in a comment (where the server binds them, too). */
  function exampleText(example) {
    if (!example.parameters.length) return example.text;
    const values = example.parameters.map((p) =>
      "  VALUES ?" + (p.variable || p.name) + " { " + sparqlValue(p.type, p.value) + " }  # parameter: change it")
      .join("\n");
    const pattern = /\bWHERE\s*\{/gi;
    let m;
    while ((m = pattern.exec(example.text))) {
      const lineStart = example.text.lastIndexOf("\n", m.index) + 1;
      if (!example.text.slice(lineStart, m.index).includes("#")) {
        const at = m.index + m[0].length;
        return example.text.slice(0, at) + "\n" + values + example.text.slice(at);
      }
    }
    return example.text;
  }

  function mountGallery() {
    const examples = JSON.parse($("wb-examples").textContent);
    const byName = new Map(examples.map((e) => [e.name, e]));
    for (const button of document.querySelectorAll(".wb-load")) {
      button.hidden = false;
      button.addEventListener("click", () => {
        const example = byName.get(button.dataset.example);
        setQuery(exampleText(example));
        status("Loaded “" + example.title + "”. Ctrl+Enter runs it.");
        $("wb-form").scrollIntoView({ block: "start" });
        focusEditor();
      });
    }
  }

  function init() {
    document.documentElement.classList.add("js");
    mountEditor();
    mountGallery();
    $("wb-format").closest("label").hidden = true; // downloads follow each answer instead
    $("wb-form").addEventListener("submit", (event) => { event.preventDefault(); run(); });
    $("wb-query").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
