"""``kg eval``: precision, recall and F1 of the pipeline against a gold standard.

Two gold formats are read (:func:`load_gold` tells them apart):

- the project's own format (JSON, or YAML when PyYAML is installed)::

    {"documents": [{"id": "d1", "text": "...",
                    "entities": [{"name": "Atlas Sensing", "aliases": ["AS"], "class": "Organization"}],
                    "relations": [{"subject": "Karim Bennani", "predicate": "headOf", "object": "Atlas Sensing"}]}]}

  with the ontology's classes and predicates; every class and predicate is evaluated;

- POPCORN (``id -> {"text", "entities", "relations"}``), mapped onto the ontology:

  ====================================================  ==============  ======================================
  POPCORN                                               ontology        note
  ====================================================  ==============  ======================================
  NON_GOVERNMENTAL_, NON_MILITARY_GOVERNMENT_,          Organization
  MILITARY_, INTERGOVERNMENTAL_ORGANISATION
  CIVILIAN, MILITARY                                    Person
  PLACE                                                 Place
  TERRORIST_OR_CRIMINAL                                 (ignored)       mixes people and groups: predictions
                                                                        naming one are neither right nor wrong
  person HAS_CONTROL_OVER / IS_PART_OF organisation     headOf, worksFor, memberOf (group "person-in-organisation":
                                                        POPCORN cannot tell a head from a member, any one counts)
  organisation OPERATES_IN / IS_LOCATED_IN place        locatedIn, presentIn (group "organisation-place")
  organisation IS_COOPERATING_WITH organisation         partnerOf (symmetric)
  organisation IS_PART_OF organisation                  partOf
  person or organisation CREATED organisation           foundedBy, reversed (the organisation is the subject)
  ====================================================  ==============  ======================================

  Other relations and types are not evaluated. Only *named* entities count: an
  entity needs a mention that, past a leading determiner, starts with a capital
  letter and is not a pronoun ("Il", "Ce dernier") nor a sentence-initial word
  that also appears in lower case in the text. Entities without a named mention,
  and ignored types, are "don't care": predictions naming them are not errors.
  A predicted fact is evaluated when its predicate is in a group and its
  subject and object classes fit the group (POPCORN has no Facility or Event,
  so ``Facility locatedIn Place`` is left out); the report counts the rest.

Matching. Names are compared through :func:`kg.resolve.normalise_name`
(case, accents, apostrophes, leading articles). A gold entity (its name and
aliases) is found when a predicted entity of the same class (its label and
aliases) shares one normalised name; a predicted entity that shares a name with
a gold entity is never a false positive (an entity split in two by resolution
is not penalised here). A gold relation is found when a predicted fact of the
same document has a predicate of the relation's group and its subject and
object share a name with the gold subject and object (either way round for
symmetric predicates). Each distinct predicted fact matching no gold relation
is a false positive.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from io import StringIO
from pathlib import Path

from kg.model import DocumentAnalysis, Entity, Fact
from kg.resolve import normalise_name
from kg.vocab import ENTITY_CLASSES, PREDICATES, SYMMETRIC_PREDICATES


class GoldError(ValueError):
    """A gold file that cannot be read; the message names the file and the problem."""


# ---------------------------------------------------------------- gold model


@dataclass(frozen=True)
class GoldEntity:
    name: str
    cls: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoldRelation:
    subject: str  # the name of a GoldEntity of the same document
    group: str  # a RelationGroup name
    object: str
    evidence: str | None = None  # the clause that states it, as written (when the gold gives it)
    qualifiers: tuple[tuple[str, str], ...] = ()  # (kind, text as written): role, amount, share, date


@dataclass(frozen=True)
class GoldDocument:
    doc_id: str
    text: str
    entities: tuple[GoldEntity, ...]
    relations: tuple[GoldRelation, ...]
    ignored: frozenset[str] = frozenset()  # normalised names that are neither right nor wrong
    date: str | None = None  # publication date (ISO), which relative dates in the text refer to


@dataclass(frozen=True)
class RelationGroup:
    """Predicted predicates that all count for one gold relation kind; None classes: any."""

    name: str
    predicates: frozenset[str]
    subject_classes: frozenset[str] | None = None
    object_classes: frozenset[str] | None = None

    @property
    def symmetric(self) -> bool:
        return self.predicates <= SYMMETRIC_PREDICATES

    def fits(self, subject_cls: str, object_cls: str) -> bool:
        return (self.subject_classes is None or subject_cls in self.subject_classes) and (
            self.object_classes is None or object_cls in self.object_classes
        )


@dataclass(frozen=True)
class Gold:
    source: str
    format: str  # "kg" or "popcorn"
    documents: tuple[GoldDocument, ...]
    classes: tuple[str, ...]
    groups: tuple[RelationGroup, ...]

    def texts(self) -> dict[str, str]:
        return {d.doc_id: d.text for d in self.documents}

    def dates(self) -> dict[str, str]:
        return {d.doc_id: d.date for d in self.documents if d.date}

    def limited(self, n: int | None) -> Gold:
        return self if n is None else Gold(self.source, self.format, self.documents[:n], self.classes, self.groups)


# ------------------------------------------------------------- gold loading

KG_GROUPS = tuple(RelationGroup(p, frozenset({p})) for p in PREDICATES)

_ORG, _PER, _PLACE = frozenset({"Organization"}), frozenset({"Person"}), frozenset({"Place"})
POPCORN_CLASSES = {
    "NON_GOVERNMENTAL_ORGANISATION": "Organization",
    "NON_MILITARY_GOVERNMENT_ORGANISATION": "Organization",
    "MILITARY_ORGANISATION": "Organization",
    "INTERGOVERNMENTAL_ORGANISATION": "Organization",
    "CIVILIAN": "Person",
    "MILITARY": "Person",
    "PLACE": "Place",
}
POPCORN_IGNORED_TYPES = frozenset({"TERRORIST_OR_CRIMINAL"})
POPCORN_GROUPS = (
    RelationGroup("person-in-organisation", frozenset({"headOf", "worksFor", "memberOf"}), _PER, _ORG),
    RelationGroup("organisation-place", frozenset({"locatedIn", "presentIn"}), _ORG, _PLACE),
    RelationGroup("partnerOf", frozenset({"partnerOf"}), _ORG, _ORG),
    RelationGroup("partOf", frozenset({"partOf"}), _ORG, _ORG),
    RelationGroup("foundedBy", frozenset({"foundedBy"}), _ORG, _ORG | _PER),
)
# (subject class, POPCORN predicate, object class) -> (group, reversed)
POPCORN_RELATIONS = {
    ("Person", "HAS_CONTROL_OVER", "Organization"): ("person-in-organisation", False),
    ("Person", "IS_PART_OF", "Organization"): ("person-in-organisation", False),
    ("Organization", "OPERATES_IN", "Place"): ("organisation-place", False),
    ("Organization", "IS_LOCATED_IN", "Place"): ("organisation-place", False),
    ("Organization", "IS_COOPERATING_WITH", "Organization"): ("partnerOf", False),
    ("Organization", "IS_PART_OF", "Organization"): ("partOf", False),
    ("Person", "CREATED", "Organization"): ("foundedBy", True),
    ("Organization", "CREATED", "Organization"): ("foundedBy", True),
}
# capitalised words that do not make a mention a name
_NOT_NAMES = frozenset(
    "il elle ils elles on lui leur eux celui celle ceux celles ce cet cette ces son sa ses "
    "notre nos votre vos tout tous toute toutes aucun aucune chacun chacune autre autres".split()
)
_DETERMINERS = ("le ", "la ", "les ", "l'", "un ", "une ", "des ", "du ", "de la ", "de l'", "au ", "aux ")


def is_named(value: str, start: int, text: str) -> bool:
    """Whether a POPCORN mention is a name ("Karim", "La Poste") rather than a pronoun or common noun."""
    rest = value.strip().replace("’", "'")
    for det in _DETERMINERS:
        if rest.lower().startswith(det) and len(rest) > len(det):
            rest = rest[len(det) :].lstrip()
            break
    if not rest[:1].isupper() or rest.split()[0].lower() in _NOT_NAMES:
        return False
    before = text[:start].rstrip()
    sentence_initial = not before or before[-1] in ".!?:\n"
    # "Pompiers" opening a sentence is a common noun if the text also writes "pompiers"
    return not (sentence_initial and value[:1].lower() + value[1:] in text)


def load_gold(path: str | Path) -> Gold:
    """Read a gold file in the project's format or in POPCORN's; raises :class:`GoldError`."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GoldError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise GoldError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    data = _parse(raw, path)
    if isinstance(data, dict) and isinstance(data.get("documents"), list):
        return _load_kg(data, path)
    if isinstance(data, dict) and data and all(isinstance(v, dict) and "text" in v for v in data.values()):
        return _load_popcorn(data, path)
    raise GoldError(
        f"{path}: unknown gold format; expected {{'documents': [...]}} or POPCORN's id -> {{'text', 'entities', ...}}"
    )


