"""How a question words what it asks: the words that ask about a value rather than name a subject, and the patterns
that find the measure asked (a named survival, a rate of something, a time to an event, a duration), a grade, a time
point, a subgroup, a count and what it counts. Read by the scope check's value rules (bot/guard/values.py) and its
checks by a question's shape (bot/guard/shapes.py). Knowledge of English question wording, not of any document.
"""
from __future__ import annotations

import re

from bot.text import tokens


# Words that ask *about* a value rather than name a subject: never the question's focus.
QUESTION_WORDS = set(tokens("""what which how many much long likely common often percentage proportion share fraction
rate rates dose doses dosage given use used report reported find found show showed study studies trial trials
patient patients result results outcome outcomes value number median mean year years month months time per
effect effects benefit benefits advantage advantages disadvantage disadvantages drawback drawbacks pros cons
role data evidence treatment treatments therapy option options use does did
is are was were say says mention mentions describe discuss discussed give gives one two three four five six
single first second ii iii phase group groups arm arms now currently nowadays today roughly approximately
around et al achieve achieved achieves reach reached attain attained obtain obtained observe observed see seen
summarise summarize summary overview outline explain
multicentre multicenter multicentric monocentric centre center institution institutional arm randomised randomized
prospective retrospective cohort registry database series paper papers publication publications article
compared compare compares comparing comparison versus vs against
undergo undergoes underwent undergone undergoing
linked link links associated attributable attributed related""",
                       keep_stopwords=True))


