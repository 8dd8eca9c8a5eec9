"""The audit (issue 11): the source's own inconsistencies, found from the document and shown where they matter.

Small synthetic documents with one planted inconsistency each must raise exactly that finding, and the clean
document (which holds the traps: same surname in two papers, a co-author named, a misspelt name, a table value
rounded from the text's) must raise none. On the real review: the two known errors are found, Marabelle's figures
are at most "different populations", and answers that quote an involved passage carry the note (CLI, JSON, UI).
Storage: findings live in the index, keyed by the document's SHA-256 and the audit version.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from bot.answer.compose import citation_for
from bot.audit import run as audit_run
from bot.audit.findings import CONFLICT, HYGIENE, MISMATCH, NAME_MISMATCH, OUTSIDE, POPULATIONS, TABLE_TEXT, \
    UNCITED
from bot.audit.notes import notes_for
from bot.audit.run import audit_document
from bot.ingest.corpus import build_document
from bot.settings import Settings
from conftest import review_env, small_corpus
from fixtures.helpers import run_cli
from ui.render import note_block

CLEAN = """Synthetic Review of Widget Therapy for Gadget Disease

1. Introduction

Widget therapy is used for gadget disease [1]. Smith et al. from 2019 [1] reported the first series of patients. \
Smith et al. [2] also took part in a randomised comparison. The ALPHA-101 trial [2] compared widgets with placebo. \
Lee et al. from 2018 [3] described a first cohort, and Lee et al. from 2021 [4] a later one. A 2019 review from \
Smyth et al. summarised the early work [1]. Taylor et al. found widgets safe, as confirmed by a later \
meta-analysis [1].

2. Results

Jones et al. [5] published, in 2020, a study including 120 patients treated with nivolumab and chemotherapy. The \
median overall survival was 14.2 months and the median progression-free survival was 6.1 months. The 12-month \
overall survival rate was 58%. In contrast, an earlier trial reported a median overall survival of 9.0 months.

The following table summarizes the studies (Table 1).

Table 1. Summary of widget studies.

First Author (Year)\tSample Size (Number of Patients)\tTreatment
Jones (2020) [5]\t120\tNivolumab + chemotherapy
First Author (Year)\tMedian Overall Survival (Months)\tMedian Progression-Free Survival (Months)\t12-Month Overall Survival Rate
Jones (2020) [5]\t14.2\t6\t58%

References

1. Smith, A.; Brown, B. Widgets for gadget disease. *J. Widg.* **2019**, *1*, 1–10.
2. Taylor, C.; Smith, A. Widgets versus placebo in gadget disease: the randomised ALPHA-101 trial. *Lancet Widg.* **2020**, *2*, 11–20.
3. Lee, D.; White, E. A first cohort of widget patients. *J. Widg.* **2018**, *3*, 21–30.
4. Lee, D.; Green, F. A second cohort of widget patients. *J. Widg.* **2021**, *4*, 31–40.
5. Jones, G.; Black, H. Nivolumab and chemotherapy in gadget disease. *Ann. Widg.* **2020**, *5*, 41–50.
"""

# (id, {old: new} applied to CLEAN, the finding expected as (kind, label, measure), or a list of them)
PLANTED = [
    ("author-cites-another-paper", {"Smith et al. from 2019 [1]": "Smith et al. from 2019 [3]"},
     (NAME_MISMATCH, MISMATCH, "")),
    ("trial-cites-another-paper", {"The ALPHA-101 trial [2]": "The ALPHA-101 trial [5]"},
     (NAME_MISMATCH, MISMATCH, "")),
    ("same-surname-wrong-year", {"Lee et al. from 2021 [4]": "Lee et al. from 2021 [3]"},
     [(NAME_MISMATCH, MISMATCH, ""), (HYGIENE, UNCITED, "")]),  # [4] is now cited nowhere
    ("table-row-cites-another-paper", {"Jones (2020) [5]\t120": "Jones (2020) [1]\t120"},
     (NAME_MISMATCH, MISMATCH, "")),
    ("median-os-differs", {"survival was 14.2 months": "survival was 18.5 months"},
     (TABLE_TEXT, CONFLICT, "os_median")),
    ("twelve-month-rate-differs", {"overall survival rate was 58%": "overall survival rate was 64%"},
     (TABLE_TEXT, CONFLICT, "os_12")),
    ("sample-size-differs", {"a study including 120 patients": "a study including 150 patients"},
     (TABLE_TEXT, CONFLICT, "n")),
    ("treatment-differs", {"treated with nivolumab and": "treated with pembrolizumab and"},
     (TABLE_TEXT, CONFLICT, "treatment")),
    ("subgroup-against-cohort", {"The median overall survival was 14.2 months and":
                                 "In the patients with marker-positive tumors, the median overall survival was "
                                 "16.0 months and"},
     (TABLE_TEXT, POPULATIONS, "os_median")),
    ("two-groups-in-one-clause", {"The median overall survival was 14.2 months and":
                                  "The median overall survival was 16.0 months in low-risk and 11.1 months in "
                                  "high-risk patients, and"},
     (TABLE_TEXT, POPULATIONS, "os_median")),
    ("two-author-name-cites-another-paper", {"Jones et al. [5] published": "Jones and Black [2] published"},
     (NAME_MISMATCH, MISMATCH, "")),
    ("citation-outside-the-list", {"gadget disease [1].": "gadget disease [9]."}, (HYGIENE, OUTSIDE, "")),
    ("reference-never-cited", {", and Lee et al. from 2021 [4] a later one": ""}, (HYGIENE, UNCITED, "")),
]


def doc_of(text: str, name: str = "synthetic.txt"):
    return build_document(name, text)


def planted(changes: dict[str, str]) -> str:
    text = CLEAN
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def signature(f: dict) -> tuple[str, str, str]:
    return f["kind"], f["label"], f["measure"]


# ------------------------------------------------------------------------------------------------ synthetic
def test_a_clean_document_with_the_traps_raises_nothing():
    """Same surname in two papers (told apart by year), a co-author named with 'et al.', 'Smyth' for 'Smith', a
    name followed by another source's bracket, a table median of 6 against 6.1 in the text, another trial's value
    in the study's paragraph, a table treatment the text agrees with."""
    assert audit_document(doc_of(CLEAN)) == []


