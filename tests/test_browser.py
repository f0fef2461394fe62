"""A researcher's journey through the site in real headless Chromium, with no outside request.

Debian's ``chromium`` (``/usr/bin/chromium``; ``apt-get install chromium``) driven by
Playwright's Python package (``PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 pip install playwright``:
no browser download). A real ``ninek-graph serve`` on a free 127.0.0.1 port serves the
session's freshly built ``dist_dir``.

Every test fails on any console error, any uncaught page error, and any request to a host
other than 127.0.0.1; such requests are also blocked by a route, so a page that tries one
cannot slip through because the network happens to be absent. Screenshots of every step, at
1280x900 and 375x800, go to ``tests/artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.live_server import LiveServer, free_port, start_server

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]
SHOTS = Path(__file__).resolve().parent / "artifacts" / "screenshots"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 375, "height": 800}
TIMEOUT_MS = 20_000
#: The browser test server's query time limit: short, so the 503 answer is quick to reach.
QUERY_TIMEOUT_S = 2
#: A cross product of the whole graph with itself, three times: never finishes in time.
#: gunicorn's keep-alive timeout as ninek_graph.server configures it.
KEEPALIVE_S = 5
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One gunicorn worker with one query process (small and predictable), warmed up by a
    first query; the timeout test, which kills a query process, runs last."""
    port = free_port()
    argv = [str(Path(sys.executable).parent / "ninek-graph"), "serve", "--host", "127.0.0.1",
            "--port", str(port)]
    env = {"NINEK_DIST": str(dist_dir), "NINEK_QUERY_TIMEOUT": str(QUERY_TIMEOUT_S),
           "NINEK_SERVER_WORKERS": "1", "NINEK_QUERY_WORKERS": "1", "PYTHONUNBUFFERED": "1"}
    live = start_server("browser", argv, env, tmp_path_factory.mktemp("browser"), port=port)
    warm = requests.get(live.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                        headers={"Accept": "application/sparql-results+json",
                                 "Connection": "close"}, timeout=30)
    assert warm.status_code == 200, warm.text
    yield live
    live.stop()


class Watch:
    """Console errors, page errors and requests to other hosts, each with the step it was
    seen in."""

    def __init__(self) -> None:
        self.step = "start"
        self.errors: list[str] = []
        self.outside: list[str] = []

    def on_console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.errors.append(f"[{self.step}] console error: {message.text} ({where})")

    def on_page_error(self, error) -> None:
        self.errors.append(f"[{self.step}] page error: {error}")

    def on_request(self, request) -> None:
        if not is_local(request.url):
            self.outside.append(f"[{self.step}] {request.method} {request.url}")

    def assert_clean(self) -> None:
        assert self.outside == [], "requests to other hosts:\n" + "\n".join(self.outside)
        assert self.errors == [], "\n".join(self.errors)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname == "127.0.0.1"


