"""Gold files -> training documents with character-offset entity spans.

The project's gold format names entities without offsets ("each occurs in the text as a whole word,
case-sensitive"), so their spans are found by matching every name and alias, longest first. POPCORN gives
offsets; only its *named* mentions of mapped types are entities, named mentions of other types are left
"missing" (neither entity nor outside) so the recogniser is not taught that they are not names; of its
relations, only those that name one predicate (``POPCORN_PREDICATES``) become facts.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from kg.vocab import ENTITY_CLASSES, PREDICATES


class TrainingDataError(ValueError):
    """A gold file that cannot be used for training; the message names the file and the problem."""


@dataclass(frozen=True)
class GoldSpan:
    start: int
    end: int
    cls: str
    entity: str  # the entity's name (its id within the document)


@dataclass(frozen=True)
class GoldFact:
    subject: str
    predicate: str
    object: str
    evidence: str | None = None
    qualifiers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TrainingDocument:
    doc_id: str
    text: str
    spans: tuple[GoldSpan, ...]
    missing: tuple[tuple[int, int], ...]  # spans that are neither entity nor outside
    facts: tuple[GoldFact, ...]
    classes: tuple[tuple[str, str], ...]  # entity name -> class
    date: str | None = None
    source: str = ""
    # the predicates whose every fact the gold states (None: all of them); a POPCORN document states only the
    # facts of the relations that map onto one predicate (POPCORN_PREDICATES), so it teaches only those
    annotated_predicates: frozenset[str] | None = None

    @property
    def relations_annotated(self) -> bool:
        """Whether the gold states every fact of the document (the project's format; not POPCORN)."""
        return self.annotated_predicates is None


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_gold_file(path: str | Path) -> list[TrainingDocument]:
    """Training documents of one gold file; raises :class:`TrainingDataError` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise TrainingDataError(f"{path}: no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise TrainingDataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise TrainingDataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, dict) and isinstance(data.get("documents"), list):
        docs = [_kg_document(d, n, path) for n, d in enumerate(data["documents"])]
    elif isinstance(data, list) and all(isinstance(x, dict) for x in data):  # POPCORN synthetic: a list of dicts
        docs = [_popcorn_document(k, v, path) for part in data for k, v in part.items()]
    elif isinstance(data, dict) and data and all(isinstance(v, dict) and "text" in v for v in data.values()):
        docs = [_popcorn_document(k, v, path) for k, v in data.items()]
    else:
        raise TrainingDataError(
            f"{path}: unknown gold format; expected {{'documents': [...]}} or POPCORN's id -> {{'text', ...}}"
        )
    if not docs:
        raise TrainingDataError(f"{path}: holds no documents")
    return docs


def _occurrences(text: str, form: str):
    for m in re.finditer(re.escape(form), text):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if not (before.isalnum() or after.isalnum()):
            yield m.start(), m.end()


def _kg_document(d, n: int, path: Path) -> TrainingDocument:
    where = f"{path}: document {d.get('id', n) if isinstance(d, dict) else n}"
    if not isinstance(d, dict) or not isinstance(d.get("text"), str) or not d["text"].strip():
        raise TrainingDataError(f"{where}: needs a non-empty 'text' string")
    text = d["text"]
    classes: dict[str, str] = {}
    forms: list[tuple[str, str]] = []
    for e in d.get("entities", []):
        name, cls = e.get("name") if isinstance(e, dict) else None, e.get("class") if isinstance(e, dict) else None
        if not isinstance(name, str) or not name:
            raise TrainingDataError(f"{where}: an entity has no 'name'")
        if cls not in ENTITY_CLASSES:
            raise TrainingDataError(f"{where}: entity {name!r} has class {cls!r}; expected one of {ENTITY_CLASSES}")
        classes[name] = cls
        forms.extend((form, name) for form in (name, *e.get("aliases", [])) if form)
    spans: list[GoldSpan] = []
    taken: list[tuple[int, int]] = []
    for form, name in sorted(forms, key=lambda f: -len(f[0])):
        for start, end in _occurrences(text, form):
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            spans.append(GoldSpan(start, end, classes[name], name))
    facts = []
    for r in d.get("relations", []):
        if r.get("predicate") not in PREDICATES:
            raise TrainingDataError(f"{where}: predicate {r.get('predicate')!r} is not one of {PREDICATES}")
        if r.get("subject") not in classes or r.get("object") not in classes:
            raise TrainingDataError(
                f"{where}: relation {r.get('subject')!r} -> {r.get('object')!r} names an "
                "entity the document does not declare"
            )
        quals = r.get("qualifiers") or {}
        facts.append(
            GoldFact(
                r["subject"],
                r["predicate"],
                r["object"],
                r.get("evidence"),
                tuple(sorted((k, v) for k, v in quals.items() if isinstance(v, str))),
            )
        )
    return TrainingDocument(
        str(d.get("id", n)),
        text,
        tuple(sorted(spans, key=lambda s: s.start)),
        (),
        tuple(facts),
        tuple(classes.items()),
        d.get("date"),
        str(path),
    )


# POPCORN relations that name one predicate of the ontology: an organisation "operates in" a place where it
# works (presentIn) and "is located in" the place of its seat (locatedIn); the others mix several predicates
# (HAS_CONTROL_OVER: a head, an owner or a user) and teach nothing to the relation model
POPCORN_PREDICATES = {
    ("Organization", "OPERATES_IN", "Place"): "presentIn",
    ("Organization", "IS_LOCATED_IN", "Place"): "locatedIn",
}


def _popcorn_document(doc_id, d: dict, path: Path) -> TrainingDocument:
    from kg.eval import POPCORN_CLASSES, is_named

    text = d.get("text")
    if not isinstance(text, str) or not text.strip():
        raise TrainingDataError(f"{path}: document {doc_id}: needs a non-empty 'text' string")
    spans, missing, classes = [], [], {}
    for e in d.get("entities", []):
        cls = POPCORN_CLASSES.get(e.get("type"))
        for m in e.get("mentions", []):
            start, end = m["start"], m["end"]
            if text[start:end] != m["value"] or not is_named(m["value"], start, text):
                continue
            if cls:
                name = f"e{e['id']}"
                classes[name] = cls
                spans.append(GoldSpan(start, end, cls, name))
            else:
                missing.append((start, end))
    spans = _non_overlapping(spans)
    missing = [m for m in missing if not any(m[0] < s.end and s.start < m[1] for s in spans)]
    named = {s.entity for s in spans}
    facts = []
    for r in d.get("relations", []):
        if not (isinstance(r, list | tuple) and len(r) == 3):
            continue
        subject, relation, obj = f"e{r[0]}", r[1], f"e{r[2]}"
        if subject in named and obj in named:
            predicate = POPCORN_PREDICATES.get((classes[subject], relation, classes[obj]))
            if predicate:
                facts.append(GoldFact(subject, predicate, obj))
    return TrainingDocument(
        str(doc_id),
        text,
        tuple(spans),
        tuple(missing),
        tuple(sorted(set(facts), key=lambda f: (f.subject, f.predicate, f.object))),
        tuple(classes.items()),
        None,
        str(path),
        annotated_predicates=frozenset(POPCORN_PREDICATES.values()),
    )


def _non_overlapping(spans: list[GoldSpan]) -> list[GoldSpan]:
    kept: list[GoldSpan] = []
    for s in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if not any(s.start < k.end and k.start < s.end for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.start)


def document_bucket(doc_id: str, buckets: int) -> int:
    """A stable bucket in ``range(buckets)`` for a document id (the same every run and on every machine)."""
    return int(hashlib.md5(doc_id.encode("utf-8")).hexdigest(), 16) % buckets


def split_aside(docs: list[TrainingDocument], every: int) -> tuple[list[TrainingDocument], list[TrainingDocument]]:
    """Every ``every``-th document (by a stable hash of its id) is held aside; the rest is for training."""
    aside = [d for d in docs if document_bucket(d.doc_id, every) == 0]
    ids = {d.doc_id for d in aside}
    return [d for d in docs if d.doc_id not in ids], aside
