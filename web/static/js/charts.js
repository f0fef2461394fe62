// Charts of /charts, drawn as SVG from canned queries' SPARQL JSON (/queries/NAME?format=json).
// Hand-written, no library: each layout is deterministic (same data, same picture). Data only
// reaches the DOM through textContent. Each chart gets a <title>/<desc> and an aria-label that
// describes it, and a table with the same data inside <details>.
"use strict";

(function () {
  const R = window.NinekResults;
  const el = R.el;
  const SVG = "http://www.w3.org/2000/svg";
  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#F0E442", "#000000", "#999999"];
  const FIRST_YEAR = 1998;
  const LAST_YEAR = 2005;

  function s(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, String(value));
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function tooltip(text) { return s("title", { text }); }

  /** 1234567.5 -> "1 234 568 kr" (Norwegian grouping, no-break spaces). */
  function formatNOK(amount) {
    const whole = Math.round(Number(amount));
    const digits = String(Math.abs(whole)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
    return (whole < 0 ? "−" : "") + digits + "\u00a0kr";
  }

  function shorten(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  function value(row, name) { return row[name] ? row[name].value : undefined; }

  function svgRoot(width, height, titleText, description) {
    const id = "svg-" + Math.random().toString(36).slice(2);
    const root = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-labelledby": id + "-t " + id + "-d", preserveAspectRatio: "xMinYMin meet" });
    // fills the column on a wide screen, never shrinks below 3/4 size: then the box scrolls
    root.style.width = "100%";
    root.style.height = "auto";
    root.style.maxWidth = width + "px";
    root.style.minWidth = Math.round(width * 0.75) + "px";
    root.append(s("title", { id: id + "-t", text: titleText }),
      s("desc", { id: id + "-d", text: description }));
    root.setAttribute("aria-label", titleText + ". " + description);
    return root;
  }

  function link(iri, ...children) {
    const href = R.localHref(iri);
    if (!href) return s("g", {}, ...children);
    return s("a", { href, tabindex: "-1" }, ...children);
  }

  function label(x, y, text, attrs) {
    return s("text", { x, y, "dominant-baseline": "middle", "paint-order": "stroke",
      stroke: "#fff", "stroke-width": 3, "stroke-linejoin": "round", text, ...attrs });
  }

  function legend(section, entries) {
    const list = el("ul", { class: "legend", "aria-label": "Legend" });
    for (const [text, colour, extra] of entries) {
      const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.background = colour;
      if (extra) swatch.style.cssText += extra;
      list.append(el("li", {}, swatch, text));
    }
    section.querySelector(".chart-legend").replaceChildren(list);
  }

  function dataTable(section, headers, rows, caption, numeric = []) {
    // rows: arrays of cells, each a string or a DOM node; numeric: column indexes of numbers
    const cls = (i) => (numeric.includes(i) ? "num" : null);
    const table = el("table", {}, el("caption", { text: caption }),
      el("thead", {}, el("tr", {}, ...headers.map((h, i) =>
        el("th", { scope: "col", class: cls(i), text: h })))),
      el("tbody", {}, ...rows.map((cells) => el("tr", {},
        ...cells.map((c, i) => el(i === 0 ? "th" : "td",
          i === 0 ? { scope: "row" } : { class: cls(i) },
          typeof c === "string" ? document.createTextNode(c) : c))))));
    section.querySelector(".chart-table").replaceChildren(el("div", { class: "table-wrap" }, table));
  }

  function entityLink(iri, text) {
    const href = R.localHref(iri);
    return href ? el("a", { href, text }) : el("span", { text });
  }

  // 1. Project timeline -----------------------------------------------------------------
  function timeline(section, data) {
    const rows = data.results.bindings.map((b) => ({
      iri: value(b, "project"), title: value(b, "title"), category: value(b, "category"),
      start: value(b, "startYear") ? parseInt(value(b, "startYear"), 10) : null,
      end: value(b, "endYear") ? parseInt(value(b, "endYear"), 10) : null,
      status: value(b, "status") || "", result: value(b, "result") || "",
    }));
    const drawn = rows.filter((r) => r.start !== null);
    const categories = [...new Set(rows.map((r) => r.category))].sort();
    const colour = (c) => PALETTE[categories.indexOf(c) % PALETTE.length];
    const labelW = 310, colW = 78, rowH = 20, top = 34, right = 24;
    const years = LAST_YEAR - FIRST_YEAR + 1;
    const width = labelW + years * colW + right;
    const height = top + drawn.length * rowH + 16;
    const x = (year) => labelW + (Math.min(Math.max(year, FIRST_YEAR), LAST_YEAR + 1) - FIRST_YEAR) * colW;
    const open = drawn.filter((r) => r.end === null).length;
    const svg = svgRoot(width, height, "Project timeline 1998-2005",
      `${drawn.length} projects as bars from start year to end year, ${categories.length} ` +
      `categories by colour; ${open} projects have no end year in the source and are drawn ` +
      "to 2005 ending in an arrow.");
    const grid = s("g", { class: "grid" });
    for (let i = 0; i <= years; i++) {
      const year = FIRST_YEAR + i;
      grid.append(s("line", { x1: x(year), x2: x(year), y1: top - 6, y2: height - 10 }));
      if (i < years) {
        grid.append(s("text", { x: x(year) + colW / 2, y: 14, "text-anchor": "middle",
          "font-weight": "600", text: String(year) }));
      }
    }
    svg.append(grid);
    drawn.forEach((r, i) => {
      const y = top + i * rowH;
      const endX = r.end === null ? x(LAST_YEAR + 1) - 8 : x(r.end + 1);
      const period = r.end === null ? `${r.start}–(no end year)` : `${r.start}–${r.end}`;
      const bar = s("rect", { x: x(r.start) + 2, y: y + 3, width: Math.max(endX - x(r.start) - 4, 4),
        height: rowH - 6, rx: 3, fill: colour(r.category) });
      const g = link(r.iri, tooltip(`${r.title}: ${period}, ${r.category}` +
        (r.status ? `, ${r.status}` : "")), bar);
      if (r.end === null) {
        const ax = endX - 2;
        g.append(s("path", { d: `M${ax},${y + 1} L${ax + 10},${y + rowH / 2} L${ax},${y + rowH - 1} Z`,
          fill: colour(r.category), class: "open-end" }));
      }
      svg.append(label(labelW - 8, y + rowH / 2, shorten(r.title, 44), { "text-anchor": "end" }), g);
    });
    section.querySelector(".chart-scroll").replaceChildren(svg);
    legend(section, [...categories.map((c) => [c, colour(c)]),
      ["▶ no end year in the source: drawn to 2005", "#ffffff", "border-color:#fff"]]);
    dataTable(section, ["Project", "Category", "Start", "End", "Status"],
      rows.map((r) => [entityLink(r.iri, r.title), r.category, r.start === null ? "–" : String(r.start),
        r.end === null ? "no end year (open)" : String(r.end), r.status || "–"]),
      "Projects with their period");
    return `${drawn.length} projects drawn.`;
  }

  // 2. Participation matrix --------------------------------------------------------------
  function matrix(section, data) {
    const pairs = data.results.bindings.map((b) => ({
      m: value(b, "municipality"), mLabel: value(b, "municipalityLabel"),
      p: value(b, "project"), title: value(b, "title"),
    }));
    const municipalities = [...new Map(pairs.map((r) => [r.m, r.mLabel])).entries()]
      .sort((a, b) => a[1].localeCompare(b[1], "nb"));
    const projects = [...new Map(pairs.map((r) => [r.p, r.title])).entries()]
      .sort((a, b) => a[1].localeCompare(b[1], "nb"));
    const has = new Set(pairs.map((r) => r.m + " " + r.p));
    const labelW = 320, cell = 24, top = 96, right = 20;
    const width = labelW + municipalities.length * cell + right;
    const height = top + projects.length * cell + 10;
    const svg = svgRoot(width, height, "Municipality by project participation matrix",
      `${projects.length} projects (rows) by ${municipalities.length} municipalities ` +
      `(columns); ${pairs.length} filled squares, one for each municipality that took part in ` +
      "a project as participant or host.");
    municipalities.forEach(([iri, name], j) => {
      const cx = labelW + j * cell + cell / 2;
      svg.append(link(iri, s("text", { x: 0, y: 0, transform: `translate(${cx + 4},${top - 8}) rotate(-55)`,
        text: name })));
      svg.append(s("line", { x1: cx, x2: cx, y1: top, y2: height - 10, stroke: "#eef0f3" }));
    });
    projects.forEach(([iri, title], i) => {
      const y = top + i * cell;
      if (i % 2 === 0) {
        svg.append(s("rect", { x: 0, y, width, height: cell, fill: "#f6f8fa" }));
      }
      svg.append(link(iri, label(labelW - 8, y + cell / 2, shorten(title, 46), { "text-anchor": "end" })));
      municipalities.forEach(([miri, name], j) => {
        if (has.has(miri + " " + iri)) {
          svg.append(s("rect", { x: labelW + j * cell + 4, y: y + 4, width: cell - 8, height: cell - 8,
            rx: 2, fill: PALETTE[0] }, tooltip(`${name} took part in ${title}`)));
        }
      });
    });
    section.querySelector(".chart-scroll").replaceChildren(svg);
    legend(section, [["took part (participant, participant at the start, or host)", PALETTE[0]]]);
    const counts = municipalities.map(([miri]) =>
      projects.filter(([piri]) => has.has(miri + " " + piri)).length);
    const rows = projects.map(([iri, title]) => [entityLink(iri, title),
      ...municipalities.map(([miri]) => (has.has(miri + " " + iri) ? "✓" : ""))]);
    rows.push(["Projects per municipality", ...counts.map(String)]);
    dataTable(section, ["Project", ...municipalities.map((m) => m[1])], rows,
      "Participation: ✓ where the municipality took part");
    return `${projects.length} × ${municipalities.length} matrix drawn.`;
  }

  // 3. Funding flow ----------------------------------------------------------------------
  function funding(section, data) {
    const NOT_NAMED = "(not named in the source)";
    const grants = data.results.bindings.map((b) => ({
      iri: value(b, "grant"), funder: value(b, "funder"), funderLabel: value(b, "funderLabel"),
      project: value(b, "project"), title: value(b, "title"),
      recipient: value(b, "recipient") || NOT_NAMED,
      amount: Number(value(b, "amountNOK")), approximate: value(b, "approximate") === "true",
    }));
    const total = grants.reduce((sum, g) => sum + g.amount, 0);
    const columns = [new Map(), new Map(), new Map()];
    const add = (col, key, labelText, iri, amount) => {
      const node = columns[col].get(key) || { key, label: labelText, iri, value: 0, col, in: 0, out: 0 };
      node.value += amount;
      columns[col].set(key, node);
      return node;
    };
    const links = [];
    for (const g of grants) {
      const f = add(0, g.funder, g.funderLabel, g.funder, g.amount);
      const p = add(1, g.project, g.title, g.project, g.amount);
      const r = add(2, g.recipient, g.recipient, null, g.amount);
      links.push({ source: f, target: p, amount: g.amount, grant: g });
      links.push({ source: p, target: r, amount: g.amount, grant: g });
    }
    const width = 1190, top = 30, bottom = 16, pad = 10, nodeW = 12;
    const xs = [290, 590, 890];
    const counts = columns.map((c) => c.size);
    const height = Math.max(420, Math.max(...counts) * 28 + top + bottom);
    const k = Math.min(...columns.map((c) => (height - top - bottom - pad * (c.size - 1)) / total));
    const byValue = (a, b) => b.value - a.value || a.label.localeCompare(b.label, "nb");
    const funderRank = new Map([...columns[0].values()].sort(byValue).map((n, i) => [n.key, i]));
    const projectRank = (n) => Math.min(...grants.filter((g) => g.project === n.key)
      .map((g) => funderRank.get(g.funder)));
    for (const [col, nodes] of columns.entries()) {
      // projects follow their funders' order, so that few bands cross
      const sorted = [...nodes.values()].sort(col === 1
        ? (a, b) => projectRank(a) - projectRank(b) || byValue(a, b) : byValue);
      let y = top;
      for (const n of sorted) {
        n.x = xs[col]; n.y = y; n.h = Math.max(n.value * k, 2); y += n.h + pad;
      }
      const used = y - pad - top;
      const shift = (height - top - bottom - used) / 2; // centre each column
      for (const n of sorted) n.y += shift;
    }
    // stack bands at each node in the order of the other end, so that they do not cross there
    const bySource = [...links].sort((a, b) => a.target.y - b.target.y);
    const byTarget = [...links].sort((a, b) => a.source.y - b.source.y);
    for (const l of bySource) { l.sy = l.source.y + l.source.out; l.source.out += l.amount * k; }
    for (const l of byTarget) { l.ty = l.target.y + l.target.in; l.target.in += l.amount * k; }
    const funders = columns[0].size, projects = columns[1].size;
    const svg = svgRoot(width, height, "Funding flows from funder to project to recipient",
      `${grants.length} grants totalling ${formatNOK(total)} from ${funders} funders to ` +
      `${projects} projects; bands are as wide as the amount in NOK. The largest funder is ` +
      [...columns[0].values()].sort((a, b) => b.value - a.value)[0].label + ".");
    ["Funder", "Project", "Recipient"].forEach((head, i) => {
      svg.append(s("text", { x: xs[i] + nodeW / 2, y: 12, "text-anchor": "middle", "font-weight": "600",
        text: head }));
    });
    const bands = s("g", { "fill-opacity": "0.35" });
    for (const l of links) {
      const h = Math.max(l.amount * k, 1);
      const x0 = l.source.x + nodeW, x1 = l.target.x, xm = (x0 + x1) / 2;
      const d = `M${x0},${l.sy} C${xm},${l.sy} ${xm},${l.ty} ${x1},${l.ty} ` +
        `L${x1},${l.ty + h} C${xm},${l.ty + h} ${xm},${l.sy + h} ${x0},${l.sy + h} Z`;
      const colour = l.target.col === 2 && l.target.key === NOT_NAMED ? "#999999" : PALETTE[0];
      bands.append(s("path", { d, fill: colour, class: "band" },
        tooltip(`${l.source.label} → ${l.target.label}: ${l.grant.approximate ? "ca. " : ""}` +
          formatNOK(l.amount))));
    }
    svg.append(bands);
    for (const nodes of columns) {
      for (const n of nodes.values()) {
        const approx = grants.some((g) => g.approximate &&
          [g.funder, g.project, g.recipient][n.col] === n.key);
        const text = `${shorten(n.label, n.col === 1 ? 34 : 30)} — ${approx ? "ca. " : ""}${formatNOK(n.value)}`;
        const fill = n.key === NOT_NAMED ? "#999999" : ["#0b5394", "#E69F00", "#009E73"][n.col];
        const rect = s("rect", { x: n.x, y: n.y, width: nodeW, height: n.h, fill },
          tooltip(`${n.label}: ${formatNOK(n.value)}`));
        const anchor = n.col === 0 ? "end" : "start";
        const tx = n.col === 0 ? n.x - 6 : n.x + nodeW + 6;
        svg.append(n.iri ? link(n.iri, rect) : rect,
          label(tx, n.y + n.h / 2, text, { "text-anchor": anchor, "font-size": 11 }));
      }
    }
    section.querySelector(".chart-scroll").replaceChildren(svg);
    legend(section, [["funder", "#0b5394"], ["project", "#E69F00"], ["recipient", "#009E73"],
      ["recipient not named in the source", "#999999"]]);
    dataTable(section, ["Funder", "Project", "Recipient", "Amount"],
      grants.map((g) => [entityLink(g.funder, g.funderLabel), entityLink(g.project, g.title),
        g.recipient, (g.approximate ? "ca. " : "") + formatNOK(g.amount)])
        .concat([["Total", "", "", formatNOK(total)]]),
      "Grants: funder, project, recipient and amount in NOK", [3]);
    return `${grants.length} grants, ${formatNOK(total)} in all.`;
  }

  // 4. Project-organisation network ------------------------------------------------------
  const ROLE_ORDER = ["Finansiør", "Prosjektleder", "Prosjekteier", "Deltaker", "Samarbeidspartner"];

  function network(section, data) {
    const edges = new Map();
    const orgs = new Map(), projects = new Map();
    for (const b of data.results.bindings) {
      const o = value(b, "organisation"), p = value(b, "project");
      orgs.set(o, { iri: o, label: value(b, "organisationLabel"), links: new Set() });
      projects.set(p, { iri: p, label: value(b, "title"), links: new Set() });
      const key = o + " " + p;
      const edge = edges.get(key) || { o, p, roles: [] };
      edge.roles.push(value(b, "role"));
      edges.set(key, edge);
    }
    for (const e of edges.values()) { orgs.get(e.o).links.add(e.p); projects.get(e.p).links.add(e.o); }
    const primary = (roles) => ROLE_ORDER.find((r) => roles.includes(r)) || "other role";
    const groups = [...ROLE_ORDER, "other role"];
    const colour = (role) => PALETTE[groups.indexOf(role) % PALETTE.length];
    // Deterministic layered layout: two columns ordered by the barycentre heuristic.
    let left = [...orgs.values()].sort((a, b) => b.links.size - a.links.size || a.label.localeCompare(b.label, "nb"));
    let right = [...projects.values()].sort((a, b) => a.label.localeCompare(b.label, "nb"));
    const position = (list) => new Map(list.map((n, i) => [n.iri, i / Math.max(list.length - 1, 1)]));
    const bary = (node, pos) => [...node.links].reduce((sum, iri) => sum + pos.get(iri), 0) / node.links.size;
    for (let pass = 0; pass < 6; pass++) {
      const lp = position(left);
      right = right.map((n) => [bary(n, lp), n]).sort((a, b) => a[0] - b[0] || a[1].label.localeCompare(b[1].label, "nb")).map((x) => x[1]);
      const rp = position(right);
      left = left.map((n) => [bary(n, rp), n]).sort((a, b) => a[0] - b[0] || a[1].label.localeCompare(b[1].label, "nb")).map((x) => x[1]);
    }
    const rowH = 20, top = 30, width = 960, xl = 300, xr = 620;
    const height = top + Math.max(left.length, right.length) * rowH + 10;
    const place = (list) => {
      const step = (height - top - 10) / list.length;
      list.forEach((n, i) => { n.y = top + step * (i + 0.5); });
    };
    place(left); place(right);
    const svg = svgRoot(width, height, "Network of projects and organisations",
      `${left.length} organisations other than municipalities (left) joined by ${edges.size} ` +
      `lines to ${right.length} projects (right); the line's colour is the organisation's role. ` +
      `Most connected: ${[...orgs.values()].sort((a, b) => b.links.size - a.links.size)[0].label}.`);
    svg.append(s("text", { x: xl, y: 12, "text-anchor": "end", "font-weight": "600", text: "Organisation" }),
      s("text", { x: xr, y: 12, "font-weight": "600", text: "Project" }));
    const lines = s("g", { fill: "none", "stroke-width": 1.6, "stroke-opacity": 0.8 });
    for (const e of edges.values()) {
      const a = orgs.get(e.o), b = projects.get(e.p), xm = (xl + xr) / 2;
      lines.append(s("path", { d: `M${xl + 5},${a.y} C${xm},${a.y} ${xm},${b.y} ${xr - 5},${b.y}`,
        stroke: colour(primary(e.roles)), class: "edge" },
        tooltip(`${a.label} — ${b.label}: ${e.roles.join(", ")}`)));
    }
    svg.append(lines);
    for (const n of left) {
      svg.append(link(n.iri, s("circle", { cx: xl, cy: n.y, r: 5, fill: "#0b5394" },
        tooltip(`${n.label}: ${n.links.size} projects`)),
        label(xl - 10, n.y, shorten(n.label, 40), { "text-anchor": "end" })));
    }
    for (const n of right) {
      svg.append(link(n.iri, s("circle", { cx: xr, cy: n.y, r: 5, fill: "#E69F00" },
        tooltip(`${n.label}: ${n.links.size} organisations`)),
        label(xr + 10, n.y, shorten(n.label, 46), { "text-anchor": "start" })));
    }
    section.querySelector(".chart-scroll").replaceChildren(svg);
    const used = groups.filter((g) => [...edges.values()].some((e) => primary(e.roles) === g));
    legend(section, used.map((g) => [g === "other role" ? "other roles" : g, colour(g)]));
    dataTable(section, ["Organisation", "Project", "Roles"],
      [...edges.values()].map((e) => [entityLink(e.o, orgs.get(e.o).label),
        entityLink(e.p, projects.get(e.p).label), e.roles.join(", ")]),
      "Organisations, projects and roles");
    return `${left.length} organisations, ${right.length} projects, ${edges.size} links.`;
  }

  const DRAW = { timeline, matrix, funding, network };

  async function drawChart(section) {
    const status = section.querySelector(".chart-status");
    status.textContent = "Loading…";
    try {
      const data = await R.fetchCanned(section.dataset.query);
      status.textContent = DRAW[section.dataset.chart](section, data);
      section.dataset.rendered = "true";
    } catch (error) {
      status.textContent = "The chart could not be drawn: " + error.message;
      section.dataset.rendered = "error";
      throw error;
    }
  }

  function init() {
    document.documentElement.classList.add("js");
    for (const section of document.querySelectorAll("section.chart")) {
      drawChart(section).catch((error) => console.error(error));
    }
  }

  window.NinekCharts = { formatNOK };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
