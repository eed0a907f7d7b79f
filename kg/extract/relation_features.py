"""Candidate pairs of actors and their features, for the relation classifier.

A *unit* is a place in the text that stands for an actor: a named mention, or an anaphor standing for its
antecedent (:mod:`kg.extract.anaphora`). Candidate pairs are two units in the same sentence or in
neighbouring sentences whose classes admit at least one predicate (the ontology's signatures, as seen in
training). Features are strings: classes, distance, the words around and between, the dependency path and
the word where it turns, the noun introducing each name, coordination, anaphor kinds, the trigger lexicons
of the hand-written rules that those words belong to, and the rules that fired on the pair
(:mod:`kg.extract.relations`). A member of a list ("A, B et C") also gets the
path features of the list's first member, so every item is judged by what is said of the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from spacy.attrs import DEP, HEAD, IS_SPACE, LEMMA, LIKE_NUM, POS
from spacy.tokens import Doc, Span

from kg.extract.anaphora import Anaphor, descriptor, find_anaphors

MAX_SENTENCE_GAP = 1
_COARSE = {"Organization": "Institution", "Facility": "Institution"}
_MAX_BETWEEN = 14
# lexicons of relations.json that name no relation (prepositions, generic nouns, adjectives of a title)
_NOT_TRIGGERS = frozenset({"location_preps", "anaphoric_heads", "generic_heads", "role_modifiers"})


@cache
def trigger_lexicons() -> dict[str, tuple[str, ...]]:
    """Lemma -> the names of the rules' trigger lexicons it is in ("sceller" -> sign_verbs). As features,
    they let a trigger word the training pairs rarely show share what was learned of its lexicon."""
    from kg.resources import relation_rules

    out: dict[str, set[str]] = {}
    for name, words in relation_rules()["lexicons"].items():
        if name not in _NOT_TRIGGERS:
            for word in words:
                out.setdefault(word.lower(), set()).add(name)
    return {word: tuple(sorted(names)) for word, names in out.items()}


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    head: int  # token standing for the unit in the parse
    cls: str
    mention: Span  # the named mention (the antecedent, for an anaphor)
    sentence: int
    anaphor: str | None = None  # kind and word of an anaphor, None for a named mention


@dataclass(frozen=True)
class Candidate:
    first: Unit  # earlier in the text
    second: Unit
    features: tuple[str, ...]


def units_of(doc: Doc, mentions: list[Span]) -> list[Unit]:
    sent_index = {s.start: n for n, s in enumerate(doc.sents)}
    units = [Unit(m.start, m.end, m.root.i, m.label_, m, sent_index[m.sent.start]) for m in mentions]
    for a in find_anaphors(doc, mentions):
        units.append(_anaphor_unit(doc, a, sent_index))
    return sorted(units, key=lambda u: (u.start, u.end))


def _anaphor_unit(doc: Doc, a: Anaphor, sent_index: dict[int, int]) -> Unit:
    return Unit(
        a.start,
        a.end,
        a.head,
        a.antecedent.label_,
        a.antecedent,
        sent_index[doc[a.start].sent.start],
        f"{a.kind}:{a.word}",
    )


def candidates(
    doc: Doc,
    mentions: list[Span],
    allowed: set[tuple[str, str]],
    rule_hits: dict[tuple[int, int, int, int], list[str]] | None = None,
) -> list[Candidate]:
    """Every candidate pair of ``doc`` with its features; ``allowed`` holds the class pairs (in text order)."""
    units = units_of(doc, mentions)
    rule_hits = rule_hits or {}
    words = _words(doc, list(doc.sents))
    coord = _coordination_heads(doc, units)
    descriptors: dict[tuple[int, int], str | None] = {}
    # each unit's mention (its place, its lower-cased name) read once: Span.text builds a new string per call
    spans = [(u.mention.start, u.mention.end) for u in units]
    names = [u.mention.text.lower() for u in units]
    out = []
    for i, a in enumerate(units):
        for j in range(i + 1, len(units)):
            b = units[j]
            if b.sentence - a.sentence > MAX_SENTENCE_GAP:
                break
            if b.start < a.end or spans[i] == spans[j]:
                continue
            if names[i] == names[j] or (a.cls, b.cls) not in allowed:  # one mention, or one actor named twice
                continue
            # units are sorted by start: the ones between a and b lie between their indices
            inner = sum(1 for u in units[i + 1 : j] if u.start >= a.end and u.end <= b.start)
            out.append(Candidate(a, b, tuple(pair_features(words, a, b, inner, coord, rule_hits, descriptors))))
    return out


def _coordination_heads(doc: Doc, units: list[Unit]) -> dict[int, int]:
    """Unit head token -> head token of the first member of its list, for list members after the first."""
    heads = {u.head for u in units}
    out = {}
    for u in units:
        tok = doc[u.head]
        first = tok
        while first.dep_ == "conj" and first.head.i != first.i:
            first = first.head
        if first.i != tok.i and first.i in heads:
            out[u.head] = first.i
    return out


def _bucket(n: int) -> str:
    for limit, name in ((0, "0"), (2, "1-2"), (5, "3-5"), (10, "6-10"), (20, "11-20")):
        if n <= limit:
            return name
    return "20+"


class _Words(NamedTuple):
    """A doc's token attributes, read once: the features ask for them thousands of times per document."""

    lemma: list[str]  # lower-cased lemma, "#num" for a number
    lexicons: list[tuple[str, ...]]  # the trigger lexicons of the lower-cased lemma
    space: list[bool]
    dep: list[str]
    head: list[int]
    pos: list[str]
    roots: list[int]  # root token of each sentence


