"""Ingestion of the review (bot/corpus.py, bot/text.py): what PDF extraction broke is repaired in the cleaned text
that every offset, quote and citation points into.

No model is needed here: these tests parse the real corpus file directly and run in well under a second.
"""
from __future__ import annotations

import os
import re

import pytest

from bot.ingest.corpus import CorpusError, add_document, build_document, load_document
from bot.text import citations_in, parse_citation
from conftest import REVIEW

TABLE1 = "Table 1. Summary of salvage surgery studies."
TABLE2 = "Table 2. Summary of immunotherapy studies."
TABLE1_LABELS = ["First Author (Year)", "Type of Study", "Sample Size (Number of Patients)",
                 "Median Follow-Up (Months)", "Overall Survival (Persistent)", "Overall Survival (Recurrent)",
                 "Overall Survival (Overall)", "Disease-Free Survival (Overall)", "Recurrence-Free Survival (Overall)"]
TABLE2_LABELS = ["First Author (Year)", "Type of Study", "Sample Size (Number of Patients)", "Tumor Status",
                 "Treatment", "Median Progression-Free Survival (Months)", "12-Month Progression-Free Survival Rate",
                 "Median Overall Survival (Months)", "12-Month Overall Survival Rate"]
BODY_SECTIONS = ["1. Introduction", "2. Management Strategies in Local/Loco-Regional Disease",
                 "2.1. Salvage Surgery", "2.2. Chemotherapy", "2.3. Radiotherapy", "2.4. Immunotherapy",
                 "2.5. Cryotherapy", "3. Discussion", "4. Conclusions"]


@pytest.fixture(scope="module")
def doc():
    return load_document(REVIEW)


@pytest.fixture(scope="module")
def raw() -> str:
    return REVIEW.read_text(encoding="utf-8")


def sentence_with(doc, fragment: str):
    found = [s for s in doc.sentences if fragment in s.text]
    assert len(found) == 1, f"expected one sentence containing {fragment!r}, found {len(found)}"
    return found[0]


def section_at(doc, offset: int) -> str:
    hits = [s for s in doc.sections if s.start <= offset < s.end]
    assert len(hits) == 1, f"offset {offset} lies in {len(hits)} sections"
    return hits[0].title


# ------------------------------------------------------------------------------------------ page-break repair
@pytest.mark.parametrize("broken, repaired", [
    ("contribut-\n\ning to these complications", "contributing to these complications"),
    ("The likelihood\n\nof inguinal nodal involvement", "The likelihood of inguinal nodal involvement"),
    ("a total\n\nof 64 patients", "a total of 64 patients"),
])
def test_page_break_splits_are_joined(doc, raw, broken, repaired):
    assert broken in raw, "the fixture no longer shows the extraction damage this test is about"
    assert repaired in doc.text
    assert broken not in doc.text
    # ...and the repaired words are one sentence, so an answer can quote it whole
    s = sentence_with(doc, repaired)
    assert s.text.endswith(".")


def test_no_paragraph_starts_mid_sentence(doc):
    """Every page-break continuation (they all start with a lower-case word) was joined to its paragraph."""
    orphans = [p[:60] for p in doc.text.split("\n\n") if p[:1].islower()]
    assert orphans == []


DEBRIS = ("[[CrossRef", "](#)", "**", "*", "<https://", "$")


def test_markdown_debris_is_removed_from_the_body(doc):
    refs = next(s for s in doc.sections if s.title == "References")
    outside = doc.text[:refs.start] + doc.text[refs.end:]
    for debris in DEBRIS:
        assert debris not in outside, debris
    assert "Cancers 2025, 17, 1511" in outside  # was "*Cancers* **2025**, *17*, 1511"


def test_heading_is_not_joined_to_a_paragraph_starting_in_lower_case():
    doc = build_document("x.txt", "1. Methods\n\nmDCF chemotherapy was given to 12 patients [1].\n\n"
                                  "2. Results\n\nThe response rate was 45%.\n")
    assert [s.title for s in doc.sections if s.kind == "body"] == ["1. Methods", "2. Results"]
    first = doc.sentences[0]
    assert (first.section, first.text) == ("1. Methods", "mDCF chemotherapy was given to 12 patients [1].")


# ------------------------------------------------------------------------------------------ sections
def test_body_sections_keep_their_numbering_and_titles_in_order(doc):
    titles = []
    for s in doc.sections:
        if s.kind == "body" and (not titles or titles[-1] != s.title):
            titles.append(s.title)
    assert titles == BODY_SECTIONS
    for title in BODY_SECTIONS:  # the header itself is in the text where its section starts
        first = next(s for s in doc.sections if s.title == title)
        assert doc.text[first.start:].startswith(title)