@pytest.fixture(scope="module")
def chromium_context(tmp_path_factory: pytest.TempPathFactory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"these tests need Debian's Chromium at {CHROMIUM}: "
                    "apt-get install -y chromium", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("these tests need Playwright's Python package: "
                    "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 pip install playwright", pytrace=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh user-data-dir
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport=WIDE,
            accept_downloads=True, downloads_path=str(tmp_path_factory.mktemp("downloads")),
        )
        yield context
        context.close()


@pytest.fixture()
def watch(chromium_context) -> Iterator[Watch]:
    """A clean watcher per test: the route blocks, the listeners record."""
    w = Watch()

    def guard(route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            w.on_request(route.request)
            route.abort("blockedbyclient")

    chromium_context.route("**/*", guard)
    chromium_context.on("console", w.on_console)
    chromium_context.on("request", w.on_request)
    yield w
    chromium_context.unroute("**/*", guard)
    chromium_context.remove_listener("console", w.on_console)
    chromium_context.remove_listener("request", w.on_request)


@pytest.fixture()
def page(chromium_context, watch):
    page = chromium_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("pageerror", watch.on_page_error)
    yield page
    page.close()


def shot(page, name: str) -> list[Path]:
    """Screenshots of the whole page at 1280x900 and at 375x800; back to 1280x900."""
    paths = []
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # let the layout settle after the resize
        path = SHOTS / f"{name}-{size['width']}x{size['height']}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(WIDE)
    return paths


def goto(page, url: str):
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    return response


def follow(page, selector: str, what: str) -> str:
    """Click the first link matching ``selector`` in the main content; return its path.
    Entity links may be relative or absolute on this server (canonical IRIs mapped to the
    host the server runs on); either way they must stay on 127.0.0.1."""
    links = page.locator(f"main {selector}")
    assert links.count() > 0, f"{page.url} has no {what} link ({selector})"
    href = links.first.get_attribute("href")
    target = urlsplit(href)
    assert not target.netloc or target.hostname == "127.0.0.1", f"{what} link {href} leaves"
    with page.expect_navigation():
        links.first.click()
    # an entity IRI may answer with a 303 to its HTML document (/project/x -> /project/x.html)
    assert urlsplit(page.url).path.startswith(target.path), (page.url, href)
    return target.path


def editor_text(page) -> str:
    return page.locator(".cm-content").inner_text()


def set_editor(page, text: str) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def expected_failures(watch: Watch, *statuses: int) -> None:
    """Chromium logs a fetch answered 4xx/5xx as a console error; drop those the test asked
    for (queries sent to /sparql to see the message the page shows)."""
    codes = "|".join(str(s) for s in statuses)
    watch.errors = [e for e in watch.errors
                    if not re.search(rf"status of ({codes}) .*\(http://127\.0\.0\.1:\d+/sparql\)",
                                     e)]


def run_and_wait(page) -> str:
    """Ctrl+Enter in the editor; wait until the status says how it ended."""
    page.locator(".cm-content").focus()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        "() => /rows in|triples in|answered in|Failed/.test("
        "document.getElementById('wb-status').textContent)")
    return page.locator("#wb-status").inner_text()


def assert_charts_render(page) -> None:
    page.wait_for_function(
        "() => document.querySelectorAll('section.chart[data-rendered]').length === 4")
    for section in page.locator("section.chart").all():
        name = section.get_attribute("id")
        assert section.get_attribute("data-rendered") == "true", (
            name, section.locator(".chart-status").inner_text())
        svg = section.locator(".chart-scroll svg")
        assert svg.count() == 1, name
        marks = svg.locator("rect, path, circle").count()
        assert marks >= 10, f"{name}: only {marks} marks"
        assert len(svg.get_attribute("aria-label") or "") > 40, name
        assert svg.get_attribute("role") == "img"
        assert section.locator(".chart-table table tbody tr").count() >= 5, name
        assert section.locator(f"a[href='/queries/{section.get_attribute('data-query')}']").count()


# --- the journey ------------------------------------------------------------------------


def test_journey(server, page, watch, chromium_context):
    base = server.url

    watch.step = "home"
    goto(page, base + "/")
    assert page.locator("h1").count() >= 1
    shot(page, "01-home")

    watch.step = "search"
    with page.expect_navigation():
        page.locator("header nav a[href='/search']").click()
    box = page.locator("main input[name='q']")
    assert box.count() == 1, "the search page has no input named q"
    box.fill("bredbånd")
    with page.expect_navigation():
        box.press("Enter")
    assert "q=" in page.url
    shot(page, "02-search-results")
    wanted = page.locator("main a[href$='/project/offentlig-eid-bredband']")
    selector = ("a[href$='/project/offentlig-eid-bredband']" if wanted.count()
                else "a[href*='/project/']")

    watch.step = "project"
    project = follow(page, selector, "project")
    assert page.locator("h1").count() == 1
    shot(page, "03-project")

    watch.step = "municipality"
    follow(page, "a[href*='/municipality/']", "municipality")
    shot(page, "04-municipality")

    watch.step = "organisation"
    goto(page, base + project)  # back to the project: it links its organisations too
    follow(page, "a[href*='/organisation/']", "organisation")
    shot(page, "05-organisation")

    watch.step = "queries"
    with page.expect_navigation():
        page.locator("header nav a[href='/queries']").click()
    shot(page, "06-queries")

    watch.step = "canned query with a parameter"
    follow(page, "a[href$='/queries/municipality-projects']", "canned query")
    page.locator("#param-municipality").fill("Re")
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    assert "municipality=Re" in page.url
    assert page.locator("main table tbody tr").count() > 0
    shot(page, "07-canned-query-answer")

    watch.step = "workbench"
    with page.expect_navigation():
        page.locator("header nav a[href='/workbench']").click()
    page.wait_for_selector(".cm-editor")
    assert page.locator(".cm-content .cm-line span[class]").count() > 10, \
        "no syntax highlighting"
    assert "PREFIX nk: <https://w3id.org/ninek/def#>" in editor_text(page)
    shot(page, "08-workbench")
    page.locator("button[data-example='projects']").click()
    assert "SELECT ?project ?title ?category" in editor_text(page)
    assert "Ctrl+Enter" in page.locator("#wb-status").inner_text()
    status = run_and_wait(page)
    assert "rows in" in status, status
    table = page.locator("#wb-results table")
    assert table.locator("tbody tr").count() >= 40
    assert table.locator("thead th").first.inner_text() == "project"
    first_link = table.locator("tbody a").first.get_attribute("href")
    assert first_link.startswith("/project/"), first_link
    shot(page, "09-workbench-answer")

    watch.step = "workbench downloads"
    links = page.locator("#wb-downloads a[data-format]")
    assert sorted(links.evaluate_all("as => as.map(a => a.dataset.format)")) == [
        "csv", "json", "tsv", "xml"]
    with page.expect_download() as download_info:
        page.locator("#wb-downloads a[data-format='csv']").click()
    download = download_info.value
    assert download.suggested_filename == "answer.csv"
    csv = Path(download.path()).read_text(encoding="utf-8")
    assert csv.splitlines()[0].startswith("project,title,category")
    assert len(csv.splitlines()) >= 41
    media = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
             "tsv": "text/tab-separated-values"}
    for fmt, media_type in media.items():
        href = page.locator(f"#wb-downloads a[data-format='{fmt}']").get_attribute("href")
        response = chromium_context.request.get(base + href)
        assert response.status == 200 and response.headers["content-type"].startswith(media_type)

    watch.step = "charts"
    with page.expect_navigation():
        page.locator("header nav a[href='/charts']").click()
    assert_charts_render(page)
    shot(page, "10-charts")
    for section in ("timeline", "matrix", "funding", "network"):
        page.locator(f"#{section}").scroll_into_view_if_needed()
        page.locator(f"#{section}").screenshot(path=str(SHOTS / f"11-chart-{section}-1280.png"))
    page.set_viewport_size(NARROW)
    page.locator("#funding details summary").click()
    page.locator("#funding").screenshot(path=str(SHOTS / "12-chart-funding-table-375.png"))
    page.set_viewport_size(WIDE)

    watch.assert_clean()


