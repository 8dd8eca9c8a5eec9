"""`ascc-bot`: a thin command line over the library (no pipeline logic here).

    ascc-bot index [--check] [--force]     build or check the index
    ascc-bot ask "question" [--json]       one answer, readable or as one JSON object
    ascc-bot ask --jsonl < in.jsonl        one JSON line per input line (the evaluation contract)
    ascc-bot chat                          terminal chat with history
    ascc-bot flowchart [--dot | --json]    the management pathway reconstructed from the review's text
    ascc-bot audit [--json]                the documents' own inconsistencies, found when the index was built
    ascc-bot ui [--port N] [--address A] [--allow-uploads]   the Streamlit chat app

Heavy imports (sentence-transformers, FAISS) happen inside the commands that need them, so `--help` and
`index --check` answer at once.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_STALE = 0, 1, 2, 1


class _Unusable(Exception):
    """Settings that cannot work (e.g. the model package is missing); the message says what to do."""


def _settings():
    from bot.settings import Settings
    try:
        return Settings.from_env()
    except RuntimeError as exc:
        raise _Unusable(str(exc)) from exc


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)


def _warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


def _progress(stage: str, done: int, total: int) -> None:
    """Build progress on stderr: one updating line per stage."""
    if not sys.stderr.isatty():
        if done == total:
            print(f"{stage}: {total}/{total}", file=sys.stderr)
        return
    width = 30
    filled = int(width * done / total) if total else width
    end = "\n" if done == total else ""
    print(f"\r{stage:<22} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, file=sys.stderr,
          flush=True)


# ------------------------------------------------------------------------------------------------ index
def cmd_index(args) -> int:
    from bot.index import store as ix
    from bot.ingest.corpus import CorpusError

    settings = _settings()
    if args.check:
        fresh = ix.check(settings)
        print(f"index {fresh.status}: {settings.index_dir}")
        for r in fresh.reasons + fresh.notes:  # notes: leftovers of an interrupted build or upload
            print(f"  - {r}")
        return EXIT_OK if fresh.status == "fresh" else EXIT_STALE
    try:
        report = ix.build(settings, progress=_progress, force=args.force)
    except (CorpusError, ix.IndexProblem) as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted: the previous index is unchanged.")
        return 130
    print(report.summary())
    return EXIT_OK


# ------------------------------------------------------------------------------------------------ ask
def _load_pipeline():
    from bot.ingest.corpus import CorpusError
    from bot.index.store import IndexProblem
    from bot.pipeline import Pipeline

    try:
        pipeline = Pipeline.load(_settings(), progress=_progress)
    except (CorpusError, IndexProblem) as exc:
        _err(str(exc))
        return None
    for w in pipeline.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return pipeline


def render(answer) -> str:
    """Readable terminal form: the answer, then its sources with sections and bibliography entries. Sources are
    "Source 1", "Source 2": square brackets only ever hold the review's own reference numbers."""
    out = [answer.text]
    if answer.suggestions:
        out.append("\nYou could ask:")
        out += [f"  - {q}" for q in answer.suggestions]
    if answer.citations and answer.mode == "answer":
        out.append("\nSources:")
        further = [c for c in answer.citations if not c.in_answer]
        for i, c in enumerate(answer.citations, 1):
            if c is (further[0] if further else None):
                out.append("\nFurther passages (not quoted above):")
            refs = sorted(set(c.refs) | set(c.context_refs))
            where = f" (characters {c.start}–{c.end})" if c.start >= 0 else ""
            cites = f"; cites [{', '.join(map(str, refs))}]" if refs else ""
            name = f"{c.doc_label} ({c.doc})" if c.doc_label and c.doc_label != c.doc else c.doc
            out.append(f"  Source {i}: {name} — {c.section}{where}{cites}")
            if not c.in_answer:
                out.append(f"    \u201c{c.quote}\u201d")
    if answer.notes:
        out.append("\nNotes — the review is not consistent with itself here:")
        for n in answer.notes:
            which = ("Source " if len(n["sources"]) == 1 else "Sources ") + ", ".join(map(str, n["sources"]))
            out.append(f"  On {which}: {n['text']}")
    if len(answer.bibliography_by_doc) > 1:  # one number means a different paper in each document
        labels = {c.doc: c.doc_label or c.doc for c in answer.citations}
        for doc, entries in answer.bibliography_by_doc.items():
            out.append(f"\nReferences cited — {labels.get(doc, doc)}'s own list:")
            out += [f"  [{n}] {entry}" for n, entry in sorted(entries.items())]
    elif answer.bibliography:
        out.append("\nReferences cited:")
        for n, entry in sorted(answer.bibliography.items()):
            out.append(f"  [{n}] {entry}")
    for w in answer.warnings:
        out.append(f"\n(note: {w})")
    return "\n".join(out)


