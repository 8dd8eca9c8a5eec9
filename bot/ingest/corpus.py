"""Ingestion: read corpus files and repair what PDF extraction broke.

The extracted review has sentences split across page breaks ("contribut-\\n\\ning", "The likelihood\\n\\nof"), two
tables whose columns were split into two halves, markdown debris in the front matter and bibliography, and a
reference list. `load_document` turns one file into a `Document` whose cleaned `text` is what every offset points
into: tables become one labelled record per study, so "12-month PFS of Kim 2024" finds a single passage with 45%.

`add_document` and `remove_document` change the corpus durably (temporary name, fsync, rename); a full disk, a
read-only folder or a denied permission is a `CorpusDiskProblem` naming the path and the cause.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from bot import disk
from bot.settings import ENV_CORPUS
from bot.text import citations_in, split_sentences
from bot.types import Document, Reference, Section, Sentence, content_id


PARSER_VERSION = 5  # bump when cleaning or sentence splitting changes: every document is then re-parsed


class CorpusError(Exception):
    """A corpus file that cannot be used, with a message naming it and the fix."""


class CorpusDiskProblem(CorpusError, disk.DiskProblem):
    """A filesystem fault while reading, adding or removing a document: path, cause and fix in one line."""


def corpus_fault(exc: OSError, doing: str, corpus_dir: Path, outcome: str = "",
                 where: Path | None = None) -> CorpusDiskProblem:
    return CorpusDiskProblem(disk.explain(exc, doing, corpus_dir, ENV_CORPUS, outcome, where),
                             where or (exc.filename if exc.filename is not None else corpus_dir), exc.errno)


UPLOAD_PART = ".part"  # an upload is written to `.<name>.<random>.part` (hidden: never a document) and renamed


_NUMBERED_HEADER = re.compile(r"^(\d+(?:\.\d+)*)\.\s+([A-Z][^\n]{0,100})$")
_MD_HEADER = re.compile(r"^#{1,6}\s+(\S[^\n]{0,150})$")
_LABELLED = re.compile(r"^\*?\s*([A-Z][A-Za-z/’' ]{2,40}):\s+(\S.*)$", re.S)
_TABLE_CAPTION = re.compile(r"^Table\s+\d+\.\s")
_FIGURE_CAPTION = re.compile(r"^Figure\s+\d+\.\s")
_REF_ENTRY = re.compile(r"^(\d{1,3})\.\s+(\S.*)$")
_FRONT_LABELS = {"academic editors", "received", "revised", "accepted", "published", "citation", "copyright",
                 "correspondence"}
_OWN_SECTION_LABELS = {"simple summary", "abstract", "keywords"}
_TERMINAL = re.compile(r"[.!?:;)\]\"”’%]$")


def read_text(path: Path, max_bytes: int) -> str:
    """Read a corpus file as UTF-8 text, refusing binaries, other encodings and oversize files by name."""
    size = path.stat().st_size
    if size == 0:
        raise CorpusError(f"{path.name}: the file is empty; remove it or add text.")
    if size > max_bytes:
        raise CorpusError(f"{path.name}: {size:,} bytes is over the {max_bytes:,}-byte limit for a document.")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise CorpusError(f"{path.name}: looks like a binary file (it contains NUL bytes); only UTF-8 text is indexed.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path.name}: not valid UTF-8 (byte {exc.start}); convert it with e.g. "
                          f"`iconv -f latin1 -t utf-8`.") from exc
    if not text.strip():
        raise CorpusError(f"{path.name}: the file has no text; remove it or add text.")
    return unicodedata.normalize("NFC", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))


def _strip_markdown(s: str) -> str:
    """Markdown debris from the PDF converter: *Cancers* **2025**, <https://…>, [[CrossRef](#)], $p = 0.03$."""
    s = re.sub(r"\s*\[\[[^\]]+\]\([^)]*\)\]", "", s)
    s = re.sub(r"<(https?://[^>]+)>", r"\1", s)
    s = re.sub(r"\*{1,2}([^*\n]+?)\*{1,2}", r"\1", s)
    s = re.sub(r"\$([^$\n]+)\$", r"\1", s)
    s = s.replace("^a ", "a ").replace("^b ", "b ").replace("^", "")
    return re.sub(r"[ \t]+", " ", s).strip()


@dataclass
class _Block:
    kind: str        # header | prose | table | caption | footnote | reference | front
    text: str
    section: str
    section_kind: str
    label: str = ""  # for 'Label: value' front/back matter


