"""Stage 1, ingestion: documents on disk → `Document` (sections, sentences, tables, bibliography) → chunks."""