@pytest.mark.parametrize("changes,expected", [(c, e) for _, c, e in PLANTED], ids=[i for i, _, _ in PLANTED])
def test_each_planted_inconsistency_is_found_and_nothing_else(changes, expected):
    doc = doc_of(planted(changes))
    found = audit_document(doc)
    assert [signature(f) for f in found] == (expected if isinstance(expected, list) else [expected]), \
        [f["summary"] for f in found]
    for q in found[0]["quotes"]:  # every quote is the document's own text, at its offsets
        assert doc.text[q["start"]:q["end"]] == q["quote"]
    if found[0]["kind"] == TABLE_TEXT:  # both sides quoted: the table cell and the sentence
        assert {q["role"] for q in found[0]["quotes"]} == {"table", "text"}


def test_a_conflict_names_both_values():
    found = audit_document(doc_of(planted({"survival was 14.2 months": "survival was 18.5 months"})))
    assert "14.2" in found[0]["summary"] and "18.5" in found[0]["summary"]
    table, text = found[0]["quotes"]
    assert table["quote"] == "Median Overall Survival (Months): 14.2"
    assert "18.5 months" in text["quote"]


def test_documents_without_a_numbered_bibliography_raise_nothing():
    no_refs = CLEAN.split("\nReferences\n")[0]
    assert audit_document(doc_of(no_refs)) == []
    author_year = ("1. Introduction\n\nWidgets help (Smith 2019).\n\nReferences\n\n"
                   "1. Smith, A. Widgets. *J.* **2019**, 1.\n")
    assert audit_document(doc_of(author_year)) == []  # no numbered citation at all: not "never cited"


# ------------------------------------------------------------------------------------------------ notes
def _findings_of(doc) -> dict[str, list[dict]]:
    return {doc.doc_id: audit_document(doc)}


def test_notes_attach_to_quotes_of_involved_passages_only():
    doc = doc_of(planted({"treated with nivolumab and": "treated with pembrolizumab and"}))
    findings = _findings_of(doc)
    record = next(s for s in doc.sentences if s.kind == "table_record" and "Treatment" in s.text)
    sentence = next(s for s in doc.sentences if "pembrolizumab" in s.text)
    other = next(s for s in doc.sentences if s.text.startswith("Widget therapy"))
    notes = notes_for([citation_for(other), citation_for(record, (0, 2)), citation_for(sentence)], findings)
    assert len(notes) == 1 and notes[0]["sources"] == [2, 3]
    assert "Nivolumab + chemotherapy" in notes[0]["text"] and "pembrolizumab" in notes[0]["text"]
    assert notes_for([citation_for(other)], findings) == []
    # any cells of the involved row count: the record is one of the finding's quotes
    assert notes_for([citation_for(record, (0, 1))], findings)[0]["sources"] == [1]
    # the same passage in another document is not involved
    twin = doc_of(planted({"treated with nivolumab and": "treated with pembrolizumab and"}), "other.txt")
    twin_record = next(s for s in twin.sentences if s.kind == "table_record" and "Treatment" in s.text)
    assert notes_for([citation_for(twin_record)], findings) == []