def _parse(raw: str, path: Path):
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise GoldError(f"{path}: reading YAML needs PyYAML, which is not installed; use JSON") from None
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise GoldError(f"{path}: not valid YAML ({exc})") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise GoldError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None


def _load_kg(data: dict, path: Path) -> Gold:
    documents = []
    for n, d in enumerate(data["documents"]):
        where = f"{path}: document {d.get('id', n) if isinstance(d, dict) else n}"
        if not isinstance(d, dict) or not isinstance(d.get("text"), str):
            raise GoldError(f"{where}: needs a 'text' string")
        entities, name_of = [], {}
        for e in d.get("entities", []):
            cls, name = e.get("class"), e.get("name")
            if cls not in ENTITY_CLASSES:
                raise GoldError(f"{where}: entity {name!r} has class {cls!r}; expected one of {ENTITY_CLASSES}")
            if not isinstance(name, str) or not name:
                raise GoldError(f"{where}: an entity has no 'name'")
            aliases = tuple(e.get("aliases", ()))
            entities.append(GoldEntity(name, cls, aliases))
            for alias in (name, *aliases):
                name_of[normalise_name(alias)] = name
        relations = []
        for r in d.get("relations", []):
            if r.get("predicate") not in PREDICATES:
                raise GoldError(f"{where}: predicate {r.get('predicate')!r} is not one of {PREDICATES}")
            ends = []
            for end in ("subject", "object"):
                key = normalise_name(str(r.get(end, "")))
                if key not in name_of:
                    raise GoldError(f"{where}: relation {end} {r.get(end)!r} is not one of the document's entities")
                ends.append(name_of[key])
            relations.append(GoldRelation(ends[0], r["predicate"], ends[1], *_gold_qualifiers(r, where)))
        date = d.get("date") if isinstance(d.get("date"), str) else None
        documents.append(
            GoldDocument(str(d.get("id", n)), d["text"], tuple(entities), tuple(relations), frozenset(), date)
        )
    return Gold(str(path), "kg", tuple(documents), ENTITY_CLASSES, KG_GROUPS)