def surface_terms(question: str) -> list[str]:
    """Words of the question as typed, with their case (to spot names and acronyms)."""
    return re.findall(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*", question)


# "How often …", "how frequent …" of a study's result ask for a share as much as "what percentage" does. (Not of the
# disease in general, nor "what % …" of it: the review may say it in other words, "high rates of tumour regression".)
HOW_OFTEN = re.compile(r"\bhow (?:often|frequent(?:ly)?)\b")


# A subgroup of a study's patients: "PD-L1-negative patients", "patients with a PD-L1 CPS below 5", "patients who
# received IORT", "among HIV-positive patients". (Not "the control arm": the value's sentence names an arm by its
# label, "43% for group B", after the sentence that says which group is the control.)
# A group of people by sex, age or habit: a subgroup whatever words the documents use ("women", "patients older than
# 70", "the over-75s", "smokers"); its `age` group marks an age, which a sentence may give as one ("aged 70 or more")
DEMOGRAPHIC = re.compile(r"\b(?:wom[ae]n|(?<!-)men|females?|males?|girls|boys|children|adolescents|elderly|"
                         r"(?:non-?)?smokers|obese|pregnant)\b"
                         r"|(?P<age>\b(?:older|younger|aged?)\s+(?:than\s+)?(?:\d{2}|sixty|seventy|eighty)\b"
                         # ("over 60 months", "over 70 patients": a duration or a count, not an age)
                         r"|\b(?:over|under|above|below)\s+\d{2}\b(?!\s*(?:%|percent|months?|years?|weeks?|days?|mo|"
                         r"gy|patients|cases|studies|centers|centres))"
                         r"|\b(?:older|younger|elderly) (?:patients|adults|people)\b|\bthe over-\d{2}s\b)")
# A share of the patients with some attribute: "what proportion of patients (in X) received IORT", "what percentage
# of the cohort had positive margins": the value counts the attribute
SHARE_OF = re.compile(r"\b(?:proportion|percentage|share|fraction|percent)\s+of\s+(?:the\s+)?(?:[\w.'-]+\s+){0,4}?"
                      r"(?:patients|participants|cohort|cases|people|subjects)\s+(?:[\w.'-]+\s+){0,4}?"
                      r"(?:who\s+)?(?:actually\s+)?(?P<verb>had|received|underwent|developed|experienced|got|needed|"
                      r"required|achieved|showed)\s+(?:an?\s+|the\s+|any\s+)?"
                      # (not a phrasal verb: "got through without any complication" names no attribute)
                      r"(?!(?:through|over|by|up|out|away|along|past|without|with|off)\b)"
                      r"(?P<what>[\w-]+(?:\s+[\w-]+){0,2})")
# … and with the patients said before: "Of the 112 patients, what proportion were PD-L1 positive?"
SHARE_OF_THEM = re.compile(r"\b(?:what|which)\s+(?:proportion|percentage|share|fraction|percent)\s+(?:of\s+(?:them|these|"
                           r"those)\s+)?(?P<verb>were|was|had|received|underwent|developed|experienced|got|needed|"
                           r"required|achieved|showed)\s+(?:an?\s+|the\s+|any\s+)?"
                           r"(?!(?:through|over|by|up|out|away|along|past|without|with|off|alive|still)\b)"
                           r"(?P<what>[\w-]+(?:\s+[\w-]+){0,2})")
# … and a count of them: "Of the 21 patients who developed a local recurrence, how many underwent further surgery?"
COUNT_OF_THEM = re.compile(r"\bof\s+(?:the|these|those)\s+\d[\d,.]*%?\s[^?]*?,\s*how many\s+(?:of\s+(?:them|these|those)\s+)?"
                           r"(?:(?:patients|people|participants|cases)\s+)?(?P<verb>were|was|had|received|underwent|"
                           r"developed|experienced|got|needed|required|achieved|showed|stopped|discontinued)\s+"
                           r"(?:an?\s+|the\s+|any\s+)?(?!(?:through|over|by|up|out|away|along|past|without|with|off|"
                           r"alive|still)\b)(?P<what>[\w-]+(?:\s+[\w-]+){0,2})")
# A question that opens by asking for a reason: "why …", "what explains …", "how come …"
REASON_ASKED = re.compile(r"\W*(?:(?:and|so|but|ok|okay)\W+)?(?:why\b|how come\b|for what reasons?\b|what (?:explains|makes|"
                          r"made|causes|caused|drives|drove|accounts for|is behind|lies behind)\b|what is the "
                          r"(?:reason|explanation|cause)\b)")
AGE_WORDS = set(tokens("age aged older younger elderly"))
SUBGROUP = re.compile(
    r"\b([a-z0-9][\w-]*-(?:positive|negative))\s+(?:patients|pts|tumou?rs|group|subgroup|disease|participants)\b"
    # ("the 21 patients in Hagemans' series who had local recurrence": the study between them)
    r"|\b(?:patients|pts|participants|those)\s+(?:(?:in|of|from)\s+(?:[\w'’-]+\s+){1,3}?(?=who\s))?"
    r"(?:with an?|with|who (?:had|received|underwent|were given|got|were treated with)|"
    r"receiving|given)\s+((?:an?\s+|the\s+)?[a-z0-9][\w-]*(?:\s+(?!(?:in|at|of|on|after|before|during|from|and|or|without|alone|except|but|"
    r"to|for|have|had|has|achieve|achieved|did|do|does|was|were|is|are|undergo|underwent|undergoing|receive|"
    r"received|get|got|reach|reached|survive|survived|live|lived|experience|experienced|develop|developed|respond|"
    r"responded|show|showed|need|needed|go|went|remain|remained|than|versus|vs|compared)\b)[a-z0-9][\w-]*){0,3})"
    r"|\bamong\s+((?:the\s+|all\s+)?[a-z0-9][\w-]*(?:\s+[a-z0-9][\w-]*)?)\s+(?:patients|pts|participants)\b"
    # "for persistent disease", "in recurrent disease": a value asked for the patients with one state of the disease
    # (not "in the control arm": a study may call its arms by letters, "group B")
    r"|\b(?:for|in)\s+(?:the\s+|those\s+with\s+)?([a-z0-9][\w-]*(?:\s+[a-z0-9][\w-]*)?\s+disease)\b")


# The study's own population, not a subgroup: "the trial of 25 PD-L1-positive patients", "the phase 1b trial of an
# anti-PD-1 antibody in 25 PD-L1-positive patients", "the trial that enrolled 25 PD-L1-positive patients" (a count of
# them: the cohort's size)
STUDY_OF = re.compile(r"\b(?:stud(?:y|ies)|trial|cohort|series|review|analysis)\s+(?:(?:of|in|on|with)\s+"
                      r"(?:[\w-]+\s+){0,2}|(?:[\w-]+,?\s+){0,8}\d[\d,]*\s+)$")


# A time point: "3-year", "12 months", "5 y"; in months.
# Not an age ("62-year-old"), nor how long a treatment lasts ("completed the 2-year treatment").
TIME_POINT = re.compile(r"\b(\d{1,3})[- ]?(years?|yrs?|y|months?|mo|weeks?|wk|days?|d)\b"
                        r"(?![- ]?(?:old|of age|treatment|therapy|course|regimen|schedule|program))", re.I)


# The most specific first: "disease-free survival" is a different measure from the "overall survival" a passage
# may give; "median time to local recurrence" asks for a duration of recurrence, not of survival.
MEASURE = re.compile(r"\b([a-z][a-z-]{2,}-free|objective|complete|partial|cancer-specific|disease-specific|"
                     r"overall(?=\s+survival)|response)\s+"
                     r"(?:survival|responses?|rates?)\b"
                     r"|\btime to (?:[a-z]+ ){0,2}?([a-z]{4,}(?:ence|ssion|ion|ure|ths?))\b"
                     r"|\b(survival|mortality|incidence|prevalence)\b"
                     r"|\b(?!(?:the|its|their|this|that|these|actual|exact|real|true)\s)([a-z][a-z-]{2,})\s+"
                     r"(?:rates?|percentages?|proportions?)\b"
                     r"|\b(?:rates?|percentages?|proportions?) of (?:the )?([a-z][a-z-]{2,}(?: (?!after|before|in|with|"
                     r"for|among|following|at|by|on|and|or|versus|vs)[a-z][a-z-]{2,}){0,2})\b")
# A grade of severity ("grade 3", "grade 3-4", "grade ≥3", "Clavien-Dindo grade III"): a value of a graded measure is
# given for that grade.
GRADE = re.compile(r"\bgrades?\s*(?:[≥>]=?\s*)?(?:[1-5]|i{1,3}v?|iv|v)\b", re.I)
# A duration between two events ("the median time to salvage APR", "the interval from CRT to surgery")
TIME_TO = re.compile(r"\btime (?:to|from|until|between)\b|\binterval\b|\bdelay\b", re.I)
# The measure of a duration: "duration of (the) response", "response duration", "how long did responses … last",
# "the median follow-up".
DURATION_OF = re.compile(r"\bduration of (?:the |an? |their |its )?([a-z][a-z-]{2,})"
                         r"|\b(?!(?:median|mean|average|overall|total|the|its|their)\b)([a-z][a-z-]{2,})"
                         r" duration\b(?! of)"
                         r"|\bhow long (?:did|do|does|will|would) (?:the |their |its )?([a-z][a-z-]{2,})\b"
                         r"[^?.;]{0,60}?"
                         r"\b(?:last|persist|endure)\w*"
                         r"|\bmedian (follow-up|follow up)\b"
                         # the time spent in hospital: "length of (hospital) stay", "hospital stay"
                         r"|\blength of (?:\w+ )?(stay)\b|\b(?:hospital|inpatient) (stay)\b"
                         r"|\bhow long [^?.;]{0,40}?\b(stay)(?:ed|s)?\s+(?:in\s+(?:the\s+)?)?(?:hospital|inpatient)")
# A named measure, whole: "disease-free survival", "objective response rate"
NAMED_MEASURE = re.compile(r"(?:[a-z][a-z-]{2,}-free|objective|complete|partial|cancer-specific|disease-specific|overall|"
                           r"response)\s+(?:survival|responses?|rates?)|[a-z]+ response rate")
RATE_OF = re.compile(r"\b(?:rates?|incidence|risk|frequency|odds|likelihood|chance) of (?:an? |the )?([a-z][\w-]+)")
POPULATION = set(tokens("patients people persons participants subjects cases men women individuals"))
SIZE_WORDS = set(tokens("n"))  # "n = 96" counts the patients too
# A question about a study's size: "how many patients were in / did it include", "the number of patients enrolled"
SIZE_ASKED = re.compile(r"\b(?:how many|number of) (?:patients|people|participants|subjects|cases)\b"
                        r"(?: (?:were|was|are|did|does|do|had|has|have)(?: the| it| they| this| that)?)?"
                        r"(?: [\w-]+){0,4}? (?:in|included?|enrol\w*|enroll\w*|stud\w*|analy[sz]\w*|recruit\w*|"
                        r"treated|involved|participat\w*)\b|\b(?:sample|cohort|study) size\b")
# … unless they are counted for an event: "how many patients in Rosen et al. developed a local recurrence"
EVENT_COUNTED = re.compile(r"\bhow many (?:patients|people|participants|subjects|cases)\b.*\b(?:developed|had|experienced|"
                           r"died|relapsed|recurred|progressed|achieved|responded|required|needed|suffered|showed|reached|"
                           r"survived|remained|were alive|were free)\b")
# "How many studies / trials / centres …": the units a study is made of, which its patients do not count; each
# with the words that count the same kind of unit (a review's studies may be "28 retrospective case series")
STUDY_UNITS = re.compile(r"\b(?:how many|number of)\s+(studies|trials|series|papers|articles|publications|cohorts|"
                         r"centres|centers|sites|institutions|hospitals|countries|cycles|courses)\b")
UNIT_KINDS = [r"stud(?:y|ies)|trials?|series|papers?|articles?|publications?|cohorts?",
              r"cent(?:re|er)s?|sites?|institutions?|hospitals?", r"countr(?:y|ies)", r"cycles?|courses?"]
COUNTED = re.compile(r"\b(?:how many|number of)\s+((?:[a-z][\w-]*\s+){0,1}[a-z][\w-]*)")
# A word that names a drug or a study, as typed: capitalised inside the sentence, an acronym, or a drug suffix.
DRUG_OR_NAME = re.compile(r"^[A-Z][a-z]+$|[A-Z]{2,}|(?:mab|nib|platin|taxel|rubicin|cycline|fluorouracil)$")


# "What results did X give", "how did X perform", "has X been tested": the question asks what is known of X's effect.
ASKS_RESULTS = re.compile(r"\b(results?|outcomes?|perform\w*|efficacy|effective\w*|work(ed|s)?|tested|trials? of|"
                          r"data|evidence|response|survival|benefit|activity|active|shown|showed|helps?|helped|"
                          r"success\w*|how well)\b")
# A drug by its name's ending (a monoclonal antibody, a kinase inhibitor, a platinum or taxane).
DRUG_ENDING = re.compile(r"(mab|nib|tinib|platin|taxel|rubicin|cycline)$")
# A result: a percentage, a number of months, a ratio or a count of patients (not a year or a reference number).
RESULT = re.compile(r"\d(\.\d+)?\s?(%|months?)|\b\d+\s+(patients|participants|cases)\b|\bratio\b|\bHR\b")
