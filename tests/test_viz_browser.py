"""The graph page in Debian's headless chromium: it draws, searches, shows evidence and never runs article text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.store import KGStore
from kg.viz import load_graph, write_html_graph
from tests.viz_fixtures import HOSTILE_NAME, HOSTILE_SENTENCE, synthetic_quads, synthetic_store, tiny_store

DCTERMS_DATE = "http://purl.org/dc/terms/date"

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


def test_seed_page_draws_every_linked_entity_and_relation_without_errors(seed_page, seed_store):
    graph = load_graph(seed_store)
    linked = sum(1 for n in graph if any(s != o for s, o in (*graph.out_edges(n), *graph.in_edges(n))))
    assert linked <= 100  # the seed fits in the first view
    drawn = seed_page.evaluate("[kgNodes.length, kgEdges.length, Object.keys(kgNetwork.body.nodes).length]")
    assert drawn == [linked, graph.number_of_edges(), linked]
    assert seed_page.problems == []
    legend = seed_page.inner_text("#class-legend")
    assert "Organisation" in legend and "Lieu" in legend


def label_clashes(tab) -> list[tuple[str, str]]:
    """Pairs of drawn entities whose node-and-label boxes overlap."""
    boxes = tab.evaluate(
        "kgNodes.getIds().map((id) => [kgNetwork.body.nodes[id].options.label, kgNetwork.getBoundingBox(id)])"
    )
    return [
        (a, b)
        for i, (a, p) in enumerate(boxes)
        for b, q in boxes[i + 1 :]
        if p["left"] < q["right"] and q["left"] < p["right"] and p["top"] < q["bottom"] and q["top"] < p["bottom"]
    ]


def test_seed_labels_do_not_overlap_at_the_default_zoom(seed_page):
    assert label_clashes(seed_page) == []
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


def test_class_filter_hides_and_restores_nodes(seed_page):
    total = seed_page.evaluate("kgNodes.length")
    drawn_places = "kgNodes.get().filter((n) => kgData.nodes[n.id].cls === 'Place').length"
    assert seed_page.evaluate(drawn_places) > 0
    seed_page.uncheck('#class-legend input[data-key="Place"]')
    assert seed_page.evaluate(drawn_places) == 0
    # entities whose only relations were with places go too (nothing left to draw them with)
    assert seed_page.evaluate("kgNodes.length") < total
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


def click_node(tab, node_id: int, double: bool = False) -> None:
    """A real mouse click on the drawn entity."""
    xy = tab.evaluate(f"kgNetwork.canvasToDOM(kgNetwork.getPosition({node_id}))")
    box = tab.locator("#network").bounding_box()
    if double:
        tab.mouse.dblclick(box["x"] + xy["x"], box["y"] + xy["y"])
    else:
        tab.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
    tab.wait_for_timeout(150)


DRAWN_HUB = "kgNodes.getIds().sort((a, b) => kgData.nodes[b].degree - kgData.nodes[a].degree || a - b)[0]"
DIMMED = "kgNodes.get().filter((n) => n.color.background.startsWith('rgba(200')).map((n) => n.id)"


@pytest.fixture(scope="module")
def big_page(browser, tmp_path_factory):
    """A generated 600-entity, 1,500-relation graph: dated documents, confidences, several communities."""
    page = write_html_graph(synthetic_store(600, 1500), tmp_path_factory.mktemp("big") / "graph.html")
    tab = open_page(browser, page)
    yield tab
    tab.close()


def reset(tab) -> None:
    tab.reload()
    tab.wait_for_function("window.kgReady === true", timeout=30_000)


def test_first_view_shows_the_configured_number_of_entities_with_labels_apart(big_page):
    assert big_page.evaluate("kgNodes.length") == 100
    assert big_page.evaluate("kgData.nodes.length") == 600  # the whole graph is in the page, offline
    assert label_clashes(big_page) == []
    # labels (15 px at zoom 1) are drawn, above vis-network's threshold of 6 screen pixels, and stay readable
    assert big_page.evaluate("kgNetwork.getScale()") * 15 >= 6.5
    assert big_page.problems == []
    ARTIFACTS.mkdir(exist_ok=True)
    big_page.screenshot(path=str(ARTIFACTS / "viz_600_first.png"))


def test_click_dims_everything_outside_the_neighbourhood_and_lists_facts_by_relation(big_page):
    reset(big_page)
    hub = big_page.evaluate(DRAWN_HUB)
    click_node(big_page, hub)
    assert big_page.evaluate("window.kgSelected") == hub
    neighbours = set(big_page.evaluate(f"kgNetwork.getConnectedNodes({hub})")) | {hub}
    dimmed = set(big_page.evaluate(DIMMED))
    drawn = set(big_page.evaluate("kgNodes.getIds()"))
    assert dimmed == drawn - neighbours and dimmed
    # relation names only around the selection
    labelled = big_page.evaluate("kgEdges.get().filter((e) => e.label).map((e) => [e.from, e.to])")
    assert labelled and all(hub in pair for pair in labelled)
    groups = big_page.locator("#details h2").all_inner_texts()
    degree = big_page.evaluate(f"kgData.nodes[{hub}].degree")
    assert sum(int(g.rsplit("(", 1)[1].rstrip(")")) for g in groups) == degree
    ARTIFACTS.mkdir(exist_ok=True)
    big_page.screenshot(path=str(ARTIFACTS / "viz_600_click.png"))


def test_expand_adds_the_neighbours(big_page):
    reset(big_page)
    hub = big_page.evaluate(DRAWN_HUB)
    hidden_neighbours = big_page.evaluate(f"""(() => {{
        const drawn = new Set(kgNodes.getIds()), out = new Set();
        for (const e of kgData.edges) {{
            if (e.from === {hub} && !drawn.has(e.to)) out.add(e.to);
            if (e.to === {hub} && !drawn.has(e.from)) out.add(e.from);
        }}
        return [...out];
    }})()""")
    assert hidden_neighbours
    before = big_page.evaluate("kgNodes.length")
    click_node(big_page, hub, double=True)
    drawn = set(big_page.evaluate("kgNodes.getIds()"))
    assert set(hidden_neighbours) <= drawn and len(drawn) == before + len(hidden_neighbours)
    big_page.click("#show-all")
    linked = "new Set(kgData.edges.flatMap((e) => (e.from === e.to ? [] : [e.from, e.to]))).size"
    assert big_page.evaluate("kgNodes.length") == big_page.evaluate(linked) > 400
    big_page.click("#show-isolated")
    assert big_page.evaluate("kgNodes.length") == 600


def test_each_filter_changes_what_is_drawn(big_page):
    reset(big_page)
    counts = lambda: big_page.evaluate("[kgNodes.length, kgEdges.length]")  # noqa: E731
    start = counts()
    big_page.check("#hide-places")
    assert big_page.evaluate("kgNodes.get().filter((n) => kgData.nodes[n.id].cls === 'Place').length") == 0
    assert counts()[0] < start[0]
    big_page.uncheck("#hide-places")
    assert counts() == start
    big_page.uncheck('#predicate-legend input[data-key="partnerOf"]')
    assert big_page.evaluate("kgEdges.get().filter((e) => kgData.edges[e.id].p === 'partnerOf').length") == 0
    big_page.check('#predicate-legend input[data-key="partnerOf"]')
    big_page.eval_on_selector("#min-confidence", "(r) => { r.value = '0.8'; r.dispatchEvent(new Event('input')); }")
    low = big_page.evaluate("kgEdges.get().filter((e) => kgData.edges[e.id].c < 0.8).length")
    assert low == 0 and counts()[1] < start[1]
    big_page.eval_on_selector("#min-confidence", "(r) => { r.value = '0'; r.dispatchEvent(new Event('input')); }")
    assert counts() == start


def set_date(tab, selector: str, value: str) -> None:
    tab.eval_on_selector(selector, f"(d) => {{ d.value = '{value}'; d.dispatchEvent(new Event('change')); }}")


def test_date_filter_hides_undated_facts_only_when_asked(big_page):
    reset(big_page)
    assert big_page.is_visible("#date-filter")
    undated = "kgEdges.get().filter((e) => !kgData.edges[e.id].dates.length).length"
    out_of_range = """kgEdges.get().filter((e) => {
        const dates = kgData.edges[e.id].dates;
        return dates.length && !dates.some((d) => d >= '2024-03-01' && d <= '2024-04-30');
    }).length"""
    assert big_page.evaluate(undated) > 0 and big_page.evaluate(out_of_range) > 0
    set_date(big_page, "#date-from", "2024-03-01")
    set_date(big_page, "#date-to", "2024-04-30")
    assert big_page.evaluate(out_of_range) == 0
    assert big_page.evaluate(undated) > 0  # undated facts stay...
    big_page.check("#hide-undated")
    assert big_page.evaluate(undated) == 0  # ...until asked


def test_date_filter_is_hidden_without_dates(browser, tmp_path, seed_out):
    tab = open_page(browser, seed_out / "graph.html")
    try:
        has_dates = tab.evaluate("kgData.documents.some((d) => d.date)")
        assert tab.is_visible("#date-filter") == has_dates
    finally:
        tab.close()
    store = KGStore.in_memory(q for q in synthetic_quads(30, 60) if q.predicate.value != DCTERMS_DATE)
    tab = open_page(browser, write_html_graph(store, tmp_path / "undated.html"))
    try:
        assert not tab.is_visible("#date-filter")
    finally:
        tab.close()


def test_community_colours_give_one_legend_entry_per_community_shown(big_page):
    reset(big_page)
    assert not big_page.is_visible("#community-legend")
    big_page.check('input[name="colour"][value="community"]')
    shown = big_page.evaluate("[...new Set(kgNodes.getIds().map((id) => kgData.nodes[id].com))].length")
    coloured = big_page.evaluate("new Set(kgNodes.get().map((n) => n.color.background)).size")
    entries = big_page.locator("#community-legend li").count()
    assert shown > 1 and entries == shown
    assert coloured == min(shown, 12) + (shown > 12)  # twelve colours, then one grey for the small ones
    names = big_page.locator("#community-legend .name").all_inner_texts()
    hubs = big_page.evaluate("kgData.communities.map((c) => c.name)")
    assert set(names) <= set(hubs)
    big_page.check('input[name="colour"][value="class"]')
    assert big_page.evaluate("new Set(kgNodes.get().map((n) => n.color.background)).size") <= 6


def test_save_picture_gives_a_png_of_the_view(big_page, tmp_path):
    reset(big_page)
    with big_page.expect_download() as download:
        big_page.click("#save-png")
    path = tmp_path / "view.png"
    download.value.save_as(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    from PIL import Image

    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(colours) > 20  # a drawing, not a blank canvas


def test_each_of_two_parallel_relations_can_be_clicked(browser, tmp_path):
    tab = open_page(browser, write_html_graph(tiny_store(), tmp_path / "parallel.html"))
    try:
        pair = tab.evaluate("""(() => {
            const e = kgData.edges.map((e, i) => [e, i]).filter(([e]) => e.p === 'headOf' || e.p === 'shareholderOf');
            return e.map(([, i]) => i);
        })()""")
        assert len(pair) == 2
        box = tab.locator("#network").bounding_box()
        for edge in pair:
            xy = tab.evaluate(f"kgNetwork.canvasToDOM(kgNetwork.body.edges[{edge}].edgeType.getPoint(0.5))")
            tab.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
            tab.wait_for_timeout(100)
            assert tab.evaluate("kgNetwork.getSelectedEdges()") == [edge]
    finally:
        tab.close()


def test_no_relation_name_is_drawn_at_the_canvas_origin(browser, tmp_path):
    # vis-network 9.1.2 draws the name of a relation whose start is level with and right of its end at (0, 0)
    tab = open_page(browser, write_html_graph(tiny_store(), tmp_path / "level.html"))
    try:
        edge = tab.evaluate("kgData.edges.findIndex((e) => e.p === 'partOf')")
        start, end = tab.evaluate(f"[kgData.edges[{edge}].from, kgData.edges[{edge}].to]")
        # where a drag leaves them (the page writes dragged positions back into the drawn data set)
        tab.evaluate(f"""kgNodes.update(kgNodes.getIds().map((id, i) => ({{id, x: 2000 + 200 * i, y: 2000}})));
            kgNodes.update([{{id: {start}, x: 400, y: 300}}, {{id: {end}, x: 150, y: 300}}]);
            kgNetwork.moveTo({{position: {{x: 250, y: 150}}, scale: 1, animation: false}});""")
        click_node(tab, start)  # names the relations of the selected entity
        assert tab.evaluate(f"kgEdges.get({edge}).label")
        tab.evaluate("kgNetwork.moveTo({position: {x: 250, y: 150}, scale: 1, animation: false})")
        tab.wait_for_timeout(150)
        origin = tab.evaluate("kgNetwork.canvasToDOM({x: 0, y: 0})")
        box = tab.locator("#network").bounding_box()
        clip = {"x": box["x"] + origin["x"] - 60, "y": box["y"] + origin["y"] - 20, "width": 120, "height": 40}
        from PIL import Image

        shot = tmp_path / "origin.png"
        tab.screenshot(path=str(shot), clip=clip)
        with Image.open(shot) as image:
            assert image.convert("L").getextrema()[0] > 240  # nothing but white around the origin
        middle = tab.evaluate(f"kgNetwork.canvasToDOM(kgNetwork.body.edges[{edge}].edgeType.getPoint(0.5))")
        clip = {"x": box["x"] + middle["x"] - 60, "y": box["y"] + middle["y"] - 20, "width": 120, "height": 40}
        tab.screenshot(path=str(shot), clip=clip)
        with Image.open(shot) as image:
            assert image.convert("L").getextrema()[0] < 150  # the name is drawn on its relation
    finally:
        tab.close()


def test_panel_groups_facts_and_shows_highlighted_evidence_qualifiers_and_documents(browser, tmp_path):
    tab = open_page(browser, write_html_graph(tiny_store(), tmp_path / "panel.html"))
    try:
        tab.fill("#search", "salma")
        tab.press("#search", "Enter")
        assert tab.locator("#details h2").all_inner_texts() == ["DIRIGE (1)", "ACTIONNAIRE DE (1)"]
        marks = tab.locator("#details mark").all_inner_texts()
        assert marks.count("Salma Idrissi") == 2 and "Atlas Numérique" in marks
        panel = tab.inner_text("#details")
        assert "fonction : directrice générale" in panel and "part : 30" in panel
        assert "2024-03-12" in panel and "confiance 0.85" in panel
        assert tab.eval_on_selector_all("#details a", "(links) => links.map((a) => a.href)") == [
            "https://presse.example/oriental"
        ]
        # the other document has a javascript: address: no link; the undated one shows no date
        tab.fill("#search", "oujda")
        tab.press("#search", "Enter")
        assert "Géographie de l'Oriental · 2023-06-01" in tab.inner_text("#details")
        assert all(
            h.startswith("https://") for h in tab.eval_on_selector_all("#details a", "(a) => a.map((x) => x.href)")
        )
        assert tab.problems == []
    finally:
        tab.close()