def _raw_blocks(text: str) -> list[str]:
    """Blank-line separated blocks; sentences cut by a page break are joined back."""
    blocks = [b.strip("\n") for b in re.split(r"\n[ \t]*\n", text)]
    blocks = [b for b in blocks if b.strip()]
    out: list[str] = []
    for b in blocks:
        if out and _continues(out[-1], b):
            prev = out[-1].rstrip()
            if re.search(r"[A-Za-z]-$", prev) and b[:1].islower():
                out[-1] = prev[:-1] + b.lstrip()           # "contribut-" + "ing"
            else:
                out[-1] = prev + " " + b.lstrip()          # "The likelihood" + "of inguinal"
        else:
            out.append(b)
    return out


def _continues(prev: str, nxt: str) -> bool:
    p = prev.strip()
    if "\n" not in p and ((_NUMBERED_HEADER.match(p) and not p.endswith(".")) or _MD_HEADER.match(p)
                          or p in ("References", "Bibliography", "References:")):
        return False  # a heading, even when the paragraph after it starts in lower case
    last = prev.rstrip().splitlines()[-1]
    if "\t" in last or "\t" in nxt or not nxt[:1].islower():
        return False
    return not _TERMINAL.search(last) or last.endswith("-")


def _table_records(lines: list[str]) -> list[list[tuple[str, str]]]:
    """Tab-separated halves of one table → one record per row, every cell labelled with its column.

    The extraction printed the columns in several header+rows blocks that repeat the first column (the study);
    records are merged on that first cell, and empty columns are dropped."""
    rows = [ln.split("\t") for ln in lines if ln.strip()]
    if not rows:
        return []
    key_label = rows[0][0].strip()
    records: dict[str, list[tuple[str, str]]] = {}
    header: list[str] = []
    for row in rows:
        cells = [c.strip() for c in row]
        if cells[0] == key_label:
            header = cells
            continue
        rec = records.setdefault(cells[0], [(key_label, cells[0])])
        for label, value in zip(header[1:], cells[1:]):
            if label and value:
                rec.append((label, value))
    return list(records.values())


def _blocks(text: str) -> list[_Block]:
    """Classify blocks and attach each to its section."""
    out: list[_Block] = []
    section, skind = "Front matter", "front"
    seen_body = False
    pending_table: str | None = None
    for b in _raw_blocks(text):
        first = b.strip().splitlines()[0]
        one_line = "\n" not in b.strip()
        m = _NUMBERED_HEADER.match(b.strip()) if one_line else None
        md = _MD_HEADER.match(b.strip()) if one_line else None
        if m and not m.group(2).rstrip().endswith("."):
            section, skind, seen_body = f"{m.group(1)}. {m.group(2).strip()}", "body", True
            out.append(_Block("header", section, section, skind))
            continue
        if md and _strip_markdown(md.group(1)).rstrip(":") in ("References", "Bibliography"):
            section, skind = "References", "references"  # "## References": the numbered list follows
            out.append(_Block("header", section, section, skind))
            continue
        if md:
            section, skind, seen_body = _strip_markdown(md.group(1)), "body", True
            out.append(_Block("header", section, section, skind))
            continue
        if one_line and first.strip() in ("References", "Bibliography", "References:"):
            section, skind = "References", "references"
            out.append(_Block("header", section, section, skind))
            continue
        if _TABLE_CAPTION.match(first) and one_line:
            pending_table = _strip_markdown(first)
            out.append(_Block("caption", pending_table, pending_table, "table"))
            continue
        if "\t" in b:
            caption = pending_table or f"Table in {section}"
            out.append(_Block("table", b, caption, "table"))
            continue
        if pending_table and re.match(r"^[\u00b9\u00b2\u00b3\u2074-\u2079*†‡]", b.strip()):
            out.append(_Block("footnote", _strip_markdown(b), pending_table, "table"))
            continue
        pending_table = None
        if _FIGURE_CAPTION.match(first):
            cap = _strip_markdown(b)
            label = re.match(r"(Figure\s+\d+\.\s+[^.]*\.?)", cap)  # "Figure 1. Suggested management flowchart."
            out.append(_Block("caption", cap, label.group(1) if label else cap[:80], "figure"))
            continue
        if skind == "references":
            lines = [ln for ln in b.splitlines() if ln.strip()]
            if all(_REF_ENTRY.match(ln) for ln in lines):
                for ln in lines:
                    m = _REF_ENTRY.match(ln.strip())
                    entry = _strip_markdown(m.group(2))
                    if entry:  # a line of link debris only ("1. [[CrossRef](#)]") is not an entry
                        out.append(_Block("reference", f"{m.group(1)}. {entry}", section, skind))
                continue
            section, skind = "Back matter", "back"
        lab = _LABELLED.match(b.strip())
        if lab and (not seen_body or skind in ("back",) or section.startswith(("4.", "5.", "6."))
                    or lab.group(1).lower() in ("funding", "author contributions", "conflicts of interest",
                                                "disclaimer/publisher’s note", "disclaimer/publisher's note",
                                                "acknowledgments", "data availability statement")):
            label = lab.group(1).strip()
            low = label.lower()
            if not seen_body:
                sec = label if low in _OWN_SECTION_LABELS else "Front matter"
                out.append(_Block("front", _strip_markdown(b.strip().lstrip("* ")), sec, "front", label))
            else:
                section, skind = label, "back"
                out.append(_Block("front", _strip_markdown(b.strip()), label, "back", label))
            continue
        out.append(_Block("prose", _strip_markdown(b.replace("\n", " ")), section, skind if seen_body else "front"))
    return out


