"""Training the learned extraction models from gold files (``kg train``).

- :mod:`kg.train.corpus`: gold files (the project's format or POPCORN's) -> annotated training documents;
- :mod:`kg.train.entity_model`: fine-tunes the French model's ``ner`` with a spaCy config;
- :mod:`kg.train.relation_model`: fits the relation classifier and its calibration;
- :mod:`kg.train.run`: the whole ``kg train`` run and the model folder's ``meta.json``.
"""
