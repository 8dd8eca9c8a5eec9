#!/usr/bin/env python3
"""The stock LangChain retrieval recipe, budget-matched, as a baseline for `ascc-bot ask --jsonl` (issue 7).

    .venv/bin/python eval/baseline_langchain.py < questions.jsonl > answers.jsonl

Recipe: every *.txt and *.md document in the corpus folder (ASCC_BOT_CORPUS, default corpus/; the *.meta.json
sidecars and flowchart.json are not documents), RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=120),
HuggingFaceEmbeddings on the packaged all-MiniLM-L6-v2 (or ASCC_BOT_MODEL), an in-memory FAISS store, similarity
search with k=3 on the question alone (the stock recipe keeps no conversation). The three raw chunks are the
quotes, cut so that all together stay within the 2,500-character quote budget; no answer is composed (the answer
text is empty) and the refs are the bracketed reference numbers found in the quotes.

It speaks the same JSON-lines contract as `ascc-bot ask --jsonl` (../shared/eval/README.md): one JSON object per
input line ({"id", "question", "history"}), one JSON object per line out, in order. A line that is not a JSON
object, or has no question, gets an error object and the others go on (exit code 2 at the end).

Its packages are in the optional `[eval]` extra: `.venv/bin/pip install -e '.[eval]'` (`make eval-baseline` does it).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

from bot.settings import ENV_CORPUS, ENV_MODEL, PROJECT_ROOT, packaged_model_path
from bot.text import citations_in   # the same reading of [12], [4–10], [1,2] as the bot's

# The model is a local folder: nothing may be fetched from a hub, even by accident.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CHUNK_SIZE, CHUNK_OVERLAP, K = 800, 120, 3
QUOTE_BUDGET = 2500          # characters of all quotes together (the evaluation budget)
DOCUMENT_SUFFIXES = (".txt", ".md")
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class Unusable(Exception):
    """The baseline cannot run here (extra not installed, no documents); the message says what to do."""


def _import_langchain():
    # langchain-community announces its sunset on import; the recipe is the one issue 7 measures, keep stderr quiet.
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"langchain_community(\..*)?$")
    warnings.filterwarnings("ignore", message=r".*langchain-community.*", category=DeprecationWarning)
    try:
        from langchain_community.document_loaders import TextLoader
        from langchain_community.vectorstores import FAISS
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter
    except ImportError as exc:
        raise Unusable(f"the LangChain baseline needs the [eval] extra ({exc.name} is missing): "
                       ".venv/bin/pip install -e '.[eval]'  (or `make eval-baseline`)") from exc
    return TextLoader, FAISS, HuggingFaceEmbeddings, RecursiveCharacterTextSplitter


def document_paths(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)


class Baseline:
    def __init__(self, corpus_dir: Path, model_path: str, k: int = K, quote_budget: int = QUOTE_BUDGET):
        TextLoader, FAISS, HuggingFaceEmbeddings, Splitter = _import_langchain()
        paths = document_paths(corpus_dir)
        if not paths:
            raise Unusable(f"no .txt or .md documents in {corpus_dir}")
        docs = []
        for p in paths:
            try:
                docs.extend(TextLoader(str(p), encoding="utf-8").load())
            except Exception as exc:   # TextLoader wraps a decoding error in RuntimeError
                raise Unusable(f"{p.name}: cannot be read as UTF-8 text ({exc})") from exc
        chunks = Splitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True).split_documents(docs)
        try:
            embeddings = HuggingFaceEmbeddings(model_name=model_path, model_kwargs={"device": "cpu"})
        except Exception as exc:
            raise Unusable(f"cannot load the embedding model from {model_path} ({exc.__class__.__name__}: {exc})") from exc
        self.store = FAISS.from_documents(chunks, embeddings)   # in memory: nothing saved, nothing unpickled
        self.k, self.quote_budget = k, quote_budget

    def ask(self, question: str) -> dict:
        citations, left = [], self.quote_budget
        for doc in self.store.similarity_search(question, k=self.k):
            quote = doc.page_content[:left].strip()
            if not quote:
                break
            left -= len(quote)
            citations.append({"doc": Path(doc.metadata.get("source", "")).name, "section": "",
                              "quote": quote, "refs": citations_in(quote),
                              "start": doc.metadata.get("start_index")})
        refs = sorted({n for c in citations for n in c["refs"]})
        return {"mode": "answer", "answer": "", "citations": citations, "refs": refs}


def _settings(args) -> tuple[Path, str]:
    corpus = Path(args.corpus or os.environ.get(ENV_CORPUS) or PROJECT_ROOT / "corpus")
    try:
        model = args.model or os.environ.get(ENV_MODEL) or packaged_model_path()
    except RuntimeError as exc:
        raise Unusable(str(exc)) from exc
    if not corpus.is_dir():
        raise Unusable(f"corpus folder not found: {corpus}")
    return corpus, model


def run(lines, out, baseline: Baseline) -> int:
    failures = 0
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("a line must be a JSON object")
        except (ValueError, RecursionError) as exc:
            failures += 1
            print(f"error: line {lineno}: not a JSON object ({exc}); skipped", file=sys.stderr)
            print(json.dumps({"id": None, "line": lineno, "mode": "error", "error": f"invalid JSON: {exc}"}),
                  file=out, flush=True)
            continue
        question = item.get("question")
        if not isinstance(question, str) or not question.strip():
            failures += 1
            print(f"error: line {lineno} (id {item.get('id')}): the question is empty", file=sys.stderr)
            print(json.dumps({"id": item.get("id"), "mode": "error", "error": "the question is empty"}),
                  file=out, flush=True)
            continue
        try:
            result = baseline.ask(question)
        except Exception as exc:   # a bug must still end in an error object, not a traceback
            failures += 1
            print(f"error: line {lineno} (id {item.get('id')}): internal error ({exc})", file=sys.stderr)
            result = {"mode": "error", "error": f"internal error: {exc.__class__.__name__}"}
        print(json.dumps({"id": item.get("id"), **result}, ensure_ascii=False), file=out, flush=True)
    return EXIT_OK if not failures else EXIT_USAGE


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="folder of documents (default: ASCC_BOT_CORPUS or corpus/)")
    ap.add_argument("--model", help="local sentence-transformers folder (default: ASCC_BOT_MODEL or the packaged one)")
    args = ap.parse_args(argv)
    try:
        corpus, model = _settings(args)
        baseline = Baseline(corpus, model)
    except Unusable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return run(sys.stdin, sys.stdout, baseline)


if __name__ == "__main__":
    sys.exit(main())
