"""The review's management pathway as data: load, check, select and render it.

Figure 1 of Racine et al. (Cancers 2025) is an image our corpus lacks, so
``corpus/flowchart.json`` re-encodes the pathway the review's *text* describes,
every node backed by verbatim quotes.  This module keeps that file honest
(structural checks, quote verification) and renders it for the chatbot as an
indented tree, Graphviz DOT source or a JSON-ready dict.  Standard library only.

The file names the document it was reconstructed from by DOI (``source.doi``):
``source_document`` finds that document in a corpus of several, by its metadata
or its own text, so deferral quotes are located in the review wherever it sorts.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = frozenset({"start", "decision", "state", "step", "treatment"})
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "corpus" / "flowchart.json"
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")  # no leading "_": "__title" is ours in DOT
_SUPERSCRIPTS = {"a": "ᵃ", "b": "ᵇ", "c": "ᶜ", "d": "ᵈ", "e": "ᵉ"}
_DOT_SHAPES = {"start": ("ellipse", ""), "decision": ("hexagon", ""), "state": ("box", ""),
               "step": ("box", "dashed"), "treatment": ("box", "rounded")}


class FlowchartError(ValueError):
    """The flowchart data is unusable; the message names the file and the fault."""


@dataclass(frozen=True)
class Support:
    """A verbatim quote from the review backing a node, so every step is checkable."""
    quote: str
    section: str
    refs: tuple[int, ...]


@dataclass(frozen=True)
class FlowNode:
    """One box of the pathway; ``footnote`` is "a"/"b" as in the figure caption."""
    id: str
    label: str
    kind: str
    footnote: str | None
    support: tuple[Support, ...]
    note: str | None = None


@dataclass(frozen=True)
class FlowEdge:
    """A directed transition; ``label`` is the condition ("" when self-evident)."""
    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class Flowchart:
    """The whole pathway; ``branches`` map a situation name to its node ids."""
    title: str
    notice: str
    footnotes: dict[str, str]
    nodes: tuple[FlowNode, ...]
    edges: tuple[FlowEdge, ...]
    branches: dict[str, tuple[str, ...]]
    source_doi: str = ""  # the DOI of the document the chart was reconstructed from ("source": {"doi": …})

    def node(self, node_id: str) -> FlowNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    @property
    def root(self) -> str:
        """The single node without incoming edges (validated at load time)."""
        targets = {e.target for e in self.edges}
        roots = [n.id for n in self.nodes if n.id not in targets]
        if len(roots) != 1:
            raise FlowchartError(f"expected exactly one root node, found {roots}")
        return roots[0]

    def children(self, node_id: str) -> list[FlowEdge]:
        return [e for e in self.edges if e.source == node_id]

    def subgraph(self, branch: str | None) -> Flowchart:
        """Keep a branch plus every node leading to it from the root, so the
        excerpt still starts at the root and reads on its own.  None = whole chart."""
        if branch is None:
            return self
        if branch not in self.branches:
            raise ValueError(f"unknown branch {branch!r}; known: {sorted(self.branches)}")
        parents: dict[str, list[str]] = {}
        for e in self.edges:
            parents.setdefault(e.target, []).append(e.source)
        keep: set[str] = set()
        todo = deque(self.branches[branch])
        while todo:  # walk upwards: all ancestors of the branch's nodes
            nid = todo.popleft()
            if nid not in keep:
                keep.add(nid)
                todo.extend(parents.get(nid, ()))
        branches = {name: tuple(i for i in ids if i in keep) for name, ids in self.branches.items()}
        return Flowchart(
            title=self.title, notice=self.notice, footnotes=dict(self.footnotes),
            nodes=tuple(n for n in self.nodes if n.id in keep),
            edges=tuple(e for e in self.edges if e.source in keep and e.target in keep),
            branches={k: v for k, v in branches.items() if v}, source_doi=self.source_doi)


def _fail(origin: str, msg: str) -> FlowchartError:
    return FlowchartError(f"{origin}: {msg}")


def flowchart_from_dict(data: Any, origin: str = "<dict>") -> Flowchart:
    """Build and validate a Flowchart; ``origin`` names the source in errors."""
    if not isinstance(data, Mapping):
        raise _fail(origin, "top level must be a JSON object")
    for key in ("title", "notice", "footnotes", "nodes", "edges", "branches"):
        if key not in data:
            raise _fail(origin, f"missing top-level key {key!r}")
    footnotes = data["footnotes"]
    if not isinstance(footnotes, Mapping) or not all(isinstance(v, str) for v in footnotes.values()):
        raise _fail(origin, "'footnotes' must map keys to strings")
    nodes: list[FlowNode] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["nodes"]):
        nid = raw.get("id") if isinstance(raw, Mapping) else None
        where = f"node {nid!r}" if nid else f"node #{i}"
        if not isinstance(nid, str) or not _ID_RE.match(nid):
            raise _fail(origin, f"{where}: id must match {_ID_RE.pattern}")
        if nid in seen:
            raise _fail(origin, f"{where}: duplicate id")
        seen.add(nid)
        if not isinstance(raw.get("label"), str) or not raw["label"].strip():
            raise _fail(origin, f"{where}: missing label")
        if raw.get("kind") not in KINDS:
            raise _fail(origin, f"{where}: kind {raw.get('kind')!r} not in {sorted(KINDS)}")
        foot = raw.get("footnote")
        if foot is not None and foot not in footnotes:
            raise _fail(origin, f"{where}: unknown footnote {foot!r} (known: {sorted(footnotes)})")
        support = raw.get("support") or []
        if not support:
            raise _fail(origin, f"{where}: has no supporting quote")
        sup: list[Support] = []
        for s in support:
            ok = (isinstance(s, Mapping) and isinstance(s.get("quote"), str) and s["quote"].strip()
                  and isinstance(s.get("section"), str) and s["section"].strip()
                  and isinstance(s.get("refs"), list)
                  and all(isinstance(r, int) and not isinstance(r, bool) for r in s["refs"]))
            if not ok:
                raise _fail(origin, f"{where}: each support needs quote, section and refs (list of ints)")
            sup.append(Support(s["quote"], s["section"], tuple(s["refs"])))
        nodes.append(FlowNode(nid, raw["label"], raw["kind"], foot, tuple(sup), raw.get("note")))
    edges: list[FlowEdge] = []
    for raw in data["edges"]:
        src, dst = raw.get("source"), raw.get("target")
        for end in (src, dst):
            if end not in seen:
                raise _fail(origin, f"edge {src!r} -> {dst!r}: unknown node id {end!r}")
        edges.append(FlowEdge(src, dst, raw.get("label") or ""))
    branches: dict[str, tuple[str, ...]] = {}
    for name, ids in data["branches"].items():
        if not isinstance(ids, list) or not ids:
            raise _fail(origin, f"branch {name!r}: must be a non-empty list of node ids")
        unknown = [i for i in ids if i not in seen]
        if unknown:
            raise _fail(origin, f"branch {name!r}: unknown node id(s) {unknown}")
        branches[name] = tuple(ids)
    source = data.get("source") or {}
    doi = source.get("doi") if isinstance(source, Mapping) else None
    if doi is not None and not (isinstance(doi, str) and normalise_doi(doi)):
        raise _fail(origin, "'source.doi' must be a DOI such as \"10.3390/cancers17091511\"")
    chart = Flowchart(str(data["title"]), str(data["notice"]), dict(footnotes),
                      tuple(nodes), tuple(edges), branches, normalise_doi(doi or ""))
    try:
        root = chart.root
    except FlowchartError as exc:
        raise _fail(origin, str(exc)) from None
    unreachable = set(seen) - _reachable(chart, root)
    if unreachable:
        raise _fail(origin, f"node(s) not reachable from root {root!r}: {sorted(unreachable)}")
    return chart


def load_flowchart(path: str | Path = DEFAULT_PATH) -> Flowchart:
    """Read and validate a flowchart JSON file; every error names the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FlowchartError(f"{path}: flowchart file not found") from None
    except OSError as exc:
        raise FlowchartError(f"{path}: cannot read flowchart file ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FlowchartError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    try:
        return flowchart_from_dict(data, origin=str(path))
    except (AttributeError, TypeError) as exc:  # wrong shapes, e.g. a node that is a string
        raise FlowchartError(f"{path}: malformed flowchart ({exc})") from None


_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.I)


