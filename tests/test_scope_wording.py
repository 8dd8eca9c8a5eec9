"""The scope check on answerable questions worded otherwise than the review (issue 8: false refusals on fresh
wording), beside look-alikes it must still decline. Invented wording, the real review and packaged model.

- An everyday subject word ("severe", "techniques") that the value's sentence words otherwise ("grade 3–4", "primary
  closure versus VRAM") is about that value when the sentence's paragraph uses the word and every technical term
  of the question is named with the value; a technical term ("gracilis", "cryotherapy") must be named with it.
- A word of a long form the review abbreviates ("rectus abdominis") is named by the abbreviation ("VRAM").
- Two studies compared by name as typed, and two parts of the document compared, are quoted side by side.
- A count of the very thing asked to be counted is the named study's own value.
- The measure and its time point ("the 3-year disease-specific survival") are not the question's subject.
- Dosing shorthand (q2w) is a schedule, not an unknown name.
"""
from __future__ import annotations

import dataclasses

import pytest

pytestmark = pytest.mark.slow


def shown(answer) -> str:
    """The answer's text and the quotes it gives."""
    return answer.text + " " + " ".join(c.quote for c in answer.citations if c.in_answer)


def assert_answered(pipeline, question: str, quoted: str) -> None:
    """The question is answered, and the answer shows `quoted` (in its text or its quotes)."""
    a = pipeline.ask(question)
    assert a.mode == "answer" and quoted in shown(a), (a.mode, a.reason, a.text[:300])


@pytest.mark.parametrize("question, quoted", [
    # "severe" is worded "grade 3–4" in the value's sentence; the paragraph says "severe adverse events"
    ("What proportion of patients on the three-drug regimen had a severe adverse event?", "70%"),
    # "techniques": the sentence compares primary closure with VRAM flap closure
    ("In the pooled comparison of closure techniques, what fraction of each group developed wound problems?",
     "38.2%"),
])
def test_an_everyday_subject_worded_otherwise_by_the_review_is_answered(pipeline, question, quoted):
    assert_answered(pipeline, question, quoted)


@pytest.mark.parametrize("question, named", [
    # the flap paragraph names the gracilis flap, but gives wound complication rates for VRAM and primary closure
    ("What perineal wound complication rate follows a gracilis flap after salvage APR?", "gracilis"),
    # "locally" is everyday, but the question's technical term, cryotherapy, is not in the paragraph of any value
    ("What local control rate does cryotherapy give for locally recurrent tumours?", ""),
    # "transverse" is everyday, but "rectus abdominis" is named only in a list of flaps after the paragraph's rate
    ("What perineal wound complication rate follows a transverse rectus abdominis flap?", "transverse"),
    # "infection" is everyday and the flap paragraph uses it, but it is what the rate is of: the value must be of it
    ("What rate of infection follows primary closure?", "infection"),
    # the measure and its time point are what is asked: the subject is the exenteration, which no value names
    ("What is the 3-year disease-specific survival after pelvic exenteration?", "exenteration"),
])
def test_a_technical_subject_the_value_sentence_does_not_name_is_still_declined(pipeline, question, named):
    a = pipeline.ask(question)
    assert a.mode == "abstained", (a.mode, a.text[:200])
    assert named in a.reason.lower()


def test_a_long_form_word_is_named_by_its_abbreviation_in_the_value_sentence(pipeline):
    """'rectus abdominis flap': the value's sentence says VRAM, which the review defines as 'vertical rectus
    abdominis myocutaneous'."""
    a = pipeline.ask("What share of patients given a rectus abdominis flap had perineal wound complications in the "
                     "2024 meta-analysis?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "32.8%" in shown(a)


@pytest.mark.parametrize("question", [
    "How does the 5-year overall survival compare between Ko and Kitaguchi?",  # a two-letter surname, as typed
    "What overall survival do the discussion vs Table 1 give after salvage surgery?",  # two parts of the document
])
def test_a_comparison_of_two_named_studies_or_two_parts_is_answered(pipeline, question):
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)