def test_sections_tile_the_text_in_order(doc):
    spans = [(s.start, s.end) for s in doc.sections]
    assert spans[0][0] == 0 and spans[-1][1] == len(doc.text)
    for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
        assert a0 <= a1 <= b0 <= b1


@pytest.mark.parametrize("fragment, section", [
    ("Recent findings from Kitaguchi et al. from 2023", "2.1. Salvage Surgery"),
    ("a total of 64 patients", "2.3. Radiotherapy"),
    ("In 2011, ipilimumab, the first antibody", "2.4. Immunotherapy"),
    ("Cryotherapy in the treatment of recurrent anal cancer remains poorly documented", "2.5. Cryotherapy"),
])
def test_passages_belong_to_their_section(doc, fragment, section):
    s = sentence_with(doc, fragment)
    assert s.section == section
    assert section_at(doc, s.start) == section


def test_front_matter_is_answerable(doc):
    front = [s for s in doc.sentences if s.kind == "front"]
    front_text = "\n".join(s.text for s in front)
    assert "A Narrative Review" in front_text  # the title
    assert "Michaël Racine" in front_text and "Emilie Liot" in front_text  # the authors
    assert any(s.text.startswith("Published: 30 April 2025") for s in front)
    assert any(s.text.startswith("Received: 20 February 2025") for s in front)
    kinds = {s.title: s.kind for s in doc.sections}
    assert kinds.get("Front matter") == "front"
    assert kinds.get("Abstract") == "front"
    abstract = [s for s in doc.sentences if s.section == "Abstract"]
    assert any("carboplatin and paclitaxel" in s.text for s in abstract)
    # the sidecar metadata is attached
    assert doc.title.startswith("Management of Squamous Cell Carcinomas of the Anal Canal")
    assert doc.metadata.get("doi") == "10.3390/cancers17091511"


# ------------------------------------------------------------------------------------------ tables
def records(doc, table: str):
    return [s for s in doc.sentences if s.kind == "table_record" and s.section == table]


def cells(record_text: str, labels: list[str]) -> list[tuple[str, str]]:
    """Split 'Label: value; Label: value' on the known column labels (a value may itself contain '; ')."""
    pattern = "; (?=(?:" + "|".join(map(re.escape, labels)) + "): )"
    out = []
    for part in re.split(pattern, record_text):
        label, sep, value = part.partition(": ")
        assert sep, f"unlabelled cell {part!r}"
        out.append((label, value))
    return out


@pytest.mark.parametrize("table, labels, studies", [
    (TABLE1, TABLE1_LABELS, ["Kitaguchi (2023) [12]", "Rosen (2024) [23]", "Hagemans (2018) [24]", "Ko (2019) [11]",
                             "Fields (2019) [25]"]),
    (TABLE2, TABLE2_LABELS, ["Ott (2017) [33]", "Marabelle (2022) [34]", "Kim (2024) [35]"]),
])
def test_split_tables_become_one_labelled_record_per_study(doc, raw, table, labels, studies):
    recs = records(doc, table)
    assert [cells(r.text, labels)[0] for r in recs] == [("First Author (Year)", s) for s in studies]
    for r in recs:
        row = cells(r.text, labels)
        assert [label for label, _ in row] == labels, r.text  # every column, once, in order
        for label, value in row:
            assert value.strip(), f"empty value for {label!r} in {r.text!r}"
            assert value.split(" ¹")[0] in raw  # values are the source's cells, not invented
        assert "; : " not in r.text and not r.text.startswith(":")  # no empty labels
        assert r.refs == tuple(citations_in(row[0][1]))  # the record cites its study
        assert section_at(doc, r.start) == table
    assert {s.kind for s in doc.sections if s.title == table} == {"table"}


def test_table_values_are_attached_to_the_right_study_and_column(doc):
    kim = next(r for r in records(doc, TABLE2) if "Kim (2024)" in r.text)
    assert "12-Month Progression-Free Survival Rate: 45%" in kim.text
    assert "12-Month Overall Survival Rate: 77%" in kim.text
    assert kim.refs == (35,)
    fields = dict(cells(next(r for r in records(doc, TABLE1) if "Fields (2019)" in r.text).text, TABLE1_LABELS))
    assert fields["Median Follow-Up (Months)"].startswith("27.1 (early salvage); 26.6 (late salvage)")
    assert fields["Overall Survival (Overall)"].startswith("48.4% (5 y, early salvage); 40.3% (5 y, late salvage)")
    kitaguchi = dict(cells(next(r for r in records(doc, TABLE1) if "Kitaguchi" in r.text).text, TABLE1_LABELS))
    assert kitaguchi["Overall Survival (Persistent)"] == "36% (5 y)"
    assert kitaguchi["Sample Size (Number of Patients)"] == "152"


