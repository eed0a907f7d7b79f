"""Relation rules: from a parsed sentence with typed entities to claims.

Rules live in ``kg/data/relations.json`` and come in two kinds:

- ``dep``: spaCy ``DependencyMatcher`` patterns. Most are written as compact
  *frames* (a trigger lexicon, where the subject and object attach, and whether
  a passive variant is wanted) that :func:`frame_patterns` expands into
  DependencyMatcher patterns; raw patterns are accepted too.
- ``surface``: regular expressions over the sentence rendered as
  ``lower/lemma`` units, with every entity collapsed into one ``⟦i:Class⟧``
  unit, for appositions and nominal phrases where the parse is unreliable.

Anchors that are not entities are resolved: coordination ("X et Y"),
relative pronouns ("l'AFEM, qui ..."), "ce dernier" and personal pronouns
(the latest fitting entity before them), possessives ("son partenariat": the
clause's subject), and implicit subjects of participles and infinitives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy
import regex
from spacy.attrs import DEP, HEAD, IDS, LEMMA
from spacy.language import Language
from spacy.matcher import DependencyMatcher
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span, Token

from kg.resources import first_names, gazetteer_names, relation_rules
from kg.vocab import PREDICATES

_ER_ENDING_LIST = sorted(
    (
        "e",
        "es",
        "ent",
        "é",
        "ée",
        "és",
        "ées",
        "er",
        "ant",
        "era",
        "eront",
        "erait",
        "eraient",
        "ait",
        "aient",
        "ons",
        "ez",
    ),
    key=len,
    reverse=True,
)
_ER_ENDINGS = "(?:" + "|".join(_ER_ENDING_LIST) + ")"
# the endings by length, longest first: a word has at most one ending of each length
_ER_ENDINGS_BY_LENGTH = tuple(
    (n, frozenset(e for e in _ER_ENDING_LIST if len(e) == n)) for n in sorted({len(e) for e in _ER_ENDING_LIST})[::-1]
)
# only a rule this sure of itself may retype an unknown name the NER mistyped (see coerce_class)
RETYPE_CONFIDENCE = 0.65
ACTOR_CLASSES = ("Organization", "Person", "Place", "Facility", "Event", "Program")
_POSSESSIVES = {"son", "sa", "ses", "leur", "leurs"}
_PRONOUNS = {"il", "elle", "ils", "elles", "celui-ci", "celle-ci"}
_PASSIVE_AGENT = ("obl:agent", "obl:mod", "obl:arg", "obl", "nmod")


@dataclass(frozen=True)
class RawRelation:
    """A relation between two entity spans of one doc, before it becomes a Claim."""

    subject: Span
    predicate: str
    object: Span
    rule: str
    confidence: float
    role: str | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    predicate: str
    kind: str
    confidence: float
    subject_classes: tuple[str, ...]
    object_classes: tuple[str, ...]
    inverse: bool = False  # the match's S is the fact's object (e.g. "X fonde Y" -> Y foundedBy X)


class SurfaceRule(NamedTuple):
    rule: Rule
    pattern: regex.Pattern
    needed: int  # named entities the pattern needs
    keywords: frozenset[str] | None  # one of these words or lemmas must be in the sentence


class TreeNode(NamedTuple):
    """One node of a compiled dependency pattern: linked to an earlier node, and the values its attributes take."""

    left: int  # index of the node it hangs from (-1 for the pattern's first node)
    op: str  # ">": a child of ``left``; "<": the head of ``left``
    tests: tuple[tuple[int, frozenset[int]], ...]  # (column of _TREE_COLUMNS, allowed ids)


class TreePattern(NamedTuple):
    match_id: int
    nodes: tuple[TreeNode, ...]
    trigger: frozenset[int] | None  # lemma ids the first node needs (None: it takes any lemma)


# what a compiled pattern may test, in doc.to_array columns; HEAD last
_TREE_ATTRS = ("LEMMA", "LOWER", "ORTH", "DEP", "POS", "TAG")
_TREE_COLUMNS = [IDS[name] for name in _TREE_ATTRS] + [HEAD]
_LEMMA_COLUMN, _DEP_COLUMN, _HEAD_COLUMN = _TREE_COLUMNS.index(LEMMA), _TREE_COLUMNS.index(DEP), len(_TREE_ATTRS)


def tree_pattern(match_id: int, pattern: list[dict]) -> TreePattern | None:
    """A DependencyMatcher pattern as a :class:`TreePattern`; None if it uses more than ``>``/``<`` links and
    plain or ``IN`` values of the attributes in ``_TREE_ATTRS``."""
    ids = [node["RIGHT_ID"] for node in pattern]
    nodes = []
    for j, node in enumerate(pattern):
        tests = []
        for attr, value in node.get("RIGHT_ATTRS", {}).items():
            if isinstance(value, dict) and value.keys() == {"IN"}:
                value = value["IN"]
            elif isinstance(value, str):
                value = [value]
            if attr not in _TREE_ATTRS or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return None
            tests.append((_TREE_ATTRS.index(attr), frozenset(get_string_id(v) for v in value)))
        if j == 0:
            if "REL_OP" in node:
                return None
            left, op = -1, ""
        else:
            if node.get("REL_OP") not in (">", "<") or node.get("LEFT_ID") not in ids[:j]:
                return None
            left, op = ids.index(node["LEFT_ID"]), node["REL_OP"]
        nodes.append(TreeNode(left, op, tuple(tests)))
    trigger = next((allowed for column, allowed in nodes[0].tests if column == _LEMMA_COLUMN), None)
    return TreePattern(match_id, tuple(nodes), trigger)


def tree_matches(pattern: TreePattern, rows, heads: list[int], children: list[list[int]]):
    """(sentence token ids, root) of each match of ``pattern`` in one sentence, in DependencyMatcher's order
    within a root: the product of each node's candidates in token order. ``rows`` holds the sentence's
    _TREE_COLUMNS values, ``heads`` and ``children`` its tree as ``Span.as_doc`` makes it."""
    nodes = pattern.nodes

    def fits(i: int, node: TreeNode) -> bool:
        return all(rows[i][column] in ids for column, ids in node.tests)

    def extend(partial: list[int]):
        if len(partial) == len(nodes):
            yield list(partial)
            return
        node = nodes[len(partial)]
        at = partial[node.left]
        linked = children[at] if node.op == ">" else ([heads[at]] if heads[at] != at else [])
        for i in linked:
            if fits(i, node):
                partial.append(i)
                yield from extend(partial)
                partial.pop()

    for first in range(len(rows)):
        if fits(first, nodes[0]):
            root = first
            while heads[root] != root:
                root = heads[root]
            for ids in extend([first]):
                yield ids, root


class RuleSet:
    """All relation rules, compiled once for a vocabulary."""

    def __init__(self, nlp: Language, spec: dict | None = None):
        spec = spec or relation_rules()
        self.lexicons: dict[str, list[str]] = spec["lexicons"]
        # nouns that stand before a name ("le réseau X") / that refer back to one ("l'association")
        self.generic_heads = frozenset(self.lexicons.get("generic_heads", ()))
        self.anaphoric_heads = frozenset(self.lexicons.get("anaphoric_heads", ()))
        self.rules: dict[str, Rule] = {}
        self.by_match_id: dict[int, str] = {}
        self.surface: list[SurfaceRule] = []
        self.matcher = DependencyMatcher(nlp.vocab)
        self.trigger_lemmas: set[str] = set()  # a sentence without one of these has no dependency match
        self.match_every_sentence = False  # raw patterns name no trigger lexicon
        # the matcher's patterns, in its order, for tree_matches; None when one is beyond tree_pattern
        self.tree_patterns: list[TreePattern] | None = []
        for item in spec["rules"]:
            rule = self._rule(item)
            if rule.name in self.rules:
                raise ValueError(f"relations.json: duplicate rule name {rule.name!r}")
            self.rules[rule.name] = rule
            self.by_match_id[get_string_id(rule.name)] = rule.name
            if item["kind"] == "surface":
                self.surface.append(self._surface_rule(rule, item["pattern"]))
            elif item["kind"] == "dep":
                written = item.get("patterns") or frame_patterns(item, self.lexicons)
                patterns = [self._resolve_lexicons(p) for p in written]
                self.matcher.add(rule.name, patterns)
                for pattern in patterns:
                    compiled = tree_pattern(get_string_id(rule.name), pattern)
                    if compiled is None or self.tree_patterns is None:
                        self.tree_patterns = None
                    else:
                        self.tree_patterns.append(compiled)
                if "trigger" in item:
                    self.trigger_lemmas.update(w.lower() for w in self.lexicon(item["trigger"]))
                else:
                    self.match_every_sentence = True
                for name, pattern in surface_twins(item):
                    twin = Rule(name, rule.predicate, "surface", round(rule.confidence - 0.05, 3),
                                rule.subject_classes, rule.object_classes, rule.inverse)  # fmt: skip
                    self.rules[name] = twin
                    self.surface.append(self._surface_rule(twin, pattern))
            else:
                raise ValueError(f"relations.json: rule {rule.name!r} has unknown kind {item['kind']!r}")
        # which tree patterns a lemma can start (a pattern whose first node takes any lemma is always tried)
        self.patterns_by_lemma: dict[int, list[int]] = {}
        self.untriggered: list[int] = []
        for k, pattern in enumerate(self.tree_patterns or ()):
            if pattern.trigger is None:
                self.untriggered.append(k)
            for lemma in pattern.trigger or ():
                self.patterns_by_lemma.setdefault(lemma, []).append(k)

    def patterns_for(self, lemmas: set[int]) -> list[int]:
        """Indices, in matcher order, of the tree patterns whose first node may match one of ``lemmas``."""
        found = set(self.untriggered)
        for lemma in lemmas:
            found.update(self.patterns_by_lemma.get(lemma, ()))
        return sorted(found)

    def _rule(self, item: dict) -> Rule:
        if item["predicate"] not in PREDICATES:
            raise ValueError(f"relations.json: rule {item['name']!r} uses unknown predicate {item['predicate']!r}")
        classes = _classes(item.get("subject_classes")), _classes(item.get("object_classes"))
        return Rule(
            item["name"], item["predicate"], item["kind"], float(item.get("confidence", 0.7)),
            classes[0], classes[1], bool(item.get("inverse", False)),
        )  # fmt: skip

    def _resolve_lexicons(self, pattern: list[dict]) -> list[dict]:
        def resolve(value):
            if isinstance(value, str) and value.startswith("$"):
                return self.lexicon(value[1:])
            if isinstance(value, dict):
                return {k: resolve(v) for k, v in value.items()}
            if isinstance(value, list):
                return [resolve(v) for v in value]
            return value

        return [resolve(node) for node in pattern]

    def lexicon(self, name: str) -> list[str]:
        if name not in self.lexicons:
            raise ValueError(f"relations.json: unknown lexicon {name!r}")
        return self.lexicons[name]

    def _surface_rule(self, rule: Rule, source: str) -> SurfaceRule:
        pattern = regex.compile(self.expand_surface(source, retype=rule.confidence >= RETYPE_CONFIDENCE))
        needed = ("S" in pattern.groupindex) + ("O" in pattern.groupindex)
        return SurfaceRule(rule, pattern, needed, self._keywords(source))

    def _keywords(self, source: str) -> frozenset[str] | None:
        """Words of the first word macro the pattern cannot match without (outside any group,
        not optional): a sentence with none of them, as word or lemma, is skipped unsearched."""
        for m in regex.finditer(r"\{(L|ROLE|W):([^{}]+)\}", source):
            depth = source[: m.start()].count("(") - source[: m.start()].count(")")
            optional = source[m.end() : m.end() + 1] in ("?", "*")
            if depth == 0 and not optional:
                kind, arg = m.group(1), m.group(2)
                words = self.lexicon(arg) if kind != "W" and arg in self.lexicons else arg.split("|")
                return frozenset(w.lower() for w in words)
        return None

    def expand_surface(self, pattern: str, retype: bool = False) -> str:
        """Expand the ``{...}`` macros of a surface pattern into a regular expression."""

        def alt(words):
            return "(?:" + "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"

        def macro(m: regex.Match) -> str:
            body = m.group(1)
            head, _, arg = body.partition(":")
            if head in ("S", "O"):
                if arg == "POSS":
                    return rf"(?P<{head}_POSS>{alt(_POSSESSIVES)}/\S+)"
                if arg == "COREF":
                    return rf"(?P<{head}_COREF>(?:ce/\S+ dernier/\S+|cette/\S+ dernière/\S+|{alt(_PRONOUNS)}/\S+))"
                wanted = set(arg.split("|")) if arg else set()
                if retype and wanted & {"Organization", "Facility", "Program", "Event"}:
                    wanted |= {"Place", "Person"}  # unknown names the NER mistyped; coerce_class decides
                classes = alt(wanted) if wanted else r"\w+"
                return rf"⟦(?P<{head}>\d+):{classes}⟧"
            if head == "L":
                words = self.lexicon(arg) if arg in self.lexicons else arg.split("|")
                stems = [w[:-2] for w in words if w.endswith("er") and len(w) >= 6 and " " not in w]
                if not stems:
                    return rf"(?:\S+?/{alt(words)})"
                # the model mislemmatises some present forms ("signe", "régule"): regular -er verbs
                # also match by their written form, stem plus a verbal ending
                return rf"(?:\S+?/{alt(words)}|{alt(stems)}{_ER_ENDINGS}/\S+)"
            if head == "W":
                return rf"(?:{alt(arg.split('|'))}/\S+)"
            if head == "ROLE":
                mods = alt(self.lexicon("role_modifiers"))
                return rf"(?P<R>\S+?/{alt(self.lexicon(arg))}(?: {mods}/\S+)*)"
            if head == "DE":
                return r"(?:(?:de|du|des|d')/\S+(?: (?:la|le|l')/\S+)?)"
            if head == "ART":
                return r"(?:(?:le|la|les|l'|un|une|des|du|au|aux|cette|ce|ces)/\S+ )?"
            if head.startswith("ANY"):  # {ANY0-20}: up to 20 units, entities included
                lo, hi = head[3:].split("-")
                return rf"(?:\S+ ){{{lo},{hi}}}?"
            if head.startswith("X"):  # {X0-4}: up to 4 words that are not entities
                lo, hi = head[1:].split("-")
                return rf"(?:[^⟦\s]\S* ){{{lo},{hi}}}?"
            raise ValueError(f"relations.json: unknown macro {{{body}}} in {pattern!r}")

        return regex.sub(r"\{([^{}]+)\}", macro, pattern)


def _classes(value) -> tuple[str, ...]:
    if not value:
        return ACTOR_CLASSES
    names = tuple(value.split("|")) if isinstance(value, str) else tuple(value)
    unknown = [n for n in names if n not in ACTOR_CLASSES]
    if unknown:
        raise ValueError(f"relations.json: unknown classes {unknown}")
    return names


def frame_patterns(item: dict, lexicons: dict) -> list[list[dict]]:
    """Expand a verb or noun frame into DependencyMatcher patterns.

    A frame names its trigger lexicon (``trigger``), the subject's attachment
    (``subject``: a dependency label, or ``implicit`` to find it by climbing
    from the trigger) and the object's (``object``: ``obj``, or
    ``{"obl": [prepositions]}``); ``passive: true`` adds the passive variant.
    """
    trigger = {"RIGHT_ID": "T", "RIGHT_ATTRS": {"LEMMA": {"IN": "$" + item["trigger"]}}}
    if "pos" in item:
        trigger["RIGHT_ATTRS"]["POS"] = {"IN": item["pos"]}
    obj = item["object"]
    if isinstance(obj, dict):
        preps = "$" + obj["prep"] if isinstance(obj["prep"], str) else obj["prep"]
        obj_nodes = [
            {"LEFT_ID": "T", "REL_OP": ">", "RIGHT_ID": "O",
             "RIGHT_ATTRS": {"DEP": {"IN": obj.get("deps", ["obl", "obl:arg", "obl:mod", "nmod"])}}},
            {"LEFT_ID": "O", "REL_OP": ">", "RIGHT_ID": "C", "RIGHT_ATTRS": {"DEP": "case", "LOWER": {"IN": preps}}},
        ]  # fmt: skip
    else:
        obj_nodes = [{"LEFT_ID": "T", "REL_OP": ">", "RIGHT_ID": "O", "RIGHT_ATTRS": {"DEP": {"IN": obj.split("|")}}}]
    patterns = []
    subj = item.get("subject", "nsubj")
    if subj == "implicit":
        patterns.append([trigger, *obj_nodes])
    else:
        subj_node = {
            "LEFT_ID": "T",
            "REL_OP": ">",
            "RIGHT_ID": "S",
            "RIGHT_ATTRS": {"DEP": {"IN": subj.split("|")}},
        }
        patterns.append([trigger, subj_node, *obj_nodes])
    if item.get("passive"):
        # "Y est racheté par X": Y is nsubj:pass, X an agent introduced by "par"
        patterns.append([
            trigger,
            {"LEFT_ID": "T", "REL_OP": ">", "RIGHT_ID": "O", "RIGHT_ATTRS": {"DEP": "nsubj:pass"}},
            {"LEFT_ID": "T", "REL_OP": ">", "RIGHT_ID": "S", "RIGHT_ATTRS": {"DEP": {"IN": list(_PASSIVE_AGENT)}}},
            {"LEFT_ID": "S", "REL_OP": ">", "RIGHT_ID": "C", "RIGHT_ATTRS": {"DEP": "case", "LOWER": "par"}},
        ])  # fmt: skip
        # "Y, racheté par X": the participle modifies Y
        patterns.append([
            trigger,
            {"LEFT_ID": "T", "REL_OP": "<", "RIGHT_ID": "O", "RIGHT_ATTRS": {"POS": {"IN": ["PROPN", "NOUN", "X"]}}},
            {"LEFT_ID": "T", "REL_OP": ">", "RIGHT_ID": "S", "RIGHT_ATTRS": {"DEP": {"IN": list(_PASSIVE_AGENT)}}},
            {"LEFT_ID": "S", "REL_OP": ">", "RIGHT_ID": "C", "RIGHT_ATTRS": {"DEP": "case", "LOWER": "par"}},
        ])  # fmt: skip
    return patterns


def surface_twins(item: dict) -> list[tuple[str, str]]:
    """Word-order versions of a verb frame, for sentences the parser gets wrong.

    "X dirige Y", "X a racheté Y" (active) and "Y, racheté par X", "Y a été racheté par X" (passive).
    """
    if "trigger" not in item or item.get("subject") == "implicit":
        return []
    verb = "{L:" + item["trigger"] + "}"
    aux = "(?:{L:avoir|être} )?(?:{L:avoir|être} )?"
    obj = item["object"]
    if obj == "obj":
        twins = [(f"{item['name']}-word-order", "{S} " + aux + verb + " {ART}{X0-1}{O}")]
    elif isinstance(obj, dict) and isinstance(obj["prep"], list):
        preps = "|".join(obj["prep"])
        twins = [(f"{item['name']}-word-order", "{S} " + aux + verb + " {W:" + preps + "} {ART}{X0-1}{O}")]
    else:
        return []
    if item.get("passive"):
        twins.append((f"{item['name']}-passive-word-order", "{O} ,? " + aux + verb + " {W:par} {ART}{X0-1}{S}"))
    return twins


class SentenceView:
    """One sentence with its entities: the lookups every rule needs."""

    def __init__(self, sent: Span, ents: list[Span], doc_ents: list[Span], rules: RuleSet):
        self.sent = sent
        self.ents = ents
        self.doc_ents = doc_ents
        self.generic_heads = rules.generic_heads
        self.anaphoric_heads = rules.anaphoric_heads
        self.by_token = {t: e for e in ents for t in range(e.start, e.end)}

    def anaphor_antecedent(self, token: Token) -> Span | None:
        """What "l'association", "la société" (definite, with no name of its own) refers to.

        The latest organisation named before it, at most three sentences back.
        """
        if token.lower_ not in self.anaphoric_heads or token.i in self.by_token:
            return None
        prev = token.doc[token.i - 1] if token.i > 0 else None
        if prev is None or prev.lower_ not in ("le", "la", "l'", "cette", "ce", "cet", "du", "au"):
            return None
        nxt = token.i + 1
        doc = token.doc
        while nxt < len(doc) and (doc[nxt].pos_ == "ADJ" or doc[nxt].text in "«\"“‘'"):
            nxt += 1
        if nxt < len(doc) and (nxt in self.by_token or doc[nxt].text[:1].isupper()):
            return None  # "la société Chari": the name follows
        return latest_entity_before(self.doc_ents, token, ("Organization",), max_sentences=4)

    def entity_at(self, token: Token) -> Span | None:
        ent = self.by_token.get(token.i)
        if ent is not None:
            return ent
        # "le programme Intelaka", "la startup Chari": a generic noun right before a name
        if token.lemma_.lower() in self.generic_heads and token.i + 1 in self.by_token:
            follower = self.by_token[token.i + 1]
            if follower.start == token.i + 1:
                return follower
        # "le réseau Jokkolabs", "la ville de Tanger": the entity hangs below a common noun
        for child in token.children:
            if child.dep_ in ("appos", "flat:name", "nmod") and child.i in self.by_token:
                if child.dep_ != "nmod" or token.pos_ == "NOUN" and token.lemma_.lower() in self.generic_heads:
                    return self.by_token[child.i]
        if token.dep_ == "appos" and token.head.i in self.by_token:
            return self.by_token[token.head.i]
        return self.anaphor_antecedent(token)

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word and lemma of the rendered sentence, plus the -er infinitive a written form may
        belong to ("régule" -> "réguler"), as the {L:...} macro's stem fallback matches those too."""
        words = {part for unit in self.rendered[0].split(" ") for part in unit.split("/")}
        for word in list(words):
            for n, endings in _ER_ENDINGS_BY_LENGTH:  # the longest ending that leaves a stem of 4 letters
                if len(word) - n >= 4 and word[-n:] in endings:
                    words.add(word[:-n] + "er")
                    break
        return frozenset(words)

    @cached_property
    def rendered(self) -> tuple[str, list[int]]:
        """The sentence as ``lower/lemma`` units and ⟦i:Class⟧ entity units, with unit -> ent index.

        The brackets never occur in text (French quotes « » do), so patterns can match quotes.
        """
        units, owners = [], []
        i = self.sent.start
        while i < self.sent.end:
            ent = self.by_token.get(i)
            if ent is not None:
                units.append(f"⟦{self.ents.index(ent)}:{ent.label_}⟧")
                owners.append(i)
                i = ent.end
                continue
            tok = self.sent.doc[i]
            lower = tok.lower_
            # anaphor_antecedent's own first test, here to spare the call for the other words
            ante = self.anaphor_antecedent(tok) if lower in self.anaphoric_heads else None
            if ante is not None:
                if ante not in self.ents:
                    self.ents.append(ante)
                units.append(f"⟦{self.ents.index(ante)}:{ante.label_}⟧")
                owners.append(i)
                i += 1
                continue
            if tok.is_quote:
                i += 1  # quotes around names carry nothing the patterns need
                continue
            text = lower.replace("/", "_").replace(" ", "_").replace("⟦", "[").replace("⟧", "]")
            units.append(text if tok.is_punct else f"{text}/{tok.lemma_.lower().replace(' ', '_')}")
            owners.append(i)
            i += 1
        return " ".join(units), owners