def _ask_one(pipeline, question: str, history) -> dict:
    from bot.pipeline import InputProblem

    try:
        return pipeline.ask(question, history).to_dict()
    except InputProblem as exc:
        return {"error": str(exc)}
    except Exception as exc:  # one failing question must not lose the answers to the others
        return {"error": f"internal error while answering ({exc.__class__.__name__}: {exc})"}


def cmd_ask(args) -> int:
    from bot.pipeline import InputProblem

    if args.jsonl:
        return _ask_jsonl()
    question = " ".join(args.question)
    if not question.strip():
        _err("the question is empty: ascc-bot ask \"What did Kitaguchi et al. find?\"")
        return EXIT_USAGE
    pipeline = _load_pipeline()
    if pipeline is None:
        return EXIT_ERROR
    try:
        answer = pipeline.ask(question, [])
    except InputProblem as exc:
        _err(str(exc))
        return EXIT_USAGE
    except Exception as exc:  # a bug must still end in a message, not a traceback
        _err(f"internal error while answering ({exc.__class__.__name__}: {exc})")
        return EXIT_ERROR
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print(render(answer))
    return EXIT_OK


def _history(raw, where: str = "") -> list[str]:
    """User turns from the contract's history ([{"role", "content"}], or plain strings). A turn that is neither
    is left out with a warning on stderr, never silently (a nested {"content": {"content": …}} once hid every
    earlier turn of an evaluation set)."""
    out, ignored = [], 0
    for turn in raw or []:
        if isinstance(turn, dict) and turn.get("role", "user") == "user" and isinstance(turn.get("content"), str):
            out.append(turn["content"])
        elif isinstance(turn, str):
            out.append(turn)
        elif not (isinstance(turn, dict) and turn.get("role", "user") != "user"):
            ignored += 1
    if ignored:
        _warn(f"{where}{ignored} earlier turn{'s' if ignored > 1 else ''} of the history ignored: each must be a "
             "string or {\"role\": \"user\", \"content\": \"…\"} with text content")
    return out


def _ask_jsonl() -> int:
    """One JSON object per input line, in order; a broken line gets an error object and the rest continue."""
    pipeline = _load_pipeline()
    if pipeline is None:
        return EXIT_ERROR
    failures = 0
    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("a line must be a JSON object")
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly nested JSON
            failures += 1
            _err(f"line {lineno}: not a JSON object ({exc}); skipped")
            print(json.dumps({"id": None, "line": lineno, "mode": "error", "error": f"invalid JSON: {exc}"}),
                  flush=True)
            continue
        qid = item.get("id")
        result = _ask_one(pipeline, item.get("question", ""),
                          _history(item.get("history"), f"line {lineno} (id {qid}): "))
        if "error" in result:
            failures += 1
            _err(f"line {lineno} (id {qid}): {result['error']}")
            result = {"mode": "error", **result}
        print(json.dumps({"id": qid, **{k: v for k, v in result.items() if k != "question"}}, ensure_ascii=False),
              flush=True)
    return EXIT_OK if not failures else EXIT_USAGE


