"""Stage 2, the index: the embedding model (`embed`) and the on-disk FAISS + JSON store (`store`)."""
