"""Trained model folders: the default one shipped in the package (``kg/models/default``) or one written by
``kg train --out DIR``.

A model folder holds ``ner/`` (the fine-tuned weights of the French model's ``ner`` component),
``relations.npz`` + ``relations.json`` (the relation classifier) and ``meta.json`` (training files and
their digests, date, scores, library versions).
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

MODEL_FILES = ("ner/model", "ner/cfg", "ner/moves", "relations.npz", "relations.json", "meta.json")


class ModelError(ValueError):
    """A model folder that is missing or incomplete; the message names the folder and the file."""


def default_model_dir() -> Path:
    return Path(str(resources.files("kg.models") / "default"))


def model_dir(path: str | Path | None = None) -> Path:
    """The model folder to use (the default one when ``path`` is None), checked to be complete."""
    folder = Path(path) if path is not None else default_model_dir()
    if not folder.is_dir():
        raise ModelError(f"{folder}: no such model folder (train one with 'kg train GOLD --out {folder}')")
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelError(f"{folder}: not a complete kg model folder; missing {', '.join(missing)}")
    return folder


def model_meta(folder: Path) -> dict:
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder / 'meta.json'}: cannot be read ({exc})") from None


def model_digest(folder: Path) -> str:
    """A digest of the model's weights, part of the analysis cache's key."""
    h = hashlib.sha256()
    for name in MODEL_FILES:
        h.update(name.encode())
        h.update((folder / name).read_bytes())
    return h.hexdigest()[:16]
