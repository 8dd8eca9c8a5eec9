"""Answers that generalise (issue 7): conversation context only when the question depends on it, overview answers
that span a section, descriptors resolved from the document's own words, and a ranker that retrains to the same
weights. Real packaged model throughout."""
from __future__ import annotations

import json

import pytest

from tests.conftest import pipeline_over

pytestmark = pytest.mark.slow


def sections_of(answer) -> set[str]:
    return {c.section for c in answer.citations}


# ------------------------------------------------------------------ conversation
def test_a_question_with_its_own_subject_drops_the_study_named_before(pipeline):
    history = ["What did Hagemans et al. report about complications?"]
    a = pipeline.ask("What is the role of immunotherapy after failure of chemotherapy?", history)
    assert a.mode == "answer"
    assert any("Immunotherapy" in s for s in sections_of(a)), sections_of(a)
    assert not any("Hagemans" in c.quote for c in a.citations)
    assert 24 not in a.refs  # Hagemans


def test_an_elliptical_follow_up_keeps_the_study(pipeline):
    a = pipeline.ask("And for persistent disease?", ["What did Kitaguchi et al. find about salvage APR?"])
    assert a.mode == "answer"
    assert 12 in a.refs  # Kitaguchi
    assert "persistent" in a.text.lower()


def test_a_follow_up_keeps_what_the_last_question_asked_about(pipeline):
    """"How did that break down by PD-L1 status?" after a question about a response rate asks for the response
    rate by PD-L1 status: the earlier turn's words still count (at a fraction of their weight), so the sentence
    giving the rate in each group is quoted, not only the sentences that name PD-L1."""
    a = pipeline.ask("How did that break down by PD-L1 status?",
                     ["What response rate did pembrolizumab reach in the KEYNOTE-158 anal cancer cohort?"])
    assert a.mode == "answer", (a.mode, a.reason)
    assert "3% in the PD-L1-negative group" in a.text, a.text


def test_that_surgery_refers_to_the_surgery_not_the_study(pipeline):
    """'that surgery' after a question about a study asks about the surgery's complications in general."""
    a = pipeline.ask("What about the complications of that surgery?", ["What did Kitaguchi et al. find?"])
    assert a.mode == "answer"
    assert any("complication" in c.quote.lower() for c in a.citations)
    assert not all("Kitaguchi" in c.quote for c in a.citations)


@pytest.mark.parametrize("marker", ["Separately, ", "Different question: ", "On another note, "])
def test_a_question_that_says_the_topic_changes_starts_fresh(marker):
    """The user says the subject changes ("Separately, …"): a pronoun after that is no reference to the study
    discussed before; the same question without the marker is."""
    from bot.retrieve.conversation import contextual_query

    history = ["What did Rosen et al. find?"]
    names = lambda text: ["rosen"] if "Rosen" in text else []  # noqa: E731
    question = "how far from the anus must a lesion be before it counts as skin cancer?"
    assert contextual_query(marker + question, history, names) == (marker + question, None, False)
    dense, context, carry = contextual_query(question, history, names)
    assert carry and context == "rosen", (dense, context)


# ------------------------------------------------------------------ overviews
OVERVIEW_DOC = """1. Hyperthermia

Hyperthermia heats the tumour bed to 42 degrees after resection of a recurrence. Early series suggest that it may \
improve local control.

Giordano et al. [1] treated 35 patients with regional hyperthermia combined with re-irradiation. Local control at \
two years was 61%, and grade 3 toxicity occurred in 9%.

A second cohort by Petersen et al. [2] of 22 patients reported a median survival of 28 months. Wound healing was \
delayed in five patients.

Hyperthermia remains experimental and is offered only in specialised centres.

2. Follow-up

Patients are seen every three months during the first two years.

References

1. Giordano, L.; Test, B. Hyperthermia and re-irradiation. J. Test. Oncol. 2019, 3, 1-9.
2. Petersen, K. Regional hyperthermia in recurrent disease. J. Test. Oncol. 2022, 4, 2-8.
"""


@pytest.fixture(scope="module")
def overview_pipeline(tmp_path_factory, embedder):
    return pipeline_over(tmp_path_factory.mktemp("overview"), embedder, {"hyper.txt": OVERVIEW_DOC})


def test_an_overview_question_quotes_several_paragraphs_of_the_section(overview_pipeline):
    a = overview_pipeline.ask("Give me an overview of what is known about hyperthermia.")
    assert a.mode == "answer", a.text
    paragraphs = {c.start for c in a.citations if c.section == "1. Hyperthermia"}
    starts = {overview_pipeline.passage_context(c)[0][:40] for c in a.citations if c.section == "1. Hyperthermia"}
    assert len(paragraphs) >= 2 and len(starts) >= 2, [c.quote for c in a.citations]


def test_quotes_of_one_section_name_it_once_after_the_last_and_every_quote_is_placed(overview_pipeline):
    a = overview_pipeline.ask("Give me an overview of what is known about hyperthermia.")
    lines = a.text.splitlines()[1:]
    shown = [c for c in a.citations if c.in_answer]
    assert len(lines) == len(shown) >= 2
    for i, (line, c) in enumerate(zip(lines, shown)):
        assert c.quote in line
        next_same = i + 1 < len(shown) and shown[i + 1].section == c.section
        # the section is named after the last quote of a run, and only there
        assert line.endswith(f"({c.section})") != next_same, lines
    assert len(a.text) <= overview_pipeline.settings.answer_chars


@pytest.mark.parametrize("question", ["Give me an overview of what is known about hyperthermia.",
                                      "What was the local control at two years with hyperthermia and re-irradiation?"])
def test_the_length_selection_counts_is_the_length_of_the_text_shown(overview_pipeline, question):
    """Selection measures the answer as laid out (a section named once a run) without laying it out: both ways
    must agree to the character, or answers could run over their budget."""
    from bot.answer import compose as C

    p = overview_pipeline
    ranking = p.rank(question, [])
    chosen = C.select(ranking, p.retriever, p.settings)
    text = C.compose(question, chosen, p.index.documents).text
    order = C._reading_order if chosen == sorted(chosen, key=C._reading_order) else C._fact_order(chosen[0].sentence)
    assert len(text) - len(C.INTRO) + 1 == C._text_length(chosen, order)


def test_a_fact_question_stays_short(overview_pipeline):
    a = overview_pipeline.ask("What was the local control at two years with hyperthermia and re-irradiation?")
    assert a.mode == "answer"
    assert "61%" in a.text
    assert len(a.text) < 600  # the fact and its neighbours, not the whole section


def test_an_overview_of_a_named_study_quotes_what_that_study_found(pipeline):
    """The review has two Kim studies ([28] 2018, [35] 2024). "Describe the … study by Kim et al. (2018)" quotes
    [28]'s results (its survival figures), and nothing from the other Kim."""
    a = pipeline.ask("Describe the docetaxel, cisplatin and fluorouracil study by Kim et al. (2018).")
    assert a.mode == "answer", a.text
    quoted = [c for c in a.citations if c.in_answer]
    assert all(28 in c.refs + c.context_refs for c in quoted), [(c.refs, c.context_refs) for c in quoted]
    assert "11.0 months" in a.text and "83.1%" in a.text


def test_summarising_a_part_of_the_article_quotes_that_part(pipeline):
    """"Summarise the discussion" is about the section of that name, not about sentences elsewhere that say
    "summarizes"."""
    a = pipeline.ask("Summarise the discussion section of the review.")
    quoted = [c.section for c in a.citations if c.in_answer]
    assert len(quoted) >= 3 and all(s == "3. Discussion" for s in quoted), quoted