def parse_reference(line: str) -> Reference:
    """'27. Rao, S.; Sclafani, F.; … *J. Clin. Oncol.* **2020**, *38*, …' → Reference(27, text, 'Rao', 2020)."""
    m = _REF_ENTRY.match(line)
    if not m:
        raise ValueError(f"not a numbered reference entry: {line[:60]!r}")
    body = m.group(2)
    year_m = re.search(r"\*\*((?:19|20)\d\d)\*\*", body) or re.search(r"\.\s((?:19|20)\d\d),", body) \
        or re.search(r"\b((?:19|20)\d\d)\b", body)
    text = _strip_markdown(body)
    author = re.split(r"[,.;]", text, maxsplit=1)[0].strip()
    return Reference(int(m.group(1)), text, author, int(year_m.group(1)) if year_m else None)


def _record_text(record: list[tuple[str, str]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in record)


def build_document(doc_id: str, raw: str, path: str = "", metadata: dict | None = None) -> Document:
    """Clean `raw` into a Document: repaired paragraphs, sections, table records, sentences, bibliography."""
    blocks = _blocks(raw)
    references = {r.number: r for r in (parse_reference(b.text) for b in blocks if b.kind == "reference")}
    max_ref = max(references) if references else None

    parts: list[str] = []
    pos = 0
    sections: list[Section] = []
    sentences: list[Sentence] = []
    seen: dict[str, int] = {}

    def add_sentence(section: str, kind: str, s_text: str, start: int, para: int, refs: list[int]) -> None:
        end = start + len(s_text)
        key = content_id(doc_id, section, s_text)
        seen[key] = seen.get(key, 0) + 1
        sid = key if seen[key] == 1 else content_id(doc_id, section, s_text, seen[key])
        sentences.append(Sentence(sid, doc_id, section, kind, start, end, s_text, para, tuple(refs)))

    for blk in blocks:
        if blk.kind == "table":
            chunks = [_record_text(r) for r in _table_records(blk.text.splitlines())]
        else:
            chunks = [blk.text]
        for para in chunks:
            start = pos
            if parts:
                parts.append("\n\n")
                start += 2
            parts.append(para)
            pos = start + len(para)
            if not sections or sections[-1].title != blk.section:
                if sections:
                    last = sections[-1]
                    sections[-1] = Section(last.title, last.kind, last.start, start - 2)
                sections.append(Section(blk.section, blk.section_kind, start, pos))
            if blk.kind in ("header", "reference"):
                continue
            if blk.kind == "table":
                add_sentence(blk.section, "table_record", para, start, start, citations_in(para, max_ref))
            elif blk.kind in ("caption", "footnote") or (blk.kind == "front" and len(para) < 300):
                kind = "caption" if blk.kind != "front" else "front"
                add_sentence(blk.section, kind, para, start, start, citations_in(para, max_ref))
            else:
                for a, b in split_sentences(para):
                    add_sentence(blk.section, "text" if blk.kind == "prose" and blk.section_kind == "body" else "front",
                                 para[a:b], start + a, start, citations_in(para[a:b], max_ref))
    text = "".join(parts)
    if sections:
        last = sections[-1]
        sections[-1] = Section(last.title, last.kind, last.start, len(text))
    sentences = _with_context_refs(sentences)
    if not (metadata or {}).get("title"):  # no sidecar (or one without a title): read them from the first page
        metadata = {**metadata_from_text(blocks), **(metadata or {})}
    metadata = dict(metadata or {})
    title = metadata.get("title") or doc_id
    sha = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return Document(doc_id, path, sha, title, text, sections, sentences, references, metadata)


def _with_context_refs(sentences: list[Sentence]) -> list[Sentence]:
    """A sentence without brackets of its own reports the study its paragraph cites: the nearest earlier cited
    sentence of the paragraph, else the nearest later one ("Proton therapy appears… [31]" at the paragraph's end)."""
    out = []
    for s in sentences:
        ctx: tuple[int, ...] = ()
        if not s.refs and s.kind == "text":
            same = [t for t in sentences if t.paragraph == s.paragraph and t.refs]
            before = [t for t in same if t.start < s.start]
            after = [t for t in same if t.start > s.start]
            src = before[-1] if before else (after[0] if after else None)
            ctx = src.refs if src else ()
        out.append(Sentence(s.id, s.doc_id, s.section, s.kind, s.start, s.end, s.text, s.paragraph, s.refs, ctx))
    return out


TITLE_FROM_TEXT = "text"  # metadata["metadata_source"] of a document without a sidecar: read from its first page
_NAME = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){1,3}"  # a person's name: two to four capitalised words
_AUTHOR_LINE = re.compile(rf"^(?:(?:[Aa]uthors?|[Bb]y)\s*:?\s+)?{_NAME}(?:\s*(?:,|;|\band\b|&)\s*{_NAME})*\.?$")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


