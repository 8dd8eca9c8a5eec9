"""The guard and the scope check on unseen wording (issue 8): intent comes first, the learned layer generalises,
a personal request is deferred whatever other words it holds, values the review lacks are abstained, and the
flowchart branch reads negations. Real packaged model."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.guard.flowchart import match_branch
from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow
SETS = PROJECT_ROOT / "eval" / "guard"


# ------------------------------------------------------------------ order of decisions
def test_a_personal_request_with_an_unknown_word_is_deferred_not_abstained(pipeline):
    a = pipeline.ask("The MRI at 4 months still shows a mass in my anal canal. Time to operate?")
    assert a.mode == "deferred", (a.mode, a.reason)
    assert a.flowchart is not None
    assert "multidisciplinary team" in a.text


def test_a_personal_request_naming_an_organ_the_review_never_discusses_is_still_deferred(pipeline):
    a = pipeline.ask("Mum's PET shows liver spots after her chemoradiation, is immunotherapy the way to go?")
    assert a.mode == "deferred", (a.mode, a.reason)
    assert a.flowchart and a.flowchart["branch"] == "systemic"


def test_a_terse_personal_request_is_deferred(pipeline):
    a = pipeline.ask("Treatment for my recurrent anal cancer?")
    assert a.mode == "deferred", (a.mode, a.reason)
    assert a.reason


def test_a_personal_request_about_another_disease_gets_the_referral_without_the_chart(pipeline):
    a = pipeline.ask("Dad's colorectal liver metastases, should he be operated?")
    assert a.mode == "abstained"  # out of scope, with the referral
    assert a.flowchart is None
    assert "multidisciplinary team" in a.text and "colorectal" in a.text


def test_a_clinicians_specialty_is_not_the_disease_asked_about(pipeline):
    """"Breast surgeon here" says who asks: the request is about anal cancer, so it gets the chart, not the
    referral for a disease the review does not cover."""
    a = pipeline.ask("Breast surgeon here, asking for a neighbour: her anal cancer came back after chemoradiation. "
                     "Should she have an APR?")
    assert a.mode == "deferred", (a.mode, a.reason)
    assert a.flowchart is not None


@pytest.mark.parametrize("question, deferred", [
    ("What do we give for unresectable recurrent anal cancer after chemoradiation?", False),
    ("Which drugs do we use in metastatic anal SCC?", False),
    ("what do we give for him?", True),
    ("what do we use for my dad's metastatic disease?", True),
    ("62M, recurrence at 8 mo. what do we use for metastatic disease?", True),
])
def test_the_professions_habitual_we_asks_what_is_done_not_what_to_do_for_someone(pipeline, question, deferred):
    """"What do we give for <a kind of disease>?" asks what is done in general; the same words about a person,
    in the turn or as case notes, still ask for a decision."""
    a = pipeline.ask(question)
    assert (a.mode == "deferred") == deferred, (a.mode, a.reason)


def test_a_question_that_only_looks_like_a_request_is_answered(pipeline):
    a = pipeline.ask("Not asking about myself: what does the review say about the 5-year survival after salvage APR?")
    assert a.mode == "answer", (a.mode, a.reason)


# ------------------------------------------------------------------ answerability
def test_a_value_the_review_does_not_give_is_abstained(pipeline):
    a = pipeline.ask("What is the recurrence rate after VRAM flap closure?")
    assert a.mode == "abstained", a.text
    assert "recurrence" in a.reason.lower() or "rate" in a.reason.lower()


def test_a_measure_the_review_does_not_give_for_that_study_is_abstained(pipeline):
    """A study's paragraph or table record gives some values, not every measure: disease-free survival is not the
    overall survival reported, a time to recurrence is not a survival time, and a table record must give the value
    in the cell of the measure asked."""
    a = pipeline.ask("What disease-free survival did Fields et al. report after salvage APR?")
    assert a.mode == "abstained" and "disease-free" in a.reason and "Fields" in a.reason
    a = pipeline.ask("What was the median time to recurrence in the Hagemans series?")
    assert a.mode == "abstained" and "recurrence" in a.reason
    a = pipeline.ask("What was the median overall survival in the Hagemans series?")
    assert a.mode == "answer" and "47 months" in a.text


def test_the_measure_is_the_head_of_rate_of_phrase(pipeline):
    """"The rate of perineal hernia" asks for a rate of hernia: the review says VRAM flaps decrease herniation and
    gives wound-complication percentages, but no hernia percentage; "the rate of perineal wound complications" is
    given."""
    a = pipeline.ask("How much does a VRAM flap reduce the rate of perineal hernia? What are the percentages?")
    assert a.mode == "abstained" and "hernia" in a.reason, (a.mode, a.reason)
    a = pipeline.ask("What was the rate of perineal wound complications after primary closure?")
    assert a.mode == "answer" and "38.2%" in a.text, (a.mode, a.reason)


def test_a_value_given_for_another_study_is_not_answered_for_the_named_one(pipeline):
    """The review gives the median time to a salvage APR only for Ko [11]; Hagemans' paragraph has other durations
    (median overall survival). Asked of Hagemans, the reply says the review does not give it for Hagemans and
    where it does give it; Hagemans' own median survival is still answered."""
    a = pipeline.ask("What was the median time to a salvage APR in the Hagemans series?")
    assert a.mode == "abstained", a.text
    assert "Hagemans" in a.reason and "11" in a.reason, a.reason
    a = pipeline.ask("What median overall survival did Hagemans et al. report after salvage APR?")
    assert a.mode == "answer" and "47 months" in a.text, (a.mode, a.reason)
    # KEYNOTE-158's "objective response" is the response rate asked, though SCARCE's text says "overall response"
    a = pipeline.ask("What was the overall response rate in KEYNOTE-158?")
    assert a.mode == "answer" and "11%" in a.text, (a.mode, a.reason)