class RelationExtractor:
    """Applies a :class:`RuleSet` to parsed docs whose ``doc.ents`` are typed."""

    def __init__(self, nlp: Language, spec: dict | None = None):
        self.rules = RuleSet(nlp, spec)

    def extract(self, doc: Doc) -> list[RawRelation]:
        out: list[RawRelation] = []
        ents = list(doc.ents)
        columns = doc.to_array(_TREE_COLUMNS) if self.rules.tree_patterns is not None else None
        for sent in doc.sents:
            in_sentence = [e for e in ents if e.start >= sent.start and e.end <= sent.end]
            view = SentenceView(sent, in_sentence, ents, self.rules)
            if not view.ents:
                continue  # every rule needs at least one actor named in the sentence itself
            out.extend(self._dependency(doc, view, ents, self._sentence_matches(sent, columns)))
            out.extend(self._surface(doc, view, ents))
        return _dedupe(out)

    def _sentence_matches(self, sent: Span, columns=None) -> list[tuple[int, list[int]]]:
        """DependencyMatcher matches of one sentence (on ``sent.as_doc()``), in doc token ids.

        With ``columns`` (the doc's ``_TREE_COLUMNS``), :func:`tree_matches` finds them from the arrays: only
        the patterns whose trigger lemma occurs are tried, and no Doc is copied. The matcher's output is
        grouped by dependency tree, in an order that depends on every pattern; where a pattern matches in
        two trees of the sentence, the matcher itself is asked.
        """
        rules = self.rules
        if columns is None or rules.match_every_sentence:
            return self._matcher_matches(sent)
        rows = columns[sent.start : sent.end]
        wanted = rules.patterns_for(set(rows[:, _LEMMA_COLUMN].tolist()))
        if not wanted:
            return []
        positions = numpy.arange(len(rows))
        heads = rows[:, _HEAD_COLUMN].view(numpy.int64) + positions
        if ((heads < 0) | (heads >= len(rows))).any():
            rows = rows.copy()
            # heads outside the sentence: rewired by the very (private) method as_doc rewires them with
            sent._fix_dep_copy(_TREE_COLUMNS, rows)
            heads = rows[:, _HEAD_COLUMN].view(numpy.int64) + positions
        if not rows[:, _DEP_COLUMN].any():
            return self._matcher_matches(sent)  # not parsed: the matcher says so
        heads = heads.tolist()
        children: list[list[int]] = [[] for _ in heads]
        for i, head in enumerate(heads):
            if head != i:
                children[head].append(i)
        table = rows.tolist()
        matches = []
        for k in wanted:
            pattern = rules.tree_patterns[k]
            found = list(tree_matches(pattern, table, heads, children))
            if len({root for _, root in found}) > 1:
                return self._matcher_matches(sent)
            matches.extend((pattern.match_id, [i + sent.start for i in ids]) for ids, _ in found)
        return matches

    def _matcher_matches(self, sent: Span) -> list[tuple[int, list[int]]]:
        """The DependencyMatcher's matches of one sentence, in doc token ids.

        Matching sentence by sentence, and only where a trigger word occurs, costs a fraction
        of matching the whole document: the matcher's cost grows with tokens times patterns.
        """
        rules = self.rules
        if not rules.match_every_sentence and not any(
            sent.doc.vocab.strings[lemma].lower() in rules.trigger_lemmas
            for lemma in set(sent.doc.to_array(LEMMA)[sent.start : sent.end].tolist())
        ):
            return []
        offset = sent.start
        return [(match_id, [i + offset for i in ids]) for match_id, ids in rules.matcher(sent.as_doc())]

    # -- dependency rules
    def _dependency(self, doc: Doc, view: SentenceView, ents: list[Span], matches) -> list[RawRelation]:
        results = []
        for match_id, token_ids in matches:
            name = self.rules.by_match_id[match_id]
            rule = self.rules.rules[name]
            anchors = self._anchors(doc, name, token_ids)
            trig = anchors.get("T")
            if trig is None or not (view.sent.start <= trig.i < view.sent.end):
                continue
            s_classes, o_classes = rule.subject_classes, rule.object_classes
            if rule.inverse:
                s_classes, o_classes = o_classes, s_classes
            subj_tok = anchors.get("S")
            if subj_tok is not None:
                subjects = self._resolve(doc, view, ents, subj_tok, s_classes)
            else:
                subjects = self._implicit_subjects(doc, view, ents, trig)
            objects = self._resolve(doc, view, ents, anchors.get("O"), o_classes)
            for s in subjects:
                for o in objects:
                    results.extend(self._make(rule, s, o, None))
        return results

    def _anchors(self, doc: Doc, name: str, token_ids: list[int]) -> dict[str, Token]:
        # DependencyMatcher returns token ids in the order of the pattern's nodes
        for pattern in self.rules.matcher.get(name)[1]:
            if len(pattern) == len(token_ids):
                ids = [node["RIGHT_ID"] for node in pattern]
                anchors = {rid: doc[t] for rid, t in zip(ids, token_ids)}
                if all(_attrs_ok(anchors[n["RIGHT_ID"]], n["RIGHT_ATTRS"]) for n in pattern):
                    return anchors
        return {}

    def _resolve(self, doc, view, ents, token: Token | None, classes) -> list[Span]:
        if token is None:
            return []
        ent = view.entity_at(token)
        found: list[Span] = []
        if ent is not None:
            found.append(ent)
        elif token.lower_ in ("qui", "lequel", "laquelle"):
            found.extend(self._relative_antecedent(doc, view, token, classes))
        elif token.lower_ in _PRONOUNS or token.lower_ in ("dernier", "dernière"):
            ante = latest_entity_before(ents, token, classes, max_sentences=2)
            if ante is not None:
                found.append(ante)
        # coordination: "X et Y"
        for conj in token.children:
            if conj.dep_ == "conj":
                extra = view.entity_at(conj)
                if extra is not None and extra not in found:
                    found.append(extra)
        return [e for e in found if coerce_class(e, classes) is not None]

    def _relative_antecedent(self, doc, view, token: Token, classes) -> list[Span]:
        verb = token.head
        if verb.dep_ == "acl:relcl":
            ent = view.entity_at(verb.head)
            if ent is not None:
                return [ent]
        # parse failed: the entity right before the pronoun, past a comma
        i = token.i - 1
        while i >= view.sent.start and doc[i].is_punct:
            i -= 1
        ent = view.by_token.get(i)
        return [ent] if ent is not None and ent.label_ in classes else []

    def _implicit_subjects(self, doc, view, ents, trig: Token) -> list[Span]:
        """Subject of a participle, infinitive or coordinated verb with none of its own."""
        node, hops = trig, 0
        while hops < 4:
            subj = [c for c in node.children if c.dep_ in ("nsubj", "nsubj:pass")]
            if subj and node is not trig:
                return self._resolve(doc, view, ents, subj[0], ACTOR_CLASSES)
            if node.dep_ in ("acl", "acl:relcl", "appos"):
                ent = view.entity_at(node.head)
                if ent is not None:
                    return [ent]
            if node.dep_ not in ("xcomp", "conj", "advcl", "acl", "appos") or node.head is node:
                break
            node, hops = node.head, hops + 1
        return []

    # -- surface rules
    def _surface(self, doc: Doc, view: SentenceView, ents: list[Span]) -> list[RawRelation]:
        text, owners = view.rendered
        if not view.ents and "⟦" not in text:
            return []
        starts = _unit_starts(text)
        entity_units = text.count("⟦")
        results = []
        words = view.words
        for rule, pattern, needed, keywords in self.rules.surface:
            if entity_units < needed or (keywords is not None and keywords.isdisjoint(words)):
                continue  # the rule needs more named entities, or a word the sentence lacks
            anchored = set()
            for m in pattern.finditer(text, overlapped=True):
                if m.regs[1:] in anchored:
                    continue  # overlapping matches with the same groups: the same relation again
                anchored.add(m.regs[1:])
                subj = self._surface_anchor(doc, view, ents, m, "S", starts, owners, rule)
                obj = self._surface_anchor(doc, view, ents, m, "O", starts, owners, rule)
                role = None
                if "R" in m.groupdict() and m.group("R"):
                    a, b = _unit_range(m.span("R"), starts)
                    role = doc[owners[a] : owners[b - 1] + 1].text
                if subj is not None and obj is not None:
                    results.extend(self._make(rule, subj, obj, role))
        return results

    def _surface_anchor(self, doc, view, ents, m, name, starts, owners, rule) -> Span | None:
        groups = m.groupdict()
        classes = rule.subject_classes if (name == "S") != rule.inverse else rule.object_classes
        if groups.get(name) is not None:
            return view.ents[int(groups[name])]
        for kind in ("POSS", "COREF"):
            key = f"{name}_{kind}"
            if groups.get(key) is not None:
                a, _ = _unit_range(m.span(key), starts)
                token = doc[owners[a]]
                if kind == "POSS":
                    return possessor(doc, view, ents, token, classes)
                return latest_entity_before(ents, token, classes, max_sentences=2)
        return None

    def _make(self, rule: Rule, s: Span, o: Span, role: str | None) -> list[RawRelation]:
        if rule.inverse:
            s, o = o, s
        if s == o or s.text == o.text:
            return []
        if rule.confidence >= RETYPE_CONFIDENCE:
            s, o = coerce_class(s, rule.subject_classes), coerce_class(o, rule.object_classes)
        elif s.label_ not in rule.subject_classes or o.label_ not in rule.object_classes:
            return []
        if s is None or o is None:
            return []
        return [RawRelation(s, rule.predicate, o, rule.name, rule.confidence, role)]


