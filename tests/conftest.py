"""Shared fixtures. Every test that touches state points the bot at a temporary corpus and index (the
ASCC_BOT_CORPUS / ASCC_BOT_INDEX variables), so the project's own index/ is never read or written by tests.

The real packaged model is loaded once per session (`embedder`); the real review is indexed once per session
(`review_settings`), which takes about 20 s on a 2-core machine.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.settings import ENV_CORPUS, ENV_INDEX, PROJECT_ROOT, Settings

REVIEW = PROJECT_ROOT / "corpus" / "racine2025-ascc-review.txt"


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path, monkeypatch):
    """No test sees the developer's index: default paths point into the test's tmp dir."""
    monkeypatch.setenv(ENV_INDEX, str(tmp_path / "index-default"))
    monkeypatch.setenv(ENV_CORPUS, str(tmp_path / "corpus-default"))


@pytest.fixture(scope="session")
def embedder():
    from bot.index.embed import Embedder

    return Embedder(Settings.from_env().model_path)


@pytest.fixture(scope="session")
def review_settings(tmp_path_factory, embedder) -> Settings:
    """The real review (and its flowchart and metadata) in a temporary corpus, indexed once per session."""
    from bot.index import store as index

    root = tmp_path_factory.mktemp("review")
    corpus = root / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    settings = Settings.from_env(corpus_dir=corpus, index_dir=root / "index")
    index.build(settings, embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def pipeline(review_settings, embedder):
    from bot.pipeline import Pipeline

    return Pipeline.load(review_settings, embedder=embedder, build_missing=False)


def review_env(monkeypatch, settings: Settings) -> None:
    """Point subprocesses (the CLI, Streamlit) at a fixture's corpus and index."""
    monkeypatch.setenv(ENV_CORPUS, str(settings.corpus_dir))
    monkeypatch.setenv(ENV_INDEX, str(settings.index_dir))


def small_corpus(root: Path, docs: dict[str, str]) -> Path:
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


def pipeline_over(root: Path, embedder, docs: dict[str, str]):
    """A pipeline over a small corpus of the given documents, indexed under `root` with the real packaged model."""
    from bot.index import store
    from bot.pipeline import Pipeline

    corpus = small_corpus(root, docs)
    settings = Settings.from_env(corpus_dir=corpus, index_dir=root / "index")
    store.build(settings, embedder=embedder)
    return Pipeline.load(settings, embedder=embedder, build_missing=False)