def test_a_comparison_the_review_does_not_make_is_declined(pipeline):
    """Fields et al. report survival by the timing of surgery; their table row's "(Persistent)" and "(Recurrent)"
    survival cells read NR. "Between persistent and recurrent disease" is declined with the two sides named. A
    comparison the review makes (dehiscence after VRAM and after primary closure) is answered."""
    a = pipeline.ask("Did overall survival differ between persistent and recurrent disease in the Fields study?")
    assert a.mode == "abstained" and "persistent and recurrent" in a.reason, (a.mode, a.reason)
    a = pipeline.ask("Did perineal wound dehiscence differ between the VRAM and primary closure groups?")
    assert a.mode == "answer" and "28.2%" in a.text, (a.mode, a.reason)


def test_a_value_at_a_time_point_the_review_does_not_give_is_declined(pipeline):
    """Ko et al. are reported with 5-year figures: a 2-year figure is declined, naming the time point. Rosen's
    3-year figures and KEYNOTE-158's 12-month survival (a table column) are answered."""
    a = pipeline.ask("What was the 2-year disease-free survival after salvage APR in the Ko review?")
    assert a.mode == "abstained" and "2-year" in a.reason, (a.mode, a.reason)
    # a time point that describes a study ("the 30-year series") is not a time point of the value asked for
    from bot.guard.shapes import _POINT_OF_VALUE
    assert not _POINT_OF_VALUE.search("What median follow-up did the 30-year single-institution series report?")
    assert _POINT_OF_VALUE.search("What was the 3-year disease-free survival?")
    a = pipeline.ask("What 3-year disease-free survival did Rosen et al. report?")
    assert a.mode == "answer" and "26.8%" in a.text, (a.mode, a.reason)
    a = pipeline.ask("What was the 12-month overall survival in the KEYNOTE-158 anal cohort?")
    assert a.mode == "answer" and "49%" in a.text, (a.mode, a.reason)