def test_a_count_of_the_thing_asked_to_be_counted_is_the_named_studys_own_value(pipeline):
    a = pipeline.ask("KEYNOTE-158: how many centers were involved?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "38 centers" in shown(a)


def test_a_count_of_patients_is_not_the_count_of_recurrences_asked(pipeline):
    """'How many patients … developed a local recurrence' counts recurrences: the study's own patient count does not
    answer, and the review gives the number of local recurrences for another study."""
    a = pipeline.ask("How many patients in Rosen et al. developed a local recurrence?")
    assert a.mode == "abstained", (a.mode, a.text[:200])
    assert "rosen" in a.reason.lower()


def test_dosing_shorthand_is_read_as_the_reviews_schedule(pipeline):
    a = pipeline.ask("What dosing interval does the modified DCF use, q2w?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "every 2 weeks" in shown(a)


def test_a_dosing_schedule_named_as_an_arm_asks_for_no_dose(pipeline):
    """"each dosing schedule of DCF" names the two arms a survival is asked for: the question asks for no dose, and
    the review's answer (the median survival was not determined for either regimen) is quoted, not declined for
    want of a dose. A question about the dosing itself still asks for one."""
    a = pipeline.ask("What median overall survival did each dosing schedule of DCF give?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "not determined" in a.text
    r = pipeline.retriever
    dose = r.make_query("What was the dose of docetaxel?").wants[0]
    assert dose in r.make_query("What was the dosing of docetaxel?").wants
    assert dose not in r.make_query("What median overall survival did each dosing schedule give?").wants


def test_groups_defined_by_a_clause_are_compared_not_declined(pipeline):
    """"people whose cancer came back … than people whose cancer never went away" compares two groups that the
    clauses define (recurrent and persistent disease): the side after "than" is no single word ("people"), and the
    question was declined as comparing "big" and "people"."""
    a = pipeline.ask("Do people whose cancer came back after a first response do better after salvage APR than "
                     "people whose cancer never went away?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "persistent disease" in a.text
    # two groups named by a word the review never uses are still declined
    assert pipeline.ask("Do men do better than women after salvage APR?").mode == "abstained"


def test_how_a_treatment_performed_in_a_group_asks_for_its_outcomes_there(pipeline):
    """"How did pembrolizumab perform in HPV-negative tumours?" asks for outcomes in a group the review never
    reports on (KEYNOTE-158 is split by PD-L1 status only): declined, naming the group. The same question about
    PD-L1-negative tumours is answered with their figures."""
    a = pipeline.ask("How did pembrolizumab perform in HPV-negative anal tumours in KEYNOTE-158?")
    assert a.mode == "abstained", (a.mode, a.text[:200])
    assert "hpv-negative" in a.reason.lower()
    b = pipeline.ask("How did pembrolizumab perform in PD-L1-negative tumours in KEYNOTE-158?")
    assert b.mode == "answer", (b.mode, b.reason)
    assert "3%" in b.text


# ------------------------------------------------------------------ answerability on a small fixture document
# (issue 8): a value of the kind asked, of the measure asked, for the subgroup, grade and comparison asked.

WIDGET_REVIEW = """Widget Therapy for Gadget Disease After Failed First-Line Treatment: A Review

1. Introduction

Gadget disease recurs after first-line widget therapy in up to a third of patients [1]. Several studies have \
reported the outcomes of second-line treatment.

2. Immunotherapy

Jones et al. [1] published, in 2020, a phase 2 trial including 120 patients treated with nivolumab, enrolled \
whether their tumours were PD-L1-positive or PD-L1-negative. An objective response was achieved in 15% of the \
patients (22% in the PD-L1-positive group). The median progression-free \
survival was 6.1 months and the median overall survival was 14.2 months. Adverse events led to stopping treatment \
in 6% of the patients.

3. Salvage Surgery

Lee et al. [2] reported, in 2019, a cohort of 80 patients who underwent salvage surgery after failed widget \
therapy. The 5-year overall survival was 30% for persistent disease and 60% for recurrent disease. The \
5-year disease-free survival was 25% for all the patients.

4. Chemotherapy

Park et al. [3] treated 50 patients with gizmo chemotherapy in 2021. The median overall survival was 11.0 months, \
and the median time to progression was 4.2 months. \
Out of the 50 patients, 20 (40%) experienced at least one grade 3–4 adverse event.

References

1. Jones, G.; Black, H. Nivolumab in recurrent gadget disease. *Ann. Widg.* **2020**, *5*, 41–50.
2. Lee, D.; White, E. Salvage surgery for persistent or recurrent gadget disease. *J. Widg.* **2019**, *3*, 21–30.
3. Park, S.; Green, F. Gizmo chemotherapy for recurrent gadget disease. *Lancet Widg.* **2021**, *4*, 31–40.
"""


@pytest.fixture(scope="module")
def widget_pipeline(tmp_path_factory, embedder):
    from tests.conftest import pipeline_over

    return pipeline_over(tmp_path_factory.mktemp("widget"), embedder, {"widget.txt": WIDGET_REVIEW})


def assert_answered_once_written(tmp_path, embedder, old: str, new: str, question: str, quoted: str = "") -> None:
    """A version of the widget review with `old` written as `new` answers the question (quoting `quoted`): the
    value the original lacks is what made it decline."""
    from tests.conftest import pipeline_over

    a = pipeline_over(tmp_path, embedder, {"widget.txt": WIDGET_REVIEW.replace(old, new)}).ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    assert quoted in shown(a)


def assert_declined(pipeline, questions, because: str) -> None:
    """Each question is declined as out of scope, and the reason says `because`."""
    for question in questions:
        a = pipeline.ask(question)
        assert a.mode == "abstained", (question, a.mode, a.text[:200])
        assert because in a.reason.lower(), (question, a.reason)


def test_a_duration_of_another_measure_does_not_answer_how_long_responses_lasted(widget_pipeline):
    """The trial gives progression-free and overall survival in months, but no duration of response."""
    assert_declined(widget_pipeline, ["How long did responses to nivolumab last in the Jones trial?",
                                      "What was the median duration of response in Jones et al.?"],
                    "response duration")
    a = widget_pipeline.ask("What was the median progression-free survival in Jones et al.?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "6.1 months" in shown(a)


def test_a_value_for_a_subgroup_the_review_does_not_report_is_declined(widget_pipeline):
    """The trial enrolled PD-L1-negative patients but gives a response rate only for all and for PD-L1-positive, and
    a survival for all; a measure asked by its abbreviation ("OS") is asked all the same."""
    assert_declined(widget_pipeline, ["What response rate did PD-L1-negative patients have in Jones et al.?",
                                      "What OS did PD-L1-negative patients have in Jones et al.?"],
                    "pd-l1-negative")
    a = widget_pipeline.ask("What response rate did PD-L1-positive patients have in Jones et al.?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "22%" in shown(a)


def test_patients_who_got_a_treatment_are_a_subgroup(pipeline):
    """"Patients who got IORT alone": Damron gives 5-year survival for surgery alone and for reRT then surgery, none
    for intraoperative radiation without re-irradiation; the two arms it does report are answered."""
    a = pipeline.ask("In Damron et al., what was the 5-year overall survival of patients who got intraoperative "
                     "radiotherapy alone?")
    assert a.mode == "abstained" and "intraoperative" in a.reason, (a.mode, a.reason)
    a = pipeline.ask("In Damron et al., what was the 5-year overall survival of patients who got surgery alone?")
    assert a.mode == "answer" and "63%" in shown(a), (a.mode, a.reason)


def test_a_value_for_a_group_of_people_the_review_never_breaks_out_is_declined(widget_pipeline):
    """Women, or patients over an age: the widget review gives each value for the whole cohort only."""
    assert_declined(widget_pipeline, ["In Lee et al., what 5-year overall survival did women have?"],
                    "for women")
    assert_declined(widget_pipeline, ["What objective response rate did patients older than 70 have on nivolumab?"],
                    "for patients older than 70")
    a = widget_pipeline.ask("What objective response did patients have on nivolumab?")
    assert a.mode == "answer", (a.mode, a.reason)


def test_a_cost_is_answered_only_where_the_review_gives_one(widget_pipeline, tmp_path, embedder):
    """A cost is a kind of value: the widget review gives none; a version of it that prices surgery answers."""
    assert_declined(widget_pipeline, ["How much does salvage surgery cost in Lee et al.?",
                                      "Is nivolumab cost-effective compared with gizmo chemotherapy?"], "no cost")
    assert_answered_once_written(tmp_path, embedder, "for all the patients.", "for all the patients. Salvage surgery "
                                 "cost a mean of €18,000 per patient.", "How much does salvage surgery cost in Lee et "
                                 "al.?", "€18,000")


def test_a_share_of_patients_with_an_attribute_is_a_percentage_of_that_attribute(widget_pipeline):
    """"What proportion of Lee's patients received chemotherapy": Lee's percentages are survival rates, and the
    chemotherapy the widget review mentions is Park's; Park's share with a grade 3–4 event is answered."""
    assert_declined(widget_pipeline, ["What proportion of patients in Lee et al. received chemotherapy?"],
                    "no percentage of the patients who received chemotherapy")
    a = widget_pipeline.ask("What proportion of patients in Park et al. experienced a grade 3-4 adverse event?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "40%" in shown(a)


def test_a_population_in_brackets_describes_the_study_and_is_not_a_subgroup(widget_pipeline):
    """"The Jones trial (120 PD-L1-positive patients)" says which trial: the whole trial's value answers."""
    a = widget_pipeline.ask("In the Jones 2020 trial (120 PD-L1-positive patients), what was the median overall "
                            "survival?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "14.2 months" in shown(a)


def test_a_comparison_is_answered_only_with_the_kind_and_measure_asked_for_both_sides(widget_pipeline):
    """Lee gives overall survival for persistent and for recurrent disease: not how many patients had either, and
    not a disease-free survival for each (only for all the patients)."""
    assert_declined(widget_pipeline, ["How many of Lee's 80 patients had persistent rather than recurrent disease?",
                                      "What was the 5-year DFS for persistent versus recurrent disease in Lee et al.?"],
                    "compares persistent and recurrent")
    a = widget_pipeline.ask("What 5-year overall survival did Lee report for persistent versus recurrent disease?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "30% for persistent disease and 60% for recurrent disease" in shown(a)


def test_a_comparative_is_answered_only_where_a_passage_compares_both_sides(widget_pipeline):
    """"Is A better than B", "do patients live longer after A than after B": the review gives nivolumab and gizmo chemotherapy in separate
    paragraphs and compares them nowhere; it does compare persistent with recurrent disease."""
    assert_declined(widget_pipeline, ["Is nivolumab better than gizmo chemotherapy for overall survival?",
                                      "Do patients live longer after nivolumab than after gizmo chemotherapy?"],
                    "compares nivolumab and gizmo")
    a = widget_pipeline.ask("Was 5-year overall survival better for recurrent than for persistent disease in Lee et "
                            "al.?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "60% for recurrent disease" in shown(a)


def test_a_broad_comparison_that_names_a_measure_asks_for_that_measure_of_both_sides(widget_pipeline):
    """"How does A stack up against B for overall survival, broadly?" reads like an overview, but it names the
    measure: the review gives each side's survival in separate paragraphs and compares them nowhere."""
    assert_declined(widget_pipeline, ["Broadly, how does nivolumab stack up against gizmo chemotherapy for overall "
                                      "survival?"], "compares nivolumab and gizmo")


def test_the_sides_of_a_compare_with_question_are_the_rarest_words_of_their_phrases(widget_pipeline):
    """"How does nivolumab treatment compare with gizmo chemotherapy": the sides are nivolumab and gizmo, which the
    review reports in separate paragraphs, not "treatment" (the word before "compare")."""
    assert_declined(widget_pipeline, ["How does nivolumab treatment compare with gizmo chemotherapy for overall "
                                      "survival?"], "compares nivolumab and gizmo")


def test_a_side_named_before_the_measure_it_is_compared_on_is_still_that_side(widget_pipeline, pipeline):
    """"How do gluteal flap wound complication rates compare with VRAM?": the side is the gluteal flap, three words
    before the head "rates" (the measure's words are no side), and the review gives no rate for it; VRAM against
    primary closure, which it does compare, is still answered."""
    assert_declined(pipeline, ["How do gluteal flap wound complication rates compare with VRAM?"],
                    "compares gluteal and vram")
    assert_declined(widget_pipeline, ["How do nivolumab second-line response rates compare with gizmo "
                                      "chemotherapy?"], "compares nivolumab and gizmo")
    assert_answered(pipeline, "How do VRAM flap complication rates compare with primary closure after APR?", "32.8%")


def test_two_groups_of_people_the_review_never_names_are_not_compared(widget_pipeline):
    """"better in men than in women": the widget review never names either group, so it compares neither."""
    assert_declined(widget_pipeline, ["Was 5-year overall survival after salvage surgery better in men than in women "
                                      "in Lee et al.?"], "never mentions 'men' or 'women'")


def test_the_sides_of_a_comparison_are_found_however_the_groups_are_written(widget_pipeline):
    """"the persistent-disease group … compared with the recurrent-disease group": the sides are "persistent" and
    "recurrent" (not the verb before "compared"); Lee gives a disease-free survival only for all the patients."""
    assert_declined(widget_pipeline, ["What 5-year disease-free survival did Lee's persistent-disease group have "
                                      "compared with the recurrent-disease group?"], "compares persistent")
    a = widget_pipeline.ask("What 5-year overall survival did Lee's persistent-disease group have compared with the "
                            "recurrent-disease group?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "30% for persistent disease" in shown(a)


def test_two_sides_that_share_their_noun_are_the_words_before_it(widget_pipeline):
    """"persistent tumours rather than recurrent tumours": the sides are "persistent" and "recurrent", which Lee
    compares (as "disease"), not "tumours" and "recurrent"."""
    a = widget_pipeline.ask("In Lee et al., how did survival at 5 years look for persistent tumours rather than "
                            "recurrent tumours?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "30% for persistent disease" in shown(a)


def test_two_states_of_a_factor_the_text_never_discusses_are_not_compared(tmp_path, embedder):
    """"HIV-positive and HIV-negative", "diabetic versus non-diabetic": the two states of a factor. The review's text
    never discusses either (HIV is only in a reference's title), even where the question is shaped like an
    overview. PD-L1 status, which the text does discuss, is still answered. Nor is HIV, only in a cited title, a
    subject of the text in any other question."""
    from tests.conftest import pipeline_over

    text = WIDGET_REVIEW + "4. Grey, K. Gadget disease in HIV-positive and diabetic patients. *Widg. Rev.* **2018**, *2*, 1–9.\n"
    widgets = pipeline_over(tmp_path, embedder, {"widget.txt": text})
    assert_declined(widgets, ["What was the survival of diabetic versus non-diabetic patients in Lee et al.?"],
                    "never mentions")
    assert_declined(widgets, ["How did outcomes after salvage surgery differ between HIV-positive and HIV-negative "
                              "patients?"], "hiv")
    a = widgets.ask("What response did PD-L1-positive and PD-L1-negative patients have on nivolumab?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "22%" in shown(a)
    # an acronym only a cited title uses is no subject the text discusses, however the question is shaped
    # … nor when it leads a compound ("HIV-positive patients")
    assert_declined(widgets, ["Does HIV status change outcomes after salvage surgery?",
                              "How did salvage surgery work out for HIV-positive patients?"],
                    "only the title of a study it cites")


def test_a_question_asking_for_a_reason_asks_for_no_value(widget_pipeline):
    """"What explains the high rate of …" takes the rate as its premise and asks why: no "high" percentage is
    wanted."""
    a = widget_pipeline.ask("What explains the high rate of recurrence after first-line widget therapy?")
    assert a.mode == "answer", (a.mode, a.reason)


def test_a_graded_toxicity_is_answered_only_where_a_grade_is_given(widget_pipeline):
    """Jones gives only a share who stopped for adverse events; Park gives the grade 3–4 share."""
    assert_declined(widget_pipeline,
                    ["What proportion of patients had grade 3 or worse adverse events in the Jones trial?",
                     "How often did grade 3 or worse adverse events occur with nivolumab in Jones et al.?"],
                    "jones")
    a = widget_pipeline.ask("What proportion of patients had grade 3-4 adverse events in Park et al.?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "20 (40%)" in shown(a)


def test_what_grade_asks_for_a_grade(widget_pipeline):
    """"What grade of adverse events …" is answered by a grade ("grade 3–4", Park), not by a share of patients who
    stopped treatment (Jones)."""
    assert_declined(widget_pipeline, ["What grade of adverse events did Jones et al. report with nivolumab?"],
                    "no grade")
    a = widget_pipeline.ask("What grade of adverse events did Park et al. report with gizmo chemotherapy?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "grade 3–4" in shown(a)


def test_a_time_to_an_event_is_not_answered_by_a_survival_in_months(widget_pipeline):
    """Jones gives survival in months but no time to anything; Park gives the time to progression."""
    a = widget_pipeline.ask("What median time to salvage surgery did Jones et al. report?")
    assert a.mode == "abstained", (a.mode, a.text[:200])
    assert "jones" in a.reason.lower()
    a = widget_pipeline.ask("What median time to progression did Park et al. report?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "time to progression was 4.2 months" in shown(a)


def test_a_breakdown_by_a_factor_the_review_never_mentions_is_declined(widget_pipeline):
    """The review never mentions age: no value of it is broken down by age group. It does split by PD-L1."""
    a = widget_pipeline.ask("Did the response rate differ by age group in Jones et al.?")
    assert a.mode == "abstained", (a.mode, a.text[:200])
    assert "age group" in a.reason
    a = widget_pipeline.ask("Did the response rate differ by PD-L1 status in Jones et al.?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "22% in the PD-L1-positive group" in shown(a)


def test_a_comparison_with_a_technical_term_the_review_never_uses_is_declined(widget_pipeline):
    """'Extralevator' is in no document: nothing is compared with it. An everyday word ('stitched') may be one the
    review words otherwise, and is still answered."""
    a = widget_pipeline.ask("What 5-year overall survival did Lee report for extralevator versus standard surgery?")
    assert a.mode == "abstained", (a.mode, a.text[:200])
    assert "extralevator" in a.reason
    a = widget_pipeline.ask("What 5-year overall survival did Lee report for stitched versus standard surgery?")
    assert a.mode == "answer", (a.mode, a.reason)


def test_a_study_named_with_a_possessive_is_that_study(pipeline):
    """"KEYNOTE-158's anal cohort" names KEYNOTE-158: its values answer (the "'s" made the name unknown)."""
    from bot.text import tokens

    assert "keynote-158" in tokens("KEYNOTE-158's cohort") and "s" not in tokens("KEYNOTE-158's cohort")
    a = pipeline.ask("What median progression-free survival was reported in KEYNOTE-158's anal cancer cohort?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "KEYNOTE" in a.text or "Marabelle" in a.text, a.text


def test_a_hyphen_in_an_abbreviation_the_review_uses_does_not_make_it_unknown(pipeline):
    """The review writes "reRT"; a reader types "re-RT"."""
    a = pipeline.ask("What 5-year overall survival did Damron et al. report after re-RT followed by surgery?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "89%" in a.text, a.text


def test_a_studys_size_answers_however_the_question_describes_the_study(pipeline):
    """"32 patients" is Hallemeier's size; "IORT", which the question uses to describe the study, comes later in its
    paragraph. That another study's paragraph says "IORT" next to a count does not make the count someone else's."""
    a = pipeline.ask("How many patients did Hallemeier et al. include in their IORT series?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "32 patients" in a.text, a.text


def test_a_name_spelled_out_from_an_abbreviation_the_review_uses_is_known(pipeline):
    """The review writes "the M-H random-effects model"; a reader writes the method's name in full."""
    from bot.guard.scope import unknown_names

    assert unknown_names("Which odds ratio did the Mantel-Haenszel model give for perineal complications?",
                         pipeline.retriever) == []
    assert unknown_names("Which odds ratio did the Kaplan-Meier model give?", pipeline.retriever) != []


# ------------------------------------------------------------------ session 9: fresh wording that was declined
@pytest.mark.parametrize("question, quoted", [
    # a study noun ("paper", "series") describes the study: it is not the subject the value must be about
    ("In the paper on 47 consecutive salvage APRs, what was the median overall survival?", "47 months"),
    # a comparison word that opens the question ("Compared") is not a name the review lacks
    ("Compared with standard DCF, how many patients on the modified regimen had disease progression?", "18 (60%)"),
    # the parts of a compound the review writes as one word ("chemoradiotherapy") are not subjects of their own
    ("What rate of complete tumour regression does chemo-radiotherapy give?", "80–90%"),
    # two studies the question names: the one's value is not "given for another study" than the other
    ("How did 5-year disease-free survival compare between the Ko review and the Hallemeier series?", "17%"),
    # "what is known about survival with X" asks for an overview of X, not for one value
    ("What is known about survival with pembrolizumab in anal cancer?", "pembrolizumab"),
])
def test_words_that_describe_the_question_are_not_its_subject(pipeline, question, quoted):
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    assert quoted in shown(a), shown(a)[:400]


@pytest.mark.parametrize("question", [
    "How many patients did the Rosen salvage APR cohort include?",
    "How many patients were in Rosen's 2024 salvage APR series?",
])
def test_how_many_patients_were_in_a_study_is_answered_by_its_size(pipeline, question):
    """The words that describe the cohort ("salvage APR") are the study's, not the thing counted: another study's
    "437 salvage APRs" does not take the question away from Rosen's "Number of Patients: 96"."""
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    assert "96" in shown(a)


def test_spelling_variants_of_the_reviews_own_terms_are_its_terms(pipeline):
    """"re-irradiation" is the review's "reirradiation (reRT)", which it also calls "re-radiotherapy (reRT)"; "5FU"
    inside "docetaxel-cisplatin-5FU" is the review's "5-FU", spelled "fluorouracil" where the values are; "PDL1-negative"
    is its "PD-L1-negative"."""
    for question, quoted in [
        ("In Damron et al., what 5-year overall survival did patients who had re-irradiation before surgery reach?",
         "89%"),
        ("What was the median progression-free survival with docetaxel-cisplatin-5FU in the Kim et al. 2018 trial?",
         "11.0 months"),
        ("What median overall survival did PDL1-negative patients have on pembrolizumab in KEYNOTE-158?",
         "PD-L1-negative"),
    ]:
        a = pipeline.ask(question)
        assert a.mode == "answer", (question, a.mode, a.reason)
        assert quoted in shown(a), (question, shown(a)[:400])


def test_an_abbreviation_defined_twice_joins_its_long_forms():
    """A document may define one abbreviation in two wordings: both are kept, and the one-word ones stand for each
    other."""
    from bot.retrieve.lexicon import Lexicon
    from bot.text import abbreviation_definitions, abbreviations

    text = ("Some centres add external beam re-radiotherapy (reRT) to surgery. Others use reirradiation (reRT) "
            "alone. Overall survival (OS) was reported.")
    assert abbreviation_definitions(text) == [("rert", "re-radiotherapy"), ("rert", "reirradiation"),
                                              ("os", "Overall survival")]
    assert abbreviations(text) == {"rert": "re-radiotherapy", "os": "Overall survival"}
    lexicon = Lexicon({}, {}, 1.0, same_words=[{"re-radiotherapy", "reradiotherapy", "reirradiation"}])
    assert "reirradiation" in lexicon.synonyms["reradiotherapy"]


def test_a_numbered_name_written_short_is_the_reviews_name(pipeline):
    """"KN-158" is KEYNOTE-158 (K, N in order, the same number); "KZ-158" is nothing the review names."""
    from bot.guard.scope import unknown_names

    assert unknown_names("KN-158 median PFS in PD-L1 positive tumours?", pipeline.retriever) == []
    assert unknown_names("KZ-158 median PFS?", pipeline.retriever) == ["KZ-158"]


ELECTRON_REVIEW = """Electron Therapy for Gadget Disease: A Review

1. Background

Intraoperative electron therapy (IOET) gives one dose of radiation to the tumour bed during surgery. It is used when \
gadget disease recurs after widget therapy.

2. Results

Brown et al. [1] treated 40 patients with salvage resection and IOET in 2018. The 5-year disease-free survival was \
35%, and the 5-year overall survival was 52%.

References

1. Brown, A.; Grey, B. Salvage resection and electron therapy. *J. Widg.* **2018**, *2*, 11–20.
"""


LIST_REVIEW = """Closure Techniques for Gadget Disease: A Review

1. Flaps

Several flaps, such as the alpha (AF), beta (BF) or gamma (GF) flaps, have been used [1]. AF flaps lowered the rate \
of wound complications to 20% in one series [1].

References

1. Brown, A.; Grey, B. Flaps after widget surgery. *J. Widg.* **2018**, *2*, 11–20.
"""


def test_two_things_named_only_in_a_list_are_not_compared(tmp_path, embedder):
    """"AF, BF or GF flaps have been used [1]" names BF and GF together but compares nothing (the reference number is
    no value); the next sentence compares AF with nothing of the question."""
    from tests.conftest import pipeline_over

    flaps = pipeline_over(tmp_path, embedder, {"flaps.txt": LIST_REVIEW})
    assert_declined(flaps, ["Do BF flaps cause fewer hernias than GF flaps?"], "compares bf and gf")


def test_a_sentence_comparing_its_own_subject_does_not_compare_it_with_a_flap_listed_before(tmp_path, embedder):
    """"AF flaps lowered the rate …" names AF as its subject, lower than something it does not say: BF, listed two
    sentences before, is not what it compares AF with. (A sentence that names its baseline after "than" may
    compare it with the paragraph's own treatment, the IORT case below.)"""
    from tests.conftest import pipeline_over

    text = LIST_REVIEW.replace("have been used [1]. ", "have been used [1]. They are harvested away from the "
                                                        "irradiated field. ")
    flaps = pipeline_over(tmp_path, embedder, {"flaps.txt": text})
    assert_declined(flaps, ["Do BF flaps give fewer wound complications than AF flaps?"], "compares bf and af")


def test_a_baseline_after_than_is_compared_with_the_paragraphs_own_treatment(pipeline):
    """Hallemeier's paragraph names IORT, then says morbidity was "not higher than in the patients undergoing
    salvage APRs without radiotherapy": that compares IORT with APR alone."""
    a = pipeline.ask("Is morbidity higher with IORT than after salvage APR without radiotherapy?")
    assert a.mode == "answer", (a.mode, a.reason)


def test_a_long_form_is_named_by_its_abbreviation_before_the_value(tmp_path, embedder):
    """The study's sentence says "IOET", the value comes in the next sentence, and the question spells the method
    out: the value is about it."""
    from tests.conftest import pipeline_over

    electron = pipeline_over(tmp_path, embedder, {"electron.txt": ELECTRON_REVIEW})
    a = electron.ask("What 5-year disease-free survival was reported after salvage resection with intraoperative "
                     "electron therapy?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "35%" in shown(a)


# ------------------------------------------------------------------ session 11: a clinician's shorthand
def test_a_word_cut_short_stands_for_the_corpus_word_it_starts(widget_pipeline):
    """"NIVO" is how a clinician writes nivolumab: not a name the document lacks. A cut-short word that starts no
    word of the document ("DURVA") is still one it never mentions."""
    a = widget_pipeline.ask("ORR with NIVO in the Jones trial?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "15%" in a.text, a.text
    assert_declined(widget_pipeline, ["ORR with DURVA in the Jones trial?"], "durva")


def test_shorthand_counts_only_when_the_document_uses_its_long_form(pipeline, widget_pipeline):
    """"LN" (lymph node), "tbl" (table) and "SR" (systematic review) are words of the review, written short; the
    widget document has no lymph nodes, so there "LN" stays a name it never mentions."""
    from bot.guard.scope import unknown_names

    assert unknown_names("LN involvement risk in T3 disease?", pipeline.retriever) == []
    assert unknown_names("tbl1: Rosen 3y DFS?", pipeline.retriever) == []
    assert unknown_names("Ko SR: how many case series?", pipeline.retriever) == []
    assert unknown_names("ORR (CR + PR) in the KEYNOTE-158 anal cohort?", pipeline.retriever) == []
    assert unknown_names("LN involvement in the Lee cohort?", widget_pipeline.retriever) == ["LN"]


def test_a_terse_continuation_is_read_with_the_conversation_not_as_small_talk(widget_pipeline, monkeypatch):
    """"and the other version?" says almost nothing by itself, and the guard's learned layer may read it as off the
    subject (forced here: 0.99), while no passage is close to its few words. After a question about Park's study it
    carries on that question, so it is answered from Park's passage, not declined as small talk."""
    classify = widget_pipeline.intent.classify

    def reads_as_small_talk(*args, **kwargs):
        return dataclasses.replace(classify(*args, **kwargs), unrelated=0.99)

    monkeypatch.setattr(widget_pipeline.intent, "classify", reads_as_small_talk)
    a = widget_pipeline.ask("and the other version?", ["What median overall survival did Park report?"])
    assert a.mode == "answer", (a.mode, a.reason)
    assert "11.0 months" in a.text, a.text


def test_a_length_of_stay_is_answered_only_where_the_review_gives_one(widget_pipeline, tmp_path, embedder):
    """The time spent in hospital is a duration of its own: Lee's survival in years, or a follow-up, does not give
    it; a version of the widget review that reports the stay answers."""
    assert_declined(widget_pipeline, ["What was the median length of hospital stay after salvage surgery in Lee's "
                                      "cohort?", "How long did Lee's patients stay in hospital after salvage "
                                      "surgery?"], "stay")
    assert_answered_once_written(tmp_path, embedder, "for all the patients.", "for all the patients. The median "
                                 "hospital stay after salvage surgery was 12 days.", "What was the median length of "
                                 "hospital stay after salvage surgery in Lee's cohort?", "12 days")


def test_a_reference_to_what_a_study_found_carries_the_study(pipeline):
    """"that advantage", "those results" refer back to what the study named earlier found, as "that study" would, so
    the study is read with the question; "that surgery" refers to the surgery itself, not to the study."""
    history = ["What did Damron et al. find?", "What was the 5-year overall survival?"]
    for q in ("Did that advantage survive the multivariable analysis?", "Were those results significant?"):
        dense_text, context, carry = pipeline.contextual_query(q, history)
        assert carry and "Damron" in dense_text, (q, dense_text)
    assert not pipeline.contextual_query("What about the complications of that surgery?", history)[2]


def test_a_kind_of_treatment_the_document_never_names_is_declined(widget_pipeline, pipeline):
    """"Photodynamic therapy", "laparoscopic salvage surgery": a technical adjective the document never uses, right
    before a treatment, names a kind of treatment it does not discuss. An everyday word ("open surgery") may be
    worded otherwise, and another form of a word the document uses ("investigational" for "investigated") is
    known."""
    from bot.guard.scope import absent_modality

    assert_declined(widget_pipeline, ["What results has photodynamic therapy achieved in gadget disease?",
                                      "How does laparoscopic salvage surgery compare with open surgery?"],
                    "never mentions")
    a = widget_pipeline.ask("What 5-year overall survival followed open salvage surgery in Lee's cohort?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert absent_modality("Which investigational targeted therapy is being studied?", pipeline.retriever) is None


def test_a_count_of_studies_or_centres_is_not_a_count_of_patients(widget_pipeline, tmp_path, embedder):
    """"How many centres took part": the 120 patients of Jones's trial do not count its centres; a version of the
    widget review that says "across 12 centres" answers. The centres may be called hospitals or sites."""
    assert_declined(widget_pipeline, ["How many centres took part in the Jones trial?",
                                      "How many hospitals enrolled patients in Jones et al.'s trial?"],
                    "no number of")
    a = widget_pipeline.ask("How many patients did the Jones trial include?")
    assert a.mode == "answer" and "120 patients" in a.text, (a.mode, a.reason)
    assert_answered_once_written(tmp_path, embedder, "a phase 2 trial including 120 patients", "a phase 2 trial "
                                 "including 120 patients across 12 sites", "How many centres took part in the Jones "
                                 "trial?", "12 sites")


def test_a_group_of_people_the_document_never_discusses_is_declined_whatever_is_asked(widget_pipeline, pipeline,
                                                                                      tmp_path, embedder):
    """"Tolerability in patients over 80", "elderly patients": no value is asked, but the widget review never names
    an age or the elderly, so it says nothing about them. Men and women together are everyone (the review's sexual
    side effects of salvage surgery); set apart ("different for men and women") they are groups. A version of the
    widget review that discusses elderly patients answers."""
    assert_declined(widget_pipeline, ["nivolumab tolerability in gadget disease patients over 80?",
                                      "Is salvage surgery safe in elderly patients?",
                                      "Was the objective response to nivolumab in the Jones trial different for men "
                                      "and women?"],
                    "never discusses")
    a = pipeline.ask("Do both men and women have sexual problems after salvage surgery?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert_answered_once_written(tmp_path, embedder, "for all the patients.", "for all the patients. Elderly "
                                 "patients tolerated salvage surgery as well as younger ones.",
                                 "Is salvage surgery safe in elderly patients?")


def test_a_study_described_by_its_number_of_patients_is_that_study(widget_pipeline, pipeline):
    """"The 80-patient cohort" is Lee's (the one passage that counts 80 patients); in the review, "the 96-patient
    series" is Rosen's, whose table record gives that size. A size two studies share, or one whose first author
    wrote two cited papers, names nobody."""
    from bot.retrieve.descriptors import resolve_descriptors

    q = "What 5-year disease-free survival did the 80-patient cohort report?"
    assert "Lee" in resolve_descriptors(q, widget_pipeline.retriever, widget_pipeline.bibliography).query
    a = widget_pipeline.ask(q)
    assert a.mode == "answer" and "25%" in a.text, (a.mode, a.reason, a.text[:300])
    assert "Rosen" in resolve_descriptors("What was the 3-year DFS of the 96-patient series?", pipeline.retriever,
                                          pipeline.bibliography).query
    kim = resolve_descriptors("How many grade 3–4 events were seen in the 66-patient trial?", pipeline.retriever,
                              pipeline.bibliography)
    assert "Kim" not in kim.query  # Kim 2018 and Kim 2024 are both cited: a size does not say which


def test_a_study_described_by_the_years_it_covers_is_that_study(pipeline):
    """"The 30-year series" is Hagemans's ("over 30 years"), "the 2002–2022 cohort" Damron's ("between 2002 and
    2022"); a survival's "5-year" describes no study."""
    from bot.retrieve.descriptors import resolve_descriptors

    def described(q: str) -> str:
        return resolve_descriptors(q, pipeline.retriever, pipeline.bibliography).query

    assert "Hagemans" in described("What median follow-up did the 30-year series have?")
    assert "Damron" in described("What did the 2002–2022 cohort find about re-irradiation?")
    assert described("What was the 5-year survival after salvage APR?") == \
        "What was the 5-year survival after salvage APR?"


def test_a_phrasal_verb_names_no_attribute_of_the_patients(pipeline):
    """"What share of patients got through without any complication": "got through" is not "got" an attribute
    called "through"; the review's "only 36.2% of the patients had none" answers."""
    a = pipeline.ask("In Hagemans et al., what share of patients got through without any complication?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "36.2%" in a.text, a.text


def test_a_subject_put_in_place_of_the_last_ones_keeps_the_last_question(pipeline):
    """"And with a VRAM flap instead?" names its own subject (VRAM, a name the review uses), but asks the last
    question of it: the question is read with the last one, whose study (if any) does not carry over."""
    history = ["How often do wound complications follow primary closure of the perineum?"]
    dense_text, context, carry = pipeline.contextual_query("And with a VRAM flap instead?", history)
    assert history[0] in dense_text and context == history[0] and not carry


def test_a_study_described_by_size_is_found_even_when_its_first_author_has_a_two_letter_name(pipeline):
    """"The 1018-patient systematic review" is Ko's: a two-letter surname counts as a study's name only where it is
    used as an author's, so the resolved name must be written that way, or the question is declined."""
    a = pipeline.ask("How long after treatment was the salvage APR done in the 1018-patient systematic review, "
                     "persistent versus recurrent?")
    assert a.mode == "answer" and "2.6 months" in a.text, (a.mode, a.reason, a.text[:300])


@pytest.mark.parametrize("question, value", [("What response rate did KN-158 report?", "11%"),
                                             ("How many centres took part in KN158?", "38 centers")])
def test_a_trial_name_cut_short_with_its_number_is_that_trial(pipeline, question, value):
    """"KN-158" is KEYNOTE-158: the one name of the review with that number whose word starts with K and holds the
    N. Read as an unknown word, it was declined."""
    a = pipeline.ask(question)
    assert a.mode == "answer" and value in a.text, (a.mode, a.reason, a.text[:300])


def test_the_number_of_patients_of_the_whole_study_is_no_subgroup(pipeline):
    """"The phase 1b trial of pembrolizumab in 25 PD-L1-positive patients" describes the study (all its patients
    were PD-L1-positive): its table record answers, though the cell with the value does not say PD-L1."""
    a = pipeline.ask("In the phase 1b trial of pembrolizumab in 25 PD-L1-positive patients, what was the 12-month "
                     "overall survival rate?")
    assert a.mode == "answer" and "47.60%" in a.text, (a.mode, a.reason, a.text[:300])


def test_a_study_population_listed_with_commas_is_the_study_not_a_subgroup(pipeline):
    """"The trial of atezolizumab, docetaxel, cisplatin and fluorouracil in 97 patients with metastatic …
    disease": the drugs listed with commas still describe the study, whose patients all had such disease."""
    assert_answered(pipeline, "In the phase 2 trial of atezolizumab, docetaxel, cisplatin and fluorouracil in 97 "
                    "patients with metastatic or unresectable disease, what was the 12-month progression-free "
                    "survival?", "45%")


@pytest.mark.parametrize("question, quoted", [
    ("How many patients were randomised in the SCARCE trial, and what was the 12-month progression-free survival?",
     "Sample Size (Number of Patients): 97"),
    ("how many patients were alive and progression-free at 12 months with DCF, and what was the median "
     "progression-free survival?", "31 (47%)"),
])
def test_a_measure_named_in_one_of_two_questions_is_not_asked_of_the_other(pipeline, question, quoted):
    """"How many …, and what was the progression-free survival?": the count need not be a count of the measure
    the second question names."""
    assert_answered(pipeline, question, quoted)


def test_the_verb_of_what_patients_underwent_is_not_the_subject(pipeline):
    """"How long after treatment did patients with persistent disease undergo salvage APR?": "undergo" is rare in
    the review, but it says what happened, not what the value is about; the median time to a salvage APR answers."""
    assert_answered(pipeline, "In the systematic review of 28 case series, how long after treatment did patients "
                    "with persistent disease undergo salvage APR?", "2.6 months")


def test_a_value_the_question_states_is_not_asked_for(pipeline):
    """"The cohort with a 49-month median follow-up" describes the study; the follow-up is not asked, so a
    missing duration of it is no reason to decline."""
    a = pipeline.ask("For the 152-patient cohort with a 49-month median follow-up, what were the overall 5-year "
                     "survival and the recurrence-free survival?")
    assert a.mode == "answer" and "64% (5 y)" in a.text, (a.mode, a.reason, a.text[:300])


@pytest.mark.parametrize("question, value", [("dcf median pfs std vs mod", "10.7 months"),
                                             ("KEYNOTE-158 PD-L1-negative mPFS?", "2.0 months")])
def test_a_clinicians_notation_is_read(pipeline, question, value):
    """"std" and "mod" are standard and modified (the shorthand list); "mPFS" the median progression-free
    survival (an "m" before a survival's abbreviation)."""
    a = pipeline.ask(question)
    assert a.mode == "answer" and value in a.text, (a.mode, a.reason, a.text[:300])


@pytest.mark.parametrize("question, value", [
    # the study's whole population, with its count: not a subgroup
    ("For the 2017 trial that enrolled 25 PD-L1-positive patients, what was the median overall survival?", "9.3"),
    # a dose in a compound names the regimen; the survival is asked
    ("What 12-month overall survival did the full-dose DCF regimen reach?", "83.3%"),
    # notes: "ph1b" is phase 1b, "d1" a day of the cycle
    ("ott ph1b 12mo os rate", "47.60%"),
    ("modified dcf docetaxel cisplatin dose d1", "40 mg/m² docetaxel"),
    # a result stated as context is not the question's subject
    ("Given a 12-month overall survival of 83.1% in the DCF study, how many of the 66 patients had a grade 3–4 "
     "adverse event?", "46 (70%)"),
    # "without …" ends the group; "salvage", an everyday word, is said earlier in the paragraph
    ("In Damron et al., what 5-year overall survival did patients who had salvage surgery without any reirradiation "
     "reach?", "63%"),
])
def test_answerable_wording_found_by_a_fresh_set_is_answered(pipeline, question, value):
    assert_answered(pipeline, question, value)


@pytest.mark.parametrize("question, quoted", [
    # no value asked: the paragraph sets the two flaps side by side over three sentences
    ("Pros and cons: abdominal-based versus thigh-based flaps for the perineum?", "thigh-based flaps"),
    # a side named by a verb's form ("sparing", read "spar") may be one the review says otherwise ("preservation")
    ("Is proton therapy reported as sparing normal tissue better than conventional radiotherapy?",
     "better preservation of the healthy tissues"),
])
def test_a_comparison_the_review_makes_in_its_own_words_is_answered(pipeline, question, quoted):
    assert_answered(pipeline, question, quoted)


def test_a_risk_asked_of_an_author_is_not_given_by_a_technique_named_beside_it(pipeline):
    """"What risk …" asks for a rate. Lefevre et al. [22] is cited for VRAM lowering the likelihood of perineal
    herniation, with no figure; VRAM's rates are Temperley's. The author is the subject, not the acronym beside it.
    A risk the review does give, and risk factors, are answered."""
    a = pipeline.ask("Per Lefevre et al., what risk of perineal herniation remains after VRAM reconstruction?")
    assert a.mode == "abstained" and "Lefevre" in a.reason, (a.mode, a.reason)
    for q in ("What risk of perineal wound complications does primary closure carry?",
              "What are the risk factors for recurrence after salvage surgery?"):
        a = pipeline.ask(q)
        assert a.mode == "answer", (q, a.mode, a.reason)


@pytest.mark.parametrize("question, value", [
    # a contraction is no name the review lacks
    ("I'm teaching residents tomorrow: which organs may a pelvic exenteration remove?", "bladder, uterus"),
    # a two-letter surname before a study noun names the author; asked what the table records, "NR" answers
    ("Which median follow-up does Table 1 list for the Ko review?", "Median Follow-Up (Months): NR"),
    # the same range of grades in a named classification
    ("In Hagemans et al., what share of patients had no complication of grades 1–5?", "36.2%"),
])
def test_answerable_wording_found_by_another_fresh_set_is_answered(pipeline, question, value):
    assert_answered(pipeline, question, value)


def test_a_two_letter_surname_before_a_study_noun_is_that_author():
    from bot.retrieve.bibliography import StudyNameFinder

    finder = StudyNameFinder({"Ko", "Kitaguchi"})
    assert finder.find("What did the Ko systematic review find?") == ["Ko"]
    assert finder.find("the Ko study") == ["Ko"]
    assert finder.find("Ko is a word here, and so is ko") == []


def test_a_metadata_line_is_not_what_a_question_is_judged_close_to(pipeline):
    """"Revising" meets the front matter's "Revised: 17 April 2025", which the ranker may put first; the closeness
    check is about the passages that could answer, so the definition asked for is quoted."""
    a = pipeline.ask("Revising for exams. How does the review define the anal margin?")
    assert a.mode == "answer" and "pigmented skin" in a.text, (a.mode, a.reason, a.text[:300])


def test_which_of_two_is_better_is_answered_only_where_a_passage_compares_them(widget_pipeline, pipeline):
    """"Is A or B more effective?", "which works better, A or B?": the widget review reports nivolumab and gizmo
    chemotherapy in separate paragraphs and compares them nowhere; the review compares VRAM flaps with primary
    closure, and gives local-regional against distant failure (asked as "loco-regional")."""
    assert_declined(widget_pipeline, ["Is nivolumab or gizmo chemotherapy more effective?",
                                      "Was nivolumab or gizmo chemotherapy better for overall survival?"],
                    "compares nivolumab and gizmo")
    assert_declined(pipeline, ["Which works better, proton therapy or intraoperative radiotherapy?"],
                    "compares proton and intraoperative")
    assert_answered(pipeline, "Is a VRAM flap or primary closure better for perineal wound healing?", "32.8%")
    assert_answered(pipeline, "In the 32-patient IORT series, was loco-regional or distant failure more common at "
                              "5 years?", "51%")


def test_a_measure_asked_for_one_group_is_given_only_where_that_group_has_it(pipeline):
    """Ko's row of Table 1 gives overall survival for persistent and recurrent disease, and disease-free survival only
    for all the patients: a cell naming the group must also be the cell giving the measure asked."""
    assert_declined(pipeline, ["In Ko's systematic review, what was the 5-year disease-free survival for recurrent "
                               "disease?"], "recurrent disease")
    assert_answered(pipeline, "In Ko's systematic review, what was the 5-year overall survival for recurrent disease?",
                    "51")


def test_a_value_within_a_group_is_no_share_of_the_patients_in_it(pipeline):
    """KEYNOTE-158's paragraph gives responses "15% in the PD-L1-positive group and 3% in the PD-L1-negative group":
    how many of its patients had PD-L1-negative tumours it does not say."""
    assert_declined(pipeline, ["What share of the patients in KEYNOTE-158 had PD-L1-negative tumours?",
                               "Of the patients enrolled in KEYNOTE-158, what proportion were PD-L1 negative?"],
                    "percentage of the patients who")
    assert_answered(pipeline, "What proportion of patients in KEYNOTE-158 had an objective response?", "11%")
    # the attribute in a form the review does not use ("metastases"; it says "metastatic disease")
    assert_answered(pipeline, "Across the series pooled by Ko et al., what fraction developed distant metastases?",
                    "9.0%")


def test_a_subgroup_named_after_its_study_is_still_a_subgroup(pipeline):
    """"the patients in Hagemans' cohort who had a local recurrence": the review says 21 had one, and gives their
    cohort's survival, not theirs."""
    assert_declined(pipeline, ["How long did the patients in Hagemans' cohort who had a local recurrence survive?"],
                    "local recurrence")
    assert_answered(pipeline, "What was the 5-year overall survival of the patients in the Kitaguchi study who had "
                              "recurrent disease?", "Kitaguchi")


def test_a_share_compared_between_two_groups_needs_a_passage_naming_the_attribute(pipeline):
    """Ko's row and paragraph give survival for persistent and for recurrent disease, and metastatic disease (9.0%)
    only for all the patients: how many of each group developed it they do not say."""
    assert_declined(pipeline, ["In Ko's systematic review, what proportion of persistent versus recurrent patients "
                               "developed metastatic disease?"], "persistent")
    assert_answered(pipeline, "In Ko's systematic review, what was the 5-year overall survival for persistent versus "
                              "recurrent disease?", "45")


def test_which_has_fewer_of_two_is_a_comparison_too(widget_pipeline, pipeline):
    """"Which has fewer X, A or B?", with the measure between "which" and the two sides, asks the same as "is A or B
    better": answered only where a passage compares A and B."""
    assert_declined(widget_pipeline, ["Which gave longer overall survival, nivolumab or gizmo chemotherapy?"],
                    "compares nivolumab and gizmo")
    assert_declined(pipeline, ["Which has fewer donor-site problems after perineal reconstruction, a TRAM or a "
                               "gluteal flap?"], "compares")
    assert_answered(pipeline, "Which has fewer perineal wound complications, a VRAM flap or primary closure?",
                    "32.8%")


def test_a_kind_of_treatment_only_a_cited_title_names_is_not_discussed(pipeline):
    """"Stereotactic" appears in the review only in the title of reference 15: its text never discusses
    stereotactic radiotherapy, so a question about its results is declined, saying where the word comes from; a kind
    of radiotherapy the text does discuss is answered."""
    assert_declined(pipeline, ["What results does stereotactic radiotherapy give for a pelvic recurrence?"],
                    "only the title of a reference")
    assert_answered(pipeline, "What does proton therapy offer when a recurrence cannot be operated on?",
                    "better preservation of the healthy tissues")


def test_a_disease_only_a_cited_title_names_is_not_discussed(pipeline):
    """"Colon" appears in the review only in the titles of the references it cites: a question about colon cancer is
    about a disease the review does not cover, and a personal request about it gets the referral without the chart."""
    for question in ["What is the survival of colon cancer after chemotherapy?",
                     "How is colon cancer treated after chemotherapy fails?"]:
        a = pipeline.ask(question)
        assert a.mode == "abstained" and "colon" in a.reason, (question, a.mode, a.reason)
    a = pipeline.ask("My dad has colon cancer with liver spread, should he have surgery?")
    assert a.mode == "abstained" and a.flowchart is None and "colon" in a.text, (a.mode, a.reason)


def test_a_turn_naming_a_part_of_the_review_is_not_small_talk(pipeline):
    """"Walk me through the discussion section." reads to the learned layer like small talk, but it names a part of
    the review: it is answered from that part. A joke about it is still declined."""
    a = pipeline.ask("Walk me through the discussion section.")
    assert a.mode == "answer" and a.citations, (a.mode, a.reason)
    assert all("Discussion" in c.section for c in a.citations[:3]), [c.section for c in a.citations]
    assert pipeline.ask("Tell me a joke about the discussion section.").mode == "abstained"


def test_a_rare_word_before_a_treatment_names_a_treatment_the_review_lacks(pipeline):
    """"Herbal therapy", "topical therapy": the model's vocabulary holds these adjectives as whole words, but rare ones,
    so they name kinds of treatment of their own, which the review never mentions. A frequent one ("conventional
    radiotherapy") may be the review's own words or words it says otherwise, and is answered."""
    assert_declined(pipeline, ["Has herbal therapy been tried for anal cancer that recurs after chemoradiation?",
                               "Does topical therapy help a small recurrence after chemoradiation?"],
                    "never mentions")
    assert_answered(pipeline, "Why might proton therapy be preferred over conventional radiotherapy for a recurrence?",
                    "healthy tissues")


def test_an_age_the_review_never_gives_is_declined(pipeline):
    """The review gives no patient's age anywhere: "how old", "the median age" ask for a kind of value it lacks,
    and a number of years or months (a follow-up) is not an age."""
    assert_declined(pipeline, ["How old were the patients in the 47-patient Dutch series?",
                               "What was the median age of the patients treated with atezolizumab in SCARCE?"],
                    "no age")
    assert_answered(pipeline, "What was the median follow-up in the 152-patient Japanese cohort?", "49")


def test_a_drug_or_acronym_named_in_passing_has_no_results_to_report(pipeline):
    """Ipilimumab appears only in the history of checkpoint inhibitors, and TRAM only in a list of flaps: asked how
    well they did ("show any activity", "how well"), the review has no result for them. A drug it reports on is
    answered."""
    assert_declined(pipeline, ["Did ipilimumab show any activity against anal SCC?"], "names ipilimumab")
    assert_declined(pipeline, ["How well do TRAM flaps do for closing the perineum after salvage APR?"], "names tram")
    assert_answered(pipeline, "How well did pembrolizumab work in the KEYNOTE-158 anal cohort?", "11%")


def test_a_value_after_a_sentence_that_points_back_is_about_what_it_points_to(pipeline):
    """"Currently, a combination of carboplatin and paclitaxel remains the standard treatment … [1,2]. This regimen has
    shown an overall survival of 20 months … [27]": the survival is the regimen's, though the sentence before it
    cites other references."""
    assert_answered(pipeline, "How long did patients on carboplatin and paclitaxel live in the randomised phase 2 "
                              "trial?", "20 months")


def test_a_comparison_of_graded_events_needs_a_passage_that_gives_grades(pipeline):
    """The review compares carboplatin–paclitaxel with cisplatin–5-FU on survival only: a survival figure does not
    say how grade 3 or worse toxicity compared."""
    assert_declined(pipeline, ["How did grade 3 or worse toxicity compare between carboplatin-paclitaxel and "
                               "cisplatin plus 5-FU?"], "compares")


def test_where_the_cancer_has_spread_is_no_other_disease(pipeline):
    """"Spread to the liver" says where this cancer went: metastatic disease, which the review treats. "Liver
    cancer" is another disease, and a question about it is still declined."""
    assert_answered(pipeline, "If anal cancer has spread to the liver, which chemotherapy is standard?",
                    "carboplatin and paclitaxel")
    assert_declined(pipeline, ["What is the treatment for liver cancer?"], "liver")


def test_whether_a_factor_changed_an_outcome_is_answered_by_a_finding_in_words(pipeline):
    """"Did recurrent versus persistent disease affect survival?" asks whether it did: Rosen's paragraph says so in
    words ("Unlike the Kitaguchi et al. study [12], the indication … did not influence the survival outcomes"),
    a sentence about Rosen's study though it cites Kitaguchi."""
    assert_answered(pipeline, "According to Rosen, did recurrent versus persistent disease affect survival after "
                              "salvage APR?", "did not influence")


def test_a_table_or_figure_the_review_lacks_is_declined_by_name(pipeline):
    """The review has Tables 1 and 2 and Figure 1: "Table 5" and "Figure 3" are none of them, and the reply says
    what it has. "Table II" is Table 2."""
    a = pipeline.ask("What does Table 5 show?")
    assert a.mode == "abstained" and "no Table 5" in a.reason and "Table 2" in a.reason
    assert_declined(pipeline, ["What does Figure 3 show?"], "no figure 3")
    assert_answered(pipeline, "What does Table II show?", "Summary of immunotherapy studies")
    # a value after the word is no table's number: a terse note about a study's row
    assert_answered(pipeline, "kitaguchi table 71% os", "71%")


def test_a_count_of_some_of_n_patients_needs_a_sentence_that_counts_them(pipeline):
    """"Of the 64 patients …, how many were given intraoperative radiotherapy?": Damron's paragraph gives the 64 and
    names the treatments, but no count of the patients who had each; "how many had progressed" is given ("18 (60%)
    of 30 patients on the modified DCF regimen had disease progression"), in another form of the word."""
    assert_declined(pipeline, ["Of the 64 patients in the reirradiation study, how many were given intraoperative "
                               "radiotherapy?"], "count of the patients")
    assert_answered(pipeline, "Of the 30 patients on modified DCF, how many had progressed by the data cutoff?",
                    "18 (60%)")


def test_what_follows_a_follow_on_treatment_is_a_line_the_review_never_reaches(pipeline):
    """The review gives pembrolizumab and anti-PD-1 therapy after the failure of standard, first-line therapy; it
    never says what comes once they fail. Asked what follows first-line chemotherapy, it answers."""
    assert_declined(pipeline, ["Once immunotherapy with pembrolizumab stops working and the disease progresses on "
                               "it, which therapy comes next?"], "no further line")
    assert_answered(pipeline, "Which therapy is advised for advanced disease that has progressed on first-line "
                              "chemotherapy?", "anti-PD-1")


def test_a_trial_acronym_that_is_also_a_word_names_the_trial_before_a_study_noun(pipeline):
    """"SCARCE" is a trial and an English word ("data … are scarce"). A terse note in lower case, "scarce trial", names
    the trial; "scarce in trials" does not."""
    finder = pipeline.retriever.name_finder
    assert finder.find("scarce trial: how were patients allocated?") == ["scarce"]
    assert finder.find("are data scarce in trials of salvage surgery?") == []
    assert_answered(pipeline, "scarce trial allocation ratio and patients per arm", "2:1")


def test_a_side_of_a_comparison_is_named_by_the_abbreviation_of_its_long_form(pipeline):
    """"Rectus abdominis flap" is the review's "VRAM" (vertical rectus abdominis myocutaneous): the meta-analysis
    sentence compares primary closure with the VRAM group. A recurrence rate for the two it never gives."""
    assert_answered(pipeline, "Which pooled odds ratio for perineal complications came out of the 2024 meta-analysis "
                              "of primary closure versus rectus abdominis flap closure?", "32.8%")
    assert_declined(pipeline, ["What local recurrence rate followed a rectus abdominis flap compared with primary "
                               "closure?"], "recurrence")


def test_grade_written_gr_in_a_note_is_a_grade(pipeline):
    """"gr3" is "grade 3" in a clinician's note, as "ph2" is "phase 2": not a name the review never uses."""
    assert_answered(pipeline, "dcf gr3-4 adverse events %", "70%")


def test_a_word_only_the_conclusions_use_is_not_what_a_value_must_name(pipeline):
    """"Refractory disease" is the conclusions' word for the patients the body calls already treated: the KEYNOTE-158
    and Ott survival figures answer a question about refractory disease, though no sentence with them says
    "refractory"."""
    a = pipeline.ask("What median overall survival did pembrolizumab give in refractory anal SCC?")
    assert a.mode == "answer", a.reason
    assert "12.1 months" in shown(a) or "Median Overall Survival (Months): 9.3" in shown(a), a.text[:300]


def test_a_survival_in_months_counts_no_patients(pipeline):
    """"12.1 months in the patients with PD-L1-positive tumors" gives a time, not a count of patients: asked how many
    of the KEYNOTE-158 cohort were PD-L1 positive, the review has no such count. The cohort's own size it gives."""
    assert_declined(pipeline, ["Of the 112 patients enrolled in the KEYNOTE-158 anal cohort, how many had "
                               "PD-L1-positive tumors?"], "count")
    assert_answered(pipeline, "How many patients did the KEYNOTE-158 anal cohort enrol?", "112")


def test_a_terse_note_that_opens_with_a_rate_asks_for_one(pipeline):
    """"Complication rate of …" with no question word asks for a percentage: the review says groin surgery after
    irradiation is morbid but gives no rate. A note asking a rate it gives is answered, misspelt or not."""
    assert_declined(pipeline, ["complication rate groin node dissection after previous radiotherapy"], "percentage")
    assert_answered(pipeline, "wound complication rate after vram", "%")
    assert_answered(pipeline, "crt complete regresion rate", "80–90%")


def test_a_side_named_before_a_reporting_verb_is_still_a_side(pipeline):
    """"Has pembrolizumab been reported to achieve longer survival than the docetaxel triplet?": the side is
    pembrolizumab, not "reported"; the review compares the two nowhere. Two regimens it does compare are answered."""
    assert_declined(pipeline, ["Has pembrolizumab been reported to achieve longer survival than the docetaxel "
                               "triplet?"], "compares pembrolizumab and docetaxel")
    assert_answered(pipeline, "Has carboplatin with paclitaxel been shown to give longer survival than "
                              "cisplatin with 5-FU?", "20 months")


def test_two_sides_that_share_their_noun_are_the_words_they_differ_in(pipeline):
    """"… better for anal margin tumours than for anal canal tumours": the sides are margin and canal (words of the
    review's own title), which it never compares; "early salvage APR than late salvage APR" it does."""
    assert_declined(pipeline, ["Is salvage surgery more successful for anal margin tumors than for anal canal tumors?"],
                    "compares margin and canal")
    assert_answered(pipeline, "Was survival better after early salvage APR than after late salvage APR?", "48.4%")


def test_how_two_things_compare_needs_a_passage_that_sets_them_side_by_side(pipeline):
    """"How does A compare with B?" asks for a comparison even when it reads as a broad question: the review lists
    the TRAM flap beside the VRAM flap but compares them nowhere, and compares immunotherapy with chemotherapy only
    in the discussion's "a more tolerable treatment regimen compared to chemotherapy", whose paragraph opens on
    immunotherapy."""
    assert_declined(pipeline, ["How does a TRAM flap compare with a VRAM flap for healing of the perineum?"],
                    "compares")
    assert_answered(pipeline, "How does immunotherapy compare with chemotherapy for tolerability, per the discussion?",
                    "more tolerable")


def test_the_complement_of_a_group_the_review_reports_is_not_reported(pipeline):
    """The review gives Ott's response rate for squamous cell histology; "non-squamous" it never writes, in any form,
    so nothing it reports is for those tumours. "Non-metastatic" it writes ("nonmetastatic ASSC"): answered."""
    assert_declined(pipeline, ["In the Ott et al. trial, what share of patients with non-squamous histology responded to pembrolizumab?"],
                    "non-squamous")
    assert_answered(pipeline, "How many patients with non-metastatic disease did Fields et al. study?", "437")


def test_a_comparison_between_two_things_a_sentence_only_lists_is_declined(tmp_path, embedder, widget_pipeline):
    """"How do the rates compare between A and B": a sentence that lists both ("flaps such as sprocket or cog
    flaps") compares nothing; one that sets values side by side ("30% for persistent disease and 60% for recurrent
    disease") does."""
    from tests.conftest import pipeline_over

    listed = WIDGET_REVIEW.replace("The 5-year disease-free survival was 25% for all the patients.",
                                   "The 5-year disease-free survival was 25% for all the patients. Flaps such as "
                                   "sprocket or cog flaps have been used to close the wound [2].")
    bot = pipeline_over(tmp_path, embedder, {"widget.txt": listed})
    assert_declined(bot, ["How do wound complication rates compare between sprocket and cog flaps?"],
                    "compares sprocket and cog")
    a = widget_pipeline.ask("Does 5-year overall survival differ between persistent and recurrent disease in Lee et "
                            "al.?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "30% for persistent disease and 60% for recurrent disease" in shown(a)


def test_two_sides_that_open_with_one_word_are_the_words_after_it(tmp_path, embedder):
    """"between gadget canal and gadget margin disease": the sides are "canal" and "margin" (not "gadget" twice).
    The title and the citation line name both, with the citation's numbers, and compare nothing; no passage of the
    body compares the two."""
    from tests.conftest import pipeline_over

    titled = WIDGET_REVIEW.replace(
        "Widget Therapy for Gadget Disease After Failed First-Line Treatment: A Review\n",
        "Widget Therapy for Gadget Canal and Gadget Margin Disease After Failed First-Line Treatment: A Review\n\n"
        "Citation: Doe, J. Widget Therapy for Gadget Canal and Gadget Margin Disease. Widg. Rev. 2024, 3, 11.\n")
    bot = pipeline_over(tmp_path, embedder, {"widget.txt": titled})
    assert_declined(bot, ["Does overall survival after salvage surgery differ between gadget canal and gadget margin "
                          "disease?"], "compares canal and margin")


def test_a_relation_word_is_no_subject_the_value_sentence_must_name(pipeline):
    """"linked to HPV": a relation between the value and its subject, not a subject ("HPV infection, accounting for
    80–85% of cases" never says "linked")."""
    assert_answered(pipeline, "What proportion of anal cancer cases are linked to HPV infection?", "80–85%")


def test_british_and_american_spellings_of_re_words_are_one_word():
    """The review writes "centers" and "multicenter"; a reader may type "centres", "multicentre"."""
    from bot.text import tokens

    assert tokens("centres multicentre fibre") == tokens("centers multicenter fiber")


@pytest.mark.parametrize("question, quoted", [
    # "cryo": the clipped form of "cryotherapy", as clinicians write it
    ("role of cryo other than cure", "cryotherapy"),
    ("cryo use beyond curative intent", "cryotherapy"),
    # "X advantage vs Y": the advantage is what is asked, not one of the sides compared
    ("IORT advantage vs ebrt", "IORT"),
])
def test_clipped_words_and_an_advantage_asked_do_not_decline_a_terse_note(pipeline, question, quoted):
    a = pipeline.ask(question)
    assert a.mode == "answer", (a.mode, a.reason)
    assert quoted.lower() in shown(a).lower()


def test_an_attribute_in_another_form_of_its_word_is_named(pipeline):
    """"had progressed": the value's sentence says "experienced disease progression" of the patients on each
    regimen; a share of them is asked, and given."""
    assert_answered(pipeline, "What proportion of patients on standard DCF had progressed at the data cutoff?",
                    "61%")


def test_a_cohort_given_by_its_size_is_the_studys_cohort_not_a_subgroup(pipeline):
    """"Out of the 66 patients given docetaxel, cisplatin and fluorouracil": the question states the cohort's size,
    which the value's sentence repeats ("Out of the 66 patients, 46 (70%) …"); the drugs describe the cohort, not a
    group within it that the sentence must name."""
    assert_answered(pipeline, "Out of the 66 patients given docetaxel, cisplatin and fluorouracil, how many had a "
                              "grade 3-4 adverse event?", "46 (70%)")


def test_whether_something_changes_how_long_is_answered_by_a_finding_in_words(pipeline):
    """"Does X change how long …?" asks for an effect, which the review may state without a duration ("shorten the
    healing time"), said of X; of a flap it says nothing of the kind about, it is still declined."""
    assert_answered(pipeline, "Does a VRAM flap change how long the perineal wound takes to heal?",
                    "shorten the healing time")
    a = pipeline.ask("Do thigh-based flaps affect how long surgery takes?")
    assert a.mode == "abstained", (a.mode, a.text[:200])


def test_an_acronym_only_a_cited_title_uses_is_declined_even_across_the_studies(pipeline):
    """"HIV" is in the title of a cited paper only: "in the cited studies" does not name a study that could be
    looked up by it, so the question is declined, naming HIV. An acronym whose long form the text uses ("CR",
    complete response) is not such a word."""
    a = pipeline.ask("What share of the patients in the cited studies were HIV-positive?")
    assert a.mode == "abstained" and "HIV" in a.reason, (a.mode, a.reason)
    assert_answered(pipeline, "What objective response (CR plus PR) did pembrolizumab reach in KEYNOTE-158?",
                    "11%")


def test_how_a_drug_was_dosed_asks_for_its_dose(pipeline):
    """"How was it dosed?" asks for a dose, as "what dose" does: the review gives none for pembrolizumab, so it is
    declined, saying so; the DCF regimens' doses are answered."""
    a = pipeline.ask("How was pembrolizumab dosed in KEYNOTE-158?")
    assert a.mode == "abstained" and "no dose" in a.reason, (a.mode, a.reason)
    a = pipeline.ask("How was the lighter DCF schedule dosed?")
    assert a.mode == "answer" and "40 mg/m² docetaxel" in a.text, (a.mode, a.reason, a.text[:300])


def test_a_question_about_the_article_is_answered_from_its_front_matter_ranked_a_little_lower(pipeline):
    """"How many days passed between acceptance and publication?" is about the article itself: its dates are in the
    front matter, ranked just below a publisher's note. That is close enough: the dates are quoted, not declined as
    "no passage is close"."""
    a = pipeline.ask("How many days passed between this article's acceptance and its publication?")
    assert a.mode == "answer", (a.mode, a.reason)
    assert "Accepted: 23 April 2025" in a.text and "Published: 30 April 2025" in a.text, a.text[:400]


def test_a_name_with_a_generic_second_part_is_that_name(pipeline):
    """"IORT-based therapy" is IORT: the review gives survival for it, so the question is answered, not declined as
    naming something ("IORT-based") the review never gives a value for. A drug the review names without results
    stays declined however it is compounded."""
    a = pipeline.ask("What survival was reported with IORT-based therapy?")
    assert a.mode == "answer", (a.mode, a.reason)
    a = pipeline.ask("What survival did ipilimumab-containing regimens give?")
    assert a.mode == "abstained", (a.mode, a.text[:200])


def test_a_trial_name_the_review_lacks_beside_an_author_it_reports_is_a_descriptor(pipeline):
    """"The KEYNOTE-028 cohort by Ott et al.": the review reports Ott et al.'s study but never names the trial, so
    the author identifies it. It is answered, saying that the review does not state which study KEYNOTE-028 is.
    The same name alone identifies nothing and is declined, naming it."""
    a = pipeline.ask("What did Ott et al. find in their KEYNOTE-028 cohort?")
    assert a.mode == "answer" and "KEYNOTE-028" in a.text and "17%" in a.text, (a.mode, a.reason, a.text[:300])
    a = pipeline.ask("What did the KEYNOTE-028 study find?")
    assert a.mode == "abstained" and "KEYNOTE-028" in a.reason, (a.mode, a.reason)


def test_a_table_number_typed_against_its_word_names_the_table(pipeline):
    """"table2 ott design", a terse note: "table2" is Table 2, so the note is about the review (not small talk) and
    is answered from Ott's record in that table."""
    a = pipeline.ask("table2 ott design")
    assert a.mode == "answer" and "phase 1b trial" in a.text, (a.mode, a.reason, a.text[:300])


def test_a_unit_in_shorthand_after_a_number_is_that_unit(pipeline):
    """"recurrence timing within 24 mo": "24 mo" is 24 months, as the review writes it, so the note is
    answered with the sentence that says most recur within the first 24 months, not taken for small talk."""
    a = pipeline.ask("recurrence timing within 24 mo")
    assert a.mode == "answer" and "within the first 24 months" in a.text, (a.mode, a.reason, a.text[:300])


def test_a_course_length_given_as_its_adjective_answers_how_long(pipeline):
    """"For how long were the KEYNOTE-158 patients treated?": the review gives the course as "the 2-year
    treatment", a duration written as an adjective, so the question is answered; a follow-up time the review does
    not give for that study is still declined."""
    assert_answered(pipeline, "For how long were the KEYNOTE-158 patients meant to be treated?", "2-year treatment")
    a = pipeline.ask("How long was follow-up in KEYNOTE-158?")
    assert a.mode == "abstained", (a.mode, a.text[:200])


@pytest.mark.parametrize("question, factor", [
    ("How did survival after salvage APR differ by HPV status?", "hpv status"),
    ("What response did pembrolizumab give according to HPV status?", "hpv status"),
    ("Did outcomes after salvage surgery vary by sex?", "sex"),
])
def test_values_by_a_status_or_by_sex_the_review_never_splits_by_are_declined(pipeline, question, factor):
    """The review gives values for PD-L1-positive and PD-L1-negative tumours, and for no HPV groups, men or women:
    a value asked by HPV status or by sex is declined, naming the factor; one asked by PD-L1 status is answered."""
    a = pipeline.ask(question)
    assert a.mode == "abstained" and factor in a.reason, (a.mode, a.reason)


def test_values_by_a_status_the_review_splits_by_are_answered(pipeline):
    assert_answered(pipeline, "In KEYNOTE-158, how did the objective response differ by PD-L1 status?", "3%")


def test_two_regimens_of_different_studies_in_one_paragraph_are_not_compared(pipeline):
    """The chemotherapy paragraph names carboplatin and paclitaxel (the standard [1,2], InterAACT [27]) and then
    introduces Kim et al.'s DCF study [28]: no passage sets DCF against carboplatin and paclitaxel, so "is DCF better"
    is declined. The two arms of Kim's own study are compared, and answered."""
    a = pipeline.ask("Is DCF better than carboplatin and paclitaxel for advanced anal cancer?")
    assert a.mode == "abstained" and "compares" in a.reason, (a.mode, a.reason)
    assert_answered(pipeline, "How did modified DCF compare with standard DCF for tolerability?",
                    "better tolerability")


@pytest.mark.parametrize("question", [
    "Which is more effective as a first-line option in metastatic disease: modified DCF or carboplatin-paclitaxel?",
    "Which is safer as first-line chemotherapy in advanced anal cancer: carboplatin-paclitaxel or modified DCF?",
])
def test_which_is_better_for_a_purpose_of_two_things_is_a_comparison(pipeline, question):
    """"Which is more effective as first-line therapy …: A or B?" compares A and B, with what it is better for between
    the cue and the colon; the review never sets the two side by side, so it is declined, naming them as typed."""
    a = pipeline.ask(question)
    assert a.mode == "abstained" and "modified" in a.reason and "carboplatin" in a.reason, (a.mode, a.reason)