def metadata_from_text(blocks: list[_Block]) -> dict:
    """Title, authors and year of a document without a `.meta.json` sidecar, read from its first page: the title is
    its first heading (a Markdown `#` line before any prose) or else its first sentence-long line, the authors the
    line of names just below the title ("Authors: A. Smith, B. Jones", "By A Smith and B Jones"), the year that of
    its "Published:" (or "Citation:", "Copyright") line, else the first year on its first lines.
    `metadata_source` says that they were read from the text, not given."""
    title, authors, year = "", [], None
    head = blocks[:8]
    for i, b in enumerate(head):
        if b.kind == "header" and b.section_kind == "body" and i == 0 and not re.match(r"^\d", b.text):
            title = b.text
        elif b.kind in ("prose", "front") and not title and len(b.text) > 30:
            title = b.text[:200]
        else:
            continue
        for nxt in head[i + 1:i + 3]:
            line = nxt.text.strip()
            if nxt.kind in ("prose", "front") and len(line) < 300 and _AUTHOR_LINE.match(line):
                names = re.sub(r"^(?:authors?|by)\s*:?\s+", "", line, flags=re.I).rstrip(".")
                authors = [n.strip() for n in re.split(r"\s*(?:,|;|\band\b|&)\s*", names) if n.strip()]
                break
        break
    dated = [b.text for b in blocks[:40] if b.label.lower() in ("published", "citation", "copyright")]
    m = _YEAR.search(" ".join(dated)) or _YEAR.search(" ".join(b.text for b in head if b.kind != "header"))
    if m:
        year = int(m.group(1))
    out: dict = {"metadata_source": TITLE_FROM_TEXT} if title else {}
    if title:
        out["title"] = title
    if authors:
        out["authors"] = authors
    if year:
        out["year"] = year
    return out


