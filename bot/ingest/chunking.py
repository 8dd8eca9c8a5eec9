"""Chunking: whole sentences of one section, packed so the embedded text fits the model's window.

all-MiniLM-L6-v2 silently drops everything past 256 word pieces, so every text we embed is counted with the model's
own tokenizer first. A sentence too long on its own is cut at clause boundaries by LangChain's recursive splitter.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from bot.types import Chunk, Document, Sentence, content_id

TokenCounter = Callable[[str], int]


def token_counter(model_path: str) -> TokenCounter:
    """Word pieces as the model counts them ([CLS] and [SEP] included), via the fast `tokenizers` package only:
    no torch, so `index --check` and chunking stay quick."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return lambda text: len(tok.encode(text).ids)


def embed_text(section: str, text: str) -> str:
    """What the model sees for a chunk: the section title gives short passages their topic."""
    return f"{section}: {text}"


def split_long(text: str, limit: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Spans of `text`, each within `limit` word pieces, cut at '; ', ', ' or spaces (LangChain's splitter)."""
    if count(text) <= limit:
        return [(0, len(text))]
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=limit, chunk_overlap=0, length_function=count, separators=["; ", ", ", " ", ""],
        keep_separator="end", add_start_index=True, strip_whitespace=True)
    spans = []
    for doc in splitter.create_documents([text]):
        start = doc.metadata["start_index"]
        spans.append((start, start + len(doc.page_content)))
    return spans


def chunk_document(doc: Document, count: TokenCounter, max_tokens: int = 256, chunk_tokens: int = 200) -> list[Chunk]:
    """Pack consecutive sentences of the same section into chunks of at most `chunk_tokens` word pieces of text,
    never more than `max_tokens` once the section title is prefixed. Adjacent chunks of a paragraph share one
    sentence, so a fact split across a chunk border is still seen whole. The bibliography is not chunked: it is
    looked up by number, not retrieved as body text."""
    chunks: list[Chunk] = []
    for run in _section_runs(doc.sentences):
        section = run[0].section
        budget = min(chunk_tokens, max_tokens - count(embed_text(section, "")) + 2)
        group: list[Sentence] = []
        for s in run:
            if count(s.text) > budget:
                chunks.extend(_flush(doc, group))
                group = []
                for a, b in split_long(s.text, budget, count):
                    chunks.append(_make(doc, [s], s.start + a, s.start + b))
                continue
            candidate = group + [s]
            if group and count(doc.text[group[0].start:s.end]) > budget:
                chunks.extend(_flush(doc, group))
                overlap = group[-1:] if group[-1].paragraph == s.paragraph else []
                candidate = overlap + [s]
                if overlap and count(doc.text[overlap[0].start:s.end]) > budget:
                    candidate = [s]
            group = candidate
        chunks.extend(_flush(doc, group))
    return _unique_ids(chunks)


def _unique_ids(chunks: list[Chunk]) -> list[Chunk]:
    """Ids hash the content, not the position; a repeated passage gets its occurrence number mixed in."""
    seen: dict[str, int] = {}
    out = []
    for c in chunks:
        seen[c.id] = seen.get(c.id, 0) + 1
        if seen[c.id] > 1:
            c = Chunk(content_id(c.id, seen[c.id]), c.doc_id, c.section, c.start, c.end, c.text, c.embed_text,
                      c.refs, c.sentence_ids)
        out.append(c)
    return out


def _section_runs(sentences: Iterable[Sentence]) -> list[list[Sentence]]:
    runs: list[list[Sentence]] = []
    for s in sentences:
        if runs and runs[-1][-1].section == s.section and s.kind != "table_record" \
                and runs[-1][-1].kind != "table_record":
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def _flush(doc: Document, group: list[Sentence]) -> list[Chunk]:
    return [_make(doc, group, group[0].start, group[-1].end)] if group else []


def _make(doc: Document, sents: list[Sentence], start: int, end: int) -> Chunk:
    text = doc.text[start:end]
    section = sents[0].section
    refs = sorted({n for s in sents for n in s.refs})
    return Chunk(id=content_id(doc.doc_id, section, text), doc_id=doc.doc_id, section=section, start=start,
                 end=end, text=text, embed_text=embed_text(section, text), refs=tuple(refs),
                 sentence_ids=tuple(s.id for s in sents))