# --- the workbench in detail ------------------------------------------------------------


def test_every_example_runs_in_the_workbench(server, page, watch):
    goto(page, server.url + "/workbench")
    page.wait_for_selector(".cm-editor")
    names = page.locator("button.wb-load").evaluate_all("bs => bs.map(b => b.dataset.example)")
    assert len(names) >= 15
    for name in names:
        watch.step = f"example {name}"
        page.locator(f"button[data-example='{name}']").click()
        status = run_and_wait(page)
        assert "rows in" in status, (name, status, page.locator("#wb-error").inner_text())
        assert page.locator("#wb-error").is_hidden(), name
        rows = page.locator("#wb-results tbody tr").count()
        assert rows > 0, f"{name} answered no rows in the workbench"
    watch.assert_clean()


def test_workbench_shows_the_servers_errors(server, page, watch):
    goto(page, server.url + "/workbench")
    page.wait_for_selector(".cm-editor")

    watch.step = "400 syntax error"
    set_editor(page, "SELECT ?s\nWHERE { ?s ?p }")
    assert "Failed" in run_and_wait(page)
    error = page.locator("#wb-error")
    assert error.is_visible()
    assert "(400)" in error.inner_text() and re.search(r"line \d+", error.inner_text())
    page.locator(".wb-goto").click()  # puts the cursor at the position the server named
    shot(page, "13-workbench-syntax-error")

    watch.step = "403 update"
    set_editor(page, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert "Failed" in run_and_wait(page)
    text = error.inner_text()
    assert "403" in text or "read-only" in text, text

    watch.step = "CONSTRUCT"
    set_editor(page, "CONSTRUCT WHERE { <https://w3id.org/ninek/project/geodata> ?p ?o }")
    assert "triples in" in run_and_wait(page)
    assert error.is_hidden()
    assert page.locator("#wb-results tbody tr").count() > 5
    formats = page.locator("#wb-downloads a[data-format]").evaluate_all(
        "as => as.map(a => a.dataset.format)")
    assert sorted(formats) == ["jsonld", "nt", "rdfxml", "ttl"]

    watch.step = "ASK"
    set_editor(page, "ASK { ?s ?p ?o }")
    assert "answered in" in run_and_wait(page)
    assert page.locator("#wb-results strong").inner_text() == "true"
    assert sorted(page.locator("#wb-downloads a[data-format]").evaluate_all(
        "as => as.map(a => a.dataset.format)")) == ["json", "xml"]

    expected_failures(watch, 400, 403)
    watch.assert_clean()


def test_workbench_shows_data_as_text(server, page, watch):
    """Markup and script IRIs in an answer are shown as text, never parsed or linked."""
    goto(page, server.url + "/workbench")
    page.wait_for_selector(".cm-editor")
    markup = "<img src=x onerror=\"document.title='pwned'\"><b>bold</b>"
    set_editor(page, 'SELECT ?text ?iri WHERE { BIND("' + markup.replace('"', '\\"')
               + '" AS ?text) BIND(<javascript:alert(1)> AS ?iri) }')
    assert "rows in" in run_and_wait(page)
    cells = page.locator("#wb-results tbody td")
    assert cells.nth(0).inner_text() == markup
    assert page.locator("#wb-results img, #wb-results b").count() == 0
    assert cells.nth(1).locator("a").count() == 0
    assert cells.nth(1).inner_text() == "javascript:alert(1)"
    assert page.title() != "pwned"
    watch.assert_clean()


def test_workbench_without_javascript_posts_the_form(server, chromium_context, watch):
    """The same page with JavaScript off: a plain form whose answer is the server's table."""
    page = chromium_context.new_page()
    try:
        cdp = chromium_context.new_cdp_session(page)
        cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
        goto(page, server.url + "/workbench")
        assert page.locator("#wb-query").is_visible()
        assert page.locator(".cm-editor").count() == 0
        page.locator("#wb-query").fill(
            "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
            "SELECT ?title WHERE { ?p dcterms:title ?title } ORDER BY ?title LIMIT 5")
        with page.expect_navigation():
            page.locator("#wb-run").click()
        assert urlsplit(page.url).path == "/sparql"
        assert page.locator("main table tbody tr").count() == 5
        shot(page, "15-workbench-without-javascript-answer")
    finally:
        page.close()
    watch.assert_clean()


def test_charts_fit_a_narrow_screen(server, page, watch):
    """At 375 px each chart scrolls inside its own box; the box stays within the screen."""
    page.set_viewport_size(NARROW)
    goto(page, server.url + "/charts")
    assert_charts_render(page)
    for box in page.locator(".chart-scroll").all():
        right = box.evaluate("b => b.getBoundingClientRect().right")
        assert right <= NARROW["width"] + 1
        assert box.evaluate("b => b.scrollWidth > b.clientWidth")
        assert box.get_attribute("tabindex") == "0"  # keyboard users can scroll it
    box = page.locator("#timeline .chart-scroll")
    box.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # the keyboard scroll may be animated: wait for it to move
    page.wait_for_function("() => document.querySelector('#timeline .chart-scroll').scrollLeft > 0",
                           timeout=5000)
    page.locator("#matrix").screenshot(path=str(SHOTS / "16-chart-matrix-375.png"))
    page.set_viewport_size(WIDE)
    watch.assert_clean()


def test_keep_alive_connection_survives_the_first_query(dist_dir, tmp_path_factory):
    """Regression test of a bug the browser tests ran into (ninek_graph/workers.py): a forked
    query process that inherited gunicorn's client sockets kept a keep-alive connection
    open towards the client after gunicorn closed it, so the client's next request on it
    (after the 5 s keep-alive timeout) was never answered and browsers hung while loading.
    The child now closes every inherited descriptor but its own pipes."""
    port = free_port()
    argv = [str(Path(sys.executable).parent / "ninek-graph"), "serve", "--host", "127.0.0.1",
            "--port", str(port)]
    env = {"NINEK_DIST": str(dist_dir), "NINEK_SERVER_WORKERS": "1",
           "NINEK_QUERY_WORKERS": "1", "PYTHONUNBUFFERED": "1"}
    live = start_server("keepalive", argv, env, tmp_path_factory.mktemp("keepalive"),
                        port=port)
    try:
        with requests.Session() as session:  # one keep-alive connection
            assert session.get(live.url + "/health", timeout=10).status_code == 200
            answer = session.get(live.url + "/queries/projects?format=json", timeout=30)
            assert answer.status_code == 200  # the first query: the pool forks now
            time.sleep(KEEPALIVE_S + 1.5)  # gunicorn closes its end of the idle connection
            again = session.get(live.url + "/health", timeout=8)
            assert again.status_code == 200
    finally:
        live.stop()


def test_workbench_shows_a_timeout(server, page, watch):
    """Last, because a query killed at its deadline makes the pool fork a new process (see
    the server fixture)."""
    goto(page, server.url + "/workbench")
    page.wait_for_selector(".cm-editor")
    watch.step = "503 timeout"
    set_editor(page, ENDLESS)
    assert "Failed" in run_and_wait(page)
    error = page.locator("#wb-error")
    assert "(503)" in error.inner_text(), error.inner_text()
    assert "time" in error.inner_text().lower()
    shot(page, "14-workbench-timeout")
    expected_failures(watch, 503)
    watch.assert_clean()
