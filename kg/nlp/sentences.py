"""``kg_sentence_bounds``: sentence boundary constraints set before the parser.

French press text has names such as "L’boulevart" or "d’Enactus" that the
parser may take for a sentence start. A sentence can only start after
terminal punctuation or a line break, so every other token is marked as
not starting one; after a line break a new sentence always starts.
"""

from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

_TERMINAL = {".", "!", "?", "…", ":", ";"}
_QUOTES = {"»", '"', "”", "'", "’", "''"}


@Language.component("kg_sentence_bounds")
def set_sentence_bounds(doc: Doc) -> Doc:
    # on plain lists and one array: a Token object per doc[i] and per is_sent_start cost 3x more
    texts, spaces = [], []
    for t in doc:
        texts.append(t.text)
        spaces.append(t.whitespace_)
    starts = doc.to_array(SENT_START).astype("int64")
    for i in range(1, len(texts)):
        # a closing quote ends a sentence only when what it closes did: «... fin.» Suite
        p = i - 2 if texts[i - 1] in _QUOTES and i >= 2 else i - 1
        prev = texts[p]
        if "\n" in prev or "\n" in spaces[p] or "\n" in spaces[i - 1]:
            starts[i] = 1  # after a line break a sentence starts
        elif prev[-1:] not in _TERMINAL and not texts[i].isspace():
            starts[i] = -1
    doc.from_array([SENT_START], starts.astype("uint64").reshape(-1, 1))
    return doc
