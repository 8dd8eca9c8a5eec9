"""Tests for the text-reconstructed management pathway (corpus/flowchart.json + bot/guard/flowchart.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.guard.flowchart import (
    Flowchart,
    FlowchartError,
    FlowEdge,
    FlowNode,
    Support,
    flowchart_from_dict,
    load_flowchart,
    match_branch,
    to_dict,
    to_dot,
    to_tree_text,
    verify_quotes,
)

ROOT = Path(__file__).resolve().parent.parent
CHART_PATH = ROOT / "corpus" / "flowchart.json"
REVIEW_PATH = ROOT / "corpus" / "racine2025-ascc-review.txt"


@pytest.fixture(scope="module")
def chart() -> Flowchart:
    return load_flowchart(CHART_PATH)


@pytest.fixture(scope="module")
def review() -> str:
    return REVIEW_PATH.read_text(encoding="utf-8")


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def sections(review: str) -> dict[str, str]:
    """Section title -> whitespace-folded body, from the headings of the text."""
    body = review.split("\nReferences\n", 1)[0]
    heads = [(m.start(), m.group(1)) for m in re.finditer(
        r"^(\d+(?:\.\d+)?\. [A-Z][^\n.]{2,70}|Abstract(?=:)|Simple Summary(?=:))", body, re.M)]
    out = {}
    for (start, title), nxt in zip(heads, heads[1:] + [(len(body), "")]):
        out[title] = fold(body[start:nxt[0]])
    return out


def expand_refs(quote: str) -> list[int]:
    refs: list[int] = []
    for group in re.findall(r"\[([\d,\s–-]+)\]", quote):
        for part in group.split(","):
            lo, _, hi = part.strip().replace("–", "-").partition("-")
            refs.extend(range(int(lo), int(hi or lo) + 1))
    return refs


def minimal(**overrides) -> dict:
    data = {
        "title": "T", "notice": "Reconstructed from the text; NOT a copy of Figure 1.",
        "footnotes": {"a": "Insufficient evidence", "b": "As part of clinical trials"},
        "nodes": [
            {"id": "r", "label": "Root", "kind": "start", "footnote": None,
             "support": [{"quote": "q1", "section": "Abstract", "refs": []}]},
            {"id": "x", "label": 'He said "stop" \\ now', "kind": "treatment", "footnote": "a",
             "support": [{"quote": "q2", "section": "Abstract", "refs": [1]}]},
            {"id": "y", "label": "Other", "kind": "treatment", "footnote": None,
             "support": [{"quote": "q3", "section": "Abstract", "refs": []}]},
        ],
        "edges": [{"source": "r", "target": "x", "label": 'if "quoted"'},
                  {"source": "r", "target": "y", "label": ""}],
        "branches": {"bx": ["x"], "by": ["y"]},
    }
    data.update(overrides)
    return data


# --- a tiny DOT parser: enough of the grammar to prove the output is well formed ---

_TOKEN = re.compile(r'\s+|//[^\n]*|/\*.*?\*/|(?P<tok>"(?:[^"\\]|\\.)*"|->|[{}\[\];,=]|[A-Za-z_][A-Za-z0-9_.]*|-?\d+(?:\.\d+)?)', re.S)


def parse_dot(src: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]], dict[str, str]]:
    toks, pos = [], 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        assert m, f"unlexable DOT at {pos}: {src[pos:pos + 30]!r}"
        if m.group("tok"):
            toks.append(m.group("tok"))
        pos = m.end()
    i = 0

    def val(t: str) -> str:  # label semantics: \" and \\ are literal, \n \l \r break lines
        if not t.startswith('"'):
            return t
        return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nlr" else m.group(1), t[1:-1])

    def eat(expected: str | None = None) -> str:
        nonlocal i
        assert i < len(toks), "unexpected end of DOT"
        t = toks[i]
        assert expected is None or t == expected, f"expected {expected!r}, got {t!r}"
        i += 1
        return t

    def attrs() -> dict[str, str]:
        out: dict[str, str] = {}
        eat("[")
        while toks[i] != "]":
            k = val(eat()); eat("="); out[k] = val(eat())
            if toks[i] in ",;":
                eat()
        eat("]")
        return out

    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict[str, str]]] = []
    graph: dict[str, str] = {}
    eat("digraph")
    if toks[i] != "{":
        eat()
    eat("{")
    while toks[i] != "}":
        if toks[i] in ("graph", "node", "edge"):
            kind = eat()
            a = attrs()
            if kind == "graph":
                graph.update(a)
        else:
            first = val(eat())
            chain = [first]
            while toks[i] == "->":
                eat(); chain.append(val(eat()))
            a = attrs() if toks[i] == "[" else {}
            if len(chain) == 1:
                nodes[first] = a
            else:
                edges.extend((s, t, a) for s, t in zip(chain, chain[1:]))
        if toks[i] == ";":
            eat()
    eat("}")
    assert i == len(toks), "trailing tokens after graph"
    return nodes, edges, graph


# --- the data: quotes, sections, refs, decision points -----------------------

def test_every_quote_is_in_the_review(chart, review):
    assert verify_quotes(chart, [review]) == []


def test_verify_quotes_reports_a_missing_and_a_page_break_quote(chart):
    bad = flowchart_from_dict(minimal())
    problems = verify_quotes(bad, ["q1 and q3 are here\n\nbut q\n\n2 is split"])
    assert len(problems) == 1 and problems[0].startswith("x:")
    # folding whitespace is allowed inside a paragraph...
    assert verify_quotes(bad, ["q1 q2\nq3"]) == []
    # ...but a quote spanning a blank line (a PDF page break) is not
    split = flowchart_from_dict(minimal(nodes=[dict(minimal()["nodes"][0], support=[
        {"quote": "A key factor contributing", "section": "Abstract", "refs": []}])], edges=[], branches={}))
    assert len(verify_quotes(split, ["A key factor contribut-\n\ning"])) == 1
    assert len(verify_quotes(split, ["A key factor\n\ncontributing"])) == 1


def test_quotes_sit_in_their_named_section_with_their_refs(chart, review):
    secs = sections(review)
    assert {"Abstract", "2.1. Salvage Surgery", "2.4. Immunotherapy", "3. Discussion"} <= set(secs)
    for node in chart.nodes:
        for s in node.support:
            assert s.section in secs, f"{node.id}: unknown section {s.section!r}"
            assert fold(s.quote) in secs[s.section], f"{node.id}: quote not in {s.section}"
            assert list(s.refs) == expand_refs(s.quote), f"{node.id}: refs {s.refs} vs quote"


def test_top_level_says_reconstructed_not_figure_copy():
    raw = json.loads(CHART_PATH.read_text(encoding="utf-8"))
    assert raw["reconstructed_from_text"] is True and raw["copy_of_figure_1"] is False
    assert "NOT a copy" in raw["notice"] and "Figure 1" in raw["notice"]
    assert raw["footnotes"] == {"a": "Insufficient evidence", "b": "As part of clinical trials"}


def test_decision_points_are_present(chart):
    n = chart.node
    assert "3 months" in n("response_assessment").label and "6 months" in n("response_assessment").label
    assert "Persistent" in n("persistent_disease").label and "Recurrent" in n("recurrent_disease").label
    assert "abdominoperineal" in n("salvage_apr").label and n("salvage_apr").footnote is None
    assert "exenteration" in n("pelvic_exenteration").label.lower()
    assert "VRAM" in n("flap_closure").label and "primary closure" in n("flap_closure").label
    assert "less radical" in n("inguinal_surgery").label and "ESMO" in n("inguinal_surgery").label
    assert "T1" in n("after_local_excision_crt").label and "chemoradiotherapy" in n("after_local_excision_crt").label
    for nid in ("reirradiation_iort", "perioperative_chemo", "proton_reirradiation", "cryotherapy"):
        assert n(nid).footnote == "a", nid
    assert "intraoperative" in n("reirradiation_iort").label.lower()
    assert "Proton" in n("proton_reirradiation").label and "Cryotherapy" in n("cryotherapy").label
    assert "carboplatin + paclitaxel" in n("carboplatin_paclitaxel").label and n("carboplatin_paclitaxel").footnote is None
    assert "modified DCF" in n("modified_dcf").label
    assert "pembrolizumab" in n("checkpoint_inhibitors").label and n("checkpoint_inhibitors").footnote == "b"
    assert [nd.id for nd in chart.nodes if nd.footnote == "b"] == ["checkpoint_inhibitors"]
    edges = {(e.source, e.target): e.label for e in chart.edges}
    assert ("salvage_apr", "pelvic_exenteration") in edges and ("salvage_feasible", "surgery_not_feasible") in edges
    assert edges[("carboplatin_paclitaxel", "checkpoint_inhibitors")] == "progression"
    assert ("surgery_not_feasible", "proton_reirradiation") in edges and ("surgery_not_feasible", "cryotherapy") in edges
    assert ("disease_extent", "inguinal_disease") in edges and ("start", "after_local_excision_crt") in edges


def test_graph_is_connected_from_a_single_root(chart):
    ids = {nd.id for nd in chart.nodes}
    assert len(ids) == len(chart.nodes)
    assert all(e.source in ids and e.target in ids for e in chart.edges)
    assert chart.root == "start"
    seen, todo = {"start"}, ["start"]
    while todo:
        for e in chart.children(todo.pop()):
            if e.target not in seen:
                seen.add(e.target); todo.append(e.target)
    assert seen == ids
    assert set(chart.branches) == {"assessment", "local_salvage", "inguinal", "after_local_excision",
                                   "not_operable", "systemic"}
    assert all(set(v) <= ids for v in chart.branches.values())


# --- matching and selection ----------------------------------------------------

@pytest.mark.parametrize("question, branch", [
    ("What if the cancer has spread to the liver (metastatic)?", "systemic"),
    ("Unresectable recurrence: which chemotherapy?", "systemic"),
    ("What after progression on carboplatin and paclitaxel?", "systemic"),
    ("Is pembrolizumab an option?", "systemic"),
    ("Recurrence in the groin nodes", "inguinal"),
    ("Inguinal lymph node persistence after CRT", "inguinal"),
    ("Local recurrence two years after chemoradiotherapy", "local_salvage"),
    ("Loco-regional persistence: is an APR needed?", "local_salvage"),
    ("How is the perineum closed after abdominoperineal resection?", "local_salvage"),
    ("Surgery is not possible for this patient", "not_operable"),
    ("The patient is not fit for surgery", "not_operable"),
    ("Inoperable local recurrence, what about proton therapy?", "not_operable"),
    ("Tumour still there 3 months after chemoradiation, should we operate?", "assessment"),
    ("She still has disease after chemoradiation", "assessment"),
    ("Recurrence after local excision of a T1 tumour", "after_local_excision"),
    ("The patient refuses surgery; is cryotherapy an option?", "not_operable"),
    ("Should chemotherapy be given before salvage surgery?", "local_salvage"),
    ("What is the standard chemotherapy?", "systemic"),
    ("His cancer came back", "assessment"),
    ("Tell me about the management flowchart", None),
    ("", None),
])
def test_match_branch(question, branch):
    assert match_branch(question) == branch


def test_subgraph_keeps_root_path_and_only_related_nodes(chart):
    sub = chart.subgraph("inguinal")
    ids = {n.id for n in sub.nodes}
    assert {"start", "response_assessment", "persistent_disease", "disease_extent",
            "inguinal_disease", "inguinal_surgery"} <= ids
    assert not ids & {"salvage_apr", "systemic_therapy", "after_local_excision_crt", "cryotherapy"}
    assert sub.root == "start"
    assert all(e.source in ids and e.target in ids for e in sub.edges)
    assert set(sub.branches) >= {"inguinal"}
    assert chart.subgraph(None) is chart
    assert {n.id for n in chart.subgraph("after_local_excision").nodes} == {"start", "after_local_excision_crt"}
    with pytest.raises(ValueError, match="unknown branch"):
        chart.subgraph("nope")


# --- rendering -------------------------------------------------------------------

def test_tree_text_has_notice_legend_markers_and_edge_labels(chart):
    text = to_tree_text(chart)
    assert "NOT a copy" in text and "Figure 1" in text
    assert "ᵃ Insufficient evidence" in text and "ᵇ As part of clinical trials" in text
    assert "Proton-beam re-irradiationᵃ" in text and "(pembrolizumab)ᵇ" in text
    assert "[progression]" in text and "[after chemoradiotherapy]" in text
    assert text.splitlines()[2] == chart.node("start").label
    assert "◀" not in text
    for n in chart.nodes:
        assert n.label in text


def test_tree_text_highlight_marks_only_branch_nodes(chart):
    for branch in ("systemic", "inguinal", "not_operable"):
        text = to_tree_text(chart, highlight=branch)
        marked = {line for line in text.splitlines() if "◀" in line}
        labels = {n.id for n in chart.nodes if any(n.label in line for line in marked)}
        assert labels == set(chart.branches[branch]), branch
    with pytest.raises(ValueError):
        to_tree_text(chart, highlight="nope")


def test_dot_is_well_formed_and_complete(chart):
    nodes, edges, graph = parse_dot(to_dot(chart))
    assert graph["rankdir"] == "TB"
    assert "NOT a copy" in graph["label"] and "[a] Insufficient evidence" in graph["label"]
    assert "[b] As part of clinical trials" in graph["label"]
    ids = {n.id for n in chart.nodes}
    assert ids <= set(nodes)
    assert {(s, t) for s, t, _ in edges if s != "__title"} == {(e.source, e.target) for e in chart.edges}
    assert all(s in nodes and t in nodes for s, t, _ in edges)
    assert nodes["cryotherapy"]["label"].endswith("[a]") and nodes["checkpoint_inhibitors"]["label"].endswith("[b]")
    assert "\n" in nodes["response_assessment"]["label"]  # long labels are wrapped
    assert not any("filled" in a.get("style", "") for a in nodes.values())


def test_dot_highlight_fills_only_branch_nodes(chart):
    for branch in ("local_salvage", "systemic"):
        nodes, _, _ = parse_dot(to_dot(chart, highlight=branch))
        filled = {k for k, a in nodes.items() if "filled" in a.get("style", "")}
        assert filled == set(chart.branches[branch])


def test_labels_with_quotes_and_backslashes_are_escaped():
    small = flowchart_from_dict(minimal())
    dot = to_dot(small)
    assert '\\"stop\\" \\\\ now' in dot and 'if \\"quoted\\"' in dot
    nodes, edges, _ = parse_dot(dot)
    assert nodes["x"]["label"] == 'He said "stop" \\ now [a]'
    assert ("r", "x", {"label": 'if "quoted"'}) in edges
    text = to_tree_text(small, highlight="bx")
    assert 'He said "stop" \\ nowᵃ  ◀ bx' in text and "Other  ◀" not in text


def test_to_dict_is_json_and_round_trips(chart):
    d = to_dict(chart)
    again = flowchart_from_dict(json.loads(json.dumps(d)))
    assert again == chart
    assert d["root"] == "start"
    assert next(n for n in d["nodes"] if n["id"] == "cryotherapy")["footnote_text"] == "Insufficient evidence"


# --- loader errors -----------------------------------------------------------------

def write(tmp_path: Path, content: str) -> Path:
    p = tmp_path / "chart.json"
    p.write_text(content, encoding="utf-8")
    return p


def test_load_missing_file(tmp_path):
    with pytest.raises(FlowchartError, match=r"missing\.json: flowchart file not found"):
        load_flowchart(tmp_path / "missing.json")


def test_load_broken_json(tmp_path):
    p = write(tmp_path, '{"title": "T",, }')
    with pytest.raises(FlowchartError) as err:
        load_flowchart(p)
    assert str(p) in str(err.value) and "invalid JSON at line 1" in str(err.value)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["edges"].append({"source": "r", "target": "ghost", "label": ""}), "unknown node id 'ghost'"),
    (lambda d: d["branches"].update(bz=["ghost"]), "branch 'bz': unknown node id"),
    (lambda d: d["nodes"][1].update(support=[]), "node 'x': has no supporting quote"),
    (lambda d: d["nodes"][1].update(footnote="c"), "node 'x': unknown footnote 'c'"),
    (lambda d: d["nodes"][2].update(kind="box"), "node 'y': kind 'box'"),
    (lambda d: d["edges"].pop(), "exactly one root"),
    (lambda d: d["nodes"][1].update(id="r"), "duplicate id"),
])
def test_load_rejects_broken_structure(tmp_path, mutate, message):
    data = minimal()
    mutate(data)
    p = write(tmp_path, json.dumps(data))
    with pytest.raises(FlowchartError) as err:
        load_flowchart(p)
    assert str(p) in str(err.value) and message in str(err.value)


def test_load_rejects_unreachable_cycle(tmp_path):
    data = minimal()
    for nid in ("z", "w"):  # z <-> w: both have parents, so the root stays unique
        data["nodes"].append({"id": nid, "label": nid, "kind": "step", "footnote": None,
                              "support": [{"quote": "q", "section": "Abstract", "refs": []}]})
    data["edges"] += [{"source": "z", "target": "w"}, {"source": "w", "target": "z"}]
    with pytest.raises(FlowchartError, match=r"not reachable from root 'r': \['w', 'z'\]"):
        load_flowchart(write(tmp_path, json.dumps(data)))


def test_dataclasses_are_frozen():
    node = FlowNode("a", "A", "step", None, (Support("q", "Abstract", ()),))
    with pytest.raises(AttributeError):
        node.label = "B"  # type: ignore[misc]
    assert FlowEdge("a", "b").label == ""