def test_table_footnote_stays_with_its_table(doc):
    note = sentence_with(doc, "Early: within 6 months of completion of CRT")
    assert note.section == TABLE1


def test_figure_caption(doc):
    figure = [s for s in doc.sections if s.kind == "figure"]
    assert [s.title for s in figure] == ["Figure 1. Suggested management flowchart."]
    caption = sentence_with(doc, "Suggested management flowchart")
    assert caption.kind == "caption" and caption.section == figure[0].title
    assert "Insufficient evidence" in caption.text and "as part of clinical trials" in caption.text
    assert "^" not in caption.text


# ------------------------------------------------------------------------------------------ bibliography
def test_reference_list_is_parsed_into_entries_1_to_36(doc):
    assert sorted(doc.references) == list(range(1, 37))
    for n, ref in doc.references.items():
        assert ref.number == n
        assert not re.match(r"^\d", ref.text), f"[{n}] keeps its number: {ref.text[:30]!r}"
        assert "[[" not in ref.text and "*" not in ref.text
        assert ref.first_author and ref.first_author[0].isupper() and ref.first_author in ref.text
        assert ref.year is not None and 1990 <= ref.year <= 2025


def test_reference_entries_are_verbatim_cleaned_text(doc):
    refs = next(s for s in doc.sections if s.title == "References")
    for n, ref in doc.references.items():
        start = doc.text.find(ref.text)
        assert start >= 0, f"reference [{n}] is not in the cleaned text"
        assert refs.start <= start < refs.end
    for debris in DEBRIS:
        assert debris not in doc.text[refs.start:refs.end], debris


@pytest.mark.parametrize("n, author, year, words", [
    (27, "Rao", 2020, "InterAACT"),
    (12, "Kitaguchi", 2023, "salvage abdominoperineal resection"),
    (1, "Rao", 2021, "ESMO Clinical Practice Guidelines"),
    (34, "Marabelle", 2022, "KEYNOTE-158"),
    (36, "Jiang", 2023, "Cryotherapy"),
])
def test_reference_entries(doc, n, author, year, words):
    ref = doc.references[n]
    assert (ref.first_author, ref.year) == (author, year)
    assert words in ref.text


def test_bibliography_is_not_among_the_sentences(doc):
    assert not [s for s in doc.sentences if s.section == "References"]
    for ref in doc.references.values():
        assert not any(ref.text in s.text or s.text in ref.text for s in doc.sentences if len(s.text) > 40), ref.number


# ------------------------------------------------------------------------------------------ citations
@pytest.mark.parametrize("body, expected", [
    ("12", [12]),
    ("1,2", [1, 2]),
    ("4–10", [4, 5, 6, 7, 8, 9, 10]),   # en dash, as in the review
    ("13–15", [13, 14, 15]),
    ("4-6", [4, 5, 6]),                  # hyphen
    ("13–15, 20", [13, 14, 15, 20]),
    ("2, 1, 2", [1, 2]),                 # sorted, no duplicates
])
def test_parse_citation_expands_ranges(body, expected):
    assert parse_citation(body, 36) == expected


@pytest.mark.parametrize("body, expected", [
    ("37", []),
    ("0", []),
    ("35–38", [35, 36]),
    ("12, 99", [12]),
])
def test_parse_citation_drops_numbers_outside_the_bibliography(body, expected):
    assert parse_citation(body, 36) == expected


def test_citations_in_text():
    text = "as shown [12] and [1,2]; trials [4–10] and [13–15]. Not citations: in 2020, (n = 37), [a], [40]."
    assert citations_in(text, 36) == [1, 2, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15]
    assert citations_in("no brackets here, 2019 and 45%", 36) == []


def test_sentences_of_the_review_carry_expanded_citations(doc):
    assert sentence_with(doc, "The cornerstone of treatment for localized").refs == tuple(range(4, 11))
    assert sentence_with(doc, "Immunotherapy, including checkpoint inhibitors, has revolutionized").refs == (13, 14, 15)
    assert sentence_with(doc, "carboplatin and paclitaxel remains the standard treatment in these situations").refs \
        == (1, 2)
    assert all(1 <= n <= 36 for s in doc.sentences for n in s.refs + s.context_refs)


