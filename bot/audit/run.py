"""Run the audit over documents, reusing stored findings for a document that has not changed.

Stored per document: {"sha256", "audit_version", "parser_version", "findings", "error"}. A document is audited
again only when its bytes, the audit code (AUDIT_VERSION) or the parser (PARSER_VERSION, which moves offsets)
changed. A failing check never stops an index build: its error is stored and shown by `ascc-bot audit`.
"""
from __future__ import annotations

from collections.abc import Mapping

from bot.audit import hygiene, names, tables
from bot.ingest.corpus import PARSER_VERSION
from bot.types import Document

AUDIT_VERSION = 1  # bump when a check changes: every document is then audited again at the next build


def audit_document(doc: Document) -> list[dict]:
    """All findings of one document, as stored (dicts), in reading order."""
    found = names.check(doc) + tables.check(doc) + hygiene.check(doc)
    found.sort(key=lambda f: min((q.start for q in f.quotes), default=0))
    return [f.to_dict() for f in found]


def _record(doc: Document) -> dict:
    try:
        findings, error = audit_document(doc), ""
    except Exception as exc:  # a bug in a check must not cost the user their index
        findings, error = [], f"{exc.__class__.__name__}: {exc}"
    return {"sha256": doc.sha256, "audit_version": AUDIT_VERSION, "parser_version": PARSER_VERSION,
            "findings": findings, "error": error}


def is_current(record: Mapping | None, doc: Document) -> bool:
    return bool(record) and record.get("sha256") == doc.sha256 and record.get("audit_version") == AUDIT_VERSION \
        and record.get("parser_version") == PARSER_VERSION


def audit_all(docs: Mapping[str, Document], previous: Mapping[str, dict] | None = None) -> dict[str, dict]:
    """{doc_id: record} for `docs`, reusing `previous` records that are still current."""
    previous = previous or {}
    return {name: dict(previous[name]) if is_current(previous.get(name), doc) else _record(doc)
            for name, doc in docs.items()}


def findings_by_doc(records: Mapping[str, dict]) -> dict[str, list[dict]]:
    return {name: list(rec.get("findings", [])) for name, rec in records.items()}
