# ruff: noqa: F811  (the fixtures of tests/test_browser.py are imported, then requested)
"""Every page type under its Content-Security-Policy in real headless Chromium (issue 10).

The policy (ninek_graph/page_headers.py) allows only the server's own scripts and styles;
a page that still had an inline script, an inline style or a stylesheet the editor injects
without its nonce would lose it silently, so each page is loaded with a listener for
``securitypolicyviolation`` events (reported to the test through an exposed function) and
the console watched as in tests/test_browser.py, and each page is checked to still work:
the workbench's editor is styled and runs a query, the charts draw, forms post.

A control proves the listener hears what it should: an inline script and an inline style
added to a page are refused, and reported.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests.test_browser import (  # noqa: F401 - fixtures, imported to be used here
    assert_charts_render,
    chromium_context,
    goto,
    page,
    run_and_wait,
    server,
    set_editor,
    watch,
)

pytestmark = pytest.mark.browser

LISTEN = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__ninekCsp(e.violatedDirective + " " + (e.blockedURI || "inline") + " at "
                    + (e.sourceFile || location.href) + ":" + e.lineNumber);
});
"""


@pytest.fixture(scope="module")
def csp_reports(chromium_context) -> list[str]:
    """Violations reported by every page of the context (the listener is added to each
    page before its own scripts run)."""
    reports: list[str] = []
    chromium_context.expose_function("__ninekCsp", lambda text: reports.append(text))
    chromium_context.add_init_script(LISTEN)
    return reports


@pytest.fixture()
def violations(csp_reports):
    csp_reports.clear()
    return csp_reports


def visit(page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and
                                                                 response.status)
    page.wait_for_load_state("load")
    policy = response.headers.get("content-security-policy", "")
    if "/reconcile/preview" not in url:
        assert "frame-ancestors 'none'" in policy, url


PAGES = [
    ("/", 200), ("/project/geodata", 200), ("/municipality/re", 200),
    ("/organisation/hve", 200), ("/search?q=geodata", 200), ("/sparql", 200),
    ("/queries", 200), ("/queries/municipality-projects?municipality=Re", 200),
    ("/def", 200), ("/quality", 200), ("/source", 200), ("/dataset", 200),
    ("/reconcile/preview?id=project/geodata", 200), ("/no/such/page", 404),
    ("/sparql?query=" + quote("SELECT WHERE {"), 400),
]


@pytest.mark.parametrize("path,status", PAGES)
def test_page_loads_without_a_policy_violation(server, page, watch, violations, path,
                                               status):
    watch.step = path
    visit(page, server.url + path, status)
    page.wait_for_timeout(100)  # a late report would arrive by now
    assert violations == [], violations
    if status != 200:  # the browser logs the status itself as a console error
        watch.errors = [e for e in watch.errors if f"status of {status}" not in e]
    watch.assert_clean()


def test_the_sparql_form_posts_and_its_answer_page_is_clean(server, page, watch, violations):
    visit(page, server.url + "/sparql")
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    assert urlsplit(page.url).path == "/sparql"
    assert page.locator("main table tbody tr").count() > 0
    assert violations == [], violations
    watch.assert_clean()


def test_the_workbench_is_styled_and_runs_a_query(server, page, watch, violations):
    visit(page, server.url + "/workbench")
    page.wait_for_selector(".cm-editor")
    # CodeMirror's own stylesheet (a <style> element admitted by the page's nonce) applied
    assert page.locator(".cm-editor").evaluate("e => getComputedStyle(e).display") == "flex"
    assert page.locator(".cm-gutters").evaluate("e => getComputedStyle(e).display") == "flex"
    status = run_and_wait(page)
    assert "rows in" in status, status
    assert page.locator("#wb-results tbody tr").count() > 0
    assert violations == [], violations
    watch.assert_clean()


def test_the_charts_draw(server, page, watch, violations):
    visit(page, server.url + "/charts")
    assert_charts_render(page)
    assert violations == [], violations
    watch.assert_clean()


def test_the_policy_refuses_inline_script_and_style(server, page, watch, violations):
    """The control: what the policy exists for is refused, and the listener hears it."""
    visit(page, server.url + "/project/geodata")
    ran = page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__inlineRan = true";
        document.head.appendChild(s);
        const st = document.createElement("style");
        st.textContent = "body { background: rgb(1, 2, 3) }";
        document.head.appendChild(st);
        return window.__inlineRan === true;
    }""")
    assert ran is False
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != (
        "rgb(1, 2, 3)")
    page.wait_for_timeout(200)
    assert any(v.startswith("script-src") for v in violations), violations
    assert any(v.startswith("style-src") for v in violations), violations
    watch.errors = [e for e in watch.errors if "Content Security Policy" not in e]
    watch.assert_clean()


#: Canonical IRIs whose remainder is no path of ours (issue 10, second review, finding 2):
#: ROOT + remainder would be a protocol-relative URL to another site.
NOT_OURS = ["https://w3id.org/ninek//evil.example/x", "https://w3id.org/ninek/\\evil.example",
            "https://w3id.org/ninek/\t/evil.example", "https://w3id.org/ninek/javascript:x"]


def test_the_workbench_links_no_canonical_iri_off_site(server, page, watch, violations):
    """results.js maps a canonical IRI to this server only when its remainder is a path of
    ours (as ninek_graph/links.py does); otherwise it links the full https IRI, external."""
    visit(page, server.url + "/workbench")
    page.wait_for_selector(".cm-editor")
    hrefs = page.evaluate("(iris) => iris.map((i) => NinekResults.localHref(i))",
                          NOT_OURS + ["https://w3id.org/ninek/project/geodata"])
    # the full IRI (on w3id.org) or, with a tab, no link at all: never under ROOT
    assert hrefs[:-1] == [NOT_OURS[0], NOT_OURS[1], None, NOT_OURS[3]]
    assert hrefs[-1] == "/project/geodata"
    set_editor(page, "SELECT ?iri WHERE { VALUES ?iri { <https://w3id.org/ninek//evil.example/x>"
                     " <https://w3id.org/ninek/project/geodata> } }")
    assert "rows in" in run_and_wait(page)
    links = page.locator("#wb-results tbody td a")
    found = {links.nth(i).get_attribute("href"): links.nth(i).get_attribute("rel")
             for i in range(links.count())}
    assert found["https://w3id.org/ninek//evil.example/x"] == "external noopener noreferrer"
    assert found["/project/geodata"] is None
    resolved = links.evaluate_all("as => as.map(a => new URL(a.href).host)")
    assert set(resolved) == {urlsplit(server.url).netloc, "w3id.org"}
    assert violations == [], violations
    watch.assert_clean()
