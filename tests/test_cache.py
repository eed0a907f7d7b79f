"""Incremental builds: unchanged documents skip the NLP, changed ones replace their graph, --prune drops."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

import kg.distributed
from kg.build import build_graph
from kg.cache import AnalysisCache, pipeline_version
from kg.rdf import document_iri
from kg.store import KGStore

pytestmark = pytest.mark.model

TEXTS = {
    "argana.txt": (
        "Argana Solaire s'installe à Ouarzazate\n"
        "La société Argana Solaire, dirigée par Nadia Lahlou, a ouvert une usine à Ouarzazate. "
        "Argana Solaire et la Banque Populaire ont signé un accord de partenariat pour financer des fermes solaires."
    ),
    "tamesna.txt": (
        "Tamesna Data recrute à Rabat\n"
        "Karim Bennani, directeur général de Tamesna Data, annonce deux cents recrutements. "
        "Tamesna Data est installée à Rabat depuis 2019."
    ),
    "oudaya.txt": (
        "Oudaya Mobilité lève des fonds\n"
        "Oudaya Mobilité, basée à Tanger, a conclu un partenariat avec Ifrane Capital pour des bus électriques."
    ),
}


def nquads(out) -> set[str]:
    data = (out / "graph.trig").read_bytes()
    quads = ox.parse(data, format=ox.RdfFormat.TRIG)
    return {str(q) for q in quads}


def graph_names(out) -> set[str]:
    rows = KGStore.open(out).query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?d a ekg:Document } }")
    return {r["g"] for r in rows}


def labels(out) -> set[str]:
    return {r["l"] for r in KGStore.open(out).query("SELECT ?l WHERE { ?e rdfs:label ?l }")}


def build(corpus, out, **options):
    return build_graph([corpus], out, write_html=False, validate=False, **options)


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def forbid_nlp(monkeypatch):
    """Call it to make any later loading of the spaCy pipeline fail the test."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the spaCy pipeline was loaded although every document is cached")

    return lambda: monkeypatch.setattr(kg.distributed, "load_pipeline", forbidden)


def test_unchanged_rebuild_does_no_nlp_and_gives_the_same_graph(nlp, corpus, tmp_path, forbid_nlp):
    out = tmp_path / "out"
    first = build(corpus, out)
    assert first.cached == 0 and first.documents == 3
    before = nquads(out)
    forbid_nlp()
    again = build(corpus, out)
    assert again.cached == 3
    assert nquads(out) == before


def test_unchanged_rebuild_leaves_the_outputs_untouched(nlp, corpus, tmp_path):
    out = tmp_path / "out"
    first = build_graph([corpus], out, write_html=True, validate=True)
    stamps = {name: (out / name).stat().st_mtime_ns for name in ("graph.trig", "graph.ttl", "graph.html")}
    again = build_graph([corpus], out, write_html=True, validate=True)
    assert {name: (out / name).stat().st_mtime_ns for name in stamps} == stamps
    assert again.violations == first.violations == 0
    assert KGStore.open(out).query("ASK { ?s ekg:headOf ?o }") == [{"ask": True}]
    (corpus / "tamesna.txt").write_text(TEXTS["tamesna.txt"].replace("Rabat", "Salé"), encoding="utf-8")
    build_graph([corpus], out, write_html=True, validate=True)
    assert (out / "graph.trig").stat().st_mtime_ns != stamps["graph.trig"]
    assert "Salé" in labels(out)


def test_changed_document_replaces_its_named_graph(nlp, corpus, tmp_path):
    out = tmp_path / "out"
    build(corpus, out)
    old_graphs = graph_names(out)
    assert "Tanger" in labels(out)
    (corpus / "oudaya.txt").write_text(
        "Zagora Mobilité lève des fonds\n"
        "Zagora Mobilité, basée à Agadir, a conclu un partenariat avec Ifrane Capital pour des bus électriques.",
        encoding="utf-8",
    )
    report = build(corpus, out)
    assert report.cached == 2 and report.documents == 3
    new_graphs = graph_names(out)
    assert len(new_graphs) == 3
    assert len(old_graphs - new_graphs) == 1 and len(new_graphs - old_graphs) == 1
    assert "Agadir" in labels(out)
    assert "Tanger" not in labels(out)


def test_removed_document_stays_with_add_and_goes_with_a_plain_build(nlp, corpus, tmp_path, forbid_nlp):
    out = tmp_path / "out"
    build(corpus, out)
    graphs = graph_names(out)
    (corpus / "tamesna.txt").unlink()
    forbid_nlp()
    kept = build(corpus, out, add=True)
    assert kept.documents == 3 and kept.cached == 3
    assert graph_names(out) == graphs
    assert "Tamesna Data" in labels(out)

    plain = build(corpus, out)
    assert plain.documents == 2 and len(graph_names(out)) == 2
    assert plain.changes.removed == ("corpus/tamesna.txt",)
    assert "Tamesna Data" not in labels(out)
    assert KGStore.open(out).query('SELECT ?s WHERE { ?s ?p "Karim Bennani" }') == []


def test_no_cache_analyses_everything_again_and_builds_only_the_inputs(nlp, corpus, tmp_path):
    out = tmp_path / "out"
    other = tmp_path / "other"
    other.mkdir()
    (corpus / "tamesna.txt").rename(other / "tamesna.txt")
    build(corpus, out)
    both = build(other, out, add=True)
    assert both.documents == 3
    assert "Tamesna Data" in labels(out) and "Argana Solaire" in labels(out)
    only = build(other, out, use_cache=False)
    assert only.documents == 1 and only.cached == 0
    assert "Argana Solaire" not in labels(out)


def test_pipeline_version_changes_with_the_rules(monkeypatch):
    import kg

    before = pipeline_version.__wrapped__()
    monkeypatch.setattr(kg, "__version__", kg.__version__ + ".post1")
    assert pipeline_version.__wrapped__() != before


def test_cache_lives_in_the_output_folder_and_holds_only_the_graph_documents(nlp, corpus, tmp_path):
    out = tmp_path / "out"
    build(corpus, out)
    (corpus / "argana.txt").write_text(TEXTS["argana.txt"].replace("Ouarzazate", "Errachidia"), encoding="utf-8")
    build(corpus, out)
    cache = AnalysisCache(out)
    members = cache.members()
    assert len(members) == 3
    assert all(cache.get(d) is not None for d in members)
    rows = cache._db.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    cache.close()
    assert rows == 3  # the analysis of the replaced version is gone
    assert {d.doc_id for d in members} == {iri.rsplit("/", 1)[-1] for iri in graph_names(out)}
    assert document_iri(members[0].doc_id) in graph_names(out)