def test_a_named_survival_is_read_whole_and_a_median_survival_is_a_time(pipeline):
    """Rosen's table row gives "Disease-Free Survival (Overall): 26.8% (3 y)": not a 3-year overall survival.
    Ko et al. give 5-year survival percentages only: no median overall survival (a time)."""
    a = pipeline.ask("What 3-year overall survival did Rosen et al. report?")
    assert a.mode == "abstained" and "overall survival" in a.reason, (a.mode, a.reason)
    a = pipeline.ask("What median overall survival in months did the Ko systematic review find?")
    assert a.mode == "abstained", (a.mode, a.reason)
    # "An objective response (complete and partial response) was achieved in 11%": no complete response rate
    a = pipeline.ask("What complete response rate did Marabelle et al. report?")
    assert a.mode == "abstained", (a.mode, a.reason)
    a = pipeline.ask("What was the median overall survival after salvage APR in Hagemans et al.?")
    assert a.mode == "answer" and "47 months" in a.text, (a.mode, a.reason)


def test_a_drug_named_without_data_stays_abstained(pipeline):
    assert pipeline.ask("What response rate does ipilimumab achieve in anal cancer?").mode == "abstained"
    # asked for its results in words that name no kind of value: the review only lists the drug
    a = pipeline.ask("Has nivolumab been tried in anal cancer, and how well did it work?")
    assert a.mode == "abstained" and "nivolumab" in a.reason, (a.mode, a.reason)
    # a drug the review reports results for is answered
    a = pipeline.ask("How well did pembrolizumab work in anal cancer?")
    assert a.mode == "answer", (a.mode, a.reason)


def test_a_co_author_is_not_taken_for_a_study(pipeline):
    a = pipeline.ask("What did Smith et al. find?")
    assert a.mode == "abstained"
    assert "first author" in a.text
    assert 23 in a.refs or 35 in a.refs


def test_greeting_gets_help_with_example_questions(pipeline):
    a = pipeline.ask("hello")
    assert a.mode == "abstained" and a.reason.startswith("help")
    assert "(none)" not in a.text
    assert len(a.suggestions) >= 2 and all(s.endswith("?") for s in a.suggestions)


# ------------------------------------------------------------------ branches
def test_no_metastases_gets_the_local_branch():
    q = ("My 62-year-old patient has a persistent anal canal tumour 6 months after chemoradiation with no "
         "metastases. Should he have an APR?")
    assert match_branch(q) == "local_salvage"


def test_no_metastases_gets_the_local_branch_in_the_deferral(pipeline):
    a = pipeline.ask("My 62-year-old patient has a persistent anal canal tumour 6 months after chemoradiation with no "
                     "metastases. Should he have an APR?")
    assert a.mode == "deferred" and a.flowchart["branch"] == "local_salvage"