@pytest.mark.parametrize("question", ["Summarize the review.", "Give me the gist of this paper",
                                      "What is this article about?",
                                      "What are the take-home messages of this narrative review?",
                                      "Key takeaways from the paper?"])
def test_a_summary_of_the_whole_document_quotes_its_abstract(pipeline, question):
    """The document's own summary answers "summarize the review", not the sentences that happen to say
    "summarizes" (the table's caption sentence)."""
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    quoted = [c for c in a.citations if c.in_answer]
    assert len(quoted) >= 4 and all(c.section == "Abstract" for c in quoted), a.text
    assert "carboplatin and paclitaxel" in a.text and "pembrolizumab" in a.text, a.text


def test_rows_of_one_table_are_different_points(pipeline):
    """Every record of a table repeats its column labels: that does not make two studies' rows the same point."""
    a = pipeline.ask("Which salvage surgery studies are compiled in the review's summary table, and how large "
                     "were they?")
    rows = [c for c in a.citations if c.in_answer and c.section.startswith("Table 1") and "Sample Size" in c.quote]
    assert len(rows) >= 4, a.text


# ------------------------------------------------------------------ descriptors
def test_swiss_finds_the_authors_conclusion(pipeline):
    a = pipeline.ask("What did the Swiss authors conclude?")
    assert a.mode == "answer", a.text
    assert any("Conclusion" in s for s in sections_of(a)), sections_of(a)
    # "what did the authors conclude?" is answered by their conclusions, not by low-scored lines elsewhere
    assert all("Conclusion" in c.section for c in a.citations if c.in_answer), a.text


def test_an_overview_does_not_quote_a_tables_title_or_footnote(pipeline):
    """"Table 1. Summary of salvage surgery studies." and its footnote report nothing: an overview that is not about
    the table leaves them out."""
    a = pipeline.ask("What is known about outcomes of salvage surgery across the studies?")
    assert a.mode == "answer", a.text
    kinds = {s.id: s.kind for s in pipeline.retriever.sentences}
    assert not [c.quote for c in a.citations if c.in_answer and kinds[c.sentence_id] == "caption"], a.text


def test_an_overview_quotes_the_body_not_the_abstract_that_restates_it(pipeline):
    """The abstract restates the body without its references: an overview that is not about the article itself
    quotes the body's sentences, which carry them ("Summarise the abstract" still quotes the abstract)."""
    kinds = {s.id: s.kind for s in pipeline.retriever.sentences}
    a = pipeline.ask("What's the state of play for checkpoint inhibitors in anal SCC after prior treatment?")
    assert a.mode == "answer", a.text
    quoted = [c for c in a.citations if c.in_answer]
    assert quoted and not [c.quote for c in quoted if kinds[c.sentence_id] == "front"], a.text
    assert any(c.refs for c in quoted), a.text
    a = pipeline.ask("Summarise the abstract.")
    assert any(c.section == "Abstract" for c in a.citations if c.in_answer), a.text


JAPAN_DOC = """Cryoablation of Recurrent Anal Tumours

Kenji Sato, Department of Surgery, Kyoto University Hospital, Kyoto, Japan

1. Results

Cryoablation achieved complete ablation in 18 of 20 recurrent anal tumours [1]. No patient needed a stoma.

2. Conclusions

We conclude that cryoablation is a feasible local option for small recurrences.

References

1. Sato, K. Cryoablation in recurrent anal cancer. J. Test. Oncol. 2021, 5, 1-7.
"""


def test_a_demonym_resolves_to_the_country_a_new_document_names(tmp_path, embedder):
    p = pipeline_over(tmp_path, embedder, {"sato.txt": JAPAN_DOC})
    a = p.ask("What did the Japanese authors conclude?")
    assert a.mode == "answer", a.text
    assert "feasible local option" in a.text


def test_an_acronym_the_review_never_uses_is_read_from_its_spelled_out_name(pipeline):
    """The review writes "National Cancer Database", never "NCDB": the question is answered from that study."""
    a = pipeline.ask("How big was the 2019 NCDB study comparing the timing of salvage surgery?")
    assert a.mode == "answer" and "437" in a.text