def test_different_populations_never_become_notes():
    doc = doc_of(planted(PLANTED[8][1]))
    findings = _findings_of(doc)
    assert [f["label"] for f in findings[doc.doc_id]] == [POPULATIONS]
    cites = [citation_for(s) for s in doc.sentences]
    assert notes_for(cites, findings) == []


# ------------------------------------------------------------------------------------------------ the review
@pytest.fixture(scope="module")
def review_findings(pipeline):
    doc = next(iter(pipeline.index.documents.values()))
    return doc, pipeline.index.findings[doc.doc_id]


def test_the_two_known_errors_of_the_review_are_found(review_findings):
    doc, findings = review_findings
    kim = [f for f in findings if f["kind"] == TABLE_TEXT and f["label"] == CONFLICT and f["measure"] == "treatment"]
    assert len(kim) == 1 and kim[0]["refs"] == [35]
    assert kim[0]["quotes"][0]["quote"] == "Treatment: Pembrolizumab + mDCF"
    assert "atezolizumab" in kim[0]["quotes"][1]["quote"]
    keynote = [f for f in findings if f["kind"] == NAME_MISMATCH]
    assert len(keynote) == 1 and keynote[0]["refs"] == [32, 34]
    assert keynote[0]["quotes"][0]["section"] == "3. Discussion"
    assert "KEYNOTE-158" in keynote[0]["quotes"][0]["quote"] and "[32]" in keynote[0]["quotes"][0]["quote"]
    for f in findings:
        for q in f["quotes"]:
            assert doc.text[q["start"]:q["end"]] == q["quote"]


def test_the_review_raises_no_false_alarm(review_findings):
    """Every finding on the review, checked by hand (see the closing note of issue 11): the two errors and
    Marabelle's whole cohort against its subgroups, labelled as such. A new finding here is a new false alarm
    until someone checks the review and says otherwise."""
    _, findings = review_findings
    alarms = [f for f in findings if f["label"] != POPULATIONS]
    assert sorted((f["kind"], tuple(f["refs"])) for f in alarms) == [(NAME_MISMATCH, (32, 34)),
                                                                       (TABLE_TEXT, (35,))]
    marabelle = [f for f in findings if 34 in f["refs"] and f["kind"] == TABLE_TEXT]
    assert all(f["label"] == POPULATIONS for f in marabelle)
    assert not any(f["measure"] == "pfs_median" for f in marabelle)  # 2 against 2.1 and 2.0: rounding, not a finding


@pytest.mark.parametrize("question,section", [
    ("Which drug is listed for Kim 2024 in Table 2?", "Table 2. Summary of immunotherapy studies."),
    ("Which clinical trials have shown promising results with pembrolizumab?", "3. Discussion"),
])
def test_answers_quoting_an_involved_passage_carry_the_note(pipeline, question, section):
    answer = pipeline.ask(question, [])
    involved = [i for i, c in enumerate(answer.citations, 1) if c.section == section and c.in_answer]
    assert involved, [c.section for c in answer.citations]
    # the note points at the quoted passages it is about (the answer may quote other sentences of that section)
    pointed = {i for n in answer.notes for i in n["sources"]}
    assert answer.notes and pointed and pointed & set(involved), (involved, pointed)
    note = answer.notes[0]
    assert len(note["quotes"]) >= 2 and all(q["quote"] in note["text"] for q in note["quotes"])
    assert answer.to_dict()["notes"] == answer.notes  # the JSON field


def test_an_answer_without_involved_passages_has_no_note(pipeline):
    answer = pipeline.ask("What did Kitaguchi et al. find?", [])
    assert answer.mode == "answer" and answer.notes == []