def _words(doc: Doc, sents: list[Span]) -> _Words:
    # from the doc's arrays: one string lookup per distinct value, no Token object per token
    strings, lexicons = doc.vocab.strings, trigger_lexicons()
    table = doc.to_array([LEMMA, DEP, HEAD, POS, IS_SPACE, LIKE_NUM])
    low = {v: strings[v].lower() for v in set(table[:, 0].tolist())}
    names = {v: strings[v] for v in set(table[:, 1].tolist()) | set(table[:, 3].tolist())}
    lemma_ids, dep_ids, pos_ids = table[:, 0].tolist(), table[:, 1].tolist(), table[:, 3].tolist()
    like_num = table[:, 5].tolist()
    lemma = ["#num" if num else low[v] for v, num in zip(lemma_ids, like_num)]
    heads = (table[:, 2].astype("int64") + range(len(table))).tolist()
    return _Words(
        lemma,
        [lexicons.get(low[v], ()) for v in lemma_ids],
        [bool(x) for x in table[:, 4].tolist()],
        [names[v] for v in dep_ids],
        heads,
        [names[v] for v in pos_ids],
        [s.root.i for s in sents],
    )


def _ancestry(w: _Words, i: int) -> list[int]:
    chain = [i]
    while w.head[chain[-1]] != chain[-1]:
        chain.append(w.head[chain[-1]])
    return chain


def _path(w: _Words, i: int, j: int) -> tuple[list[str], list[str], int | None]:
    """Dependency labels and lemmas from token i up to the common ancestor and down to token j, and that
    ancestor."""
    up_i, up_j = _ancestry(w, i), _ancestry(w, j)
    ids_j = {t: n for n, t in enumerate(up_j)}
    for n, t in enumerate(up_i):
        if t in ids_j:
            m = ids_j[t]
            labels = [f"{w.dep[x]}^" for x in up_i[:n]] + [f"v{w.dep[x]}" for x in reversed(up_j[:m])]
            words = [w.lemma[x] for x in up_i[1:n]] + [w.lemma[x] for x in reversed(up_j[1:m])]
            return labels, words, t
    return [], [], None