def _gold_qualifiers(r: dict, where: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    evidence = r.get("evidence") if isinstance(r.get("evidence"), str) else None
    raw = r.get("qualifiers") or {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise GoldError(f"{where}: relation qualifiers must map a kind to its text, got {raw!r}")
    return evidence, tuple(sorted(raw.items()))


def _load_popcorn(data: dict, path: Path) -> Gold:
    documents = []
    for doc_id, d in data.items():
        text = d["text"]
        entities: dict[object, GoldEntity] = {}
        ignored: set[str] = set()
        for e in d.get("entities", []):
            mentions = e.get("mentions", [])
            cls = POPCORN_CLASSES.get(e.get("type"))
            named = [m["value"] for m in mentions if is_named(m["value"], m["start"], text)]
            if cls and named:
                unique = sorted(set(named), key=lambda v: (-len(v), v))
                entities[e["id"]] = GoldEntity(unique[0], cls, tuple(unique[1:]))
            elif cls or e.get("type") in POPCORN_IGNORED_TYPES:
                ignored.update(normalise_name(m["value"]) for m in mentions)
        relations: dict[tuple, GoldRelation] = {}
        for s, p, o in d.get("relations", []):
            if s not in entities or o not in entities:
                continue
            mapped = POPCORN_RELATIONS.get((entities[s].cls, p, entities[o].cls))
            if mapped is None:
                continue
            group, flip = mapped
            subject, obj = (entities[o].name, entities[s].name) if flip else (entities[s].name, entities[o].name)
            key = (group, *sorted((subject, obj))) if group == "partnerOf" else (group, subject, obj)
            relations.setdefault(key, GoldRelation(subject, group, obj))
        ents = tuple(entities.values())
        named_keys = {k for g in ents for k in _keys(g.name, g.aliases)}
        documents.append(
            GoldDocument(str(doc_id), text, ents, tuple(relations.values()), frozenset(ignored - named_keys))
        )
    return Gold(str(path), "popcorn", tuple(documents), ("Organization", "Person", "Place"), POPCORN_GROUPS)


# --------------------------------------------------------------- prediction


@dataclass(frozen=True)
class PredictedDocument:
    doc_id: str
    entities: tuple[Entity, ...]
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Predicted:
    documents: tuple[PredictedDocument, ...]
    analyses: tuple[DocumentAnalysis, ...] = ()
    seconds: float = 0.0

    def document(self, doc_id: str) -> PredictedDocument:
        return next((d for d in self.documents if d.doc_id == doc_id), PredictedDocument(doc_id, (), ()))


def predict(
    gold_texts: Mapping[str, str],
    batch_size: int = 32,
    dates: Mapping[str, str] | None = None,
    model: Path | None = None,
) -> Predicted:
    """Run the real pipeline over ``doc id -> text`` in one spaCy pass; entities are resolved per document.

    ``dates`` (doc id -> ISO date) become the documents' dates, against which relative dates are read;
    ``model`` is a trained model folder (default: the packaged one).
    """
    from kg.distributed import pipeline_and_extractor
    from kg.extract import analyse_documents
    from kg.ingest import make_document
    from kg.resolve import resolve_entities

    started = time.perf_counter()
    nlp, extractor = pipeline_and_extractor(model)
    ids = list(gold_texts)
    dates = dates or {}
    docs = (make_document(gold_texts[i], source=i, metadata=_date_metadata(dates.get(i))) for i in ids)
    analyses = list(analyse_documents(docs, nlp, extractor, batch_size=batch_size))
    documents = []
    for doc_id, analysis in zip(ids, analyses):
        resolution = resolve_entities([analysis])
        documents.append(PredictedDocument(doc_id, resolution.entities, resolution.facts))
    return Predicted(tuple(documents), tuple(analyses), time.perf_counter() - started)


def _date_metadata(date: str | None) -> tuple[tuple[str, str], ...]:
    return (("date", date),) if date else ()


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Score:
    name: str
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


def micro(name: str, scores: Iterable[Score]) -> Score:
    scores = list(scores)
    return Score(name, sum(s.tp for s in scores), sum(s.fp for s in scores), sum(s.fn for s in scores))


@dataclass(frozen=True)
class ErrorItem:
    """One missed or spurious fact; entities appear as ``name a Class``."""

    doc_id: str
    subject: str
    predicate: str
    object: str
    sentence: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class ReliabilityBin:
    """Evaluated facts whose confidence lies in [low, high), and how many of them were right."""

    low: float
    high: float
    facts: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.facts if self.facts else 0.0


RELIABILITY_EDGES = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


def reliability_bins(points: list[tuple[float, bool]]) -> tuple[ReliabilityBin, ...]:
    bins = []
    for low, high in zip(RELIABILITY_EDGES, RELIABILITY_EDGES[1:]):
        inside = [ok for c, ok in points if low <= c < high]
        if inside:
            bins.append(ReliabilityBin(low, min(high, 1.0), len(inside), sum(inside)))
    return tuple(bins)


@dataclass(frozen=True)
class EvalReport:
    gold_source: str
    gold_format: str
    documents: int
    entities: tuple[Score, ...]  # one per evaluated class
    entities_any_class: Score
    entities_micro: Score
    relations: tuple[Score, ...]  # one per relation group with gold or predicted facts
    relations_micro: Score
    missed: tuple[ErrorItem, ...]
    spurious: tuple[ErrorItem, ...]
    not_evaluated_facts: int = 0
    spurious_by_rule: tuple[tuple[str, int], ...] = ()
    reliability: tuple[ReliabilityBin, ...] = ()
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    qualifiers: tuple[QualifierScore, ...] = ()  # see score_qualifiers; empty when the gold has none

    def as_dict(self) -> dict:
        return {
            "qualifiers": {q.kind: q.as_dict() for q in self.qualifiers},
            "gold": self.gold_source,
            "format": self.gold_format,
            "documents": self.documents,
            "seconds": round(self.seconds, 2),
            "entities": {s.name: s.as_dict() for s in self.entities},
            "entities_any_class": self.entities_any_class.as_dict(),
            "entities_micro": self.entities_micro.as_dict(),
            "relations": {s.name: s.as_dict() for s in self.relations},
            "relations_micro": self.relations_micro.as_dict(),
            "not_evaluated_facts": self.not_evaluated_facts,
            "spurious_by_rule": dict(self.spurious_by_rule),
            "reliability": [{**asdict(b), "precision": b.precision} for b in self.reliability],
            "missed": [asdict(e) for e in self.missed],
            "spurious": [asdict(e) for e in self.spurious],
            "outputs": self.outputs,
        }


def _keys(*names) -> frozenset[str]:
    flat = [n for name in names for n in ([name] if isinstance(name, str) else name)]
    return frozenset(k for k in map(normalise_name, flat) if k)


def evaluate(gold: Gold, predicted: Predicted) -> EvalReport:
    """Compare per document; see the module docstring for the matching rules."""
    ent_counts = {c: Counter() for c in gold.classes}
    any_counts: Counter = Counter()
    rel_counts = {g.name: Counter() for g in gold.groups}
    group_of = {p: g for g in reversed(gold.groups) for p in g.predicates}
    missed: list[ErrorItem] = []
    spurious: list[ErrorItem] = []
    by_rule: Counter = Counter()
    not_evaluated = 0
    confidences: list[tuple[float, bool]] = []

    for gdoc in gold.documents:
        pdoc = predicted.document(gdoc.doc_id)
        gkeys = {g.name: _keys(g.name, g.aliases) for g in gdoc.entities}
        pkeys = {e.entity_id: _keys(e.label, e.aliases) for e in pdoc.entities}
        pents = {e.entity_id: e for e in pdoc.entities}
        all_gold_keys = frozenset().union(*gkeys.values())

        for g in gdoc.entities:
            same_class = any(e.cls == g.cls and pkeys[e.entity_id] & gkeys[g.name] for e in pdoc.entities)
            ent_counts[g.cls]["tp" if same_class else "fn"] += 1
            any_counts["tp" if any(pkeys[i] & gkeys[g.name] for i in pkeys) else "fn"] += 1
            if not same_class:
                missed.append(ErrorItem(gdoc.doc_id, g.name, "a", g.cls))
        for e in pdoc.entities:
            keys = pkeys[e.entity_id]
            if keys & gdoc.ignored and not keys & all_gold_keys:
                continue
            if not keys & all_gold_keys and e.cls in gold.classes:
                any_counts["fp"] += 1
            if e.cls in ent_counts and not any(g.cls == e.cls and keys & gkeys[g.name] for g in gdoc.entities):
                ent_counts[e.cls]["fp"] += 1
                spurious.append(ErrorItem(gdoc.doc_id, e.label, "a", e.cls))

        groups = {g.name: g for g in gold.groups}

        def matches(fact: Fact, rel: GoldRelation) -> bool:
            group = groups[rel.group]
            if fact.predicate not in group.predicates:
                return False
            s, o = pkeys[fact.subject], pkeys[fact.object]
            gs, go = gkeys[rel.subject], gkeys[rel.object]
            return bool(s & gs and o & go) or (group.symmetric and bool(s & go and o & gs))

        for rel in gdoc.relations:
            found = any(matches(f, rel) for f in pdoc.facts)
            rel_counts[rel.group]["tp" if found else "fn"] += 1
            if not found:
                missed.append(ErrorItem(gdoc.doc_id, rel.subject, rel.group, rel.object))

        seen: set[tuple] = set()
        for f in pdoc.facts:
            symmetric = f.predicate in SYMMETRIC_PREDICATES
            key = (f.predicate, *sorted((f.subject, f.object))) if symmetric else (f.subject, f.predicate, f.object)
            if key in seen:
                continue
            seen.add(key)
            group = group_of.get(f.predicate)
            subject, obj = pents[f.subject], pents[f.object]
            if any(matches(f, rel) for rel in gdoc.relations):
                confidences.append((f.claim.confidence, True))
                continue
            dont_care = any(pkeys[i] & gdoc.ignored and not pkeys[i] & all_gold_keys for i in (f.subject, f.object))
            if group is None or not group.fits(subject.cls, obj.cls) or dont_care:
                not_evaluated += 1
                continue
            confidences.append((f.claim.confidence, False))
            rel_counts[group.name]["fp"] += 1
            by_rule[f.claim.rule] += 1
            spurious.append(
                ErrorItem(gdoc.doc_id, subject.label, f.predicate, obj.label, f.claim.sentence, f.claim.rule)
            )

    entity_scores = tuple(Score(c, **ent_counts[c]) for c in gold.classes if ent_counts[c])
    relation_scores = tuple(Score(g, **c) for g, c in rel_counts.items() if c)
    return EvalReport(
        gold_source=gold.source,
        gold_format=gold.format,
        documents=len(gold.documents),
        entities=entity_scores,
        entities_any_class=Score("any class", **any_counts),
        entities_micro=micro("micro (per class)", entity_scores),
        relations=relation_scores,
        relations_micro=micro("micro", relation_scores),
        missed=tuple(missed),
        spurious=tuple(spurious),
        not_evaluated_facts=not_evaluated,
        spurious_by_rule=tuple(by_rule.most_common()),
        reliability=reliability_bins(confidences),
        seconds=predicted.seconds,
    )


# -------------------------------------------------------------- run & print


def run_eval(
    gold_path: str | Path,
    out_dir: str | Path | None = None,
    limit: int | None = None,
    model: Path | None = None,
    held_aside: bool = False,
) -> EvalReport:
    """Load the gold, run the pipeline on its texts, score; with ``out_dir`` also write the graph and eval.json."""
    gold = load_gold(gold_path)
    if held_aside:
        gold = held_aside_part(gold, Path(gold_path), model)
    gold = gold.limited(limit)
    predicted = predict(gold.texts(), dates=gold.dates(), model=model)
    report = _with_qualifiers(evaluate(gold, predicted), gold, predicted)
    if out_dir is None:
        return report
    return write_eval_outputs(report, predicted, Path(out_dir))


def held_aside_part(gold: Gold, path: Path, model: Path | None) -> Gold:
    """The documents of ``gold`` that the model's training held aside (found by the file's digest)."""
    from kg.models import model_dir, model_meta
    from kg.train.corpus import file_digest

    digest = file_digest(path)
    folder = model_dir(model)
    entry = next((f for f in model_meta(folder).get("training_files", []) if f.get("sha256") == digest), None)
    if entry is None:
        raise GoldError(f"{path}: the model in {folder} was not trained on this file, so it held nothing aside")
    ids = set(entry.get("held_aside", []))
    return Gold(
        gold.source, gold.format, tuple(d for d in gold.documents if d.doc_id in ids), gold.classes, gold.groups
    )


def write_eval_outputs(report: EvalReport, predicted: Predicted, out_dir: Path) -> EvalReport:
    """The predicted graph (resolved across all documents, as ``kg build`` would) and eval.json."""
    from dataclasses import replace

    from kg.build import graph_quads
    from kg.resolve import resolve_entities
    from kg.store import atomic_write_bytes, write_outputs

    out_dir.mkdir(parents=True, exist_ok=True)
    analyses = list(predicted.analyses)
    outputs = {k: str(v) for k, v in write_outputs(graph_quads(analyses, resolve_entities(analyses)), out_dir).items()}
    outputs["eval"] = str(out_dir / "eval.json")
    report = replace(report, outputs=outputs)
    data = json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"
    atomic_write_bytes(out_dir / "eval.json", data.encode("utf-8"))
    return report


def format_report(report: EvalReport, show: int = 20, width: int = 140) -> str:
    """The scores as aligned tables, then the first ``show`` missed and spurious facts."""
    from rich.console import Console
    from rich.table import Table

    buffer = StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False, emoji=False, markup=False)
    console.print(
        f"kg eval {report.gold_source} ({report.gold_format}, {report.documents} documents, "
        f"pipeline {report.seconds:.1f} s)"
    )

    def score_table(title: str, rows: Iterable[Score], totals: Iterable[Score]) -> Table:
        table = Table(title=title, title_justify="left")
        table.add_column("", no_wrap=True)
        for col in ("TP", "FP", "FN", "precision", "recall", "F1"):
            table.add_column(col, justify="right")
        rows, totals = list(rows), list(totals)
        for n, s in enumerate(rows + totals):
            cells = (str(s.tp), str(s.fp), str(s.fn), f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}")
            table.add_row(s.name, *cells, end_section=n == len(rows) - 1)
        return table

    console.print(score_table("entities", report.entities, (report.entities_micro, report.entities_any_class)))
    console.print(score_table("relations", report.relations, (report.relations_micro,)))
    console.print(f"predicted facts outside the evaluated relations: {report.not_evaluated_facts}")
    if report.reliability:
        table = Table(title="reliability (evaluated facts by confidence)", title_justify="left")
        for col in ("confidence", "facts", "correct", "precision"):
            table.add_column(col, justify="right")
        for b in report.reliability:
            table.add_row(f"{b.low:.1f}-{b.high:.1f}", str(b.facts), str(b.correct), f"{b.precision:.3f}")
        console.print(table)
    if report.qualifiers:
        console.print(format_qualifier_scores("qualifiers of the gold relations found", report.qualifiers), end="")
    if report.spurious_by_rule:
        rules = ", ".join(f"{rule} {n}" for rule, n in report.spurious_by_rule)
        console.print(f"spurious relations by rule: {rules}")

    def error_table(title: str, items: tuple[ErrorItem, ...], evidence: bool) -> Table:
        table = Table(title=f"{title} (first {min(show, len(items))} of {len(items)})", title_justify="left")
        for col in ("document", "subject", "predicate", "object"):
            table.add_column(col, overflow="fold")
        if evidence:
            table.add_column("rule", overflow="fold")
            table.add_column("evidence", overflow="fold", ratio=1)
        for e in items[:show]:
            extra = (e.rule or "", (e.sentence or "").replace("\n", " ")) if evidence else ()
            table.add_row(e.doc_id, e.subject, e.predicate, e.object, *extra)
        return table

    if show:
        console.print(error_table("missed", report.missed, evidence=False))
        console.print(error_table("spurious", report.spurious, evidence=True))
    if report.outputs:
        console.print("outputs: " + ", ".join(report.outputs.values()))
    return buffer.getvalue()


# ---------------------------------------------------------------- qualifiers

QUALIFIER_KINDS = ("amount", "share", "date", "role")


@dataclass(frozen=True)
class QualifierScore:
    """One qualifier kind over the gold relations that were found and carry it in the gold.

    ``found``: the prediction has a value of that kind at all; ``correct``: it equals the gold once
    both are normalised; ``extra``: a found relation without it in the gold got one anyway;
    ``unreadable``: gold values that normalise to nothing ('à parts égales'), left out of ``gold``.
    """

    kind: str
    gold: int = 0
    found: int = 0
    correct: int = 0
    extra: int = 0
    unreadable: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "accuracy": self.accuracy}