# ------------------------------------------------------------------------------------------------ storage
def test_findings_are_stored_and_an_unchanged_document_is_not_audited_again(tmp_path, embedder, monkeypatch):
    from bot.index import store

    other = "1. Notes\n\nWidgets are small [1].\n\nReferences\n\n1. Smith, A. Widgets. *J.* **2019**, 1.\n"
    corpus = small_corpus(tmp_path, {"a.txt": planted({"The ALPHA-101 trial [2]": "The ALPHA-101 trial [5]"}),
                                     "b.txt": other})
    settings = Settings.from_env(corpus_dir=corpus, index_dir=tmp_path / "index")
    audited: list[str] = []
    real = audit_run.audit_document
    monkeypatch.setattr(audit_run, "audit_document", lambda doc: audited.append(doc.doc_id) or real(doc))
    store.build(settings, embedder=embedder)
    assert sorted(audited) == ["a.txt", "b.txt"]
    loaded = store.load(settings)
    assert [signature(f) for f in loaded.findings["a.txt"]] == [(NAME_MISMATCH, MISMATCH, "")]
    assert loaded.audit["a.txt"]["sha256"] == loaded.manifest["documents"]["a.txt"]["sha256"]
    assert store.load_audit(settings) == loaded.audit

    audited.clear()
    (corpus / "b.txt").write_text(other.replace("small", "tiny"), encoding="utf-8")
    store.build(settings, embedder=embedder)
    assert audited == ["b.txt"]  # a.txt unchanged: its findings are reused
    assert [signature(f) for f in store.load(settings).findings["a.txt"]] == [(NAME_MISMATCH, MISMATCH, "")]

    # a new audit version makes the index stale and audits every document again
    audited.clear()
    monkeypatch.setattr(audit_run, "AUDIT_VERSION", audit_run.AUDIT_VERSION + 1)
    monkeypatch.setattr(store, "AUDIT_VERSION", audit_run.AUDIT_VERSION)
    fresh = store.check(settings)
    assert fresh.status == "stale" and any(r.startswith("audit_version") for r in fresh.reasons)
    store.build(settings, embedder=embedder)
    assert sorted(audited) == ["a.txt", "b.txt"] and store.check(settings).status == "fresh"


def test_a_failing_check_does_not_stop_the_build(tmp_path, embedder, monkeypatch):
    from bot.index import store

    corpus = small_corpus(tmp_path, {"a.txt": CLEAN})
    settings = Settings.from_env(corpus_dir=corpus, index_dir=tmp_path / "index")

    def broken(doc):
        raise RuntimeError("a bug in a check")

    monkeypatch.setattr(audit_run, "audit_document", broken)
    assert store.build(settings, embedder=embedder).wrote
    assert "a bug in a check" in store.load_audit(settings)["a.txt"]["error"]


# ------------------------------------------------------------------------------------------------ CLI and UI
def test_cli_audit_lists_the_findings_without_loading_the_model(monkeypatch, review_settings):
    review_env(monkeypatch, review_settings)
    proc, heavy = run_cli("audit", inspect=True)
    assert proc.returncode == 0, proc.stderr
    assert heavy == []
    out = proc.stdout
    assert "citation-name mismatch" in out and "table-text conflict" in out and POPULATIONS in out
    assert "\u201cTreatment: Pembrolizumab + mDCF\u201d" in out and "KEYNOTE-158" in out
    proc, _ = run_cli("audit", "--json")
    data = json.loads(proc.stdout)
    findings = data["documents"]["racine2025-ascc-review.txt"]["findings"]
    assert {f["kind"] for f in findings} == {NAME_MISMATCH, TABLE_TEXT}


def test_cli_audit_without_an_index_says_how_to_build_it(monkeypatch, tmp_path):
    corpus = small_corpus(tmp_path, {"a.txt": CLEAN})
    monkeypatch.setenv("ASCC_BOT_CORPUS", str(corpus))
    monkeypatch.setenv("ASCC_BOT_INDEX", str(tmp_path / "none"))
    proc, _ = run_cli("audit")
    assert proc.returncode == 1 and "ascc-bot index" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_answer_prints_the_note(pipeline):
    from bot.cli import render

    answer = pipeline.ask("Which drug is listed for Kim 2024 in Table 2?", [])
    shown = render(answer)
    assert "Notes" in shown and "Pembrolizumab + mDCF" in shown.split("Notes", 1)[1]
    assert "atezolizumab" in shown.split("Notes", 1)[1]


def test_note_block_escapes_document_text():
    note = {"sources": [2], "kind": TABLE_TEXT, "summary": "<b>x</b>",
            "quotes": [{"role": "table", "section": "Table 1. <i>", "quote": "<script>alert(1)</script>",
                        "start": 3, "end": 9, "sentence_id": "s"}]}
    block = note_block(note)
    assert "<script>" not in block and html.escape("<script>alert(1)</script>") in block
    assert "Source 2" in block and "<b>x</b>" not in block