# ------------------------------------------------------------------------------------------------ chat
def cmd_chat(args) -> int:
    from bot.pipeline import InputProblem

    pipeline = _load_pipeline()
    if pipeline is None:
        return EXIT_ERROR
    print("Ask about the review (Racine et al., Cancers 2025). Empty line or Ctrl-D to quit. "
          "This reports the review; it is not medical advice.")
    history: list[str] = []
    while True:
        try:
            question = input("\nyou> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return EXIT_OK
        if not question.strip():
            return EXIT_OK
        try:
            answer = pipeline.ask(question, history)
        except InputProblem as exc:
            print(f"bot> {exc}")
            continue
        except Exception as exc:  # keep the conversation going
            print(f"bot> internal error while answering ({exc.__class__.__name__}: {exc})")
            continue
        print("bot> " + render(answer))
        history.append(question)


# ------------------------------------------------------------------------------------------------ flowchart
def cmd_flowchart(args) -> int:
    from bot.guard.flowchart import FlowchartError, load_flowchart, to_dict, to_dot, to_tree_text

    try:
        chart = load_flowchart(_settings().corpus_dir / "flowchart.json")
    except FlowchartError as exc:
        _err(str(exc))
        return EXIT_ERROR
    if args.branch and args.branch not in chart.branches:
        _err(f"no branch '{args.branch}'; the branches are: {', '.join(chart.branches)}")
        return EXIT_USAGE
    part = chart.subgraph(args.branch) if args.branch else chart
    if args.dot:
        print(to_dot(part, highlight=args.branch))
    elif args.json:
        print(json.dumps(to_dict(part), ensure_ascii=False, indent=1))
    else:
        print(to_tree_text(part, highlight=args.branch))
    return EXIT_OK


# ------------------------------------------------------------------------------------------------ audit
def cmd_audit(args) -> int:
    """The findings stored by the last index build; no model, no vectors."""
    from bot.audit.report import format_report
    from bot.audit.run import AUDIT_VERSION
    from bot.index import store as ix

    settings = _settings()
    fresh = ix.check(settings)
    if fresh.status in ("missing", "broken"):
        _err(fresh.reasons[0] if fresh.reasons else f"no usable index in {settings.index_dir}.")
        return EXIT_ERROR
    try:
        records = ix.load_audit(settings)
    except ix.IndexProblem as exc:
        _err(str(exc))
        return EXIT_ERROR
    if fresh.status == "stale":
        print("warning: the index is stale (" + "; ".join(fresh.reasons[:3]) + "): these findings come from the "
              "last build; run `ascc-bot index` to update them.", file=sys.stderr)
    if args.json:
        print(json.dumps({"audit_version": AUDIT_VERSION, "documents": records}, ensure_ascii=False, indent=1))
    else:
        print(format_report(records), end="")
    return EXIT_OK


# ------------------------------------------------------------------------------------------------ ui
def cmd_ui(args) -> int:
    """Run the Streamlit server in this process. While it starts, a background thread imports the pipeline and
    loads the ONNX embedding path (never torch), so the first page load only has to load the index."""
    import threading

    from streamlit.web import bootstrap

    from bot.settings import ENV_ALLOW_UPLOADS

    app = Path(__file__).resolve().parent.parent / "ui" / "app.py"
    if args.allow_uploads:  # read by the app (same process): users may change the shared corpus
        os.environ[ENV_ALLOW_UPLOADS] = "1"
    flags = {"server.port": args.port, "server.address": args.address, "server.headless": True,
             "browser.gatherUsageStats": False, "client.toolbarMode": "minimal", "client.showErrorDetails": "none"}
    threading.Thread(target=_warm_imports, daemon=True).start()
    print(f"starting the chat UI on http://{args.address}:{args.port}", file=sys.stderr)
    bootstrap.load_config_options(flag_options=flags)
    bootstrap.run(str(app), False, [], flags)
    return EXIT_OK


def _warm_imports() -> None:
    """The imports and the model the first page load would otherwise wait for (problems are the page's to show)."""
    from bot import pipeline  # noqa: F401
    from bot.index.embed import warm_up

    try:
        warm_up(_settings().model_path)
    except Exception:  # noqa: BLE001
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ascc-bot", description="Answers questions about Racine et al. (Cancers "
                                     "2025) from the review's own text, with verbatim quotes and its references.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", help="build the index incrementally, or --check whether it is fresh")
    p.add_argument("--check", action="store_true", help="report fresh/stale; exit code 0 when fresh, 1 otherwise")
    p.add_argument("--force", action="store_true", help="re-embed everything")
    p.set_defaults(func=cmd_index)
    p = sub.add_parser("ask", help="answer one question (or JSON lines on stdin with --jsonl)")
    p.add_argument("question", nargs="*")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true", help="print one JSON object")
    g.add_argument("--jsonl", action="store_true", help="read JSON lines on stdin, write one JSON line each")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("chat", help="terminal chat with history")
    p.set_defaults(func=cmd_chat)
    p = sub.add_parser("flowchart", help="print the management pathway reconstructed from the review's text")
    p.add_argument("--branch", help="only one branch (e.g. systemic, local_salvage)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--dot", action="store_true", help="Graphviz DOT source")
    g.add_argument("--json", action="store_true", help="the flowchart as JSON")
    p.set_defaults(func=cmd_flowchart)
    p = sub.add_parser("audit", help="list the documents' own inconsistencies (citation-name mismatches, "
                       "table-text conflicts, reference hygiene), found when the index was built")
    p.add_argument("--json", action="store_true", help="the stored findings as JSON")
    p.set_defaults(func=cmd_audit)
    p = sub.add_parser("ui", help="start the Streamlit chat app")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--allow-uploads", action="store_true",
                   help="let users add and remove documents although the server listens beyond this machine "
                        "(every user shares the corpus); on 127.0.0.1 they always may")
    p.set_defaults(func=cmd_ui)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except _Unusable as exc:
        _err(str(exc))
        return EXIT_ERROR
    except BrokenPipeError:  # `ascc-bot flowchart | head`: the reader left; not an error worth a traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