def _gold_value(kind: str, text: str, document_date: str | None, where: tuple[str, str] | None = None):
    """The normalised gold value: (amount, currency), share, (ISO date, precision) or role text; None if unreadable.

    ``where`` (document text, evidence) lets a relative date be read in its sentence, as the extractor reads it
    ('se tiendra les 8 et 9 octobre' is the coming October).
    """
    from kg.extract.qualifiers.dates import parse_date
    from kg.extract.qualifiers.numbers import parse_amount, parse_share
    from kg.extract.qualifiers.roles import normalise_role

    if kind == "date" and where is not None:
        found = _date_in_context(text, document_date, *where)
        if found is not None:
            return found.value, found.precision

    if kind == "amount":
        found = parse_amount(text)
        return (found.value, found.currency) if found else None
    if kind == "share":
        return parse_share(text)
    if kind == "date":
        found = parse_date(text, document_date)
        return (found.value, found.precision) if found else None
    return normalise_role(text, drop_tense=True) or None


def _date_in_context(written: str, document_date: str | None, document: str, evidence: str):
    """The date ``written`` read where the document says it: the occurrence nearest the evidence."""
    from kg.extract.qualifiers.dates import find_dates, parse_document_date

    at = document.find(evidence) if evidence else -1
    spots = [m.start() for m in re.finditer(re.escape(written), document)]
    if not spots:
        return None
    spot = min(spots, key=lambda p: 0 if at <= p < at + len(evidence) else abs(p - max(at, 0)))
    found = find_dates(document, parse_document_date(document_date), spot, spot + len(written))
    return found[0] if found else None


