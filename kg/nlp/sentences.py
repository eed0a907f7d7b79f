"""``kg_sentence_bounds``: sentence boundary constraints set before the parser.

French press text has names such as "L’boulevart" or "d’Enactus" that the
parser may take for a sentence start. A sentence can only start after
terminal punctuation or a line break, so every other token is marked as
not starting one; after a line break a new sentence always starts.
"""

from spacy.language import Language
from spacy.tokens import Doc

_TERMINAL = {".", "!", "?", "…", ":", ";"}
_QUOTES = {"»", '"', "”", "'", "’", "''"}


@Language.component("kg_sentence_bounds")
def set_sentence_bounds(doc: Doc) -> Doc:
    for i, token in enumerate(doc):
        if i == 0:
            continue
        prev = doc[i - 1]
        # a closing quote ends a sentence only when what it closes did: «... fin.» Suite
        if prev.text in _QUOTES and i >= 2:
            prev = doc[i - 2]
        if "\n" in prev.text or "\n" in prev.whitespace_ or "\n" in doc[i - 1].whitespace_:
            token.is_sent_start = True
        elif prev.text[-1:] not in _TERMINAL and not token.is_space:
            token.is_sent_start = False
    return doc