def load_document(path: Path, max_bytes: int = 2_000_000) -> Document:
    """Load one corpus file (and its optional `<name>.meta.json` sidecar). Its sha256 is that of the file's bytes,
    which is what freshness checks compare."""
    is_pdf = path.suffix.lower() == ".pdf"
    raw = "" if is_pdf else read_text(path, max_bytes)
    meta_path = path.with_suffix(".meta.json")
    metadata: dict = {}
    if meta_path.exists():
        try:
            metadata = json.loads(meta_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{meta_path.name}: metadata is not valid UTF-8 JSON ({exc}).") from exc
    if is_pdf:
        from bot.ingest.pdf import pdf_document  # PDFium is loaded only for a corpus that has PDFs
        doc = pdf_document(path.name, path.read_bytes(), str(path), metadata, max_bytes)
    else:
        doc = parse(path.name, raw, str(path), metadata)
    doc.sha256 = file_sha256(path)
    return doc


def parse(doc_id: str, raw: str, path: str = "", metadata: dict | None = None) -> Document:
    """build_document, with any parsing failure reported as a CorpusError naming the document."""
    try:
        return build_document(doc_id, raw, path, metadata)
    except Exception as exc:  # a parser bug must name the file, not crash the whole build with a traceback
        raise CorpusError(f"{doc_id}: could not be parsed ({exc.__class__.__name__}: {exc}); "
                          "check its structure or remove it from the corpus.") from exc


def corpus_files(corpus_dir: Path, suffixes: tuple[str, ...] = (".txt", ".md", ".pdf")) -> list[Path]:
    """The documents to index: text and PDF files directly in corpus/ (sidecars and data files are not
    documents)."""
    if not os.path.isdir(corpus_dir):
        raise CorpusError(f"corpus folder {corpus_dir} does not exist.")
    try:
        return sorted(p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in suffixes
                      and not p.name.startswith("."))
    except OSError as exc:
        raise corpus_fault(exc, "list the corpus folder", corpus_dir) from exc


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def add_document(corpus_dir: Path, filename: str, data: bytes, max_bytes: int = 2_000_000,
                 suffixes: tuple[str, ...] = (".txt", ".md", ".pdf")) -> Path:
    """Save an uploaded document into the corpus after checking it (name, type, size, encoding, and that it
    parses; a PDF must have a readable text layer); on any problem nothing is written."""
    name = filename or ""
    if not name or name.startswith(".") or "/" in name or "\\" in name or "\x00" in name:
        raise CorpusError(f"'{filename}' is not a plain file name.")
    if Path(name).suffix.lower() not in suffixes:
        raise CorpusError(f"{name}: only {', '.join(suffixes)} documents can be added.")
    if not data or not data.strip():
        raise CorpusError(f"{name}: the file is empty.")
    if Path(name).suffix.lower() == ".pdf":
        from bot.ingest.pdf import pdf_document
        pdf_document(name, data, max_text_bytes=max_bytes)  # refused now (scanned, encrypted…), not at the rebuild
    elif len(data) > max_bytes:
        raise CorpusError(f"{name}: {len(data):,} bytes is over the {max_bytes:,}-byte limit for a document.")
    elif b"\x00" in data:
        raise CorpusError(f"{name}: looks like a binary file (it contains NUL bytes); only UTF-8 text can be added.")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{name}: not valid UTF-8 (byte {exc.start}); save it as UTF-8 and try "
                              "again.") from exc
        parse(name, text)  # a document the parser cannot read is refused now, not at the next rebuild
    if not os.path.isdir(corpus_dir):
        raise CorpusError(f"corpus folder {corpus_dir} does not exist.")
    target = corpus_dir / name
    if os.path.lexists(target):
        raise _exists(name)
    try:
        _publish(corpus_dir, target, data)
    except FileExistsError as exc:  # another upload of the same name won the race
        raise _exists(name) from exc
    except OSError as exc:
        # named by the corpus folder, not the hidden temporary name the fault happened on
        raise corpus_fault(exc, f"save {name} in the corpus", corpus_dir, "nothing was added", corpus_dir) from exc
    return target


def _exists(name: str) -> CorpusError:
    return CorpusError(f"{name} already exists in the corpus; rename the file to add it as a new document.")


def _publish(corpus_dir: Path, target: Path, data: bytes) -> None:
    """Write `data` to a hidden temporary name and fsync it, then give it its name without replacing anything and
    fsync the folder: a full disk or a power cut leaves either no document or the whole document, never a part."""
    part = corpus_dir / f".{target.name}.{uuid.uuid4().hex[:8]}{UPLOAD_PART}"
    disk.write_new(part, data)  # removes its own partial file on failure
    published = False
    try:
        try:
            os.link(part, target)  # FileExistsError rather than overwrite a concurrent upload of the same name
        except OSError as exc:
            no_links = exc.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK)
            if not no_links or target.exists():
                raise
            os.rename(part, target)  # a filesystem without hard links
        published = True
        part.unlink(missing_ok=True)
        disk.fsync_dir(corpus_dir)
    except BaseException:
        for leftover in ((target, part) if published else (part,)):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        raise


def remove_document(corpus_dir: Path, name: str, with_sidecar: bool = True) -> None:
    """Take a document (and its `.meta.json` sidecar) out of the corpus, durably; a filesystem fault is one clear
    message."""
    if not name or name.startswith(".") or "/" in name or "\\" in name or "\x00" in name:
        raise CorpusError(f"'{name}' is not a plain file name.")
    path = corpus_dir / name
    try:
        path.unlink(missing_ok=True)
        if with_sidecar:
            path.with_suffix(".meta.json").unlink(missing_ok=True)
        disk.fsync_dir(corpus_dir)
    except OSError as exc:
        raise corpus_fault(exc, f"remove {name} from the corpus", corpus_dir) from exc