def qualifier_matches(kind: str, gold_value, predicted) -> bool:
    """Whether predicted :class:`~kg.model.Qualifiers` give the normalised gold value of ``kind``."""
    from kg.extract.qualifiers.dates import PRECISIONS, truncate
    from kg.extract.qualifiers.roles import normalise_role

    if predicted is None:
        return False
    if kind == "amount":
        amount, currency = gold_value
        return predicted.amount == amount and (currency is None or predicted.currency == currency)
    if kind == "share":
        return predicted.share is not None and abs(predicted.share - gold_value) < Decimal("0.001")
    if kind == "date":
        value, precision = gold_value
        if predicted.date is None or PRECISIONS.index(predicted.date_precision) > PRECISIONS.index(precision):
            return False  # '2024' does not say 'en mars 2024'
        return truncate(predicted.date, precision) == value
    return predicted.role is not None and normalise_role(predicted.role, drop_tense=True) == gold_value


def _has(kind: str, q) -> bool:
    return q is not None and getattr(q, kind) is not None


def score_qualifier_pairs(pairs: Iterable[tuple[GoldDocument, GoldRelation, list]]) -> tuple[QualifierScore, ...]:
    """Score (gold document, found gold relation, the predicted Qualifiers of its matching claims) triples."""
    counts = {k: Counter() for k in QUALIFIER_KINDS}
    for gdoc, rel, predicted in pairs:
        gold = dict(rel.qualifiers)
        for kind in QUALIFIER_KINDS:
            c = counts[kind]
            if kind not in gold:
                c["extra"] += any(_has(kind, q) for q in predicted)
                continue
            value = _gold_value(kind, gold[kind], gdoc.date, (gdoc.text, rel.evidence or ""))
            if value is None:
                c["unreadable"] += 1
                continue
            c["gold"] += 1
            c["found"] += any(_has(kind, q) for q in predicted)
            c["correct"] += any(qualifier_matches(kind, value, q) for q in predicted)
    return tuple(QualifierScore(k, **counts[k]) for k in QUALIFIER_KINDS)


