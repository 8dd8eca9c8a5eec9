"""Extractive answers: the most relevant sentences of the review, quoted verbatim, with its own reference numbers.

No generative model: every sentence shown is document text, so every number the user sees is in a quote beside it.
References inherited from the paragraph (a sentence reporting the study its paragraph cites) are shown after the
closing quote mark, never inside it.
"""
from __future__ import annotations

import dataclasses
import functools
import re

import numpy as np

from bot.answer.sources import attach_sources
from bot.retrieve.lexicon import NUMBERS
from bot.retrieve.search import Hit, Ranking, Retriever
from bot.settings import Settings
from bot.text import NOT_THE_DOCUMENT, POINTERS, POINTS_BACK, STOPWORDS, citations_in, table_cells, tokens
from bot.types import Answer, Citation, Document, Sentence, document_labels

ABSTAIN_TEXT = ("The review does not appear to cover this question, so I cannot answer it from the review. "
                "Nothing below answers it; these are only the closest passages, for orientation:")


NOTHING_NEAR = "The review does not appear to cover this question, and no passage of it comes close, so I cannot " \
    "answer it from the review."


def fmt_refs(refs) -> str:
    """[4–10] style: consecutive runs joined with an en dash, like the review itself."""
    refs = sorted(set(refs))
    if not refs:
        return ""
    runs, start, prev = [], refs[0], refs[0]
    for n in refs[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        runs.append(f"{start}\u2013{prev}" if prev - start >= 2 else ",".join(map(str, range(start, prev + 1))))
        if n is not None:
            start = prev = n
    return "[" + ",".join(runs) + "]"


def citation_for(s: Sentence, cells: tuple[int, ...] | None = None) -> Citation:
    """A sentence as a citation. A table record is quoted as the labelled cells that answer (always with the
    study's cell), which the document's table contains cell by cell."""
    if s.kind == "table_record":
        all_cells = table_cells(s.text)
        keep = [all_cells[i] for i in cells] if cells else all_cells
        quote = "; ".join(f"{a}: {b}" for a, b in keep)
        refs = citations_in(quote) or list(s.refs)
    else:
        quote, refs = s.text, list(s.refs)
    return Citation(doc=s.doc_id, section=s.section, quote=quote, start=s.start, end=s.end, refs=refs,
                    context_refs=[n for n in s.context_refs if n not in refs], sentence_id=s.id, page=s.page)


INTRO = "The review says:\n"  # a one-document corpus; with several, the intro names the document quoted
SEVERAL_INTRO = "The documents say:\n"  # quotes from several documents: each line names its document


def _line(c: Citation, label: str = "", where: bool = True) -> str:
    """One quote as shown: the quote, inherited reference numbers after the closing mark, the section (after the
    document's label when the answer quotes several documents) unless `where` is False."""
    extra = fmt_refs(c.context_refs)
    quote = f"\u201c{c.quote}\u201d{(' ' + extra) if extra else ''}"
    if not where:
        return quote
    place = c.section.rstrip(".") if c.section.startswith("Table") else c.section
    place = f"{label}, {place}" if label else place
    return f"{quote} ({place})"


def _lines(citations: list[Citation], labels: dict[str, str] | None = None) -> list[str]:
    """The quotes, one a line, in the order given; a run of quotes from one section names it once, after its
    last quote (the room saved goes to one more quote)."""
    out = []
    for i, c in enumerate(citations):
        nxt = citations[i + 1] if i + 1 < len(citations) else None
        last_of_run = nxt is None or nxt.section != c.section or nxt.doc != c.doc
        out.append(_line(c, labels.get(c.doc, c.doc) if labels is not None else "", where=last_of_run))
    return out


@functools.lru_cache(maxsize=16384)
def _shown_length(s: Sentence, cells: tuple[int, ...] | None = None) -> int:
    """Characters a sentence takes in the answer at most, with its line and its section: a table record as the
    cells it is quoted by."""
    return len(_line(citation_for(s, cells))) + 1


@functools.lru_cache(maxsize=16384)
def _quote_line_length(s: Sentence, cells: tuple[int, ...] | None = None) -> int:
    """Characters a sentence takes at least: its line without the section."""
    return len(_line(citation_for(s, cells), where=False)) + 1


def _text_length(hits: list[Hit], order) -> int:
    """Characters the quotes take in the answer text, in the order `order` sorts them: what `_lines` gives, from
    each line's length with and without its section."""
    ordered = sorted(hits, key=order)
    total = 0
    for i, h in enumerate(ordered):
        s = h.sentence
        nxt = ordered[i + 1].sentence if i + 1 < len(ordered) else None
        if nxt is None or nxt.section != s.section or nxt.doc_id != s.doc_id:
            total += _shown_length(s, h.cells)
        else:
            total += _quote_line_length(s, h.cells)
    return total


def _fits(chosen: list[Hit], used: int, h: Hit, budget: int, order) -> bool:
    """Whether `h` fits beside `chosen`, whose text takes `used` characters: its full line certainly does, its
    quote alone certainly does not; in between, the text is laid out to see."""
    if used + _shown_length(h.sentence, h.cells) <= budget:
        return True
    if used + _quote_line_length(h.sentence, h.cells) > budget:
        return False
    return _text_length(chosen + [h], order) <= budget


def _reading_order(h: Hit):
    return h.sentence.doc_id, h.sentence.start


def _fact_order(first: Sentence):
    """A fact answer's order: its best passage's paragraph first, then the rest in reading order."""
    return lambda h: (h.sentence.paragraph != first.paragraph, h.sentence.doc_id, h.sentence.start)


def _window_candidates(seed: Sentence, retriever: Retriever) -> list[list[Sentence]]:
    """The seed alone, with its previous and/or next sentence of the same paragraph (text only)."""
    if seed.kind != "text":
        return [[seed]]
    i = retriever.position[seed.id]
    sents = retriever.sentences
    prev = sents[i - 1] if i > 0 and sents[i - 1].paragraph == seed.paragraph and sents[i - 1].doc_id == seed.doc_id \
        else None
    nxt = sents[i + 1] if i + 1 < len(sents) and sents[i + 1].paragraph == seed.paragraph \
        and sents[i + 1].doc_id == seed.doc_id else None
    out = [[seed]]
    if prev:
        out.append([prev, seed])
    if nxt:
        out.append([seed, nxt])
    if prev and nxt:
        out.append([prev, seed, nxt])
    return out


def select(ranking: Ranking, retriever: Retriever, settings: Settings, seeds: int = 12) -> list[Hit]:
    """Passage first: an overview question gets the section(s) that treat its topic, one fact question the best
    passage and close runners-up. Both stay within the answer's length budget."""
    if not ranking.hits:
        return []
    budget = min(settings.answer_chars, settings.quote_chars) - len(INTRO)
    query = ranking.query
    overview = ranking.overview >= settings.overview_threshold or query.whole_document
    ranking = _without_metadata(ranking)
    # "What did the KEYNOTE-158 study show?" asks for what a named study found, not for one value: its results,
    # as an overview of that study gives them (`_study_first`), and nothing else
    # (… and so does "What did that DCF study find?" of a study the question describes: `_described_study`)
    asks_findings = not overview and bool((query.named or query.one_study) and query.findings and not query.wants)
    study = (_study_first(ranking, retriever, own_only=True) or _described_study(ranking, retriever)) \
        if asks_findings else None
    if study:
        overview = True  # quoted in reading order, as an overview of the study
        chosen = _overview(ranking, retriever, settings, budget, study)
    elif overview:
        chosen = _overview(ranking, retriever, settings, budget)
    else:
        chosen = _fact(_within_part(ranking, retriever), retriever, settings, budget, seeds)
    order = _reading_order if overview else _fact_order(chosen[0].sentence)
    used = _text_length(chosen, order)
    used += _add_antecedents(ranking, retriever, chosen, budget - used)
    _add_body_source(ranking, retriever, chosen, budget - used, settings)
    chosen.sort(key=_reading_order if overview else _fact_order(chosen[0].sentence))
    return chosen


def _without_metadata(ranking: Ranking) -> Ranking:
    """The title, the keywords and the citation line are quoted only when the question is about the article itself
    (`Ranking.answering`)."""
    kept = ranking.answering()
    return dataclasses.replace(ranking, hits=kept) if kept and len(kept) != len(ranking.hits) else ranking


def _within_part(ranking: Ranking, retriever: Retriever) -> Ranking:
    """"What does the discussion say about …", "big picture from the discussion section: why …": a question that
    names a part of the article is answered from that part when the ranking holds any of its sentences."""
    parts = ranking.query.parts
    if not parts or ranking.query.whole_document:
        return ranking
    inside = [h for h in ranking.hits
              if any(p in retriever.section_titles[retriever.position[h.sentence.id]] for p in parts)]
    return dataclasses.replace(ranking, hits=inside) if inside and len(inside) != len(ranking.hits) else ranking


def _fact(ranking: Ranking, retriever: Retriever, settings: Settings, budget: int, seeds: int) -> list[Hit]:
    """The best passage: a sentence, possibly with the neighbours that complete it (a window of up to three
    sentences of one paragraph, kept when they add the question's missing words), then close runners-up from
    elsewhere."""
    hits = ranking.hits
    query = ranking.query
    best_val, best_window = float("-inf"), [hits[0]]

    def gives_wanted(s: Sentence) -> bool:
        """The sentence has every kind of value the question asks for (the retriever matched each kind against
        every sentence once, at load)."""
        i = retriever.position[s.id]
        return all(retriever.pattern_hits[id(p)][i] for p in query.wants)
    for seed in hits[:seeds]:
        # No window of this seed can beat the best so far: the most its neighbours could add is the question's
        # uncovered share, plus both small bonuses (seeds come best first, so most are skipped here).
        uncovered = 1.0 - seed.coverage if seed.sentence.kind == "text" else 1.0
        if seed.score + 0.3 * uncovered + 0.08 < best_val - 1e-9:
            continue
        for window in _window_candidates(seed.sentence, retriever):
            length = sum(_shown_length(w) for w in window)
            if length > budget and len(window) > 1:
                continue
            members = [ranking.hit(w.id) for w in window]
            gain = retriever.coverage_of(query, [retriever.position[w.id] for w in window]) - \
                max(m.coverage for m in members)
            val = seed.score + 0.3 * gain - 0.02 * (len(window) - 1)
            if query.wants and not gives_wanted(seed.sentence) and any(gives_wanted(m.sentence) for m in members):
                val += 0.05  # a neighbour supplies the kind of value asked for
            nxt = window[-1]
            if len(window) > 1 and nxt.start > seed.sentence.start and _continues(ranking.hit(nxt.id), seed):
                val += 0.03  # the next sentence continues the same point
            if val > best_val:
                best_val, best_window = val, members
    chosen = list(best_window)
    # The sentence after the passage that points back to it ("In this subgroup, the treatment was more effective
    # (PFS 70%)") carries on its point: it comes before runners-up from elsewhere.
    last = max(chosen, key=lambda h: h.sentence.start)
    follower = _next_in_paragraph(ranking, retriever, last)
    if follower and (POINTS_BACK.match(follower[0].sentence.text) or _OTHERS.match(follower[0].sentence.text)
                     or _gives_figures_of(follower[0].sentence, last.sentence, retriever)) and \
            _text_length(chosen + follower, _fact_order(chosen[0].sentence)) <= budget:
        chosen += follower
    order = _fact_order(chosen[0].sentence)
    used = _text_length(chosen, order)
    top = max(h.score for h in chosen)
    para = chosen[0].sentence.paragraph
    for h in hits:
        if len(chosen) >= settings.max_sentences:
            break
        same_para = h.sentence.paragraph == para and h.sentence.doc_id == chosen[0].sentence.doc_id
        # The rest of the best passage's paragraph may add results; elsewhere only close seconds. "Close" is
        # relative to the best sentence, or absolute: a sentence the ranker itself thinks likely to answer.
        relative = settings.keep_same_paragraph if same_para else settings.keep_elsewhere
        absolute = settings.keep_same_paragraph_prob if same_para else settings.keep_elsewhere_prob
        if h.score < top * relative and h.prob < absolute:
            continue
        if h in chosen or _redundant(h.sentence, [c.sentence for c in chosen]):
            continue
        # "In this subgroup, the treatment was more effective" is quoted with the sentence that says which subgroup,
        # or not at all
        group = [a for a in _antecedent(ranking, retriever, h) if a not in chosen] + [h]
        if not (_fits(chosen, used, h, budget, order) if len(group) == 1 else
                _text_length(chosen + group, order) <= budget):
            continue
        chosen.extend(group)
        used = _text_length(chosen, order)
    return chosen


def _study_first(ranking: Ranking, retriever: Retriever, own_only: bool = False) -> list[Hit] | None:
    """An overview of a named study ("Describe the study by Kim et al.", "an overview of the SCARCE trial"): the
    sentences of the paragraphs that report it, those giving results (numbers) first, each group in ranking
    order; then everything else. None when the question does not ask about a named study."""
    query = ranking.query
    if not (query.named and (query.study_asked or query.findings)):
        return None
    reports = np.logical_or.reduce([retriever.token_index.has_all(name) for name in query.named])
    # … and, for what it found, what its paragraph says after naming it ("GADGET-7 was a phase 2 study …. An
    # objective response was achieved in 18%"): the paragraph goes on about the study it introduced
    sents = retriever.sentences
    for i in (np.flatnonzero(reports).tolist() if own_only else []):
        j = i + 1
        while j < len(sents) and sents[j].doc_id == sents[i].doc_id and sents[j].paragraph == sents[i].paragraph \
                and sents[j].kind == "text":
            reports[j] = True
            j += 1
    study = [h for h in ranking.hits if reports[retriever.position[h.sentence.id]]]
    if not study:
        return None
    # Two studies may share a name (Kim 2018, Kim 2024): the one the ranker puts first is the one asked about.
    cited = set(study[0].sentence.refs + study[0].sentence.context_refs)
    if cited:
        study = [h for h in study if cited & set(h.sentence.refs + h.sentence.context_refs)]
    reports = np.zeros(len(reports), dtype=bool)
    reports[[retriever.position[h.sentence.id] for h in study]] = True
    if own_only:  # what the study found, and nothing else
        return _results_first(study, retriever)
    return _results_first(study, retriever) + [h for h in ranking.hits
                                               if not reports[retriever.position[h.sentence.id]]]


def _results_first(study: list[Hit], retriever: Retriever) -> list[Hit]:
    """A study's sentences, those giving results (numbers) first, each group in ranking order; of those, the
    outcomes first ("an objective response was achieved in 11%"): the design and the enrolment ("conducted across
    38 centers", "112 patients were enrolled") say what was studied, not what was found."""
    numbers = retriever.pattern_hits[id(NUMBERS)]
    results = [h for h in study if numbers[retriever.position[h.sentence.id]]]
    return [h for h in results if _OUTCOME.search(h.sentence.text)] + \
        [h for h in results if not _OUTCOME.search(h.sentence.text)] + \
        [h for h in study if not numbers[retriever.position[h.sentence.id]]]


def _described_study(ranking: Ranking, retriever: Retriever) -> list[Hit] | None:
    """An overview of one study the question describes rather than names ("the gist of the DCF study", "what did
    that 38-centre trial find"): when the best passage introduces a study (an author's "et al." and one reference),
    the sentences that report it (citing it, or carrying it as their paragraph's study), results first, as for a
    named study; then nothing else. None otherwise."""
    query = ranking.query
    if query.named or not query.one_study:
        return None
    first = next((h for h in ranking.hits if h.sentence.kind != "caption"), None)
    if first is None or first.sentence.kind != "text" or len(first.sentence.refs) != 1 \
            or not re.search(r"\bet al\b", first.sentence.text):
        return None
    ref = first.sentence.refs[0]
    study = [h for h in ranking.hits if h.sentence.kind == "text"
             and (ref in h.sentence.refs or (not h.sentence.refs and ref in h.sentence.context_refs))]
    return [first] + [h for h in _results_first(study, retriever) if h is not first]


# What a study found, in the words that report an outcome (not its design or its enrolment)
_OUTCOME = re.compile(r"\b(?:respon\w*|surviv\w*|progression|recurr\w*|relaps\w*|control|complications?|mortality|"
                      r"morbidity|toxicit\w*|adverse|regression|remission|PFS|OS|DFS|RFS|ORR|effective\w*|benefit\w*|"
                      r"hazard|died|deaths?|dehiscence|failure)\b")


def _part_first(ranking: Ranking, retriever: Retriever, decay: float, floor: float = 0.0) -> list[Hit] | None:
    """"Summarise the discussion", "what do the conclusions say": that part's sentences only (the ranker may
    prefer a sentence elsewhere that says "summarizes"): the one the ranker puts first (the question may ask for one
    point "per the discussion"), then the rest by score, the k-th sentence of a paragraph counting `decay`**k of
    it, as a summary reads a text: paragraphs' opening sentences first, unless a later one is much the better.
    None when no section has that name."""
    parts = ranking.query.parts
    if not parts:
        return None
    # every sentence of the part, ranked or not (the ranking keeps only its best sentences)
    inside = [ranking.hit(s.id) for i, s in enumerate(retriever.sentences)
              if any(p in retriever.section_titles[i] for p in parts)]
    inside.sort(key=lambda h: -h.score)
    text = [h for h in inside if h.sentence.kind == "text"] or inside
    if not text:
        return None
    if _asks_a_topic(ranking, retriever, inside):
        # A topic within the part ("what does the introduction say about emerging treatments?"): the part's
        # sentences on it, by score, down to the overview floor (the rest of the part is about something else)
        return [h for h in text if h.score >= floor * text[0].score]
    return text[:1] + sorted(text[1:], key=lambda h: (-h.score * decay ** _place_in_paragraph(retriever, h.sentence),
                                                      h.sentence.doc_id, h.sentence.start))


# The words of a request for a part as a whole ("give me a summary of the discussion section", "the main points of
# the conclusions"): no topic within it
_WHOLE_PART = ("summar", "overview", "main", "key", "point", "gist", "section", "part", "takeaway", "message",
               "highlight", "recap", "brief", "short", "say", "tell", "give", "outline", "content", "cover")


def _asks_a_topic(ranking: Ranking, retriever: Retriever, inside: list[Hit]) -> bool:
    """The question names a topic within the part it names: a word of it, not the part's title nor a word of a
    request for the whole part, that the part's sentences use."""
    title = {t for h in inside[:1] for t in tokens(h.sentence.section)}
    used = set().union(*(retriever.sentence_tokens[retriever.position[h.sentence.id]] for h in inside))
    return any(c.word not in title and not c.word.startswith(_WHOLE_PART) and c.word in used
               and not any(c.word.startswith(p) for p in ranking.query.parts)
               for c in ranking.query.concepts)


_SECTION_TOP = 5


def _section_first(ranking: Ranking, retriever: Retriever, decay: float) -> list[Hit] | None:
    """"An overview of immunotherapy", "the role of salvage surgery": when the question names the topic of a
    section (every word of its title, or one of its alternatives), that section treats it. After the best sentence
    anywhere that names the topic (often a summary of it in the abstract or the discussion), the section's sentences
    by score, a paragraph's k-th best counting `decay`**k of it, so that each paragraph (a background, a study, a
    result) has its say before a second sentence of one, unless that one is much the better (`_overview` adds the
    passages elsewhere, down to the overview floor: an unrelated sentence far below is no part of it). The
    document's subject, which every sentence shares, would otherwise pull an overview towards the abstract and the
    introduction. None when no section's title is named, or several sections' are."""
    words = {t for c in ranking.query.concepts for alt in c.alternatives for t in alt}
    titled, title_words = {}, {}
    for i, s in enumerate(retriever.sentences):
        if s.kind != "text" or (s.doc_id, s.section) in titled:
            continue
        title = [t for t in tokens(re.sub(r"^[\d.\s]+", "", s.section)) if not t.isdigit()]
        titled[(s.doc_id, s.section)] = bool(title) and all(t in words for t in title)
        title_words[(s.doc_id, s.section)] = title
    named = [key for key, hit in titled.items() if hit]
    if len(named) != 1:
        return None
    key = named[0]
    # The word may only qualify the question ("the drugs recommended with radiotherapy"): the section treats its
    # topic when it holds one of the best passages
    if not any((h.sentence.doc_id, h.sentence.section) == key for h in ranking.hits[:_SECTION_TOP]):
        return None
    inside = [ranking.hit(s.id) for s in retriever.sentences if (s.doc_id, s.section) == key and s.kind == "text"]
    by_paragraph: dict[int, list[Hit]] = {}
    for h in sorted(inside, key=lambda h: -h.score):
        by_paragraph.setdefault(h.sentence.paragraph, []).append(h)
    order = sorted(by_paragraph, key=lambda p: min(h.sentence.start for h in by_paragraph[p]))
    # The best sentence anywhere that names the topic: one that shares only the document's subject ("Anal squamous
    # cell carcinoma presents a challenge …") says nothing about it.
    names = retriever.token_index.has_all(title_words[key])
    best = next((h for h in ranking.hits if names[retriever.position[h.sentence.id]]), ranking.hits[0])
    lead = [best] + _next_in_paragraph(ranking, retriever, best)
    # A sentence that sums the section's points up ("In short, a salvage APR is …") says what an overview must.
    lead += [h for h in inside if _SUMS_UP.match(h.sentence.text) and h not in lead]
    # Then the section's sentences by score, a paragraph's k-th best counting decay**k of its score: each paragraph
    # gets a say before a second sentence of one paragraph, unless that sentence is much the better.
    rest = [(h.score * decay ** k, -i, h) for i, p in enumerate(order) for k, h in enumerate(by_paragraph[p])
            if h not in lead]
    return lead + [h for _, _, h in sorted(rest, key=lambda t: (-t[0], -t[1]))]


_SUMMARY_PARTS = re.compile(r"\b(abstract|discussion|conclusions?|front matter|summary)\b", re.I)


def _background_first(ranking: Ranking, retriever: Retriever) -> list[Hit] | None:
    """"Background on immune checkpoint inhibitors": the section holding the best passage on the topic (the
    introduction or a body section; not the abstract, the discussion or the conclusions, which restate it), its
    sentences in reading order — what it sets out first, before its studies. None when the question asks for no
    background or no such section ranks among the best passages."""
    if not ranking.query.background:
        return None
    best = next((h for h in ranking.hits[:_SECTION_TOP] if h.sentence.kind == "text"
                 and not _SUMMARY_PARTS.search(h.sentence.section)), None)
    if best is None:
        return None
    key = (best.sentence.doc_id, best.sentence.section)
    return [ranking.hit(s.id) for s in retriever.sentences if (s.doc_id, s.section) == key and s.kind == "text"]


# A discourse marker with its comma: "Overall, …" sums up; "Overall survival was …" does not.
_SUMS_UP = re.compile(r"^(In short|In summary|In sum|In brief|In conclusion|To summari[sz]e|To sum up|Taken together|"
                      r"Overall|All in all),")


def _place_in_paragraph(retriever: Retriever, s: Sentence) -> int:
    """0 for the first sentence of its paragraph, 1 for the second, …"""
    i = k = retriever.position[s.id]
    sents = retriever.sentences
    while k > 0 and sents[k - 1].paragraph == s.paragraph and sents[k - 1].doc_id == s.doc_id:
        k -= 1
    return i - k


def _table_first(ranking: Ranking, retriever: Retriever) -> list[Hit] | None:
    """"Compare the outcomes across the studies tabulated", "what does the table of immunotherapy studies show":
    the records of the table asked about, in ranking order, then the other passages (not the other tables'
    records, captions or notes). The table is the one the question names by number or by a word of its title
    that the other tables lack; otherwise, or among several, the one the ranker puts first (by a record or its
    caption). None when the question asks about no table."""
    query = ranking.query
    if not query.tables or not retriever.tables:
        return None
    words = {t for c in query.concepts for alt in c.alternatives for t in alt}
    tables = [t for t, (number, _) in retriever.tables.items() if number in query.table_numbers] or \
        list(retriever.tables)
    tables = [t for t in tables if retriever.tables[t][1] & words] or tables
    first = next(((h.sentence.doc_id, h.sentence.section) for h in ranking.hits
                  if (h.sentence.doc_id, h.sentence.section) in tables), None)
    rows = [h for h in ranking.hits if h.sentence.kind == "table_record"
            and (h.sentence.doc_id, h.sentence.section) == first]
    rest = [h for h in ranking.hits if h not in rows and h.sentence.kind != "table_record"
            and (h.sentence.doc_id, h.sentence.section) not in set(retriever.tables) - {first}]
    return rows + rest if rows else None


def _overview(ranking: Ranking, retriever: Retriever, settings: Settings, budget: int,
              study: list[Hit] | None = None) -> list[Hit]:
    """An overview uses the whole budget: the best sentences in ranking order, from whichever paragraphs and
    sections treat the topic, down to `overview_floor` of the best score. An overview of one named study quotes
    what that study found (`_study_first`), however far the ranker scores its results below its opening sentence."""
    chosen: list[Hit] = []
    used = 0
    top = ranking.hits[0].score
    study = study or _study_first(ranking, retriever) or _described_study(ranking, retriever) or \
        _part_first(ranking, retriever, settings.section_depth_decay, settings.overview_floor) or \
        _table_first(ranking, retriever)
    section = None if study else (_section_first(ranking, retriever, settings.section_depth_decay)
                                  or _background_first(ranking, retriever))
    if section:  # the section's sentences, then the passages elsewhere as for any overview (down to the floor)
        # The section is found from the words of its title; the ranker's best passage may sit elsewhere ("When is
        # systemic treatment indicated rather than salvage surgery?" names the salvage surgery section, and is
        # answered in the chemotherapy section): it comes first.
        first = next((h for h in ranking.hits if h.sentence.kind != "caption"), None)
        if first is not None and first not in section:
            section = [first] + section
        seen = {h.sentence.id for h in section}
        section += [h for h in ranking.hits if h.sentence.id not in seen and h.score >= settings.overview_floor * top]
    for h in study or section or ranking.hits:
        if h.score < settings.overview_floor * top and study is None and section is None:
            break
        if h.sentence.kind == "caption" and not (ranking.query.tables or ranking.query.figures):
            continue  # a title or footnote reports nothing, unless the question is about the table or figure
        if h.sentence.kind == "front" and not (ranking.query.about_article or ranking.query.whole_document):
            continue  # the abstract restates the body, without its references or its figures: the body speaks
        if h in chosen or _redundant(h.sentence, [c.sentence for c in chosen]):
            continue
        # "This regimen has shown …" is quoted with the sentence that names the regimen, or not at all
        group = [a for a in _antecedent(ranking, retriever, h) if a not in chosen] + [h]
        # "So, sexual behavior and immunosuppression are the key elements" spells out the point of the sentence
        # before it: the two are quoted together when both fit
        follower = [f for f in _next_in_paragraph(ranking, retriever, h)
                    if f not in chosen and _SPELLS_OUT.match(f.sentence.text)
                    and not _redundant(f.sentence, [c.sentence for c in chosen + group])]
        if follower and _text_length(chosen + group + follower, _reading_order) <= budget:
            group += follower
        fits = _fits(chosen, used, h, budget, _reading_order) if len(group) == 1 else \
            _text_length(chosen + group, _reading_order) <= budget
        if not fits:
            continue
        chosen.extend(group)
        used = _text_length(chosen, _reading_order)
    if study is None and section is None:
        _fill_gaps(ranking, retriever, chosen, budget)
        used = _text_length(chosen, _reading_order)
        _add_continuations(ranking, retriever, chosen, budget - used)
    return chosen or [next((h for h in ranking.hits if h.sentence.kind != "caption"), ranking.hits[0])]


# Openings that point back to the sentence before (POINTERS, POINTS_BACK: bot/text.py). _ANAPHOR: those and "It" (a
# next sentence that continues the seed's point); _REFERS_BACK: those, "It" and the connectives that say how the
# sentence follows on ("So", "However", "Unlike …").
_ANAPHOR = re.compile(rf"^(?:It|{POINTERS})\b{NOT_THE_DOCUMENT}")
_REFERS_BACK = re.compile(rf"^(?:(?:It|{POINTERS})\b{NOT_THE_DOCUMENT}|(?:So|Thus|Therefore|Hence|Consequently|As a "
                          r"corollary|As a result|In short|Indeed|However|Nevertheless|Conversely|Similarly|Likewise|"
                          r"Unlike)\b)")


# The next sentence names the alternatives to what this one names ("Other options may include 5-FU and cisplatin")
_OTHERS = re.compile(r"^Other\s+[a-z]+s\b")
# The next sentence draws the point out ("So, … are the key elements", "These immunomodulators are now used …").
_SPELLS_OUT = re.compile(rf"^(?:{POINTERS}\b{NOT_THE_DOCUMENT}|(?:So|Thus|Therefore|Hence|Consequently)\b)")


_FIGURE = re.compile(r"\d(?:[.,]\d+)?\s?%|\b\d+\.\d+\b")
# A finding stated in words: a comparison or an effect ("no significant difference", "improved", "similar").
_FINDING = re.compile(r"\b(?:differ\w*|significant\w*|similar\w*|improv\w*|better|worse|higher|lower|increas\w*|"
                      r"decreas\w*|reduc\w*|associated|correlat\w*|benefit\w*|superior|inferior|comparable)\b", re.I)


def _gives_figures_of(nxt: Sentence, s: Sentence, retriever: Retriever) -> bool:
    """`nxt` gives the figures of the finding `s` states in words ("no significant difference in the overall
    survival between early and late salvage …" — "The overall survival of the early salvage group was 48.4%, …"):
    `s` states a comparison or an effect (`_FINDING`) with no figure (a percentage or a decimal: "within 6 months"
    is part of what it compares), `nxt` has one and names at least two of the words `s` names (not the document's
    subject)."""
    if _FIGURE.search(s.text) or not _FIGURE.search(nxt.text) or not _FINDING.search(s.text):
        return False
    subject = retriever.lexicon.subject
    shared = {t for t in _words(s.text) & _words(nxt.text)
              if t not in STOPWORDS and t not in subject and not t[:1].isdigit()}
    return len(shared) >= 2


def _antecedent(ranking: Ranking, retriever: Retriever, h: Hit) -> list[Hit]:
    """The sentence before `h` in its paragraph when `h` opens by pointing back to it ("This regimen …", "These
    results …"), as a hit; [] otherwise."""
    s = h.sentence
    i = retriever.position[s.id]
    if s.kind != "text" or i == 0 or not POINTS_BACK.match(s.text):
        return []
    prev = retriever.sentences[i - 1]
    if prev.paragraph != s.paragraph or prev.doc_id != s.doc_id or prev.kind != "text":
        return []
    return [ranking.hit(prev.id)]


def _fill_gaps(ranking: Ranking, retriever: Retriever, chosen: list[Hit], budget: int) -> None:
    """An overview that quotes most of one paragraph quotes it whole: a sentence skipped between two chosen ones of
    a paragraph that gives three or more takes the place of a lone sentence from elsewhere (the lowest scored),
    when it fits there."""
    by_para: dict = {}
    for h in chosen:
        by_para.setdefault((h.sentence.doc_id, h.sentence.paragraph), []).append(h)
    for key, hs in list(by_para.items()):
        if len(hs) < 3:
            continue
        lo = min(retriever.position[h.sentence.id] for h in hs)
        hi = max(retriever.position[h.sentence.id] for h in hs)
        gaps = [ranking.hit(retriever.sentences[i].id) for i in range(lo + 1, hi)
                if retriever.sentences[i].kind == "text" and ranking.hit(retriever.sentences[i].id) not in chosen]
        for g in sorted(gaps, key=lambda h: -h.score):
            lone = [h for h in chosen if len(by_para[(h.sentence.doc_id, h.sentence.paragraph)]) == 1]
            if not lone:
                return
            out = min(lone, key=lambda h: h.score)
            trial = [h for h in chosen if h is not out] + [g]
            if _text_length(trial, _reading_order) <= budget:
                chosen.remove(out)
                chosen.append(g)
                by_para[(out.sentence.doc_id, out.sentence.paragraph)] = []
                hs.append(g)


def _add_continuations(ranking: Ranking, retriever: Retriever, chosen: list[Hit], room: int) -> None:
    """Room left in an overview goes to what the chosen sentences' paragraphs say next, best sentence first: a
    sentence that opens a point ("A study … found notable side effects") is followed by the one that spells it
    out ("Impotence, dyspareunia and urinary impairment were …")."""
    for h in list(chosen):
        for hit in _next_in_paragraph(ranking, retriever, h):
            nxt = hit.sentence
            if hit in chosen or _redundant(nxt, [c.sentence for c in chosen]) or _shown_length(nxt) > room:
                continue
            chosen.append(hit)
            room -= _shown_length(nxt)


def _next_in_paragraph(ranking: Ranking, retriever: Retriever, h: Hit) -> list[Hit]:
    """The sentence after `h` in its paragraph, as a hit ([] at a paragraph's end or after a table record)."""
    i = retriever.position[h.sentence.id] + 1
    if i >= len(retriever.sentences):
        return []
    nxt = retriever.sentences[i]
    if nxt.doc_id != h.sentence.doc_id or nxt.paragraph != h.sentence.paragraph or nxt.kind != "text":
        return []
    return [ranking.hit(nxt.id)]


# A sentence that opens by pointing back ("In this subgroup, …", "So, sexual behavior and immunosuppression are the
# key elements", "Unlike the Kitaguchi et al. study, …") says what it says about the sentence before it
# (_REFERS_BACK, above).


def _add_antecedents(ranking: Ranking, retriever: Retriever, chosen: list[Hit], room: int) -> int:
    """Quote the sentence a chosen sentence points back to (the one before it in its paragraph), when there is
    room, so that "this subgroup" or "so" can be read. Returns the characters added."""
    added = 0
    for h in list(chosen):
        s = h.sentence
        i = retriever.position[s.id]
        if s.kind != "text" or i == 0 or not _REFERS_BACK.match(s.text):
            continue
        prev = retriever.sentences[i - 1]
        if prev.paragraph != s.paragraph or prev.doc_id != s.doc_id or prev.kind != "text":
            continue
        hit = ranking.hit(prev.id)
        length = _shown_length(prev)
        if hit in chosen or added + length > room:
            continue
        chosen.insert(chosen.index(h), hit)
        added += length
    return added


def _add_body_source(ranking: Ranking, retriever: Retriever, chosen: list[Hit], room: int,
                     settings: Settings) -> None:
    """An abstract or summary sentence restates the body without references: add the body sentence that says
    the same thing (closest in meaning among the top hits), so the point can be checked against its sources."""
    if ranking.query.about_article or ranking.query.whole_document or len(chosen) >= settings.max_sentences + 1:
        return
    for h in list(chosen):
        if h.sentence.kind != "front":
            continue
        v = retriever.sentence_matrix[retriever.position[h.sentence.id]]
        body = [b for b in ranking.hits[:15] if b.sentence.kind == "text" and b not in chosen
                and (b.sentence.refs or b.sentence.context_refs) and _shown_length(b.sentence) <= room]
        if not body:
            continue
        twin = max(body, key=lambda b: float(v @ retriever.sentence_matrix[retriever.position[b.sentence.id]]))
        if float(v @ retriever.sentence_matrix[retriever.position[twin.sentence.id]]) >= 0.6:
            chosen.append(twin)
            room -= _shown_length(twin.sentence)


def _continues(nxt: Hit, seed: Hit) -> bool:
    """The next sentence carries on the seed's point: it is relevant in its own right, or it refers back to it
    ("In this subgroup, the treatment was more effective (PFS 70%)")."""
    if nxt.score < 0.4 * seed.score:
        return False
    return (nxt.coverage >= 0.25 and nxt.score >= 0.5 * seed.score) or bool(_ANAPHOR.match(nxt.sentence.text))


@functools.lru_cache(maxsize=8192)
def _words(text: str) -> frozenset[str]:
    """A sentence's words, computed once per sentence text (the redundancy check meets the same sentences for
    every question)."""
    return frozenset(tokens(text))


@functools.lru_cache(maxsize=8192)
def _content_words(s: Sentence) -> frozenset[str]:
    """What a sentence says: a table record's cell values, not the column labels every record of its table
    repeats (two studies' rows are different points)."""
    if s.kind == "table_record":
        cells = table_cells(s.text)
        if cells:
            return frozenset(tokens(" ".join(value for _, value in cells)))
    return _words(s.text)


def _redundant(s: Sentence, chosen: list[Sentence]) -> bool:
    """The abstract and discussion restate the body: do not quote the same point twice. A sentence of the same
    study with a number the other lacks says something else ("2.0 months … in the PD-L1-negative" beside "2.1
    months … in the PD-L1-positive"); another study's sentence in the same words is still left out."""
    words = _content_words(s)
    numbers = {t for t in words if t[:1].isdigit()}
    cited = set(s.refs + s.context_refs)
    return _repeats(words, [_content_words(c) for c in chosen
                            if not (numbers - _content_words(c) and cited & set(c.refs + c.context_refs))])


def _repeats(a: frozenset[str], chosen: list[frozenset[str]]) -> bool:
    """`_redundant` on content words already worked out."""
    if not a:
        return False
    for b in chosen:
        if b and len(a & b) / min(len(a), len(b)) > 0.7:
            return True
    return False


def _quote_length(s: Sentence, cells: tuple[int, ...] | None) -> int:
    """Characters of a sentence's quote (a table record's: the cells it is quoted by)."""
    return len(s.text) if s.kind != "table_record" else _record_quote_length(s, cells)


@functools.lru_cache(maxsize=8192)
def _record_quote_length(s: Sentence, cells: tuple[int, ...] | None) -> int:
    return len(citation_for(s, cells).quote)


def further_passages(ranking: Ranking, chosen: list[Hit], settings: Settings, limit: int = 6) -> list[Hit]:
    """The next passages by rank that the answer does not quote, within what is left of the quote budget: listed
    with the sources ("further passages"), so a reader sees what else the review says nearby."""
    room = settings.quote_chars - sum(_quote_length(h.sentence, h.cells) for h in chosen)
    out: list[Hit] = []
    quoted = {h.sentence.id for h in chosen}
    words = [_content_words(h.sentence) for h in chosen]
    for h in ranking.hits:
        if len(out) >= limit or room <= 0:
            break
        if h.sentence.kind == "front" or (h.sentence.id in quoted and h in chosen):
            continue
        mine = _content_words(h.sentence)
        if _repeats(mine, words):
            continue
        length = _quote_length(h.sentence, h.cells)
        if length <= room:
            out.append(h)
            words.append(mine)
            room -= length
    return out


def compose(question: str, chosen: list[Hit], documents: dict[str, Document], further: list[Hit] = (),
            limit: int | None = None) -> Answer:
    """Quotes in reading order, one a line, inherited reference numbers after the quote; a run of quotes from one
    section names the section once, after its last quote. The further passages follow as citations that the answer
    text does not quote (`in_answer` False).

    With one document the text opens "The review says:". With several documents in the corpus it names the document
    it quotes ("Whitfield 2024 says:"), or each quote's document when it quotes several; quotes that would then take
    the text over `limit` characters move to the further passages."""
    citations = [citation_for(h.sentence, h.cells) for h in chosen]
    extra = [dataclasses.replace(citation_for(h.sentence, h.cells), in_answer=False) for h in further]
    if len(documents) <= 1:
        text = INTRO + "\n".join(_lines(citations))
    else:
        labels = document_labels(documents)
        while True:
            quoted = list(dict.fromkeys(c.doc for c in citations))
            if len(quoted) == 1:
                text = f"{labels.get(quoted[0], quoted[0])} says:\n" + "\n".join(_lines(citations))
            else:
                text = SEVERAL_INTRO + "\n".join(_lines(citations, labels))
            if limit is None or len(text) <= limit or len(citations) <= 1:
                break
            extra.insert(0, dataclasses.replace(citations.pop(), in_answer=False))
    answer = Answer(question=question, mode="answer", text=text, citations=citations + extra)
    return attach_sources(answer, documents)


def abstain(question: str, hits: list[Hit], reason: str, documents: dict[str, Document] | None = None) -> Answer:
    """Say the review does not cover it; show the nearest passages labelled as not answering. With several
    documents in the corpus, the text speaks of the documents and each passage names its document."""
    nearest = [citation_for(h.sentence, h.cells) for h in hits[:2]]
    labels = document_labels(documents) if documents and len(documents) > 1 else {}
    lines = [f"- ({labels[c.doc] + ', ' if c.doc in labels else ''}{c.section}) "
             f"\u201c{c.quote[:300]}{'…' if len(c.quote) > 300 else ''}\u201d" for c in nearest]
    if labels:
        text = (SEVERAL_ABSTAIN_TEXT + "\n" + "\n".join(lines)) if lines else SEVERAL_NOTHING_NEAR
    else:
        text = (ABSTAIN_TEXT + "\n" + "\n".join(lines)) if lines else NOTHING_NEAR
    answer = Answer(question=question, mode="abstained", text=text, nearest=nearest, reason=reason)
    return attach_sources(answer, documents) if documents else answer


SEVERAL_ABSTAIN_TEXT = ("The documents do not appear to cover this question, so I cannot answer it from them. "
                        "Nothing below answers it; these are only the closest passages, for orientation:")
SEVERAL_NOTHING_NEAR = ("The documents do not appear to cover this question, and no passage of them comes close, so "
                        "I cannot answer it from them.")