def coerce_class(span: Span, allowed: tuple[str, ...]) -> Span | None:
    """The span if its class fits the slot; else, for an unknown name, the span retyped to fit.

    The French NER often takes an unknown company for a place or a person ("Chari",
    "Dataloop"). When a rule's slot wants an organisation, such a name is retyped, unless it is
    a known place or actor (gazetteer) or starts with a known given name.
    """
    if span.label_ in allowed:
        return span
    target = next((c for c in ("Organization", "Facility", "Program", "Event", "Place") if c in allowed), None)
    if target is None or span.id_ or span.label_ not in ("Place", "Person"):
        return None
    if span.label_ == "Person" and span[0].lower_ in first_names():
        return None
    if span.label_ == "Place" and (_is_known_place(span.text) or target == "Place"):
        return None
    return Span(span.doc, span.start, span.end, label=target)


def _is_known_place(text: str) -> bool:
    return text.lower() in gazetteer_names("Place")


def _attrs_ok(token: Token, attrs: dict) -> bool:
    dep = attrs.get("DEP")
    if isinstance(dep, str):
        return token.dep_ == dep
    if isinstance(dep, dict) and "IN" in dep:
        return token.dep_ in dep["IN"]
    return True


def _unit_starts(text: str) -> list[int]:
    starts, pos = [], 0
    for unit in text.split(" "):
        starts.append(pos)
        pos += len(unit) + 1
    return starts