def _with_qualifiers(report: EvalReport, gold: Gold, predicted: Predicted) -> EvalReport:
    from dataclasses import replace

    has_qualifiers = any(rel.qualifiers for d in gold.documents for rel in d.relations)
    return replace(report, qualifiers=score_qualifiers(gold, predicted)) if has_qualifiers else report


def score_qualifiers(gold: Gold, predicted: Predicted) -> tuple[QualifierScore, ...]:
    """Qualifier scores of the pipeline: for each gold relation it found, do its claims carry the gold values?"""

    def pairs():
        for gdoc in gold.documents:
            pdoc = predicted.document(gdoc.doc_id)
            gkeys = {g.name: _keys(g.name, g.aliases) for g in gdoc.entities}
            pkeys = {e.entity_id: _keys(e.label, e.aliases) for e in pdoc.entities}
            groups = {g.name: g for g in gold.groups}
            for rel in gdoc.relations:
                group, gs, go = groups[rel.group], gkeys[rel.subject], gkeys[rel.object]
                claims = [
                    f.claim.qualifiers
                    for f in pdoc.facts
                    if f.predicate in group.predicates
                    and (
                        (pkeys[f.subject] & gs and pkeys[f.object] & go)
                        or (group.symmetric and pkeys[f.subject] & go and pkeys[f.object] & gs)
                    )
                ]
                if claims:
                    yield gdoc, rel, claims

    return score_qualifier_pairs(pairs())