def normalise_doi(doi: str) -> str:
    """'https://doi.org/10.3390/Cancers17091511' and 'doi:10.3390/cancers17091511' → '10.3390/cancers17091511'."""
    m = _DOI.search(doi or "")
    return m.group(1).rstrip(".,;)]").lower() if m else ""


def source_document(flowchart: Flowchart, documents: Mapping[str, Any]) -> str | None:
    """The id of the corpus document the chart was reconstructed from, matched by DOI: the DOI of its metadata
    sidecar, else a DOI printed in its own text outside its reference list (a PDF's first page, the "Citation:"
    line). None when the corpus does not hold it (or the chart names no DOI)."""
    want = flowchart.source_doi
    if not want:
        return None
    for doc_id, doc in documents.items():
        if normalise_doi(str((doc.metadata or {}).get("doi") or "")) == want:
            return doc_id
    for doc_id, doc in documents.items():  # a document that only *cites* the review has its DOI in its references
        cited = [(sec.start, sec.end) for sec in getattr(doc, "sections", ()) if sec.kind == "references"]
        if any(normalise_doi(m.group(1)) == want and not any(a <= m.start() < b for a, b in cited)
               for m in _DOI.finditer(doc.text)):
            return doc_id
    return None


def _reachable(chart: Flowchart, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for e in chart.children(todo.pop()):
            if e.target not in seen:
                seen.add(e.target)
                todo.append(e.target)
    return seen


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def verify_quotes(flowchart: Flowchart, texts: Iterable[str]) -> list[str]:
    """One problem per quote absent from every text.  Matching is exact after
    folding whitespace, within one paragraph (blank-line-separated block): the
    PDF extraction breaks sentences at page breaks, and a quote spanning such a
    break would not be a faithful citation."""
    paragraphs = [_fold(p) for t in texts for p in re.split(r"\n[ \t]*\n", t)]
    problems = []
    for node in flowchart.nodes:
        for s in node.support:
            q = _fold(s.quote)
            if not any(q in p for p in paragraphs):
                problems.append(f"{node.id}: quote not found in the review text ({s.section}): {q[:90]!r}")
    return problems


# Situation matching -------------------------------------------------------
# A described situation is read in three steps:
# 1. findings that the text negates are masked, so "no metastases on PET", "groin nodes negative", "the liver
#    lesions turned out benign" and "nothing distant" no longer count as metastatic or nodal disease. A negation
#    cue masks the next few words of its clause; a trailing verdict ("negative", "clear", "benign") masks the
#    words of its clause before it (NegEx-style scopes, bounded by punctuation and "but").
# 2. each branch's cues are looked for; "not fit for surgery" and "unresectable" are themselves negations, so the
#    not-operable cues read the unmasked text.
# 3. precedence, most decisive first: systemic (distant disease or systemic treatment) > not operable > inguinal >
#    after local excision > early assessment (≤ 4 months, or still regressing: reassess before any salvage) >
#    local salvage > generic persistence/recurrence (the assessment of its extent).
_NEG_BEFORE = re.compile(r"\b(?:no|not|non|without|nothing|never|none|negative for|free of|absence of|clear of|"
                         r"rules? out|ruled out|excluding)\b((?:[\s/-]+(?!but\b|however\b|although\b)[\w']+){1,5})")
_NEG_AFTER = re.compile(r"((?:[\w'/-]+\s+){1,7}?)(?:(?:is|are|was|were|came back|turned out(?: to be)?|look|looks|"
                        r"looked|all|both)\s+)*(?:negative|clear|clean|benign|excluded|ruled out|not seen|absent|"
                        r"normal|unremarkable|no uptake)\b"
                        r"(?=(?:\s+[\w-]+){0,2}\s*(?:[.,;:!?)]|$)|\s+(?:but|and|on|at|in|so|apart|elsewhere)\b)")
_CLAUSE = re.compile(r"[.,;:!?()]|\bbut\b|\bhowever\b|\balthough\b|\band\b")


def _mask_negated(text: str) -> str:
    """The text with negated findings replaced by underscores (same length, so nothing else moves)."""
    out = list(text)

    def blank(a: int, b: int) -> None:
        for i in range(a, b):
            if out[i].isalnum():
                out[i] = "_"

    for m in _NEG_BEFORE.finditer(text):
        a, b = m.span(1)
        stop = _CLAUSE.search(text, a, b)
        blank(a, stop.start() if stop else b)
    for m in _NEG_AFTER.finditer(text):
        a, b = m.span(1)
        clause_start = max((c.end() for c in _CLAUSE.finditer(text, 0, b)), default=0)
        blank(max(a, clause_start), b)
    return "".join(out)


_CUES: dict[str, re.Pattern[str]] = {b: re.compile(p, re.I) for b, p in {
    "systemic": r"\bmetasta|\bdistant\b|\bspread\b|\b(?:liver|lung|bone|peritone\w*|para-?aortic|brain|hepatic|"
                r"pulmonary)\b|\bprogress(?:ed|es|ing|ion)?\b|\b(?:first|second|subsequent)[- ]line\b|carboplatin"
                r"|paclitaxel|docetaxel|\bm?DCF\b|pembrolizumab|nivolumab|atezolizumab|checkpoint|immunotherap"
                r"|anti-?PD|\bPD-?L?1\b|\bsystemic\b|\bpalliative chemo|\bstage (?:iv|4)\b|\bm1\b",
    "not_operable": r"\binoperable\b|\bnon-?operable\b|\bnot\s+operable\b|\bunresectable\b|\bnon-?resectable\b"
                    r"|\bnot\s+resectable\b|\bproton|\bcryo|\bencas\w+|\bfrail\w*\b"
                    r"|\b(?:unfit|not\s+(?:fit|suitable|eligible)|too\s+(?:frail|sick|ill|old|weak))\b"
                    r"|\b(?:is|isn't|wasn't|was|are|aren't)n?'?t?\s+(?:fit|well enough)\s+(?:for|to)\b"
                    r"|\bisn't\s+fit\b|\bsurgery\s+(?:is\s+|was\s+)?(?:not|isn't|wasn't)\s+(?:feasible|possible|an\s+"
                    r"option|suitable|indicated)|\b(?:can ?not|can't|unable\s+to)\s+(?:have|undergo|tolerate|be\s+"
                    r"operated)|\bnot\s+a\s+(?:surgical\s+)?candidate|\b(?:refuses?|declines?|declined|refused)\s+"
                    r"(?:surgery|an\s+operation|apr|a\s+colostomy|a\s+stoma)\b|\bno\s+surgery\b"
                    r"|\b(?:doesn't|does not|don't|won't)\s+want\s+(?:surgery|an operation|it|a stoma|a colostomy)",
    "inguinal": r"\binguinal\b|\bgroin\b|\bnodal\b|\blymph[- ]?nodes?\b|lymphadenectomy|\bnodes?\b",
    "after_local_excision": r"\blocal(?:ly)?\s+(?:excision|excised|resection|resected)\b|\bexcis(?:ion|ed)\b"
                            r"|\b(?:primary|initial)\s+resection\b|\bcut\s+out\b|\b(?:was|were|had\s+\w+)\s+removed\b"
                            r"|\bremoved\s+(?:under|with|by)\b|\blocal\s+anaesthetic\b|\b(?:had|having)\b[^.]{0,60}\bremoved\b",
    "assessment": r"\b(?:[1-4]|one|two|three|four)[- ]?(?:months?|mo)\b|\b(?:[1-9]|1[0-7])[- ]?(?:weeks?|wks?)\b"
                  r"|\bstill\s+(?:regress\w*|shrink\w*|going down|getting smaller|responding|improving)"
                  r"|\b(?:going down|shrinking|getting smaller|regressing|partial response)\b|\breassess\w*"
                  r"|\btoo early\b|\bcomplete (?:clinical )?response\b|\bsurveillance\b|\bfollow[- ]?up schedule",
    "local_salvage": r"\bloco-?regional\b|\blocal(?:ly)?\s+(?:recurren|persist|relapse|disease)|\bAPR\b"
                     r"|abdomino-?perineal|\bsalvage\b|\bexenteration\b|\bVRAM\b|\bflap|\bperineal\b|\bIORT\b"
                     r"|intraoperative|re-?irradiat|re-?radiat|\bcolostomy\b|\bstoma\b|\bbig operation\b"
                     r"|\bpelvi(?:s|c)\b|\bfit for surgery\b",
    "chemotherapy": r"\bchemo(?:therap\w*)?\b(?!\s*-?\s*radi)",
    "generic": r"\bpersist|\brecurr|\brelaps|\bcame\s+back\b|\bcomes?\s+back\b|\bit'?s\s+back\b|\bmonitor"
               r"|\bstill\s+(?:has|have|had|shows?|with)\b|\b(?:remains?|is)\s+(?:visible|detectable|present)\b",
}.items()}
_ORDER = ("systemic", "not_operable", "inguinal", "after_local_excision", "assessment", "local_salvage",
          "chemotherapy", "generic")


def match_branch(question: str) -> str | None:
    """Name the branch a described situation falls under, or None for the whole chart (see the steps above)."""
    raw = question.replace("\u2019", "'")
    masked = _mask_negated(raw)
    for branch in _ORDER:
        text = raw if branch == "not_operable" else masked
        if _CUES[branch].search(text):
            if branch == "not_operable" and _CUES["chemotherapy"].search(masked):
                return "systemic"  # "unresectable: which chemotherapy?" — systemic therapy is the main option
            if branch == "chemotherapy":
                return "systemic"
            if branch == "assessment" and _CUES["local_salvage"].search(masked) and not re.search(
                    r"\bstill\s+(?:regress|shrink|going down|getting smaller|responding|improving)|\b(?:going down|"
                    r"shrinking|regressing|getting smaller|smaller)\b|\b(?:[1-3]|one|two|three)[- ]?(?:months?|mo)\b"
                    r"|\b(?:[1-9]|1[0-3])[- ]?(?:weeks?|wks?)\b",
                    masked, re.I):
                continue  # a salvage question about disease past the early reassessment window
            return "assessment" if branch == "generic" else branch
    return None


# Rendering -----------------------------------------------------------------

def _mark(key: str | None, dot: bool = False) -> str:
    if key is None:
        return ""
    return f" [{key}]" if dot else _SUPERSCRIPTS.get(key, f"[{key}]")


def _highlighted(chart: Flowchart, highlight: str | None) -> set[str]:
    if highlight is None:
        return set()
    if highlight not in chart.branches:
        raise ValueError(f"unknown branch {highlight!r}; known: {sorted(chart.branches)}")
    return set(chart.branches[highlight])


def to_tree_text(flowchart: Flowchart, highlight: str | None = None) -> str:
    """Indented tree from the root.  The graph is a DAG, so a shared step is
    expanded once, under the parent that reaches it first breadth-first (its
    shortest route), and elsewhere referred to with "(see above/below)"."""
    hl = _highlighted(flowchart, highlight)
    root = flowchart.root
    home: dict[str, FlowEdge] = {}
    queue = deque([root])
    while queue:
        for e in flowchart.children(queue.popleft()):
            if e.target != root and e.target not in home:
                home[e.target] = e
                queue.append(e.target)
    lines = [flowchart.title, ""]
    printed: set[str] = {root}

    def label(nid: str) -> str:
        n = flowchart.node(nid)
        return n.label + _mark(n.footnote) + (f"  ◀ {highlight}" if nid in hl else "")

    def walk(nid: str, prefix: str) -> None:
        kids = flowchart.children(nid)
        for i, e in enumerate(kids):
            last = i == len(kids) - 1
            cond = f"[{e.label}] " if e.label else ""
            expand = home.get(e.target) == e and e.target not in printed
            ref = "" if expand else ("  (see above)" if e.target in printed else "  (see below)")
            lines.append(f"{prefix}{'└─' if last else '├─'} {cond}{label(e.target)}{ref}")
            if expand:
                printed.add(e.target)
                walk(e.target, prefix + ("   " if last else "│  "))

    lines.append(label(root))
    walk(root, "")
    lines += ["", "Footnotes:"]
    lines += [f"  {_mark(k)} {v}" for k, v in flowchart.footnotes.items()]
    lines += ["", "Note: " + flowchart.notice]
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_label(text: str, width: int = 30) -> str:
    """Quoted DOT label: wrap first, escape each line, then join with a literal
    \\n so our own line breaks are never escaped away."""
    wrapped = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]
    return '"' + "\\n".join(_dot_escape(line) for line in wrapped) + '"'


