"""The graph page in Debian's headless chromium: it draws, searches, shows evidence and never runs article text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.viz import load_graph, write_html_graph
from tests.viz_fixtures import HOSTILE_NAME, HOSTILE_SENTENCE, tiny_store

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "_artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (CI installs Debian's chromium package)"),
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev dependency) is not installed")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run"],
            viewport={"width": 1400, "height": 850},
        )  # fmt: skip
        # The page must work offline: any request other than the file itself fails the test.
        context.route(lambda url: not url.startswith("file://"), lambda route: route.abort())
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(browser, path: Path):
    """The page once drawn, with the console errors and outside requests it produced."""
    tab = browser.new_page()
    tab.problems = []
    tab.on("console", lambda m: tab.problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    tab.on("request", lambda r: None if r.url.startswith("file://") else tab.problems.append(f"request {r.url}"))
    tab.goto(path.as_uri())
    tab.wait_for_function("window.kgReady === true", timeout=30_000)
    return tab


@pytest.fixture(scope="module")
def seed_page(browser, seed_out):
    tab = open_page(browser, seed_out / "graph.html")
    yield tab
    tab.close()


def test_seed_page_draws_every_entity_and_relation_without_errors(seed_page, seed_store):
    graph = load_graph(seed_store)
    drawn = seed_page.evaluate("[kgNodes.length, kgEdges.length, Object.keys(kgNetwork.body.nodes).length]")
    assert drawn == [graph.number_of_nodes(), graph.number_of_edges(), graph.number_of_nodes()]
    assert seed_page.problems == []
    legend = seed_page.inner_text("#class-legend")
    assert "Organisation" in legend and "Lieu" in legend


def test_seed_labels_do_not_overlap_at_the_default_zoom(seed_page):
    boxes = seed_page.evaluate(
        "kgNodes.getIds().map((id) => [kgNetwork.body.nodes[id].options.label, kgNetwork.getBoundingBox(id)])"
    )
    clashes = [
        (a, b)
        for i, (a, p) in enumerate(boxes)
        for b, q in boxes[i + 1 :]
        if p["left"] < q["right"] and q["left"] < p["right"] and p["top"] < q["bottom"] and q["top"] < p["bottom"]
    ]
    assert clashes == []
    ARTIFACTS.mkdir(exist_ok=True)
    seed_page.screenshot(path=str(ARTIFACTS / "viz_seed.png"))


def test_search_focuses_technopark_whatever_the_case_and_accents(seed_page):
    seed_page.fill("#search", "TECHNOPÂRK")
    seed_page.press("#search", "Enter")
    selected = seed_page.evaluate("kgNetwork.getSelectedNodes().map((id) => kgNetwork.body.nodes[id].options.label)")
    assert selected == ["Technopark"]
    # the view glides to the node: wait until it is centred on it
    seed_page.wait_for_function(
        """(() => {
        const id = kgNetwork.getSelectedNodes()[0], p = kgNetwork.getPosition(id), v = kgNetwork.getViewPosition();
        return Math.hypot(p.x - v.x, p.y - v.y) < 2;
    })()""",
        timeout=10_000,
    )
    assert seed_page.inner_text("#details h3") == "Technopark"
    ARTIFACTS.mkdir(exist_ok=True)
    seed_page.screenshot(path=str(ARTIFACTS / "viz_seed_search.png"))


def test_class_filter_hides_and_restores_nodes(seed_page, seed_store):
    total = seed_page.evaluate("kgNodes.length")
    places = sum(1 for _, c in load_graph(seed_store).nodes(data="cls") if c == "Place")
    seed_page.uncheck('#class-legend input[data-key="Place"]')
    assert seed_page.evaluate("kgNodes.length") == total - places
    seed_page.check('#class-legend input[data-key="Place"]')
    assert seed_page.evaluate("kgNodes.length") == total


def test_article_text_is_shown_as_text_and_never_runs(browser, tmp_path):
    page = write_html_graph(tiny_store(), tmp_path / "hostile.html")
    tab = open_page(browser, page)
    try:
        tab.fill("#search", "atlas")
        tab.press("#search", "ArrowDown")  # the hostile entity comes second
        tab.press("#search", "Enter")
        assert tab.inner_text("#details h3") == HOSTILE_NAME
        edge = tab.evaluate("kgEdges.get().find((e) => e.title.includes('window.pwned') && e.arrows === '').id")
        tab.evaluate(f"kgNetwork.emit('click', {{nodes: [], edges: [{edge}]}})")
        assert HOSTILE_SENTENCE in tab.inner_text("#details")
        tab.hover("#network")
        tab.wait_for_timeout(300)
        assert tab.evaluate("window.pwned") is None
        assert tab.evaluate("document.querySelectorAll('img, #details script').length") == 0
        assert tab.problems == []
    finally:
        tab.close()
