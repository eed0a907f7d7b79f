"""Shared fixtures. The seed build runs once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
POPCORN = SHARED / "datasets" / "popcorn" / "train.json"


@pytest.fixture(scope="session")
def nlp():
    from kg.distributed import pipeline_and_extractor

    return pipeline_and_extractor()[0]


@pytest.fixture(scope="session")
def extractor():
    """The extractor builds use: the packaged relation model, with the rules as its features."""
    from kg.distributed import pipeline_and_extractor

    return pipeline_and_extractor()[1]


@pytest.fixture(scope="session")
def seed_out(tmp_path_factory) -> Path:
    """Output folder of ``kg build seeds/`` (built once per session)."""
    from kg.build import build_graph

    out = tmp_path_factory.mktemp("seed-build")
    build_graph([SEEDS], out)
    return out


@pytest.fixture(scope="session")
def seed_store(seed_out):
    from kg.store import KGStore

    return KGStore.open(seed_out)


@pytest.fixture(scope="session")
def popcorn_path() -> Path:
    if not POPCORN.exists():
        pytest.skip(f"POPCORN development set not found at {POPCORN} (it lives in ../shared, outside a user's clone)")
    return POPCORN