# ------------------------------------------------------------------------------------------ sentences
def test_sentence_offsets_map_back_to_the_cleaned_text(doc):
    assert len(doc.sentences) > 150
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text
        assert s.text == s.text.strip() and s.text
    for a, b in zip(doc.sentences, doc.sentences[1:]):
        assert a.end <= b.start  # in reading order, no overlaps
    assert len({s.id for s in doc.sentences}) == len(doc.sentences)


def test_sentences_are_not_cut_at_abbreviations(doc):
    assert not [s.text for s in doc.sentences if s.text.endswith((" et al.", " vs.", " e.g.", " i.e."))]
    s = sentence_with(doc, "Recent findings from Kitaguchi et al. from 2023 [12]")
    assert "(recurrent vs. persistent)" in s.text


@pytest.mark.parametrize("fragment, study", [
    ("The median overall survival (OS) was 47 months", 24),   # Hagemans et al. [24] earlier in the paragraph
    ("The 5-year overall survival rate was 63%", 29),         # Damron et al. [29], across a page break
    ("There was a significantly positive effect of a salvage APR", 12),  # Kitaguchi et al. [12]
])
def test_sentence_inherits_the_study_its_paragraph_cites(doc, fragment, study):
    s = sentence_with(doc, fragment)
    assert s.refs == ()
    assert s.context_refs == (study,)


def test_sentence_with_its_own_citation_inherits_nothing(doc):
    s = sentence_with(doc, "Hagemans et al. [24] published, in 2018")
    assert s.refs == (24,) and s.context_refs == ()


# ------------------------------------------------------------------------------------------ bad corpus files
@pytest.mark.parametrize("name, data", [
    ("latin1.txt", "Résumé of the café study: 45% responded.".encode("latin-1")),
    ("binary.txt", bytes(range(256)) * 4),
    ("empty.txt", b""),
])
def test_unusable_corpus_file_raises_corpus_error_naming_it(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CorpusError) as exc:
        load_document(path)
    assert name in str(exc.value)


def test_whitespace_only_corpus_file_is_refused(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_bytes(b"\n  \n\t\n")
    with pytest.raises(CorpusError, match="blank.txt"):
        load_document(path)


# ------------------------------------------------------------------------------------------ uploads
GOOD = "1. Note\n\nSalvage surgery was studied in 12 patients [1].\n".encode("utf-8")


def listing(folder):
    return sorted(os.listdir(folder))


@pytest.fixture
def corpus_dir(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "existing.txt").write_bytes(b"Already here.\n")
    return folder


@pytest.mark.parametrize("filename, data, kwargs, message", [
    ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {}, "binary"),
    ("latin1.txt", "Résumé du café".encode("latin-1"), {}, "UTF-8"),
    ("big.txt", b"a" * 101, {"max_bytes": 100}, "limit"),
    ("empty.txt", b"", {}, "empty"),
    ("blank.txt", b"  \n\t\n", {}, "empty"),
    ("notes.docx", b"PK\x03\x04 text", {}, ".pdf"),
    ("sub\\dir.txt", GOOD, {}, "plain file name"),
    (".hidden.txt", GOOD, {}, "plain file name"),
    ("existing.txt", GOOD, {}, "already exists"),
])
def test_add_document_rejects_bad_uploads_and_writes_nothing(corpus_dir, filename, data, kwargs, message):
    before = listing(corpus_dir)
    with pytest.raises(CorpusError, match=re.escape(message)):
        add_document(corpus_dir, filename, data, **kwargs)
    assert listing(corpus_dir) == before
    assert (corpus_dir / "existing.txt").read_bytes() == b"Already here.\n"
    assert listing(corpus_dir.parent) == ["corpus"]


@pytest.mark.parametrize("filename", ["../evil.txt", "sub/evil.txt", "/etc/evil.txt"])
def test_add_document_rejects_path_traversal(corpus_dir, filename):
    before = listing(corpus_dir)
    with pytest.raises(CorpusError, match="plain file name"):
        add_document(corpus_dir, filename, GOOD)
    assert listing(corpus_dir) == before
    assert listing(corpus_dir.parent) == ["corpus"]


def test_add_document_accepts_a_good_upload(corpus_dir):
    path = add_document(corpus_dir, "new-study.txt", GOOD)
    assert path == corpus_dir / "new-study.txt"
    assert path.read_bytes() == GOOD
    assert listing(corpus_dir) == ["existing.txt", "new-study.txt"]  # no temporary file left behind
    added = load_document(path)
    assert [s.text for s in added.sentences] == ["Salvage surgery was studied in 12 patients [1]."]
