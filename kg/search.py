"""Search keys: the normalised names stored with each entity (``ekg:searchKey``) so that finding an entity by
name is one index lookup, not a scan that folds every label at query time.

The key of a name is the resolution key (:func:`kg.resolve.normalise_name`: no case, accents, quotes or leading
article) after :func:`fold` (œ, æ and every apostrophe spelled one way), so "L’Œil de Fès", "l'oeil de fes" and
"Œil de Fès" meet. Library queries bind the key of what the user typed (parameter kind ``normalised``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from kg.resolve import normalise_name


def fold(text: str) -> str:
    """Lower-case, unaccented, one-space form of a text, with œ/æ spelled out and one kind of apostrophe."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    bare = bare.replace("œ", "oe").replace("æ", "ae")
    bare = re.sub(r"[’‘`´ʼ]", "'", bare)
    return " ".join(bare.split())


def search_key(name: str) -> str:
    """The key under which a name is found, whatever its case, accents, apostrophes or leading article."""
    return normalise_name(fold(name))


def search_keys(label: str, aliases: Iterable[str] = ()) -> list[str]:
    """The distinct non-empty keys of an entity's label and aliases, sorted (so the output is stable)."""
    return sorted({key for key in map(search_key, (label, *aliases)) if key})