_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)|\n")


def gold_evidence_qualifiers(gdoc: GoldDocument, rel: GoldRelation):
    """The attachment alone: :func:`~kg.extract.qualifiers.qualifiers_for` on the gold pair in its evidence sentence.

    The sentence is the one holding the gold evidence; each end is its name (or an alias) written
    nearest the evidence in that sentence, None when the sentence only refers to it.
    """
    from kg.extract.qualifiers import qualifiers_for

    text = gdoc.text
    at = text.find(rel.evidence) if rel.evidence else -1
    if at < 0:
        return None
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    start = ends[-1] if ends else 0
    stop = _SENTENCE_END.search(text, at + len(rel.evidence))
    end = stop.end() if stop else len(text)
    while start < end and text[start].isspace():
        start += 1
    names = {g.name: (g.name, *g.aliases) for g in gdoc.entities}
    spans = {n: _occurrences(text, forms, start, end) for n, forms in names.items()}

    def nearest(name: str):
        found = spans.get(name, [])
        return min(found, key=lambda s: 0 if at <= s[0] < at + len(rel.evidence) else abs(s[0] - at), default=None)

    subject, obj = nearest(rel.subject), nearest(rel.object)
    others = [s for n, found in spans.items() if n not in (rel.subject, rel.object) for s in found]
    return qualifiers_for(rel.group, text, start, end, subject, obj, gdoc.date, others)


