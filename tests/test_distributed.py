"""Parallel and distributed NLP give the same graph as a plain local build."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.build import build_graph
from kg.cli import app

pytestmark = pytest.mark.model

TEXTS = (
    "Sahel Énergies ouvre une usine à Agadir\n"
    "Sahel Énergies, dirigée par Houda Skalli, a inauguré une usine de panneaux solaires à Agadir. "
    "L'entreprise a signé un partenariat avec l'Université Ibn Zohr.",
    "Menara Logistique s'étend\n"
    "Mehdi Tazi, directeur général de Menara Logistique, a annoncé l'ouverture d'un entrepôt à Kénitra. "
    "Menara Logistique et Sahel Énergies ont conclu un accord de coopération.",
    "Un nouvel incubateur à Fès\n"
    "Le Technopark de Fès accueille désormais Zagora Data, une jeune pousse fondée par Rania Idrissi.",
    "Anfa Conseil recrute\n"
    "Anfa Conseil, installée à Casablanca, va recruter cinquante consultants cette année. "
    "Sa présidente, Leila Berrada, mise sur l'intelligence artificielle.",
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("distributed-corpus")
    for n, text in enumerate(TEXTS):
        (folder / f"depeche-{n}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def local_quads(nlp, corpus, tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("local-out")
    report = build_graph([corpus], out, write_html=False, validate=False, use_cache=False)
    assert report.documents == len(TEXTS) and report.triples > 0
    return nquads(out)


def nquads(out) -> set[str]:
    return {str(q) for q in ox.parse((out / "graph.trig").read_bytes(), format=ox.RdfFormat.TRIG)}


def test_two_spacy_processes_give_the_same_graph(corpus, local_quads, tmp_path):
    out = tmp_path / "out"
    build_graph([corpus], out, write_html=False, validate=False, use_cache=False, workers=2)
    assert nquads(out) == local_quads


def test_dask_cluster_gives_the_same_graph(corpus, local_quads, tmp_path):
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        out = tmp_path / "out"
        report = build_graph(
            [corpus], out, write_html=False, validate=False, use_cache=False, scheduler=cluster.scheduler_address
        )
    assert report.documents == len(TEXTS)
    assert nquads(out) == local_quads


def test_a_wrong_scheduler_address_is_a_clear_error(corpus, tmp_path):
    result = CliRunner().invoke(app, ["build", str(corpus), "--out", str(tmp_path), "--scheduler", "8786"])
    assert result.exit_code != 0
    assert "tcp://HOST:8786" in result.output
    assert "Traceback" not in result.output
