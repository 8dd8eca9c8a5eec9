"""Stage 3, retrieval: question concepts (`lexicon`), hybrid search (`search`), reference look-ups (`bibliography`)."""