def to_dot(flowchart: Flowchart, highlight: str | None = None) -> str:
    """Graphviz DOT source (top-to-bottom); highlighted branch nodes are filled."""
    hl = _highlighted(flowchart, highlight)
    legend = [f"[{k}] {v}" for k, v in flowchart.footnotes.items()] + [flowchart.notice]
    graph_label = "\\n".join(_dot_escape(line) for part in legend
                             for line in textwrap.wrap(part, width=90) or [""])
    out = ["digraph flowchart {",
           f'  graph [rankdir="TB", labelloc="b", labeljust="l", fontname="Helvetica", fontsize=10, '
           f'label="{graph_label}"];',
           '  node [fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=9];',
           f'  "__title" [shape="plaintext", label={_dot_label(flowchart.title, 80)}];']
    for n in flowchart.nodes:
        shape, style = _DOT_SHAPES[n.kind]
        styles = [s for s in (style, "filled" if n.id in hl else "") if s]
        attrs = [f"label={_dot_label(n.label + _mark(n.footnote, dot=True))}", f'shape="{shape}"']
        if styles:
            attrs.append(f'style="{",".join(styles)}"')
        if n.id in hl:
            attrs.append('fillcolor="#ffe08a"')
        out.append(f'  "{n.id}" [{", ".join(attrs)}];')
    out.append(f'  "__title" -> "{flowchart.root}" [style="invis"];')
    for e in flowchart.edges:
        attr = f" [label={_dot_label(e.label, 24)}]" if e.label else ""
        out.append(f'  "{e.source}" -> "{e.target}"{attr};')
    out.append("}")
    return "\n".join(out) + "\n"


def to_dict(flowchart: Flowchart) -> dict[str, Any]:
    """JSON-ready dict in the same shape as corpus/flowchart.json (round-trips)."""
    return {
        "title": flowchart.title,
        "notice": flowchart.notice,
        "footnotes": dict(flowchart.footnotes),
        "root": flowchart.root,
        "nodes": [{"id": n.id, "label": n.label, "kind": n.kind, "footnote": n.footnote,
                   "footnote_text": flowchart.footnotes.get(n.footnote) if n.footnote else None,
                   "note": n.note,
                   "support": [{"quote": s.quote, "section": s.section, "refs": list(s.refs)}
                               for s in n.support]}
                  for n in flowchart.nodes],
        "edges": [{"source": e.source, "target": e.target, "label": e.label} for e in flowchart.edges],
        "branches": {k: list(v) for k, v in flowchart.branches.items()},
        **({"source": {"doi": flowchart.source_doi}} if flowchart.source_doi else {}),
    }