def test_an_acronym_one_letter_short_of_the_documents_is_not_unknown(pipeline):
    """The review writes "USA" (Fields' table row); a reader writes "US". Not a name the review never mentions."""
    a = pipeline.ask("Did early versus late salvage APR change overall survival in the US database study?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert any(25 in c.refs + c.context_refs for c in a.citations if c.in_answer)  # Fields [25]


def test_a_journal_named_in_full_finds_the_study_published_there(pipeline):
    """The reference list abbreviates journals ("Lancet Oncol. 2018"); a question names them in full."""
    q = "What loco-regional recurrence rate did the 2019 review published in Colorectal Disease report?"
    a = pipeline.ask(q)  # "Colorectal" names the journal ("Color. Dis."), not a disease the review leaves out
    assert a.mode == "answer" and any(11 in c.refs + c.context_refs for c in a.citations if c.in_answer)  # Ko [11]


def test_a_journal_of_many_cited_papers_is_not_the_subject_of_the_question(pipeline):
    """Several cited papers appeared in Lancet Oncology: the journal identifies none of them, and 'Oncology' is not
    what the question asks about; the rest of the question (modified DCF) does identify the study."""
    a = pipeline.ask("According to the Lancet Oncology paper, what doses were used in modified DCF?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "mg/m" in a.text, a.text


def test_a_journal_of_two_cited_papers_and_a_design_find_the_one_of_both(pipeline):
    """Annals of Oncology published two cited papers (Rao's guideline, Ott's trial); "the phase 1b pembrolizumab
    study" describes Ott's in Table 2. The question is about the one paper both descriptions fit, so it is answered
    with Ott's response rate, not declined as asking for a percentage from Rao's guideline."""
    a = pipeline.ask("In the phase 1b pembrolizumab study that Annals of Oncology published, what proportion of "
                     "patients responded?")
    assert a.mode == "answer" and "17%" in a.text, (a.mode, a.reason, a.text[:300])


def test_the_longest_journal_name_typed_wins(pipeline):
    """"Annals of Surgical Oncology" is Ann. Surg. Oncol. (Hagemans [24]), not every journal whose name ends in
    "Surg. Oncol." (Eur. J. Surg. Oncol., J. Surg. Oncol.): the study is found by the whole name."""
    from bot.retrieve.descriptors import journal_authors

    found = journal_authors("What did the 2018 Annals of Surgical Oncology paper report?", pipeline.bibliography)
    assert found == {"Annals Surgical Oncology": ["Hagemans"]}, found
    a = pipeline.ask("How many salvage APRs did the 2018 Annals of Surgical Oncology series include?")
    assert a.mode == "answer" and "47 consecutive salvage APRs" in a.text, (a.mode, a.reason, a.text[:300])


def test_journal_abbreviations_match_word_by_word_and_one_word_journals_are_left_alone():
    from bot.retrieve.descriptors import _abbreviates, _journal

    assert _journal("Ko, G.; Patel, S.V. A systematic review. Color. Dis. 2019, 21, 632–650.") == (("Color", "Dis"),
                                                                                                    "2019")
    assert _abbreviates(["Color", "Dis"], ["Colorectal", "Disease"])
    assert not _abbreviates(["Ann", "Oncol"], ["Annual", "Report"])
    assert not _abbreviates(["Color", "Dis"], ["Colorectal"])


def test_acronym_spelling_needs_every_word_and_at_most_one_inner_letter():
    from bot.retrieve.descriptors import _spells

    assert _spells("NCDB", ["National", "Cancer", "Database"])          # one letter from inside "Database"
    assert _spells("NCCN", ["National", "Comprehensive", "Cancer", "Network"])
    assert not _spells("CAR", ["Commons", "Attribution"])              # three letters: every one a word
    assert not _spells("ABCD", ["Alpha", "Beta"])


def test_a_descriptor_that_links_to_nothing_is_named_when_declined(pipeline):
    a = pipeline.ask("What did the Brazilian registry report?")
    assert a.mode == "abstained"
    assert "Brazilian" in a.reason


def test_an_unstated_descriptor_beside_words_that_find_the_study_is_answered_with_a_note(pipeline):
    """The review never says which study is French or Dutch: the answer says the description is not stated, and
    quotes what the question's other words find (for the Dutch surgeons' salvage APRs, Hagemans' series [24])
    instead of declining the whole question."""
    a = pipeline.ask("In the French phase 2 trial adding an anti-PD-L1 drug to chemotherapy, was there a benefit?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert a.text.startswith("The review does not state which study is French"), a.text
    a = pipeline.ask("What did the Dutch surgeons report about survival after salvage APR?")
    assert a.mode == "answer" and a.text.startswith("The review does not state which study is Dutch"), a.text
    assert "[24]" in a.text, a.text


# ------------------------------------------------------------------ the learned ranker
def test_retraining_reproduces_the_committed_ranker(review_settings):
    """eval/train_ranker.py on the committed pairs gives the stored weights (1e-6) and the same rankings."""
    import numpy as np

    from bot.index.embed import Embedder
    from bot.linear import load_models
    from eval.train_ranker import TRAINING_BACKEND, train

    models, info = train(review_settings, Embedder(review_settings.model_path, backend=TRAINING_BACKEND))
    stored = load_models("ranker")["models"]
    for name in ("sentence", "overview"):
        assert np.abs(stored[name].coef - models[name].coef).max() <= 1e-6, name
        assert np.abs(stored[name].intercept - models[name].intercept).max() <= 1e-6, name
    assert info["located"] >= 1000
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, len(models["sentence"].inputs)))
    assert (np.argsort(-stored["sentence"].logits(x)[:, 0]) == np.argsort(-models["sentence"].logits(x)[:, 0])).all()


def test_ranker_file_names_the_features_the_code_computes():
    from bot.linear import load_models
    from bot.retrieve.features import FEATURES

    raw = load_models("ranker")
    assert raw["models"]["sentence"].inputs == list(FEATURES)
    assert json.dumps(raw["info"])  # training provenance is recorded


def test_a_study_described_by_its_table_record_is_the_study_of_that_record(pipeline):
    """Only Table 2's record for Ott [33] calls a trial "phase 1b"; its response rate is in the text, in Ott's
    paragraph. The question is answered from that paragraph, not declined for want of a rate near "1b"."""
    a = pipeline.ask("In the phase 1b pembrolizumab trial, what response rate was seen in squamous cell carcinoma "
                     "histology?")
    assert a.mode == "answer", a.text
    assert "17%" in a.text


WIDGET_DOC = """Widget Therapy After Failed Treatment

1. Results

Alpha et al. [1] treated patients with widget therapy. The complete response rate was 40%.

Beta et al. [2] also treated patients with widget therapy. The complete response rate was 25%.

Table 1. Summary of widget studies.

First Author (Year)\tType of Study\tSample Size (Number of Patients)
Alpha (2020) [1]\tProspective bicentric cohort\t50
Beta (2021) [2]\tRetrospective registry review\t300

References

1. Alpha, A. Widgets in recurrent disease. J. Widg. 2020, 1, 1-10.
2. Beta, B. Widgets at scale. J. Widg. 2021, 2, 11-20.
"""


def test_table_descriptors_resolve_in_a_new_document(tmp_path, embedder):
    """The design words of a record ("bicentric", "registry") name its study in a document the bot has never
    seen; a word no record uses names none."""
    from bot.retrieve.descriptors import resolve_descriptors

    p = pipeline_over(tmp_path, embedder, {"widget.txt": WIDGET_DOC})
    def studies(q):
        return set(resolve_descriptors(q, p.retriever, p.bibliography).resolved.values())

    assert studies("What did the bicentric study find?") == {"Alpha"}
    assert studies("What did the registry study find?") == {"Beta"}
    assert studies("What did the widget study find?") == set()
    a = p.ask("What complete response rate did the registry review report?")
    assert a.mode == "answer" and "25%" in a.text and "40%" not in a.text, a.text


def test_a_two_letter_surname_is_a_study_name_only_where_it_names_an_author(tmp_path):
    """Ko, Li, Wu: a first author's two-letter surname names the study in "Li et al.", "by Li", "Li 2020" and
    "Li's trial", never as the capitalised word that starts a question ("In", "Do", "Is")."""
    from bot.ingest.corpus import load_document
    from bot.retrieve.bibliography import StudyNameFinder, study_names

    path = tmp_path / "li.txt"
    path.write_text(JAPAN_DOC.replace("Sato, K.", "Li, K.").replace("Sato et al.", "Li et al."), encoding="utf-8")
    finder = StudyNameFinder(study_names([load_document(path)]))
    for question in ("What did Li et al. find?", "Summarise the review by Li on cryoablation.",
                     "In Li 2021, how many patients?", "Was Li's series prospective?"):
        assert finder.find(question) == ["Li"], question
    for question in ("Is cryoablation an option?", "Do the results hold up?", "what did li et al find"):
        assert finder.find(question) == [], question


@pytest.mark.parametrize("question, table", [
    ("What does the table of immunotherapy studies show?", "Table 2"),
    ("Give me an overview of what Table 1 reports.", "Table 1"),
])
def test_an_overview_of_a_table_quotes_the_records_of_that_table(pipeline, question, table):
    """The table asked about by a word of its title or by its number: its records, and no other table's."""
    a = pipeline.ask(question)
    assert a.mode == "answer", a.text
    quoted = [c for c in a.citations if c.in_answer]
    records = [c for c in quoted if c.section.startswith(table) and c.quote.startswith("First Author")]
    assert len(records) >= 2, a.text
    assert not [c for c in quoted if c.section.startswith("Table") and not c.section.startswith(table)], a.text


POINTING_BACK_DOC = """Cryotherapy for Small Recurrences

1. Results

Forty patients with a small recurrence were treated with cryotherapy [1]. Tumours under 2 cm and away from the
sphincter responded best to the freezing cycles. In this subgroup, local control reached 85% at two years [1].
Larger tumours often needed a second session.

2. Conclusions

Cryotherapy is a local option for selected small recurrences.

References

1. Sato, K. Cryotherapy in recurrent anal cancer. J. Test. Oncol. 2021, 5, 1-7.
"""


def test_a_sentence_that_points_back_is_quoted_with_the_sentence_it_points_to(tmp_path, embedder):
    """'In this subgroup, local control reached 85%' means nothing without the sentence that says which subgroup."""
    p = pipeline_over(tmp_path, embedder, {"sato.txt": POINTING_BACK_DOC})
    a = p.ask("What was the two-year local control?")
    assert a.mode == "answer", a.text
    assert "85%" in a.text
    lines = a.text.splitlines()
    at = next(i for i, line in enumerate(lines) if "85%" in line)
    assert "Tumours under 2 cm" in lines[at - 1], a.text


@pytest.mark.parametrize("question", [
    "Does the time between chemoradiation and the salvage APR affect the outcome?",
    "Is it important how quickly the abdominoperineal resection follows the end of chemoradiotherapy?",
])
def test_a_finding_stated_in_words_is_quoted_with_the_figures_that_follow_it(pipeline, question):
    """"No significant difference in the overall survival between … early … and … late salvage APR" is quoted with
    the next sentence, which gives the two survival figures, though the question's words are only in the first."""
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    assert "no significant difference" in a.text and "48.4%" in a.text and "40.3%" in a.text, a.text


@pytest.mark.parametrize("question", ["Could you give me a primer on checkpoint inhibitors?",
                                      "A short history of checkpoint blockade, please."])
def test_background_on_a_topic_is_what_its_section_sets_out_first(pipeline, question):
    """"A primer on checkpoint inhibitors" asks for the background the Immunotherapy section opens with (the
    checkpoints, the first antibody approved, the cancers treated), not for the abstract's, the discussion's and the
    conclusions' one-line restatements, which the ranker puts first."""
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    assert "approximately 50 cancer types" in a.text and "In 2011, ipilimumab" in a.text, a.text


def test_a_question_asked_as_background_is_no_request_for_background():
    from bot.retrieve.lexicon import BACKGROUND

    assert BACKGROUND.search("give me the background on immune checkpoint inhibitors")
    assert not BACKGROUND.search("as background, what first-line treatment do patients normally get?")


def test_a_journal_or_citation_that_describes_the_study_does_not_turn_a_question_into_a_reference_lookup():
    """'The 2024 meta-analysis from the surgical journal: was there a difference in dehiscence?' asks for a
    result; 'Which journal published the Sato study?' and 'Journal of the Sato paper?' ask about the publication."""
    from bot.retrieve.bibliography import asks_about_reference

    for question in ("That meta-analysis from the surgical journal: was there a difference in wound dehiscence "
                     "between the two closures?",
                     "According to the guideline cited, how often are the groin nodes involved in large tumours?"):
        assert not asks_about_reference(question, []), question
    for question, named in (("Which journal published the Sato study?", ["Sato"]),
                            ("Journal of the Sato paper?", ["Sato"]),
                            ("Where was the Sato study published?", ["Sato"])):
        assert asks_about_reference(question, named), question


def test_a_count_may_be_of_things_with_two_modifiers():
    """'18 of 20 recurrent anal tumours' gives a count of tumours; '12 months after surgeries' does not."""
    from bot.retrieve.lexicon import VALUE_EVIDENCE

    evidence = {kind: ev for kind, _, ev in VALUE_EVIDENCE}["count"]
    assert evidence.search("Cryoablation achieved complete ablation in 18 of 20 recurrent anal tumours [1].")
    assert not evidence.search("The scar was assessed 12 months after surgeries.")


DISCUSSION_DOC = """Cryotherapy for Small Recurrences

1. Results

Forty patients with a small recurrence were treated with cryotherapy [1]. Local control reached 85% at two years.

2. Discussion

Cryotherapy controlled most small recurrences in this series. The freezing cycles were well tolerated by older
patients who had declined a major resection after being counselled by the multidisciplinary team. Nurses reported
shorter hospital stays than after surgery, with most patients discharged on the day after the procedure. Costs were
not recorded in a uniform way across the participating hospitals during the years of the study. Pain scores after
the freezing cycles were low in most patients and few needed opioid analgesia after the first postoperative day.
Quality of life questionnaires returned to their baseline values within three months in most of the patients who
completed them, although fewer than half of the patients returned the questionnaires at every time point.

Larger tumours needed repeated sessions and often failed. Imaging after freezing was hard to read because oedema and
scarring looked like residual tumour on magnetic resonance imaging for several months. A biopsy at three months
resolved most doubts, although two patients needed a second biopsy to confirm that no tumour remained in the scar.
Positron emission tomography was not helpful in the first months because the inflammation after freezing took up
the tracer in the same way as a residual tumour would, which led to several unnecessary biopsies in the series.

Prospective trials comparing cryotherapy with local excision are needed. Such trials should record function,
continence, sexual function and quality of life with validated questionnaires before and after the treatment, and
follow the patients for at least five years to capture late recurrences in the pelvis and the groin.

References

1. Sato, K. Cryotherapy in recurrent anal cancer. J. Test. Oncol. 2021, 5, 1-7.
"""


def test_a_summary_of_a_part_opens_each_of_its_paragraphs(tmp_path, embedder):
    """'Summarise the discussion' reads the discussion as a summary reads a text: after the sentence the ranker
    puts first, the opening sentences of its paragraphs before later ones (a later one counts a fraction of its
    score); and it is answered from the discussion only."""
    from bot.answer.compose import _part_first

    p = pipeline_over(tmp_path, embedder, {"sato.txt": DISCUSSION_DOC})
    question = "Give me a summary of the discussion section."
    order = [h.sentence.text for h in _part_first(p.rank(question, []), p.retriever,
                                                   p.settings.section_depth_decay)]
    openings = ("Cryotherapy controlled most small recurrences", "Larger tumours needed repeated sessions",
                "Prospective trials comparing cryotherapy")
    assert all(any(t.startswith(o) for t in order[:4]) for o in openings), order
    a = p.ask(question)
    assert a.mode == "answer", a.text
    assert all(o in a.text for o in openings), a.text
    assert all(c.section == "2. Discussion" for c in a.citations if c.in_answer), a.text


def test_a_place_the_review_never_names_is_a_descriptor_when_the_other_words_identify_the_study(pipeline):
    """'The Rochester series of intraoperative radiotherapy': Rochester is nowhere in the review, but the rest
    identifies the IORT series, so it is answered and the reply says the review does not state the descriptor. An
    author the review never cites ('Johnson et al.') names a study, not a description: declined, naming him."""
    a = pipeline.ask("In the Rochester series of intraoperative radiotherapy, what were the 5-year estimates of "
                     "overall survival?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert a.text.startswith("The review does not state which study is Rochester"), a.text
    a = pipeline.ask("What did Johnson et al. find about salvage APR?")
    assert a.mode == "abstained" and "Johnson" in a.reason, (a.mode, a.reason)


def assert_wants_the_kind_of(pipeline, question: str, passage: str) -> None:
    """The question asks for a kind of answer (a reason, a limitation …), and the review's sentence holding
    `passage` is of that kind: the ranker reads it as what the question asks for."""
    r = pipeline.retriever
    query = r.make_query(question)
    found = [i for i, s in enumerate(r.sentences) if passage in s.text]
    assert query.wants and found, (query.wants, found)
    assert all(r.pattern_hits[id(p)][found[0]] for p in query.wants)


def test_a_why_question_asks_for_a_sentence_that_gives_a_reason(pipeline):
    """'Why …?' wants a sentence that gives a reason ('morbid due to prior irradiation'), as 'how long' wants a
    duration: the ranker reads it as the kind of answer asked for."""
    r = pipeline.retriever
    assert_wants_the_kind_of(pipeline, "Why is a second operation in the irradiated groin so hard?",
                             "due to prior irradiation")
    plain = r.make_query("How hard is a second operation in the irradiated groin?")
    assert not plain.wants


def test_a_question_about_how_good_the_evidence_is_asks_for_its_limits(pipeline):
    """"How robust are the data on …" asks how far the evidence goes: the sentences that concede its limits answer,
    as they answer "why couldn't the study conclude …"."""
    assert_wants_the_kind_of(pipeline, "How robust are the data on re-irradiation?",
                             "though the data are still limited")
    # (the abstract's "the data are still limited", or the body's own "there are currently insufficient data")
    a = pipeline.ask("How robust are the data on proton therapy for re-irradiation?")
    assert a.mode == "answer" and ("limited" in a.text or "insufficient data" in a.text), a.text


def test_a_reason_given_as_a_contributing_factor_answers_a_why_question(pipeline):
    """"A key factor contributing to these complications is the significant dead space …" gives a reason without
    "because": it is read as one, and the answer to why perineal wounds do badly quotes it."""
    assert_wants_the_kind_of(pipeline, "Why do perineal wounds break down?",
                             "factor contributing to these complications")
    a = pipeline.ask("why do perineal wound complications happen so often after salvage surgery")
    assert a.mode == "answer" and "dead space" in a.text, a.text


def test_a_question_about_a_history_asks_for_dated_sentences(pipeline):
    """"The history of …", "how have … developed" is told with dates: the sentence that says when something
    happened ("In 2011, ipilimumab … was approved") is the kind of answer asked for, and the answer quotes it."""
    assert_wants_the_kind_of(pipeline, "What is the history of checkpoint blockade?", "In 2011, ipilimumab")
    a = pipeline.ask("How have checkpoint inhibitors developed over time?")
    assert a.mode == "answer" and "In 2011, ipilimumab" in a.text, a.text


SUBJECT_DOC = """Recurrent Anal Cancer: Options After Failure

Abstract: Recurrent anal cancer after chemoradiotherapy is a rare and difficult problem. Recurrent anal cancer is
managed by surgery, by cryotherapy or by systemic treatment. Recurrent anal cancer carries a poor prognosis.

1. Introduction

Recurrent anal cancer develops in a minority of patients treated for anal cancer [1]. Recurrent anal cancer is
usually found during follow-up examinations. Recurrent anal cancer has few treatment options.

2. Cryotherapy

Cryotherapy freezes the tumour with a probe placed under ultrasound guidance [2]. It needs no incision.

Sato et al. [2] treated 40 patients with small recurrences. Local control reached 85% at two years.

Side effects were mild [3]. Pain settled within a week in most patients.

3. Surgery

Surgery removes the rectum and the anus [4]. A survey of survivors after surgery found acceptable quality of life but
notable side effects [4]. Impotence, dyspareunia and urinary leakage were each reported by a third of them.

References

1. Adams, P. Recurrence after chemoradiotherapy. J. Test. Oncol. 2018, 2, 1-5.
2. Sato, K. Cryotherapy in recurrent anal cancer. J. Test. Oncol. 2021, 5, 1-7.
3. Lee, M. Tolerance of cryotherapy. J. Test. Oncol. 2022, 6, 3-9.
4. Brown, T. Life after salvage surgery. J. Test. Surg. 2020, 4, 2-8.
"""


@pytest.fixture(scope="module")
def subject_pipeline(tmp_path_factory, embedder):
    return pipeline_over(tmp_path_factory.mktemp("subject"), embedder, {"recurrent.txt": SUBJECT_DOC})


def test_an_overview_of_a_section_topic_spans_that_section_not_the_documents_subject(subject_pipeline):
    """Every sentence shares the document's subject ("recurrent anal cancer"), which pulls an overview towards the
    abstract and the introduction; the question names the topic of one section, so its paragraphs are read."""
    a = subject_pipeline.ask("Give me an overview of cryotherapy for recurrent anal cancer as presented in this "
                             "review.")
    assert a.mode == "answer", (a.mode, a.reason)
    quoted = [c for c in a.citations if c.in_answer]
    assert sum(c.section == "2. Cryotherapy" for c in quoted) >= 3, a.text
    assert "85%" in a.text and "Side effects were mild" in a.text, a.text


def test_an_overview_quotes_the_sentence_that_spells_out_the_best_one(subject_pipeline):
    """'found … notable side effects' is spelled out by the next sentence: an overview quotes both."""
    a = subject_pipeline.ask("What is known about quality of life in survivors after surgery?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "notable side effects" in a.text and "Impotence, dyspareunia" in a.text, a.text


def test_an_overview_quotes_the_sentence_that_draws_out_a_chosen_one(pipeline):
    """"This was quickly followed by antibodies targeting PD1 …" carries on the sentence before it (the first
    checkpoint antibody, 2011): an overview that quotes the first quotes the second with it."""
    a = pipeline.ask("Give me the background on how checkpoint inhibitors came about.")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "In 2011, ipilimumab" in a.text and "This was quickly followed by" in a.text, a.text


def test_a_fact_answer_never_quotes_in_this_subgroup_without_the_sentence_that_says_which(pipeline):
    """"In this subgroup, the treatment was more effective (PFS 70%)" cannot be read alone: a runner-up that points
    back is quoted with the sentence before it, or not at all."""
    a = pipeline.ask("Was atezolizumab with mDCF more effective in some patients?")
    assert a.mode == "answer", (a.mode, a.reason)
    lines = a.text.splitlines()
    for i, line in enumerate(lines):
        if "In this subgroup" in line:
            assert i > 0 and "combined positive score" in lines[i - 1], a.text
    assert "combined positive score" in a.text, a.text


def test_a_fact_answer_quotes_the_alternatives_named_right_after_its_passage(pipeline):
    """"Concomitant 5-FU and Mitomycin C … is generally recommended." is followed by "Other options may include 5-FU
    and cisplatin.": the options a question about the drugs given with radiation must hear both."""
    a = pipeline.ask("What chemotherapy is given concomitantly with radiation for localized anal cancer?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "Mitomycin C" in a.text and "Other options may include 5-FU and cisplatin" in a.text, a.text


def test_two_sentences_alike_but_for_their_numbers_are_both_quoted(pipeline):
    """"The median PFS was 2.1 months … in the PD-L1-positive" and "… 2.0 months … PD-L1-negative" share most of
    their words, but not their values: the second is no repeat of the first."""
    a = pipeline.ask("KEYNOTE-158 response rate and survival by PD-L1 status?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "2.1 months" in a.text and "2.0 months" in a.text, a.text


@pytest.mark.parametrize("question", ["Give me an overview of what KEYNOTE-158 reported for anal cancer.",
                                      "Summarise the results of KEYNOTE-158 in anal SCC."])
def test_an_overview_of_what_a_named_study_reported_quotes_its_results(pipeline, question):
    """"What KEYNOTE-158 reported", with no study noun: its results (11% objective response, 2.1 months) come before
    its design (38 centres, 112 patients), as for "the KEYNOTE-158 study"."""
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    assert "11%" in a.text and "2.1 months" in a.text, a.text


def test_a_summary_cue_with_a_topic_is_not_a_summary_of_the_whole_document():
    from bot.retrieve.lexicon import WHOLE_DOCUMENT
    assert WHOLE_DOCUMENT.search("give me a short summary of the main findings of this review")
    assert not WHOLE_DOCUMENT.search("give me an overview of immunotherapy as presented in this review.")


@pytest.mark.parametrize("question", [
    "Give an overview of how anal squamous cell carcinoma is managed after failure of chemoradiotherapy.",
    "How is recurrent anal squamous cell carcinoma treated after chemoradiotherapy fails?"])
def test_the_title_keywords_and_citation_line_are_not_quoted_as_an_answer(pipeline, question):
    """They share the subject words of every question about the review, but answer none."""
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    sections = [c.section for c in a.citations if c.in_answer]
    assert sections and not {"Front matter", "Keywords"} & set(sections), a.text


def test_a_question_that_names_a_part_of_the_article_is_answered_from_that_part(pipeline):
    a = pipeline.ask("Why, according to the discussion section, are alternatives to salvage surgery needed?")
    assert a.mode == "answer", (a.mode, a.reason)
    sections = {c.section for c in a.citations if c.in_answer}
    assert sections == {"3. Discussion"}, a.text



def test_words_of_the_corpus_subject_count_less_than_the_questions_own_topic(pipeline):
    """'anal', 'squamous', 'carcinoma' (every document's title) and 'SCC' (an abbreviation that spells them) are
    what every passage is about: in 'immunotherapy for anal SCC' they weigh less than their rarity alone gives."""
    from bot.retrieve import lexicon
    lex = pipeline.retriever.lexicon
    assert {"anal", "squamous", "carcinoma"} <= lex.subject and "scc" in lex.subject_abbreviations
    q = pipeline.retriever.make_query("What is the role of immunotherapy for anal SCC?")
    weight = {c.word: c.weight for c in q.concepts}
    assert weight["anal"] == pytest.approx(lex.idf["anal"] * lexicon.SUBJECT_WEIGHT)
    assert weight["scc"] < lex.idf.get("scc", lex.max_idf)
    assert weight["immunotherapy"] == pytest.approx(lex.idf["immunotherapy"])


@pytest.mark.parametrize("question, author", [
    ("What disease-free survival was reported in the 2024 study published in the Journal of Clinical Medicine?",
     "Rosen"),
    ("What 5-year rate of distant failure was reported in the Diseases of the Colon & Rectum study?", "Hallemeier"),
    ("In the Clinical Colorectal Cancer study, how often did a second local recurrence occur after surgery alone?",
     "Damron")])
def test_a_journal_named_in_full_with_its_one_letter_abbreviations_and_articles_finds_its_study(pipeline, question,
                                                                                                 author):
    """'J. Clin. Med.' is the Journal of Clinical Medicine, 'Dis. Colon Rectum' the Diseases of the Colon & Rectum;
    the journal's words are not the subject ('Colorectal' is no other disease here, 'Rectum' no study)."""
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    assert author in a.text, a.text


def test_a_design_word_or_the_corpus_subject_is_not_the_subject_a_value_must_be_about(pipeline):
    """'multicentre single-arm' describes the DCF study; 'five-year … rates' are percentages, not a median time."""
    a = pipeline.ask("What proportion of patients in the multicentre single-arm DCF study had grade 3-4 adverse "
                     "events?")
    assert a.mode == "answer" and "Kim" in a.text, (a.mode, a.reason)
    a = pipeline.ask("What median five-year overall survival rates did Ko et al. report?")
    assert a.mode == "answer" and "45.0%" in a.text, (a.mode, a.reason)


SYSTEMIC_DOC = """Systemic Treatment of Recurrent Anal Cancer

Abstract: This review describes systemic treatment for recurrent anal cancer that cannot be operated on.

1. Introduction

Recurrent anal cancer is rare, and most patients are first treated with chemoradiotherapy [1].

2. Systemic Treatment

For patients with metastatic recurrence, systemic treatment is the mainstay of care [1]. Only some patients can have
surgery. For the others, systemic treatment is given [1].

Currently, the combination of carboplatin and paclitaxel remains the standard first-line systemic treatment [2]. This
regimen has shown a median overall survival of 20 months compared with 12.3 months for cisplatin and fluorouracil in a
randomised multicentre systemic treatment trial of 91 patients [2].

Weekly docetaxel was studied as second-line systemic treatment in 30 patients by Ortiz et al. [3]. Neutropenia was
the main side effect of this systemic treatment.

Capecitabine with oxaliplatin was given as systemic treatment to 25 patients in a retrospective series from two
centres, and the median overall survival was 14 months, with grade 3 diarrhoea in a fifth of the patients [4].
Nab-paclitaxel alone was tried as third-line systemic treatment in 12 patients, and the median overall survival was
nine months [4].

Quality of life during systemic treatment was measured with a questionnaire in 40 patients, and fatigue and
neuropathy were the complaints that worsened most over the first six months of systemic treatment [4]. Older
patients stopped systemic treatment earlier than younger ones because of side effects [4].

Several small series described systemic treatment with other agents, with response rates between 10% and 40% [4].
In short, systemic treatment controls recurrent anal cancer for a time but rarely cures it.

References

1. Adams, P. Recurrence after chemoradiotherapy. J. Test. Oncol. 2018, 2, 1-5.
2. Rao, S. Carboplatin and paclitaxel in advanced anal cancer. J. Test. Oncol. 2020, 5, 1-7.
3. Ortiz, M. Docetaxel in recurrent anal cancer. J. Test. Oncol. 2021, 6, 3-9.
4. Lee, M. Other agents. J. Test. Oncol. 2022, 6, 3-9.
"""


@pytest.fixture(scope="module")
def systemic_pipeline(tmp_path_factory, embedder):
    return pipeline_over(tmp_path_factory.mktemp("systemic"), embedder, {"systemic.txt": SYSTEMIC_DOC})


@pytest.mark.parametrize("question", ["Tell me about systemic treatment for recurrent anal cancer.",
                                      "What is known about systemic treatment and overall survival?",
                                      "Give me an overview of systemic treatment options."])
def test_an_overview_never_quotes_this_regimen_without_the_sentence_that_names_it(systemic_pipeline, question):
    """"This regimen has shown a median overall survival of 20 months" is unreadable alone: which regimen? An
    overview that quotes it quotes the sentence before it too, right before it."""
    a = systemic_pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    lines = a.text.splitlines()
    for i, line in enumerate(lines):
        if "This regimen has shown" in line:
            assert i > 1 and "carboplatin and paclitaxel" in lines[i - 1], a.text
    if "overall survival" in question:  # the question this sentence answers quotes it (so the check above ran)
        assert "This regimen has shown" in a.text, a.text


def test_a_section_overview_quotes_the_sentence_that_sums_the_section_up(systemic_pipeline):
    """"In short, …" closes a section's last paragraph with its gist: an overview of that section quotes it."""
    a = systemic_pipeline.ask("What is known about systemic treatment and overall survival?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "rarely cures it" in a.text, a.text


def test_what_the_authors_concluded_is_their_conclusions_section_but_a_study_or_a_topic_is_not():
    from bot.retrieve.lexicon import PARTS
    from bot.text import fold

    def parts(q):
        return [next(g for g in m.groups() if g) for m in PARTS.finditer(fold(q))]

    assert parts("What did the review conclude?") == ["conclu"]
    assert parts("what do the authors conclude overall") == ["conclu"]
    assert parts("What do the authors of this review conclude?") == ["conclu"]
    assert parts("What did Kitaguchi et al. conclude?") == []
    assert parts("What did the Kim paper conclude?") == []
    assert parts("What did the Japanese authors conclude?") == []  # not this document's authors
    assert parts("What does the review conclude about salvage surgery?") == []


FOLLOWER_DOC = """Drug X in Recurrent Anal Cancer

Abstract: This review describes drug X for recurrent anal cancer after chemoradiotherapy.

1. Drug X

Lee et al. [1] published in 2024 the results of a randomised multicentre phase 2 trial of drug X combined with
modified chemotherapy for recurrent anal cancer, in patients who had not yet received any systemic treatment. The
participants were randomly assigned to drug X with modified chemotherapy (60 patients) or to modified chemotherapy
alone (30 patients) in each of the eleven participating centres. The 12-month progression-free survival was 45% with
drug X and 43% without it, so adding drug X to modified chemotherapy did not clearly improve the outcomes of the whole
cohort. A more favourable response to drug X was observed in patients with a high marker score of 5 or more. In this
subgroup, progression-free survival reached 70% at 12 months.

2. Drug Y

Park et al. [2] treated 40 patients with drug Y, and 12 (30%) of them responded at 12 months.

References

1. Lee, M. Drug X in recurrent anal cancer. J. Test. Oncol. 2024, 8, 1-9.
2. Park, J. Drug Y. J. Test. Oncol. 2023, 7, 2-5.
"""


def test_a_fact_answer_quotes_the_sentence_that_carries_on_its_best_sentence(tmp_path, embedder):
    """"In this subgroup, progression-free survival reached 70%" carries on the sentence that answers "how did
    patients with a high marker score do?": it is quoted, ahead of context sentences from the same paragraph."""
    p = pipeline_over(tmp_path, embedder, {"drugx.txt": FOLLOWER_DOC})
    a = p.ask("In the drug X trial, how did patients with a high marker score do?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "reached 70%" in a.text, a.text


WHY_NOT_DOC = """Re-irradiation Before Salvage Surgery

Abstract: This review describes re-irradiation combined with salvage surgery for recurrent anal cancer.

1. Re-irradiation

Jones et al. [1] compared salvage surgery alone with re-irradiation followed by salvage surgery in 50 patients with
recurrent anal cancer treated at one centre between 2005 and 2020, with external beam re-irradiation to the pelvis
and intraoperative radiotherapy to the tumour bed in selected patients.
The study aimed to find the patients who could benefit from re-irradiation before surgery, and the factors linked to
a second local recurrence and to overall survival were analysed for both groups over a median follow-up of 48 months.
Five-year overall survival was 60% after surgery alone and 80% after re-irradiation followed by surgery, and the
five-year disease-free survival was 45% after surgery alone and 62% after re-irradiation followed by surgery.
Local recurrence at five years was 40% after surgery alone and 20% after re-irradiation followed by surgery, and
distant metastases were found in a quarter of the patients in both groups during the follow-up of the study.
However, the two groups differed in age and tumour size, and the multivariable analysis did not confirm a benefit of
re-irradiation.
Wound complications were frequent in both groups, with perineal wound breakdown in 30% of the patients after surgery
alone and in 36% after re-irradiation followed by surgery, and two patients needed a second operation.
Patients with positive resection margins and with perineural invasion had the highest risk of a second local
recurrence, and the authors proposed re-irradiation for these high-risk patients in future prospective trials.

2. Surgery

Salvage surgery removes the rectum and the anus [2].

References

1. Jones, A. Re-irradiation and salvage surgery. J. Test. Oncol. 2021, 5, 1-7.
2. Brown, T. Salvage surgery. J. Test. Surg. 2019, 3, 1-5.
"""


def test_a_why_not_question_is_answered_by_the_sentence_that_concedes_the_limitation(tmp_path, embedder):
    """"Why couldn't the study conclude …?" asks for the limitation ("However, the groups differed …, and the
    multivariable analysis did not confirm a benefit"), not for the results it qualifies."""
    p = pipeline_over(tmp_path, embedder, {"jones.txt": WHY_NOT_DOC})
    a = p.ask("Why couldn't Jones et al. conclude that re-irradiation before surgery really helps?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "did not confirm a benefit" in a.text, a.text



def test_an_overview_naming_one_sections_title_still_quotes_the_best_passage_elsewhere(pipeline):
    """"… systemic treatment … over salvage surgery" names the title of section 2.1 (Salvage Surgery), which
    treats only half of it: the passage that answers (systemic therapy for recurrent metastatic disease) is in 2.2."""
    a = pipeline.ask("Overview: in which patients is systemic treatment chosen over salvage surgery?")
    assert a.mode == "answer"
    assert any("systemic therapy is the mainstay" in c.quote for c in a.citations if c.section.startswith("2.2")), \
        [c.quote[:60] for c in a.citations]
    assert any("systemic therapy is the mainstay" in line for line in a.text.splitlines())

# ------------------------------------------------------------------ contractions
def test_a_contraction_reads_as_the_two_words_it_stands_for(pipeline):
    """"can't be resected" used to give the concepts "can't", "cant" and "t": words no sentence holds, each weighing
    as much as the rarest word of the review, so every sentence covered a smaller share of the question."""
    r = pipeline.retriever
    short = r.make_query("Which chemotherapy if it can't be resected and surgery doesn't help?")
    spelled = r.make_query("Which chemotherapy if it can not be resected and surgery does not help?")
    assert [c.word for c in short.concepts] == [c.word for c in spelled.concepts]
    assert not {"t", "cant", "doesnt"} & {c.word for c in short.concepts}


# ------------------------------------------------------------------ em dashes
def test_an_em_dash_between_words_joins_no_compound(pipeline):
    """"the cisplatin—5-FU combination" names 5-FU: a question asking about "5-FU" finds it there, as it would after
    a space. A hyphen still joins a compound ("5-FU" itself, "KEYNOTE-158")."""
    from bot.text import tokens
    assert "5-fu" in tokens("for the cisplatin\u20145-FU combination")
    assert "keynote-158" in tokens("KEYNOTE-158")
    answer = pipeline.ask("What survival did cisplatin with 5-FU give against carboplatin with paclitaxel, arm by "
                          "arm?", [])
    assert answer.mode == "answer"
    assert "12.3 months" in answer.text


# ------------------------------------------------------------------ everyday words
@pytest.mark.parametrize("question, quoted", [
    ("Is a virus behind this cancer?", "The major risk factor is HPV infection"),
    ("Can the doctors freeze the tumour if it grows back?", "Cryotherapy in the treatment of recurrent anal cancer"),
])
def test_a_patients_everyday_words_reach_the_reviews_clinical_words(pipeline, question, quoted):
    """A patient types "virus" and "freeze" where the review writes "HPV" and "cryotherapy" (bot/data/glossary.json,
    "lay"): the answer quotes the passage in the review's words, which shares no word with the question."""
    answer = pipeline.ask(question, [])
    assert answer.mode == "answer", answer.reason
    assert quoted in answer.text


def test_everyday_words_are_read_one_way_only(pipeline):
    """"come back" is read as "recurrence"; a question that says "recurrence" is not read as "come back". (The words
    are read on the lexical side only: the embedded question, which the guard reads too, stays as typed.)"""
    lexicon = pipeline.retriever.lexicon
    lay = lexicon.query("Has the cancer come back?")
    assert any(("recurrence",) in c.alternatives for c in lay.concepts if c.word == "come")
    clinical = lexicon.query("What is the recurrence rate?")
    assert not any(alt in c.alternatives for c in clinical.concepts for alt in (("come",), ("back",)))
    assert lexicon.expand("Has the cancer come back?") == "Has the cancer come back?"


# ------------------------------------------------------------------ abbreviations that ask for a value
def test_an_abbreviated_measure_asks_for_its_kind_of_value(pipeline):
    """"ORR?" asks for a rate as "objective response rate?" does, and "OS?" for a survival: what a question asks
    for is read with its abbreviations spelt out."""
    r = pipeline.retriever
    assert r.make_query("What ORR did pembrolizumab reach?").wants == \
        r.make_query("What objective response rate did pembrolizumab reach?").wants != []
    assert r.make_query("OS with carboplatin-paclitaxel?").wants != []


def test_a_rate_abbreviation_finds_the_share_said_without_the_word_rate(pipeline):
    """The review gives KEYNOTE-158's objective response rate as "an objective response … was achieved in 11% of the
    patients": no "rate" in it. A question that types "ORR" is answered with that sentence."""
    answer = pipeline.ask("What ORR did pembrolizumab reach in KEYNOTE-158?", [])
    assert answer.mode == "answer"
    assert "11%" in answer.text


# ------------------------------------------------------------------ misspellings
def test_a_misspelt_word_meets_the_word_it_misspells(pipeline):
    lexicon = pipeline.retriever.lexicon
    assert lexicon.spelled("reccurence") == "recurrence"  # a letter doubled, one dropped
    assert lexicon.spelled("docetaxal") == "docetaxel"    # a letter changed
    # a word of the corpus, a word far from any, and a short word stay as they are
    assert lexicon.spelled("paclitaxel") is None
    assert lexicon.spelled("colorectal") is None
    assert lexicon.spelled("kim") is None


def test_a_terse_note_with_a_typo_is_answered_not_declined(pipeline):
    """"reirradiaton" is no word of the review: the note was declined as far from every passage."""
    right = pipeline.ask("damron reirradiation n")
    typed = pipeline.ask("damron reirradiaton n")
    assert right.mode == "answer" and 29 in right.refs
    assert typed.mode == "answer", typed.text
    assert 29 in typed.refs


# ------------------------------------------------------------------ figures
def test_a_question_about_a_figure_may_quote_its_caption(pipeline):
    """A figure's caption is quoted only when the question is about a table or a figure; asked what the figure
    shows, the caption ("Suggested management flowchart") is the answer."""
    answer = pipeline.ask("What is in the review's Figure 1? Quote the legend.", [])
    assert answer.mode == "answer"
    assert "Suggested management flowchart" in answer.text
    assert not pipeline.retriever.make_query("What does the flowchart suggest for groin recurrences?").figures


def test_an_author_is_found_as_the_text_spells_them_and_as_the_reference_list_does(pipeline):
    """The text cites "Vaio et al." where its reference list has "Vaios": both spellings name the study, and the
    answer to what it reported opens on its paragraph ([31])."""
    finder = pipeline.retriever.name_finder
    assert finder.find("What did Vaio et al. report?") == ["Vaio"]
    assert finder.find("What did Vaios et al. report?") == ["Vaios"]
    a = pipeline.ask("What did Vaio et al. report?")
    assert a.mode == "answer" and "[31]" in a.text.splitlines()[1], a.text


PARTS_DOC = """Widget Disease After Failed Treatment: A Review

1. Introduction

Widget disease is rare and accounts for about 2% of gadget cancers [1]. It occurs mostly in older adults. Its \
incidence has risen in several countries over the last decades [1]. Smoking and a weak immune system are its main \
risk factors.

First-line treatment combines radiotherapy with sprocket chemotherapy [1]. Most patients are cured by it.

Beyond surgery, novel therapies such as cog inhibitors are being tested in early trials [2]. Cog inhibitors block a \
growth signal of the tumour cells. These novel therapies may help patients for whom every standard option failed.

2. Salvage Surgery

Salvage surgery removes the tumour that persists or recurs after first-line treatment [1].

3. Discussion

Salvage surgery remains the standard for local failure, and cog inhibitors are promising [2].

References

1. Adams, P. Widget disease. J. Widg. 2020, 1, 1-9.
2. Baker, Q. Cog inhibitors in widget disease. J. Widg. 2023, 4, 10-19.
"""


def test_a_topic_asked_within_one_part_is_answered_from_that_part_on_that_topic(tmp_path, embedder):
    """"What does the introduction say about new therapies?": the introduction's sentences on the topic, not its
    opening paragraphs on something else (a summary of the whole part is another question)."""
    bot = pipeline_over(tmp_path, embedder, {"widget.txt": PARTS_DOC})
    a = bot.ask("What does the introduction say about the new therapies being tried?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "novel therapies such as cog inhibitors" in a.text, a.text
    assert "Smoking and a weak immune system" not in a.text and "older adults" not in a.text, a.text
    assert "Salvage surgery remains the standard" not in a.text, a.text  # the discussion is another part


TRIAL_DOC = """Cog Inhibitors in Widget Disease: A Review

1. Immunotherapy

Cog inhibitors block a growth signal of tumour cells and are used in several cancers [1].

Adams et al. [2] reported, in 2022, on the efficacy and safety of a cog inhibitor in already-treated widget disease, \
from the GADGET-7 study. GADGET-7 was an international, open-label, non-randomized, multicenter, phase 2 study \
conducted across 41 centers. It evaluated the drug in patients with various rare tumour types, including widget \
disease. A total of 150 patients were enrolled in the widget cohort. A total of 12% of the patients completed the \
2-year treatment. The most common reason for stopping treatment was a move to another hospital in 7% of the \
patients. An objective response was achieved in 18% of the patients. The median overall survival was 10.5 months.

2. Surgery

Salvage surgery remains the standard for local failure [1].

References

1. Baker, Q. Widget disease. J. Widg. 2020, 1, 1-9.
2. Adams, P. Cog inhibition in rare tumours. J. Widg. 2022, 4, 10-19.
"""


def test_what_a_named_study_found_is_answered_with_its_results_not_its_design(tmp_path, embedder):
    """"What did the GADGET-7 study show?" asks for its findings: the response and the survival it reports, before
    the centres, the enrolment and who completed treatment (which fill the budget in reading order)."""
    bot = pipeline_over(tmp_path, embedder, {"cog.txt": TRIAL_DOC})
    a = bot.ask("What did GADGET-7 show?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "achieved in 18% of the patients" in a.text and "10.5 months" in a.text, a.text


@pytest.mark.parametrize("question", ["How do immune checkpoint inhibitors work?",
                                      "According to this review, how do immune checkpoint inhibitors work?"])
def test_how_something_works_is_answered_with_the_sentence_that_says_what_it_acts_on(pipeline, question):
    """"How do X work?" asks for a mechanism: the sentence that says the drugs "block immune checkpoints", which
    "permits" tumour cells to avoid T cells, is in the answer's text, not only among the further passages."""
    a = pipeline.ask(question)
    assert a.mode == "answer" and "block immune checkpoints" in a.text, a.text[:400]


@pytest.mark.parametrize("question", ["Sum up the trial of docetaxel, cisplatin and fluorouracil.",
                                      "What did that three-drug DCF study find?"])
def test_a_study_described_by_its_drugs_is_answered_with_that_studys_results(pipeline, question):
    """"The DCF study" names no author: the best passage introduces Kim et al.'s study [28], so the answer is what
    that study found (its results, in reading order), not the paragraph's opening on another trial (InterAACT [27])."""
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    assert "31 (47%) of the 66 patients" in a.text and "[27]" not in a.text, a.text[:600]


@pytest.mark.parametrize("question", ["How do things stand, according to the review's conclusions?",
                                      "Per the paper's conclusions, where does treatment after failure stand?"])
def test_a_part_named_with_the_documents_possessive_is_that_part(pipeline, question):
    """"The review's conclusions", "the paper's conclusions": the article's own Conclusions section, quoted first
    (the question is about the document, however little of the section's wording it shares)."""
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    assert a.citations[0].section.startswith("4. Conclusions"), [c.section for c in a.citations]


def test_an_overview_that_quotes_most_of_a_paragraph_fills_its_gap_before_a_lone_sentence(pipeline):
    """An overview that quotes three sentences of the flap paragraph but skips the one between them (thigh-based
    flaps) gives that one the place of a lone, lower-scored sentence from another paragraph: a reader gets the
    paragraph's points in sequence rather than a stray line."""
    from bot.answer.compose import _fill_gaps

    retriever = pipeline.retriever
    ranking = pipeline.rank("Summarise what the review says about perineal flap reconstruction.", [])
    sents = retriever.sentences
    i = next(k for k, s in enumerate(sents) if s.text.startswith("Abdominal-based flaps"))
    para = [ranking.hit(sents[k].id) for k in (i, i + 1, i + 3)]
    assert sents[i + 2].text.startswith("Alternatively, thigh-based flaps")
    assert len({h.sentence.paragraph for h in para}) == 1
    lone = ranking.hit(next(s.id for s in sents if s.text.startswith("As in other studies, an APR was a morbid")))
    chosen = para + [lone]
    _fill_gaps(ranking, retriever, chosen, budget=1200)
    assert sents[i + 2].id in {h.sentence.id for h in chosen} and lone not in chosen, \
        [h.sentence.text[:40] for h in chosen]


def test_the_future_directions_the_authors_set_out_are_their_conclusions(pipeline):
    """"What future directions do the authors set out?" asks for what the review's conclusions say ("further
    studies are needed …"), however little of their wording it shares: answered from that section."""
    a = pipeline.ask("Which unmet needs and future directions do the authors point to?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert a.citations[0].section.startswith("4. Conclusions") and "further studies are needed" in a.text, \
        [c.section for c in a.citations]