@pytest.mark.slow
def test_ui_shows_the_note_next_to_the_quote(monkeypatch, review_settings, pipeline):
    from streamlit.testing.v1 import AppTest

    from bot.settings import PROJECT_ROOT

    review_env(monkeypatch, review_settings)
    at = AppTest.from_file(str(PROJECT_ROOT / "ui" / "app.py"), default_timeout=180).run()
    question = "Which drug is listed for Kim 2024 in Table 2?"
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    sources = [e for e in at.chat_message[-1].expander if e.label.startswith("Sources")]
    shown = "\n".join(h.value for h in sources[0].get("html"))
    expected = pipeline.ask(question, [])
    assert note_block(expected.notes[0]) in shown
    # beside its quote: after the highlighted passage of the involved source
    assert shown.index('class="ascc-passage"') < shown.index('class="ascc-note"')


# ------------------------------------------------------------------------------------------------ the blind set
PLANTED_DIR = Path(__file__).resolve().parent / "data" / "planted"
LABEL_KINDS = {"citation_name_mismatch": {(NAME_MISMATCH, MISMATCH)},
               "table_text_conflict": {(TABLE_TEXT, CONFLICT), (TABLE_TEXT, POPULATIONS)},
               "citation_out_of_range": {(HYGIENE, OUTSIDE)},
               "reference_never_cited": {(HYGIENE, UNCITED)}}


def _norm(s: str) -> str:
    return re.sub(r"[^0-9a-z]", "", s.lower())


def _matches(finding: dict, label: dict) -> bool:
    """Same document, a kind the label allows, and one of the finding's quotes is (part of) a labelled quote."""
    if (finding["kind"], finding["label"]) not in LABEL_KINDS[label["kind"]]:
        return False
    sides = [_norm(label[k]) for k in ("quote_a", "quote_b") if label.get(k)]
    return any(q and side and (q in side or side in q) for side in sides
               for q in (_norm(x["quote"]) for x in finding["quotes"]))


def test_precision_and_recall_on_the_set_planted_by_a_helper_who_never_saw_the_detector():
    """tests/data/planted/: 12 documents and labels.jsonl, written blind to this code. Precision of the alarms
    (findings that claim an error; "different populations" claims none and is never a note) must stay at or above
    0.9, a false alarm costing more than a miss; recall, and precision counting every finding, are printed
    (pytest -s) for the record."""
    labels = [json.loads(line) for line in (PLANTED_DIR / "labels.jsonl").read_text(encoding="utf-8").splitlines()
              if line.strip()]
    predicted = []
    for path in sorted(PLANTED_DIR.glob("doc*.txt")):
        predicted += [f for f in audit_document(build_document(path.name, path.read_text(encoding="utf-8")))]
    hit_predictions = [f for f in predicted if any(_matches(f, lb) for lb in labels if lb["doc"] == f["doc"])]
    found_labels = [lb for lb in labels if any(_matches(f, lb) for f in predicted if f["doc"] == lb["doc"])]
    alarms = [f for f in predicted if f["label"] != POPULATIONS]
    precision = sum(1 for f in alarms if f in hit_predictions) / len(alarms) if alarms else 1.0
    strict = len(hit_predictions) / len(predicted) if predicted else 1.0
    recall = len(found_labels) / len(labels)
    by_kind = {k: (sum(1 for lb in found_labels if lb["kind"] == k), sum(1 for lb in labels if lb["kind"] == k))
               for k in LABEL_KINDS}
    print(f"\nplanted set: {len(predicted)} findings ({len(alarms)} alarms), {len(hit_predictions)} labelled; "
          f"precision of alarms {precision:.2f}, of all findings {strict:.2f}; recall {recall:.2f} "
          f"({len(found_labels)}/{len(labels)}); by kind (found/planted): {by_kind}")
    for f in predicted:
        if f not in hit_predictions:
            what = "not labelled" if f["label"] == POPULATIONS else "false alarm"
            print(f"  {what}: {f['doc']}: {f['kind']} ({f['label']}): {f['summary']}")
    for lb in labels:
        if lb not in found_labels:
            print(f"  missed: {lb['doc']}: {lb['kind']}: {lb['note']}")
    assert len(labels) >= 20 and predicted
    assert precision >= 0.9
