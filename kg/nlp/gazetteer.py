"""``kg_gazetteer``: a SpanRuler that marks the known ecosystem actors of ``kg/data/gazetteer.tsv``.

Names match case-insensitively; acronyms match only as written (so "CAM" does
not fire on "cam"). Matches go to ``doc.spans["kg_gazetteer"]``, each span's
``id_`` being the gazetteer label; ``kg_entities`` merges them with the NER.
"""

from spacy.language import Language

from kg.resources import gazetteer

GAZETTEER_KEY = "kg_gazetteer"


def gazetteer_patterns(nlp: Language) -> list[dict]:
    patterns = []
    for entry in gazetteer():
        for name in (entry.label, *entry.aliases):
            if name.isupper() and " " not in name:
                patterns.append({"label": entry.cls, "pattern": [{"ORTH": name}], "id": entry.label})
            else:
                tokens = [{"LOWER": t.lower_} for t in nlp.make_doc(name)]
                if name[:1].isupper() and len(tokens) > 1:
                    # "Groupe OCP" is a name, "le groupe OCP" a common noun before one
                    tokens[0]["IS_LOWER"] = False
                patterns.append({"label": entry.cls, "pattern": tokens, "id": entry.label})
    return patterns


def add_gazetteer(nlp: Language, after: str = "ner") -> None:
    ruler = nlp.add_pipe(
        "span_ruler",
        name="kg_gazetteer",
        after=after,
        config={"annotate_ents": False, "spans_key": GAZETTEER_KEY, "overwrite": True},
    )
    ruler.add_patterns(gazetteer_patterns(nlp))
