"""The audit: inconsistencies of a document with itself, found from its own text, tables and bibliography.

Between ingestion and the index: `audit_document(doc)` takes a parsed `Document` and returns findings (plain
dicts, stored in the index); `notes_for(citations, findings)` attaches them to answers that quote an involved
passage. Precision first: every check flags only what its rule can show from the document, and stays silent when
it cannot tell (an unknown name, a value without a clear measure, a whole cohort against its subgroups is labelled
"different populations", never a conflict).
"""
