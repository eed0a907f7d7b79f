"""Resolution stage: one entity per real-world actor across mentions and documents.

Mentions are grouped by a normalised name (case, accents, apostrophes,
leading articles). Groups are then joined when the gazetteer says two names
are the same actor, when the text defines an acronym ("MITC (Moroccan ...)"),
or when two long non-person names differ by a typo ("Tehnopark"). A lone
surname is linked to a full name only inside one document, and only when one
person of the document has that surname: two people are never merged
because they share a surname.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from rapidfuzz.distance import Levenshtein

from kg.model import DocumentAnalysis, Entity, Fact, Mention
from kg.resources import gazetteer
from kg.vocab import predicate_signatures

_ARTICLES = re.compile(r"^(?:(?:le|la|les|un|une|des|du|de la|au|aux)\s+|(?:l'|de l'|d')\s*)", re.I)
_CLASS_ORDER = ("Organization", "Facility", "Person", "Place", "Program", "Event")


@lru_cache(maxsize=1 << 16)  # a build asks for the same names again and again (each mention twice at least)
def normalise_name(name: str) -> str:
    """Key under which two spellings of one name meet: no case, accents, articles or odd spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("`", "'").replace("ʼ", "'").lower()
    text = re.sub(r"[\"«»“”()\[\]]", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,.;:-")
    text = _ARTICLES.sub("", text)
    return text.replace("' ", "'")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or ``limit + 1`` as soon as it exceeds ``limit`` (rapidfuzz's bounded C++ version)."""
    return Levenshtein.distance(a, b, score_cutoff=limit)


def typo_limit(key: str) -> int:
    """How many edits still count as a typo of a name this long (none for short names)."""
    n = len(key.replace(" ", ""))
    return 0 if n < 8 else 1 if n < 14 else 2


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(frozen=True)
class Resolution:
    entities: tuple[Entity, ...]
    facts: tuple[Fact, ...]
    mention_entity: dict[Mention, str]

    def entity(self, entity_id: str) -> Entity:
        return self._by_id[entity_id]

    @cached_property
    def _by_id(self) -> dict[str, Entity]:
        return {e.entity_id: e for e in self.entities}


def _surname_keys(mentions: list[Mention]) -> dict[Mention, str]:
    """Per document: a lone surname -> the key of the only full name ending with it."""
    out: dict[Mention, str] = {}
    by_doc: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.cls == "Person":
            by_doc[m.doc_id].append(m)
    for people in by_doc.values():
        full = {normalise_name(m.text) for m in people if len(m.text.split()) >= 2}
        for m in people:
            key = normalise_name(m.text)
            if " " in key:
                continue
            owners = {f for f in full if f.split()[-1] == key}
            if len(owners) == 1:
                out[m] = owners.pop()
    return out


def resolve_entities(analyses: Iterable[DocumentAnalysis]) -> Resolution:
    """Group the mentions of all documents into entities and turn claims into facts."""
    analyses = list(analyses)
    resolver = EntityResolver()
    for a in analyses:
        resolver.add(a)
    layer = resolver.finish()
    mention_entity: dict[Mention, str] = {}
    facts: list[Fact] = []
    for a in analyses:
        mention_entity.update(layer.mention_entities(a))
        facts.extend(layer.facts(a))
    return Resolution(layer.entities, tuple(facts), mention_entity)


@dataclass(slots=True)
class _NameStats:
    """What resolution keeps of the mentions under one name key: no mention, only what merging needs."""

    classes: Counter = field(default_factory=Counter)
    forms: Counter = field(default_factory=Counter)  # cleaned spellings, for the label and aliases
    expansions: set[str] = field(default_factory=set)  # normalised long forms of an acronym, joined to the key
    expansion_forms: set[str] = field(default_factory=set)  # cleaned long forms, as aliases
    doc_ids: set[str] = field(default_factory=set)
    count: int = 0


def _mention_keys(mentions: Iterable[Mention]) -> list[tuple[Mention, str]]:
    """Each mention of one document with its name key (a lone surname takes its full name's key)."""
    mentions = list(mentions)
    surname = _surname_keys(mentions)
    return [(m, surname.get(m) or normalise_name(m.text)) for m in mentions]


class EntityResolver:
    """Resolution fed one document at a time: it keeps names, keys and counts, never the documents.

    :meth:`add` each document once (the first copy of a duplicate), then :meth:`finish` gives the entity
    layer, which maps any of those documents' mentions and claims to entities and facts.
    """

    def __init__(self):
        self._names: dict[str, _NameStats] = {}  # in the order keys first appear

    def add(self, analysis: DocumentAnalysis) -> None:
        for m, key in _mention_keys(analysis.mentions):
            stats = self._names.get(key)
            if stats is None:
                stats = self._names[key] = _NameStats()
            stats.classes[m.cls] += 1
            stats.forms[_clean_form(m.text)] += 1
            if m.expansion:
                stats.expansions.add(normalise_name(m.expansion))
                stats.expansion_forms.add(_clean_form(m.expansion))
            stats.doc_ids.add(sys.intern(m.doc_id))  # one string per document, however many mentions
            stats.count += 1

    def finish(self) -> EntityLayer:
        names = self._names
        uf = _UnionFind()
        for key in names:
            uf.find(key)

        gaz_class: dict[str, str] = {}
        for entry in gazetteer():
            keys = [normalise_name(n) for n in (entry.label, *entry.aliases)]
            if any(k in uf.parent for k in keys):
                for k in keys:
                    uf.union(keys[0], k)
                gaz_class[keys[0]] = entry.cls
        for key, stats in names.items():
            for expansion in sorted(stats.expansions):
                uf.union(key, expansion)

        person_only = {k for k, s in names.items() if set(s.classes) == {"Person"}}
        _join_typos([k for k in names if typo_limit(k)], uf, person_only)

        clusters: dict[str, list[_NameStats]] = defaultdict(list)
        for key, stats in names.items():
            clusters[uf.find(key)].append(stats)
        # the gazetteer's classes and labels of each cluster, in the gazetteer's order
        gaz_classes: dict[str, list[str]] = defaultdict(list)
        for k, cls in gaz_class.items():
            gaz_classes[uf.find(k)].append(cls)
        gaz_aliases: dict[str, set[str]] = defaultdict(set)
        for k, entry in {normalise_name(e.label): e for e in gazetteer()}.items():
            if uf.parent.get(k) is not None:
                gaz_aliases[uf.find(k)].add(entry.label)

        entities: list[Entity] = []
        root_entity: dict[str, str] = {}
        used_ids: set[str] = set()
        for root, group in sorted(clusters.items()):
            votes, forms = Counter(), Counter()
            for s in group:
                votes.update(s.classes)
                forms.update(s.forms)
            cls = _cluster_class(votes, gaz_classes.get(root, []))
            # the most used form; on a tie an acronym, then the fuller name
            label = max(forms, key=lambda f: (forms[f], f.isupper(), len(f), f))
            aliases = set(forms) | gaz_aliases.get(root, set())
            for s in group:
                aliases |= s.expansion_forms
            aliases.discard(label)
            entity_id = _unique_id(slugify(label), cls, used_ids)
            entities.append(
                Entity(
                    entity_id=entity_id,
                    label=label,
                    cls=cls,
                    aliases=tuple(sorted(aliases)),
                    mention_count=sum(s.count for s in group),
                    doc_ids=tuple(sorted(set().union(*(s.doc_ids for s in group)))),
                )
            )
            root_entity[root] = entity_id
        return EntityLayer(tuple(entities), {key: root_entity[uf.find(key)] for key in names})


@dataclass(frozen=True)
class EntityLayer:
    """The entities of a resolution, and the entity of each name key: enough to resolve a document's mentions
    and claims one document at a time."""

    entities: tuple[Entity, ...]
    key_entity: dict[str, str]

    @cached_property
    def _class_of(self) -> dict[str, str]:
        return {e.entity_id: e.cls for e in self.entities}

    def mention_entities(self, analysis: DocumentAnalysis) -> dict[Mention, str]:
        """The entity id of each mention of a document given to the resolver."""
        return {m: self.key_entity[key] for m, key in _mention_keys(analysis.mentions)}

    def facts(self, analysis: DocumentAnalysis, mention_entity: dict[Mention, str] | None = None) -> list[Fact]:
        """The facts of a document, in the order of its claims."""
        # one claim per fact and passage: two mentions of one actor in a sentence ("MITC (Moroccan Information
        # Technopark Company)") state the fact once, with the best confidence
        # and only facts whose resolved actors fit the predicate's domain and range: a mention typed one way can
        # join an entity of another class ("New York" named as an organisation once, a place everywhere else)
        mention_entity = mention_entity if mention_entity is not None else self.mention_entities(analysis)
        signatures = predicate_signatures()
        cls_of = self._class_of
        best: dict[tuple, Fact] = {}
        for c in analysis.claims:
            s, o = mention_entity[c.subject], mention_entity[c.object]
            domain, range_ = signatures.get(c.predicate, (None, None))
            if s == o or (domain is not None and (cls_of[s] not in domain or cls_of[o] not in range_)):
                continue
            key = (s, c.predicate, o, c.doc_id, c.sentence_start, c.sentence_end)
            if key not in best or c.confidence > best[key].claim.confidence:
                best[key] = Fact(s, c.predicate, o, c)
        return list(best.values())


def _join_typos(keys: list[str], uf: _UnionFind, person_only: set[str]) -> None:
    """Join names one typo apart; two names only ever seen as people are never joined."""
    # block on the first or the last three letters so a typo anywhere still meets its twin
    blocks: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        blocks["^" + k[:3]].append(k)
        blocks["$" + k[-3:]].append(k)
    for group in blocks.values():
        if len(group) > 400:  # a block this big is a common prefix, not a name
            continue
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a != b and not (a in person_only and b in person_only):
                    limit = min(typo_limit(a), typo_limit(b))
                    if edit_distance(a, b, limit) <= limit and not _differs_by_number(a, b):
                        uf.union(a, b)


def _differs_by_number(a: str, b: str) -> bool:
    """ "Technopark 1" and "Technopark 2" are not typos of each other."""
    return re.sub(r"\D", "", a) != re.sub(r"\D", "", b)


def _cluster_class(votes: Counter, gaz_classes: list[str]) -> str:
    """The gazetteer's class when it knows the actor, else the class most mentions give."""
    if gaz_classes:
        return Counter(gaz_classes).most_common(1)[0][0]
    return max(votes, key=lambda c: (votes[c], -_CLASS_ORDER.index(c)))


def _clean_form(text: str) -> str:
    text = " ".join(text.split()).strip(" ,.;:")
    return re.sub(r"^(?:[Ll]e|[Ll]a|[Ll]es)\s+(?=[A-ZÀ-Ý])", "", text)


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    return text or "entity"


def _unique_id(slug: str, cls: str, used: set[str]) -> str:
    candidate = slug
    if candidate in used:
        candidate = f"{slug}-{cls.lower()}"
    n = 2
    while candidate in used:
        candidate = f"{slug}-{cls.lower()}-{n}"
        n += 1
    used.add(candidate)
    return candidate
