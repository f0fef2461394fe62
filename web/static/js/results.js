// Shared by the workbench and the charts: SPARQL answers as DOM, built with textContent only
// (never innerHTML with data), and canonical IRIs mapped to this server's entity pages.
"use strict";

(function () {
  const BASE = "https://w3id.org/ninek/";
  // Where this server is reached (it may be under a path prefix), from the page's head.
  const ROOT = (document.querySelector('meta[name="ninek-root"]') || {}).content || "/";
  const SHORT = [
    ["https://w3id.org/ninek/def#", "nk:"],
    ["http://www.w3.org/2001/XMLSchema#", "xsd:"],
    ["http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf:"],
    ["http://www.w3.org/2000/01/rdf-schema#", "rdfs:"],
    ["http://www.w3.org/2004/02/skos/core#", "skos:"],
    ["http://purl.org/dc/terms/", "dcterms:"],
    ["http://www.w3.org/ns/prov#", "prov:"],
    ["http://www.w3.org/ns/org#", "org:"],
    ["https://schema.org/", "schema:"],
  ];

  // A remainder that is a relative path of our own (ninek_graph/links.py, own_path): not
  // starting with / or \ (ROOT + "/evil.example" would be a protocol-relative link to another
  // site; browsers read \ as /), no scheme, no backslash, whitespace or control character.
  const OWN_PATH = /^(?![\/\\])(?![A-Za-z][A-Za-z0-9+.-]*:)[^\\\s\x00-\x1f\x7f]*$/;
  const HTTP = /^https?:\/\/[^\s\x00-\x1f\x7f]+$/i;

  /** The path of a canonical IRI on this server, or null (not under BASE, or not ours). */
  function ownPath(iri) {
    if (!iri.startsWith(BASE)) return null;
    const rest = iri.slice(BASE.length);
    return OWN_PATH.test(rest) ? rest : null;
  }

  /** Where an IRI is browsed: canonical IRIs on this server, other http(s) IRIs as they
   *  are (among them a canonical IRI whose remainder is not our own path), anything else
   *  (javascript:, data:, urn:...) not as a link at all (null). */
  function localHref(iri) {
    const path = ownPath(iri);
    if (path !== null) return ROOT + path;
    if (HTTP.test(iri)) return iri;
    return null;
  }

  function shortIri(iri) {
    const path = ownPath(iri);
    if (path !== null) return path;
    for (const [long, short] of SHORT) {
      if (iri.startsWith(long) && iri.length > long.length) return short + iri.slice(long.length);
    }
    return iri;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /** One RDF term of SPARQL JSON ({type, value, "xml:lang", datatype}) as a node. */
  function termNode(term) {
    if (!term) return el("span", { class: "muted", "aria-label": "unbound", text: "–" });
    if (term.type === "uri") {
      const href = localHref(term.value);
      const label = shortIri(term.value);
      if (href === null) return el("span", { text: label });
      const a = el("a", { href, text: label, title: term.value });
      if (ownPath(term.value) === null) a.rel = "external noopener noreferrer";
      return a;
    }
    if (term.type === "bnode") return el("span", { class: "muted", text: "_:" + term.value });
    if (term.type === "literal" || term.type === "typed-literal") {
      const span = el("span", { text: term.value });
      const lang = term["xml:lang"];
      if (lang) return el("span", {}, span, " ", el("span", { class: "muted", text: "@" + lang }));
      if (term.datatype && !term.datatype.endsWith("#string")) {
        return el("span", {}, span, " ",
          el("span", { class: "muted wb-datatype", text: shortIri(term.datatype) }));
      }
      return span;
    }
    return el("span", { class: "muted", text: "<< triple >>" });
  }

  /** A table of variables x rows of terms, in a scroll container. */
  function table(variables, rows, caption) {
    const thead = el("thead", {}, el("tr", {},
      ...variables.map((v) => el("th", { scope: "col", text: v }))));
    const tbody = el("tbody");
    for (const row of rows) {
      tbody.append(el("tr", {}, ...variables.map((v) => el("td", {}, termNode(row[v])))));
    }
    const t = el("table", {}, caption ? el("caption", { text: caption }) : null, thead, tbody);
    return el("div", { class: "table-wrap", tabindex: "0", role: "region",
      "aria-label": caption || "Query answer" }, t);
  }

  // N-Triples (W3C RDF 1.1 N-Triples): enough of the grammar to read what /sparql writes.
  const NT_TERM = /\s*(<[^>]*>|_:[A-Za-z0-9_.\-]+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?)/y;

  function unescapeNt(text) {
    return text.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[tbnrf"'\\])/g, (_, e) => {
      const simple = { t: "\t", b: "\b", n: "\n", r: "\r", f: "\f", '"': '"', "'": "'", "\\": "\\" };
      if (e in simple) return simple[e];
      return String.fromCodePoint(parseInt(e.slice(1), 16));
    });
  }

  function ntTerm(token) {
    if (token.startsWith("<")) return { type: "uri", value: unescapeNt(token.slice(1, -1)) };
    if (token.startsWith("_:")) return { type: "bnode", value: token.slice(2) };
    const m = /^"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?$/.exec(token);
    const term = { type: "literal", value: unescapeNt(m[1]) };
    if (m[2]) term["xml:lang"] = m[2];
    if (m[3]) term.datatype = m[3];
    return term;
  }

  /** Triples of an N-Triples document as rows {subject, predicate, object}. */
  function parseNTriples(text) {
    const rows = [];
    for (const line of text.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (!trimmed || trimmed.startsWith("#")) continue;
      const terms = [];
      NT_TERM.lastIndex = 0;
      let m;
      while (terms.length < 3 && (m = NT_TERM.exec(trimmed))) terms.push(ntTerm(m[1]));
      if (terms.length === 3) rows.push({ subject: terms[0], predicate: terms[1], object: terms[2] });
    }
    return rows;
  }

  /** A canned query's SPARQL JSON, as rows of plain values (IRIs and literals as strings). */
  async function fetchCanned(name) {
    const response = await fetch(ROOT + "queries/" + encodeURIComponent(name) + "?format=json",
      { headers: { Accept: "application/sparql-results+json" } });
    if (!response.ok) {
      throw new Error(name + ": " + response.status + " " + (await response.text()).trim());
    }
    return response.json();
  }

  window.NinekResults = { BASE, ownPath, localHref, shortIri, el, termNode, table, parseNTriples, fetchCanned };
})();