def _unit_range(span: tuple[int, int], starts: list[int]) -> tuple[int, int]:
    import bisect

    a = bisect.bisect_right(starts, span[0]) - 1
    b = bisect.bisect_left(starts, span[1])
    return a, max(b, a + 1)


def latest_entity_before(ents: list[Span], token: Token, classes, max_sentences: int = 2) -> Span | None:
    """The last entity of a fitting class before ``token``, within a few sentences ("ce dernier")."""
    sents = list(token.doc.sents)
    idx = next(i for i, s in enumerate(sents) if s.start <= token.i < s.end)
    floor = sents[max(0, idx - max_sentences + 1)].start
    for ent in reversed(ents):
        if ent.end <= token.i and ent.start >= floor and ent.label_ in classes:
            return ent
    return None


def possessor(doc: Doc, view: SentenceView, ents: list[Span], det: Token, classes) -> Span | None:
    """Who "son/sa/leur" refers to: the nearest subject entity before it in the sentence."""
    for ent in reversed(view.ents):
        if ent.end <= det.i and ent.label_ in classes and ent.root.dep_ in ("nsubj", "nsubj:pass"):
            return ent
    for ent in reversed(view.ents):
        if ent.end <= det.i and ent.label_ in classes and ent.label_ != "Place":
            return ent
    return latest_entity_before(ents, det, tuple(c for c in classes if c != "Place"), max_sentences=2)


def _dedupe(relations: list[RawRelation]) -> list[RawRelation]:
    """One relation per (subject, predicate, object), the most confident; and no presentIn where
    the same sentence already says locatedIn (the more specific)."""
    best: dict[tuple, RawRelation] = {}
    for r in relations:
        key = (r.subject.start, r.predicate, r.object.start)
        if key not in best or r.confidence > best[key].confidence or (r.role and not best[key].role):
            best[key] = r
    located = {(s, o) for s, p, o in best if p == "locatedIn"}
    return [r for (s, p, o), r in best.items() if not (p == "presentIn" and (s, o) in located)]
