"""Sentence splitting (bot/text.py `split_sentences`) on the labelled sample tests/data/sentences_gold.jsonl.

The sample holds every prose paragraph of the review and paragraphs of three documents of other styles written for
it (a trial report, a guideline excerpt and a held-out set written before the splitter was last changed); see the
"Sentence splitting" section of docs/evaluation.md for how it compares with pysbd, syntok, sentencex and NLTK Punkt.
A quote is shown to the user as the sentence's text: a wrong cut shows half a sentence, or two sentences as one.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.ingest.corpus import build_document
from bot.text import split_sentences
from conftest import REVIEW

GOLD = [json.loads(line) for line in
        (Path(__file__).parent / "data" / "sentences_gold.jsonl").read_text(encoding="utf-8").splitlines() if line]

# Known misses, each an abbreviation the splitter cannot tell from a sentence end without a dictionary of them.
# strict: the test fails when one of them starts passing, so this list stays true.
KNOWN_MISSES = {
    "Centres were located in Switzerland, France and the U.S.": "acronym ending a sentence, then a capitalised noun",
    "Results: Of 12,408 patients": "'Suppl.' is not a known abbreviation",
    "Correspondence to: Dr. S. T. Walker": "acronym ending a sentence, then 'Tel.'",
}


def _params():
    for i, row in enumerate(GOLD):
        miss = next((why for key, why in KNOWN_MISSES.items() if key in row["paragraph"]), None)
        marks = [pytest.mark.xfail(strict=True, reason=miss)] if miss else []
        yield pytest.param(row, id=f"{row['doc']}-{i}", marks=marks)


def test_the_sample_covers_two_documents_and_150_boundaries():
    docs = {row["doc"] for row in GOLD}
    boundaries = sum(len(row["sentences"]) - 1 for row in GOLD)
    assert "racine2025-ascc-review" in docs and len(docs) >= 2
    assert boundaries >= 150
    for row in GOLD:  # each paragraph is its sentences joined by single spaces
        assert " ".join(row["sentences"]) == row["paragraph"]


@pytest.mark.parametrize("row", list(_params()))
def test_each_paragraph_of_the_sample_splits_as_labelled(row):
    text = row["paragraph"]
    assert [text[a:b] for a, b in split_sentences(text)] == row["sentences"]


@pytest.mark.parametrize("text", [row["paragraph"] for row in GOLD] + [
    "  Two spaces before.   And three between.  ", "No full stop at all", "", "   ", "Ends with a stop. ",
])
def test_spans_point_into_the_text_in_order_and_cover_it(text):
    spans = split_sentences(text)
    for a, b in spans:
        assert text[a:b] == text[a:b].strip() and text[a:b]
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    covered = "".join(text[a:b] for a, b in spans)
    assert [c for c in covered if not c.isspace()] == [c for c in text if not c.isspace()]


@pytest.mark.parametrize("text, sentences", [
    # abbreviations inside a sentence
    ("Kim et al. [35] published the trial. It was small.", ["Kim et al. [35] published the trial.", "It was small."]),
    ("PFS was 4.0 vs. 6.5 months (Fig. 1). OS was 14.9 months.",
     ["PFS was 4.0 vs. 6.5 months (Fig. 1).", "OS was 14.9 months."]),
    ("Between Jan. 2020 and Dec. 2022, 52 patients were screened. All were eligible.",
     ["Between Jan. 2020 and Dec. 2022, 52 patients were screened.", "All were eligible."]),
    ("Two readers (M.R. and E.L.) and a third (Dr. J. Meyer) reviewed the scans. None disagreed.",
     ["Two readers (M.R. and E.L.) and a third (Dr. J. Meyer) reviewed the scans.", "None disagreed."]),
    ("Chaired by Prof. A. Cervantes. Last updated in Nov. 2021.",
     ["Chaired by Prof. A. Cervantes.", "Last updated in Nov. 2021."]),
    # ... and the same abbreviations ending one
    ("Its design follows that of Kim et al. Their trial was larger.",
     ["Its design follows that of Kim et al.", "Their trial was larger."]),
    ("Grade of recommendation: B. The vote was unanimous.", ["Grade of recommendation: B.", "The vote was unanimous."]),
    ("Events were nausea, fatigue, etc. Most were mild.", ["Events were nausea, fatigue, etc.", "Most were mild."]),
    # a stop that only ends a citation inside the sentence
    ("This was shown before (Jones et al., Lancet Oncol. 2017). It holds.",
     ["This was shown before (Jones et al., Lancet Oncol. 2017).", "It holds."]),
    # sentences that start with a lowercase name, end with a citation, a quote or a question mark
    ("Crossover was not allowed. mFOLFOX6 was left to the investigators.",
     ["Crossover was not allowed.", "mFOLFOX6 was left to the investigators."]),
    ("Trials support it [4–10]. The panel wrote that it “should be considered.” Does it help? Not always.",
     ["Trials support it [4–10].", "The panel wrote that it “should be considered.”", "Does it help?",
      "Not always."]),
    # an acronym that looks like a month before a sentence
    ("Most had a salvage APR. Increased tumour size was a risk factor.",
     ["Most had a salvage APR.", "Increased tumour size was a risk factor."]),
])
def test_hard_cases(text, sentences):
    assert [text[a:b] for a, b in split_sentences(text)] == sentences


def test_the_review_is_split_as_labelled_inside_the_ingested_document():
    """What the index holds: every labelled review sentence is one sentence of the parsed document."""
    doc = build_document(REVIEW.name, REVIEW.read_text(encoding="utf-8"))
    parsed = {s.text for s in doc.sentences}
    labelled = [s for row in GOLD if row["doc"] == "racine2025-ascc-review" for s in row["sentences"]]
    assert len(labelled) > 150
    assert [s for s in labelled if s not in parsed] == []