def pair_features(w: _Words, a: Unit, b: Unit, inner_units: int, coord, rule_hits, descriptors) -> list[str]:
    ca, cb = a.cls, b.cls
    cp = f"{ca}|{cb}"
    f = [f"c={cp}", f"sd={b.sentence - a.sentence}"]
    for name, u in (("A", a), ("B", b)):
        if u.anaphor:
            kind, _, word = u.anaphor.partition(":")
            f += [f"ana{name}={kind}", f"anaw{name}={word}", f"ana{name}|{cp}"]
        key = (u.mention.start, u.mention.end)
        if key not in descriptors:
            descriptors[key] = descriptor(u.mention)
        d = descriptors[key] if not u.anaphor else None
        if d:
            f += [f"d{name}={d}", f"d{name}={d}|{cp}"]
        dep, head = w.dep[u.head], w.lemma[w.head[u.head]]
        f += [f"dep{name}={dep}", f"h{name}={head}", f"h{name}={head}|{dep}"]
    gap = b.start - a.end
    f.append(f"tok={_bucket(gap)}")
    f.append(f"ne={min(inner_units, 3)}")
    words = [w.lemma[k] for k in range(a.end, b.start) if not w.space[k]]
    if len(words) <= _MAX_BETWEEN:
        f += [f"bw={x}" for x in words]
        f += [f"bb={x}_{y}" for x, y in zip(words, words[1:])]
        f.append(f"bws={' '.join(words)}" if len(words) <= 4 else "bws=long")
    else:
        f += [f"bwf={x}" for x in words[:5]] + [f"bwl={x}" for x in words[-5:]]
    if words:
        f += [f"b1={words[0]}|{cp}", f"bL={words[-1]}|{cp}"]
    n_tokens = len(w.lemma)
    for k in (1, 2):
        if a.start - k >= 0:
            f.append(f"pa{k}={w.lemma[a.start - k]}")
        if b.end + k - 1 < n_tokens:
            f.append(f"nb{k}={w.lemma[b.end + k - 1]}")
    if a.start >= 2:
        f.append(f"pa12={w.lemma[a.start - 2]}_{w.lemma[a.start - 1]}|{cp}")
    path = _path(w, a.head, b.head) if b.sentence == a.sentence else None
    if path is not None:
        f += _path_features(w, path, cp, "")
        ha, hb = coord.get(a.head), coord.get(b.head)
        if ha is not None or hb is not None:
            f.append("coord")
            f += _path_features(w, _path(w, a.head if ha is None else ha, b.head if hb is None else hb), cp, "c")
    else:
        f += [f"xroot={w.lemma[w.roots[b.sentence]]}", f"xdepB={w.dep[b.head]}|{cp}"]
    f += _lexicon_features(w, a, b, path)
    for hit in rule_hits.get((a.mention.start, a.mention.end, b.mention.start, b.mention.end), ()):
        f.append(f"rule={hit}")
    # every feature also in conjunction with the class pair: predicates depend on it (a linear model cannot
    # combine them by itself); and with the coarse pair, where an organisation and a facility (a park, a hub)
    # are both institutions, so what is learned of one carries over to the other
    plain = [x for x in f[1:] if "|" not in x]
    coarse = f"{_COARSE.get(ca, ca)}~{_COARSE.get(cb, cb)}"
    return f + [f"cc={coarse}"] + [f"{x}|{cp}" for x in plain] + [f"{x}|{coarse}" for x in plain]


def _lexicon_features(w: _Words, a: Unit, b: Unit, path) -> list[str]:
    """The trigger lexicons of the words between the two units, on the path joining them, at the word where
    the path turns, and among the three words before the first unit and after the second."""
    lexicons = trigger_lexicons()
    found = {f"lxb={n}" for k in range(a.end, b.start) for n in w.lexicons[k]}
    if path is not None:
        _, words, top = path
        found |= {f"lxp={n}" for x in words for n in lexicons.get(x, ())}
        if top is not None:
            found |= {f"lxt={n}" for n in w.lexicons[top]}
    found |= {f"lxpa={n}" for k in range(max(a.start - 3, 0), a.start) for n in w.lexicons[k]}
    found |= {f"lxnb={n}" for k in range(b.end, min(b.end + 3, len(w.lemma))) for n in w.lexicons[k]}
    return sorted(found)


def _path_features(w: _Words, path, cp: str, prefix: str) -> list[str]:
    labels, words, top = path
    if top is None:
        return [f"{prefix}nopath"]
    f = [f"{prefix}dp={' '.join(labels)}", f"{prefix}dp={' '.join(labels)}|{cp}", f"{prefix}dl={_bucket(len(labels))}"]
    f += [f"{prefix}pw={x}" for x in words[:6]]
    if len(words) <= 3:
        f.append(f"{prefix}dpw={' '.join(labels)}|{' '.join(words)}")
    lca = w.lemma[top]
    f += [f"{prefix}lca={lca}", f"{prefix}lca={lca}|{cp}", f"{prefix}lcap={w.pos[top]}"]
    return f
