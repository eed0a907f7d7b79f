"""Builds converge: a stale, damaged or half-swapped output is rewritten; one build at a time per folder."""

from __future__ import annotations

import os
import shutil

import pytest

from kg.build import BuildError, build_graph
from kg.store import MANIFEST_FILE, KGStore, StoreError, build_lock

pytestmark = pytest.mark.model

FIRST = "La société Argania Tech, dirigée par Leila Bennis, a ouvert un bureau à Agadir."
SECOND = "La coopérative Safran d'Or a signé un partenariat avec la région de Taliouine."


def corpus(folder, text):
    folder.mkdir()
    (folder / "article.txt").write_text(text, encoding="utf-8")
    return folder


def labels(out) -> set[str]:
    return {r["l"] for r in KGStore.open(out).query("SELECT ?l WHERE { ?e rdfs:label ?l }")}


@pytest.fixture
def two_builds(nlp, tmp_path):
    first, second = corpus(tmp_path / "a", FIRST), corpus(tmp_path / "b", SECOND)
    out, other = tmp_path / "out", tmp_path / "other"
    build_graph([first], out, validate=False)
    build_graph([second], other, validate=False)
    return first, out, other


@pytest.mark.parametrize("swapped", ["graph.trig", "graph.ttl", "graph.html", "store"])
def test_an_output_left_from_another_build_is_rewritten(two_builds, swapped):
    first, out, other = two_builds
    expected = (out / "graph.trig").read_bytes(), labels(out)
    # what a build of the other corpus killed right after swapping one output leaves behind
    if swapped == "store":
        shutil.rmtree(out / "store")
        shutil.copytree(other / "store", out / "store")
    else:
        shutil.copy(other / swapped, out / swapped)
    build_graph([first], out, validate=False)
    assert (out / "graph.trig").read_bytes() == expected[0]
    assert labels(out) == expected[1]
    assert (out / "graph.html").read_bytes() != (other / "graph.html").read_bytes()


def test_a_damaged_store_is_an_error_naming_it_and_a_rebuild_repairs_it(two_builds):
    first, out, _ = two_builds
    expected = labels(out)
    for sst in (out / "store").glob("*.sst"):
        sst.write_bytes(b"\0garbage")
    with pytest.raises(StoreError, match=r"store is damaged.*kg build"):
        labels(out)
    build_graph([first], out, validate=False)
    assert labels(out) == expected


def test_a_build_cut_short_before_its_manifest_never_counts_as_complete(two_builds):
    first, out, _ = two_builds
    (out / MANIFEST_FILE).unlink()
    before = (out / "graph.trig").stat().st_mtime_ns
    build_graph([first], out, validate=False)
    assert (out / "graph.trig").stat().st_mtime_ns != before and (out / MANIFEST_FILE).exists()


def test_an_unchanged_rebuild_still_skips_the_writes(two_builds):
    first, out, _ = two_builds
    outputs = ["graph.trig", "graph.ttl", "graph.html", "store", MANIFEST_FILE]
    before = {name: (out / name).stat().st_mtime_ns for name in outputs}
    build_graph([first], out, validate=False)
    assert {name: (out / name).stat().st_mtime_ns for name in outputs} == before


def test_a_second_build_into_the_same_folder_is_refused(nlp, tmp_path):
    first = corpus(tmp_path / "a", FIRST)
    with build_lock(tmp_path / "out"):
        with pytest.raises(StoreError, match=r"another build is writing .*out"):
            build_graph([first], tmp_path / "out", validate=False)
    build_graph([first], tmp_path / "out", validate=False)  # free again once the first is done


def test_out_naming_a_file_or_a_read_only_folder_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises((StoreError, BuildError), match="is a file, not a folder"):
        build_graph([tmp_path / "file"], tmp_path / "file")
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.geteuid() == 0:
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(StoreError, match="permission denied"):
            build_graph([tmp_path / "file"], locked)
    finally:
        locked.chmod(0o700)
