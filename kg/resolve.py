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
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz.distance import Levenshtein

from kg.model import DocumentAnalysis, Entity, Fact, Mention
from kg.resources import gazetteer
from kg.vocab import predicate_signatures

_ARTICLES = re.compile(r"^(?:(?:le|la|les|un|une|des|du|de la|au|aux)\s+|(?:l'|de l'|d')\s*)", re.I)
_CLASS_ORDER = ("Organization", "Facility", "Person", "Place", "Program", "Event")


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
    mentions = [m for a in analyses for m in a.mentions]
    surname = _surname_keys(mentions)
    key_of = {m: surname.get(m) or normalise_name(m.text) for m in mentions}
    uf = _UnionFind()
    for key in key_of.values():
        uf.find(key)

    gaz_class: dict[str, str] = {}
    for entry in gazetteer():
        keys = [normalise_name(n) for n in (entry.label, *entry.aliases)]
        if any(k in uf.parent for k in keys):
            for k in keys:
                uf.union(keys[0], k)
            gaz_class[keys[0]] = entry.cls
    for m in mentions:
        if m.expansion:
            uf.union(key_of[m], normalise_name(m.expansion))

    classes_by_key: dict[str, Counter] = defaultdict(Counter)
    for m in mentions:
        classes_by_key[key_of[m]][m.cls] += 1
    person_only = {k for k, c in classes_by_key.items() if set(c) == {"Person"}}
    _join_typos([k for k in classes_by_key if typo_limit(k)], uf, person_only)

    clusters: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        clusters[uf.find(key_of[m])].append(m)
    gaz_labels = {normalise_name(e.label): e for e in gazetteer()}

    entities: list[Entity] = []
    mention_entity: dict[Mention, str] = {}
    used_ids: set[str] = set()
    for root, ms in sorted(clusters.items()):
        cls = _cluster_class(ms, [gaz_class[k] for k in gaz_class if uf.find(k) == root])
        forms = Counter(_clean_form(m.text) for m in ms)
        # the most used form; on a tie an acronym, then the fuller name
        label = max(forms, key=lambda f: (forms[f], f.isupper(), len(f), f))
        aliases = set(forms) - {label}
        for m in ms:
            if m.expansion:
                aliases.add(_clean_form(m.expansion))
        gaz = [gaz_labels[k] for k in gaz_labels if uf.parent.get(k) is not None and uf.find(k) == root]
        for entry in gaz:
            aliases.add(entry.label)
        aliases.discard(label)
        entity_id = _unique_id(slugify(label), cls, used_ids)
        entities.append(
            Entity(
                entity_id=entity_id,
                label=label,
                cls=cls,
                aliases=tuple(sorted(aliases)),
                mention_count=len(ms),
                doc_ids=tuple(sorted({m.doc_id for m in ms})),
            )
        )
        for m in ms:
            mention_entity[m] = entity_id

    # one claim per fact and passage: two mentions of one actor in a sentence ("MITC (Moroccan Information
    # Technopark Company)") state the fact once, with the best confidence
    # and only facts whose resolved actors fit the predicate's domain and range: a mention typed one way can
    # join an entity of another class ("New York" named as an organisation once, a place everywhere else)
    signatures = predicate_signatures()
    cls_of = {e.entity_id: e.cls for e in entities}
    best: dict[tuple, Fact] = {}
    for a in analyses:
        for c in a.claims:
            s, o = mention_entity[c.subject], mention_entity[c.object]
            domain, range_ = signatures.get(c.predicate, (None, None))
            if s == o or (domain is not None and (cls_of[s] not in domain or cls_of[o] not in range_)):
                continue
            key = (s, c.predicate, o, c.doc_id, c.sentence_start, c.sentence_end)
            if key not in best or c.confidence > best[key].claim.confidence:
                best[key] = Fact(s, c.predicate, o, c)
    return Resolution(tuple(entities), tuple(best.values()), mention_entity)


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


def _cluster_class(ms: list[Mention], gaz_classes: list[str]) -> str:
    if gaz_classes:
        return Counter(gaz_classes).most_common(1)[0][0]
    votes = Counter(m.cls for m in ms)
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