def test_described_cases_get_the_right_branch(pipeline):
    """The working halves of two sets of described situations, each written by a helper session (the locked halves
    are scored by `make eval-locked` only): the learned branch classifier is right for ≥ 85%, and on the set the
    rules were not written against (branch2) it does better than the rules alone."""
    right, rules, total = {}, {}, {}
    for name in ("branch", "branch2"):
        rows = [json.loads(line) for line in (SETS / f"{name}.working.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
        total[name] = len(rows)
        right[name] = sum(pipeline.branch_of(r["case"]) == r["branch"] for r in rows)
        rules[name] = sum(match_branch(r["case"]) == r["branch"] for r in rows)
    print(f"learned {right}, rules alone {rules}, of {total}")
    assert sum(total.values()) >= 60
    assert sum(right.values()) / sum(total.values()) >= 0.85
    assert right["branch2"] > rules["branch2"]


def test_clinical_notes_that_name_nobody_are_deferred(pipeline):
    a = pipeline.ask("persistent groin node after CRT for anal scc, 8 mo later still 2 cm, PET avid, biopsy SCC, "
                     "primary CR. plan pls")
    assert a.mode == "deferred" and a.flowchart["branch"] == "inguinal"
    a = pipeline.ask("Local recurrence invading the pelvic sidewall, judged unresectable at MDT; no distant disease. "
                     "Next step?")
    assert a.mode == "deferred"


def test_a_terse_question_about_a_trial_is_not_deferred(pipeline):
    a = pipeline.ask("SCARCE trial: 12-month progression-free survival with atezolizumab plus mDCF vs mDCF alone?")
    assert a.mode == "answer" and "45%" in a.text


def test_retraining_reproduces_the_stored_branch_weights():
    import numpy as np

    from bot.guard.branches import BRANCHES, BranchClassifier
    from bot.index.embed import Embedder
    from bot.linear import load_models
    from bot.settings import Settings
    from eval.train_branch import TRAIN, TRAINING_BACKEND, fit, inputs, read

    rows = read(TRAIN)
    x = inputs(rows, Embedder(Settings.from_env().model_path, backend=TRAINING_BACKEND))
    y = np.array([BRANCHES.index(r["branch"]) for r in rows])
    stored_c = load_models("branch")["info"]["c"]
    model = fit(x, y, stored_c)  # the C that cross-validation chose, recorded with the weights
    stored = BranchClassifier.load().model
    assert np.abs(stored.coef - model.coef).max() <= 1e-6
    assert (stored.proba(x).argmax(axis=1) == model.proba(x).argmax(axis=1)).all()


# ------------------------------------------------------------------ the learned layer
@pytest.fixture(scope="module")
def trained():
    from bot.index.embed import Embedder
    from bot.settings import Settings
    from eval.train_intent import TRAINING_BACKEND, train

    return train(Embedder(Settings.from_env().model_path, backend=TRAINING_BACKEND))


def test_cross_validated_intent_on_the_training_phrasings(trained):
    _, threshold, info, _ = trained
    cv = info["cross_validated"]
    print(f"5-fold: recall {cv['recall']:.3f}, precision {cv['precision']:.3f} at threshold {threshold}")
    assert cv["n"] >= 1000
    assert cv["recall"] >= 0.97 and cv["precision"] >= 0.95


def test_retraining_reproduces_the_stored_intent_weights(trained):
    import numpy as np

    from bot.guard.classifier import IntentClassifier

    models, threshold, _, x = trained
    stored = IntentClassifier.load()
    assert stored.threshold == threshold and stored.unnamed_threshold == trained[2]["unnamed_threshold"]
    assert np.abs(stored.model.coef - models["intent"].coef).max() <= 1e-6
    assert np.abs(stored.topic.coef - models["topic"].coef).max() <= 1e-6
    same = (stored.model.proba(x).argmax(axis=1) == models["intent"].proba(x).argmax(axis=1)).all()
    assert same


# The CPU's own kernels (AVX-512 here, AVX2 elsewhere) forced the other way, for torch, MKL and OpenBLAS.
OTHER_KERNELS = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "OPENBLAS_CORETYPE": "Haswell"}
EMBED_CODE = """
import json, sys
import numpy as np
from bot.index.embed import Embedder
from bot.settings import Settings
texts = json.loads(sys.stdin.read())
np.save(sys.argv[1], Embedder(Settings.from_env().model_path, backend="reference").encode(texts))
"""


def test_the_training_vectors_are_the_same_with_another_cpus_kernels(tmp_path):
    """The learned models are retrained on float64 vectors ("reference"), which come out bit for bit the same
    whichever kernels the CPU runs: so CI on another machine reproduces the stored weights to 1e-6. (In float32 most
    components differ at the last bits, and the refitted intent weights moved by 4e-6: CI failed that way.)"""
    import os
    import subprocess
    import sys

    import numpy as np

    rows = (PROJECT_ROOT / "eval" / "training" / "guard_train.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(r)["question"] for r in rows[:40]] + ["a long one " * 200]  # past the 256-piece window
    out = {}
    for name, extra in (("native", {}), ("other", OTHER_KERNELS)):
        env = {k: v for k, v in os.environ.items() if k not in OTHER_KERNELS} | extra
        subprocess.run([sys.executable, "-c", EMBED_CODE, str(tmp_path / f"{name}.npy")], input=json.dumps(texts),
                       text=True, env=env, cwd=PROJECT_ROOT, check=True, timeout=300)
        out[name] = np.load(tmp_path / f"{name}.npy")
    assert out["native"].shape == (len(texts), 384)
    assert np.array_equal(out["native"], out["other"])


def test_training_and_locked_sets_are_separate_files():
    locked = Path(SETS / "intent.locked.jsonl").read_text(encoding="utf-8")
    train = (PROJECT_ROOT / "eval" / "training" / "guard_train.jsonl").read_text(encoding="utf-8")
    locked_q = {json.loads(x)["question"] for x in locked.splitlines() if x.strip()}
    train_q = {json.loads(x)["question"] for x in train.splitlines() if x.strip()}
    assert len(locked_q) >= 300 and not ({q.lower() for q in locked_q} & {q.lower() for q in train_q})


def test_answerable_questions_are_not_declined_for_the_way_they_are_typed(pipeline):
    """A capital that starts a sentence ('… ? Overview please.') is not a name; "Ko's" names Ko; two studies
    compared ('Kitaguchi versus Hagemans') each report their own figures; 'monotherapy' is the review's
    'alone'; 'GI' is 'gastrointestinal'. None of these is a reason to decline."""
    assert pipeline.ask("Tell me a joke about surgeons").mode == "abstained"
    for question in ("Does PD-L1 status matter for immunotherapy response in anal cancer? Overview please.",
                     "What share of distant metastases followed salvage APR in Ko's systematic review?",
                     "How did 5-year survival compare in Kitaguchi versus Hagemans?",
                     "What is known about pembrolizumab monotherapy after prior treatment?",
                     "What proportion of GI cancers are anal cancers?",
                     # a study the review reports is close to a question that names it, however it is worded
                     "Tell me about the Hallemeier protocol.",
                     # an overview of two options asks for no value the review must give for both
                     "Background on abdominal-based versus thigh-based flaps for perineal reconstruction.",
                     # keywords typed as a search, which the guard may read as off the subject: the words match
                     "rct complete regression 80-90%",
                     # a compound whose name part the review uses ('TGF-β'), a table or part it has by name
                     "Are TGF-beta inhibitors being tested in anal cancer?",
                     "Explain the footnote of Table 1.",
                     "Give me the key points of the simple summary.",
                     # the verb before "vs" is not a side of the comparison
                     "What survival did carboplatin-paclitaxel achieve vs cisplatin-5-FU in InterAACT?"):
        a = pipeline.ask(question)
        assert a.mode == "answer", (question, a.reason)



def test_a_value_whose_subject_is_named_earlier_in_its_paragraph_answers(pipeline):
    """"Immune checkpoint inhibitors … approved for approximately 50 cancer types": the count's subject is named
    sentences before it in its paragraph, not only in the sentence before."""
    a = pipeline.ask("Roughly how many cancer types use checkpoint blockers today?")
    assert a.mode == "answer" and "50 cancer types" in a.text, (a.mode, a.reason)


TWO_SERIES_DOC = """Salvage Surgery Series

1. Results

Okafor et al. [1] operated on 90 patients with a recurrence. Salvage surgery gave a 5-year overall survival of 48% in
their series.

Lindqvist et al. [2] reported a 30-day complication rate of 22% in their series, with a hazard ratio for death of 1.9
(95% CI 1.2 to 3.1) for involved margins.

In a later series, Lindqvist et al. [2] reported a 3-year overall survival of 61% after salvage surgery. Unlike the
Okafor et al. study [1], the type of failure did not influence survival.

Patients given immunotherapy after surgery were treated for up to 2 years. A total of 9% completed the 2-year
treatment [1].

References

1. Okafor, A. Salvage surgery for recurrence. J. Test. Surg. 2019, 3, 1-8.
2. Lindqvist, B. Outcomes after salvage surgery. J. Test. Surg. 2022, 6, 9-15.
"""


def test_a_time_point_of_one_study_is_not_lent_to_a_study_named_after_it(tmp_path, embedder):
    """Lindqvist's 3-year figure is followed by a sentence that names Okafor only in passing ("Unlike the Okafor et
    al. study …"): Okafor gave a 5-year figure only, so a 3-year survival of Okafor is declined, Lindqvist's is
    answered."""
    from tests.test_generalise import pipeline_over
    p = pipeline_over(tmp_path, embedder, {"series.txt": TWO_SERIES_DOC})
    a = p.ask("What was the 3-year overall survival in Okafor et al.?")
    assert a.mode == "abstained" and "3-year" in a.reason, (a.mode, a.reason, a.text)
    a = p.ask("What was the 3-year overall survival in Lindqvist et al.?")
    assert a.mode == "answer" and "61%" in a.text, (a.mode, a.reason)


# (question, the mode it gets, a string its answer text (answer) or its reason (abstained) must hold)
TIME_POINT_CASES = [
    ("What was the 30-day complication rate in Lindqvist et al.?", "answer", "22%"),
    ("What was the 90-day complication rate in Lindqvist et al.?", "abstained", "90-day"),
    ("5 yr overall survival in the Lindqvist series?", "abstained", "5 years"),  # (the unit spelt out: lexicon.tidied)
    ("What was the 24-month overall survival in Okafor et al.?", "abstained", "24-month"),  # "2-year treatment"
    ("What hazard ratio for death did Lindqvist et al. report for involved margins?", "answer", "1.9"),
    ("What hazard ratio for death did Okafor et al. report?", "abstained", "ratio")]
# (question, what its reason must not mention): "or for" is no odds ratio (the question is matched in lower case);
# a time point that opens a window is not the time point of the value asked for
NOT_A_REASON = [("Was overall survival better in Lindqvist et al. or for Okafor et al.?", "ratio"),
                ("Did operating within 6 months give better survival in Lindqvist et al.?", "6 months")]


def test_time_points_in_days_and_abbreviated_and_a_hazard_ratio_are_values_of_their_own(tmp_path, embedder):
    """'30-day', '5 yr' are time points like '3-year'; '2-year treatment' is how long a treatment lasted, not a
    time point of a value; a hazard ratio is a kind of value a study may not give."""
    from tests.test_generalise import pipeline_over
    p = pipeline_over(tmp_path, embedder, {"series.txt": TWO_SERIES_DOC})
    for question, mode, needle in TIME_POINT_CASES:
        a = p.ask(question)
        assert a.mode == mode and needle in (a.text if mode == "answer" else a.reason), (question, a.mode, a.reason)
    for question, word in NOT_A_REASON:
        a = p.ask(question)
        assert word not in a.reason, (question, a.mode, a.reason)


@pytest.mark.parametrize("drug", ["irinotecan", "gemcitabine"])
def test_a_drug_named_in_lower_case_that_the_review_never_mentions_is_declined(pipeline, drug):
    """A drug's name is a name even when typed in lower case: its stem ('-tecan', '-citabine') says so."""
    a = pipeline.ask(f"what response rate did {drug} achieve after failure of chemoradiotherapy?")
    assert a.mode == "abstained" and drug in a.reason, (a.mode, a.reason)


STAGE_DOC = """Inguinal Nodes in Anal Cancer

1. Results

Inguinal involvement increases with the size of the primary tumour [1]. It was found in 20% of patients with T3
tumours and in 35% of those with T4 tumours [1]. Small T1 tumours were often treated by local excision.

References

1. Okafor, A. Inguinal nodes. J. Test. Surg. 2019, 3, 1-8.
"""


def test_a_value_given_for_another_stage_does_not_answer_a_question_about_this_one(tmp_path, embedder):
    from tests.test_generalise import pipeline_over
    p = pipeline_over(tmp_path, embedder, {"nodes.txt": STAGE_DOC})
    a = p.ask("How often are the inguinal nodes involved with T1 tumours?")
    assert a.mode == "abstained" and "T1" in a.reason and "T3" in a.reason, (a.mode, a.reason)
    a = p.ask("How often are the inguinal nodes involved with T3 tumours?")
    assert a.mode == "answer" and "20%" in a.text, (a.mode, a.reason)


EXENTERATION_DOC = """Salvage Surgery Outcomes

1. Surgery

Salvage abdominoperineal resection is the standard operation for a recurrence [1]. When the tumour invades nearby
organs, an exenteration may be required instead. Wound healing is slow after either operation.

Okafor et al. [1] reported a 5-year overall survival of 48% after abdominoperineal resection for a recurrence.
Local control reached 70% in their series. The 5-year disease-free survival was 39% after a recurrence was resected.
Survival after resection of a recurrence was better with clear margins (5-year survival 55% vs 20%). A recurrence
in the groin had a 5-year survival of 30% after resection. Five-year survival was 41% for a recurrence after
radiotherapy. Survival at 5 years was 35% when a recurrence was found late.

2. Follow-up

Patients are examined every three months after surgery. Imaging is repeated every six months.

3. Quality of life

Most survivors reported acceptable quality of life. Sexual function was often impaired.

References

1. Okafor, A. Salvage surgery for recurrence. J. Test. Surg. 2019, 3, 1-8.
"""


def test_a_value_asked_for_a_technical_subject_no_passage_gives_it_for_is_declined(tmp_path, embedder):
    """The review names an exenteration but gives no survival after one: the 5-year survival it gives is for the
    abdominoperineal resection. A term the model's vocabulary splits into pieces is a subject, not filler."""
    from tests.test_generalise import pipeline_over
    p = pipeline_over(tmp_path, embedder, {"surgery.txt": EXENTERATION_DOC})
    a = p.ask("What 5-year survival has been reported after exenteration for a recurrence?")
    assert a.mode == "abstained" and "exenteration" in a.reason, (a.mode, a.reason)
    a = p.ask("What 5-year survival has been reported after abdominoperineal resection for a recurrence?")
    assert a.mode == "answer" and "48%" in a.text, (a.mode, a.reason)


@pytest.mark.parametrize("terms", ["vram tram diep flaps", "pembrolizumab nivolumab pd1 atezolizumab durvalumab pdl1",
                                   "t1 small tumour local excision", "proton reirradiation limited data"])
def test_search_terms_that_ask_nothing_and_name_nobody_are_not_deferred(pipeline, terms):
    """Typed like a search box, not a case put to the bot: answered (or declined), never deferred."""
    a = pipeline.ask(terms)
    assert a.mode != "deferred", (a.mode, a.reason)


def test_a_terse_note_that_asks_is_still_deferred(pipeline):
    a = pipeline.ask("pelvic recurrence after crt, unresectable, ct otherwise clean. re-irradiation?")
    assert a.mode == "deferred", (a.mode, a.reason)


@pytest.mark.parametrize("question", [
    "What disease-free survival did Rosen et al. report separately for persistent and recurrent disease?",
    "What was the disease-free survival in Rosen et al. for persistent compared with recurrent disease?"])
def test_a_comparison_asked_as_separately_for_or_compared_with_needs_a_passage_giving_both(pipeline, question):
    """Rosen et al. give one disease-free survival for all patients (the persistent/recurrent cells read NR)."""
    a = pipeline.ask(question)
    assert a.mode == "abstained" and "persistent and recurrent" in a.reason, (a.mode, a.reason)


def test_a_descriptor_beside_only_words_for_a_study_is_declined_by_name(pipeline):
    """'What did the African authors report?': nothing but the description says which study; with a subject
    ('… about flap closure') the other words find passages, and the answer says the description is not stated."""
    a = pipeline.ask("What did the African authors report?")
    assert a.mode == "abstained" and "African" in a.reason, (a.mode, a.reason)
    a = pipeline.ask("What did the African authors report about flap closure?")
    assert a.mode == "answer" and a.text.startswith("The review does not state which study is African"), a.text


def test_a_named_measure_in_words_the_glossary_says_stand_for_each_other_is_the_same_measure(pipeline):
    """Rosen et al. give a 3-year disease-specific survival: asked as cancer-specific survival it is answered;
    Kitaguchi gives none, and that is still declined."""
    a = pipeline.ask("What 3-year cancer-specific survival did Rosen et al. report?")
    assert a.mode == "answer" and "53.8%" in a.text, (a.mode, a.reason)
    a = pipeline.ask("What 3-year cancer-specific survival did Kitaguchi et al. report?")
    assert a.mode == "abstained", (a.mode, a.reason)
