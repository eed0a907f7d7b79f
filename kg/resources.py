"""Loading of the data files in ``kg/data`` (gazetteer, lexicons, patterns); cached, read once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


def data_path(name: str):
    return resources.files("kg.data") / name


@dataclass(frozen=True)
class GazetteerEntry:
    label: str
    cls: str
    aliases: tuple[str, ...]
    kind: str


@cache
def gazetteer() -> tuple[GazetteerEntry, ...]:
    entries = []
    text = data_path("gazetteer.tsv").read_text(encoding="utf-8")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise ValueError(f"gazetteer.tsv line {n}: expected 4 tab-separated fields, got {len(parts)}")
        label, cls, aliases, kind = parts
        entries.append(GazetteerEntry(label, cls, tuple(a for a in aliases.split("|") if a), kind))
    return tuple(entries)


@cache
def lexicon() -> dict:
    return json.loads(data_path("lexicon.json").read_text(encoding="utf-8"))


@cache
def word_set(name: str) -> frozenset[str]:
    return frozenset(w.lower() for w in lexicon()[name])


@cache
def first_names() -> frozenset[str]:
    text = data_path("first_names.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@cache
def relation_rules() -> dict:
    return json.loads(data_path("relations.json").read_text(encoding="utf-8"))


@cache
def gazetteer_names(cls: str | None = None) -> dict[str, str]:
    """Every gazetteer name and alias, lower-cased, with its class (only those of ``cls`` if given)."""
    return {name.lower(): e.cls for e in gazetteer() if cls is None or e.cls == cls for name in (e.label, *e.aliases)}