def _occurrences(text: str, forms, start: int, end: int) -> list[tuple[int, int]]:
    found = []
    for form in sorted(set(forms), key=len, reverse=True):
        for m in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", text[start:end]):
            span = (start + m.start(), start + m.end())
            if not any(a <= span[0] and span[1] <= b for a, b in found):
                found.append(span)
    return found


def score_gold_evidence(gold: Gold) -> tuple[QualifierScore, ...]:
    """Qualifier scores of the attachment on the gold pairs and sentences (no extraction errors involved)."""
    pairs = (
        (gdoc, rel, [gold_evidence_qualifiers(gdoc, rel)])
        for gdoc in gold.documents
        for rel in gdoc.relations
        if rel.evidence
    )
    return score_qualifier_pairs(pairs)


def format_qualifier_scores(title: str, scores: Iterable[QualifierScore]) -> str:
    """The qualifier scores as one aligned table."""
    rows = [f"{title}", f"{'':8} {'gold':>6} {'found':>6} {'correct':>8} {'accuracy':>9} {'extra':>6} {'unread.':>8}"]
    for s in scores:
        rows.append(
            f"{s.kind:8} {s.gold:6d} {s.found:6d} {s.correct:8d} {s.accuracy:9.3f} {s.extra:6d} {s.unreadable:8d}"
        )
    return "\n".join(rows) + "\n"
