"""Faults of the machine: a full disk, a read-only folder, a denied permission, a power cut.

A `Faults` object makes chosen filesystem calls fail with a chosen errno, as the operating system would: a write
to a matching file writes half of its data and then fails (a disk filling up mid-write), and mkdir, rename,
replace, link, fsync and open fail outright for a matching path. Each step of a build is failed in turn, then an
upload; after each, the previous index must still answer, nothing temporary may remain, and the message must name
the path and the cause on one line. Where root may mount a small tmpfs, the same is shown on a real full and a real
read-only filesystem (skipped, with the reason, elsewhere).

Everything runs on the two tiny fixture documents (tests/fixtures/tiny), indexed once per module with the
session's real model and copied for each test. A build that must write something removes beta.txt, which needs
no embedding; where a test re-embeds the same texts again, `Memo` keeps the real model's vectors.
"""
from __future__ import annotations

import errno
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot import cli
from bot.disk import DiskProblem
from bot.index import store as index
from bot.index.store import IndexDiskProblem, IndexProblem
from bot.ingest.corpus import CorpusDiskProblem, CorpusError, add_document, remove_document
from bot.settings import ENV_CORPUS, ENV_INDEX, PROJECT_ROOT, Settings
from conftest import review_env, small_corpus
from fixtures.helpers import tiny_docs

QUESTION = "What was the complete response rate after cryotherapy?"  # alpha.txt: 55% (edited to 65% below)
NEW_DOC = ("1. Follow-up\n\nPatients were examined every three months after chemoradiotherapy [1]. A biopsy "
           "confirmed persistent disease before salvage surgery.\n\nReferences\n\n1. Doe, J. Follow-up. "
           "J. Test. Oncol. 2022, 3, 1-2.\n").encode("utf-8")
CAUSES = {errno.ENOSPC: "no space left on the device", errno.EROFS: "read-only filesystem",
          errno.EACCES: "permission denied"}


# ------------------------------------------------------------------------------------------------ fault injection
def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


class Faults:
    """Makes filesystem calls on matching paths fail with an errno (patterns match the file or folder name)."""

    def __init__(self, monkeypatch):
        self.mp = monkeypatch
        self.hits: list[str] = []

    def _fail(self, err: int, path: str, path2: str | None = None) -> OSError:
        self.hits.append(path)
        return OSError(err, os.strerror(err), path, None, path2) if path2 else OSError(err, os.strerror(err), path)

    def on(self, call: str, pattern: str, err: int) -> "Faults":
        real = getattr(os, call)

        def matches(path) -> bool:
            return isinstance(path, (str, os.PathLike)) and fnmatch.fnmatch(os.path.basename(os.fspath(path)),
                                                                              pattern)

        if call == "write":
            started: set[int] = set()

            def fake_write(fd, data):
                path = _fd_path(fd)
                if not matches(path):
                    return real(fd, data)
                if fd not in started and len(data) > 1:  # the disk fills up halfway through the data
                    started.add(fd)
                    return real(fd, memoryview(data)[:len(data) // 2])
                self.hits.append(path)
                raise OSError(err, os.strerror(err))  # like os.write: no file name

            self.mp.setattr(os, "write", fake_write)
        elif call == "fsync":
            def fake_fsync(fd):
                path = _fd_path(fd)
                if matches(path):
                    self.hits.append(path)
                    raise OSError(err, os.strerror(err))
                return real(fd)

            self.mp.setattr(os, "fsync", fake_fsync)
        else:
            def fake(src, *args, **kwargs):
                dst = args[0] if call in ("rename", "replace", "link") and args else None
                if matches(src) or matches(dst):
                    raise self._fail(err, os.fspath(src), os.fspath(dst) if dst is not None else None)
                return real(src, *args, **kwargs)

            self.mp.setattr(os, call, fake)
        return self

    def clear(self) -> None:
        self.mp.undo()


@pytest.fixture
def faults():
    f = Faults(pytest.MonkeyPatch())  # its own patcher: clear() lifts the faults, not the test's other patches
    yield f
    f.clear()


# ------------------------------------------------------------------------------------------------ fixtures
class Memo:
    """The session's real model, remembering the vectors it computed: these tests rebuild the same few texts."""

    def __init__(self, inner):
        self.inner, self.vectors = inner, {}

    def encode(self, texts, progress=None) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.inner.encode(missing)))
        return np.vstack([self.vectors[t] for t in texts]).astype("float32")

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture(scope="module")
def memo(embedder) -> Memo:
    return Memo(embedder)


@pytest.fixture(scope="module")
def base(tmp_path_factory, memo) -> tuple[Settings, str]:
    """The tiny corpus indexed once, and the answer its index gives to QUESTION."""
    root = tmp_path_factory.mktemp("tiny-built")
    settings = Settings.from_env(corpus_dir=small_corpus(root, tiny_docs()), index_dir=root / "index")
    assert index.build(settings, embedder=memo).wrote
    answer = answer_of(settings, memo)
    assert "55%" in answer
    return settings, answer


@pytest.fixture
def tiny(tmp_path) -> Settings:
    corpus = small_corpus(tmp_path, tiny_docs())
    return Settings.from_env(corpus_dir=corpus, index_dir=tmp_path / "index")


@pytest.fixture
def built(base, tmp_path) -> Settings:
    """A private copy of the indexed tiny corpus."""
    settings = Settings.from_env(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    shutil.copytree(base[0].corpus_dir, settings.corpus_dir)
    shutil.copytree(base[0].index_dir, settings.index_dir, ignore=shutil.ignore_patterns(".lock"))
    return settings


def current(settings: Settings) -> str:
    return (settings.index_dir / "CURRENT").read_text(encoding="utf-8").strip()


def edit(settings: Settings, old: str, new: str, name: str = "alpha.txt") -> None:
    path = settings.corpus_dir / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def answer_of(settings: Settings, embedder, documents=("alpha.txt", "beta.txt")) -> str:
    """The index's answer to QUESTION, after checking which documents the loaded index holds."""
    from bot.pipeline import Pipeline

    pipeline = Pipeline.load(settings, embedder=embedder, build_missing=False)
    assert sorted(pipeline.index.documents) == sorted(documents)
    answer = pipeline.ask(QUESTION)
    assert answer.mode == "answer", answer.text
    return answer.text


def remove_beta(settings: Settings) -> None:
    """A corpus change whose build writes a new index without embedding anything."""
    (settings.corpus_dir / "beta.txt").unlink()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file (hidden ones too) by content."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}


def assert_nothing_left_but(settings: Settings, build_id: str) -> None:
    assert sorted(p.name for p in (settings.index_dir / "builds").iterdir()) == [build_id]  # no .tmp-, no orphan
    assert not list(settings.index_dir.glob(".CURRENT-*"))
    assert current(settings) == build_id


def assert_one_clear_line(message: str, cause: str, path) -> None:
    assert "\n" not in message and "Traceback" not in message
    assert cause in message, message
    assert str(path) in message, message


# ------------------------------------------------------------------------------------------------ a build, step by step
BUILD_STEPS = [
    pytest.param("write", "store.json", id="store.json"),
    pytest.param("write", "chunks.faiss", id="chunks.faiss"),
    pytest.param("write", "sentences.faiss", id="sentences.faiss"),
    pytest.param("write", "manifest.json", id="manifest.json"),
    pytest.param("fsync", ".tmp-*", id="fsync-of-the-build-folder"),
    pytest.param("rename", ".tmp-*", id="rename-of-the-build-folder"),
    pytest.param("write", ".CURRENT-*", id="pointer-write"),
    pytest.param("replace", "CURRENT", id="pointer-switch"),
]


@pytest.mark.parametrize("call,target", BUILD_STEPS)
def test_a_build_failing_at_each_step_changes_nothing_and_says_why(base, built, memo, faults, call, target):
    before = current(built)
    remove_beta(built)

    faults.on(call, target, errno.ENOSPC)
    with pytest.raises(IndexDiskProblem) as caught:
        index.build(built, embedder=memo)
    assert faults.hits, "the fault was never reached: the step is not where the test thinks"
    faults.clear()

    message = str(caught.value)
    assert_one_clear_line(message, "no space left on the device", built.index_dir)
    assert message.startswith("cannot write the index") and ENV_INDEX in message
    assert "previous index is unchanged" in message
    assert caught.value.errno == errno.ENOSPC and str(built.index_dir) in caught.value.path
    assert_nothing_left_but(built, before)  # the temporary folder was removed at once
    assert answer_of(built, memo) == base[1]  # the previous index (beta.txt still in it) answers, as before

    assert index.build(built, embedder=memo).wrote  # once the disk has room, the same build goes through
    assert current(built) != before and index.check(built).status == "fresh"


@pytest.mark.parametrize("err", list(CAUSES), ids=[errno.errorcode[e] for e in CAUSES])
def test_a_full_read_only_or_forbidden_index_folder_is_named_with_its_cause(base, built, memo, faults, err):
    before = current(built)
    remove_beta(built)
    faults.on("mkdir", ".tmp-*", err)  # the first thing a build creates
    with pytest.raises(IndexProblem) as caught:
        index.build(built, embedder=memo)
    faults.clear()
    assert_one_clear_line(str(caught.value), CAUSES[err], built.index_dir / "builds")
    assert_nothing_left_but(built, before)
    assert answer_of(built, memo) == base[1]


def test_a_first_build_that_fails_leaves_no_index_and_no_temporary_folder(tiny, memo, faults):
    faults.on("write", "chunks.faiss", errno.ENOSPC)
    with pytest.raises(IndexDiskProblem, match="no index was written"):
        index.build(tiny, embedder=memo)
    faults.clear()
    assert not (tiny.index_dir / "CURRENT").exists()
    assert list((tiny.index_dir / "builds").iterdir()) == []
    assert index.check(tiny).status == "missing"


def test_an_unreadable_document_stops_the_build_with_its_name(built, memo, faults):
    before = current(built)
    edit(built, "55%", "65%")
    deny_reading(faults, built.corpus_dir / "alpha.txt")
    with pytest.raises(CorpusDiskProblem) as caught:
        index.build(built, embedder=memo)
    faults.clear()
    assert_one_clear_line(str(caught.value), "permission denied", built.corpus_dir / "alpha.txt")
    assert "read the document alpha.txt" in str(caught.value) and "index is unchanged" in str(caught.value)
    assert_nothing_left_but(built, before)


# ------------------------------------------------------------------------------------------------ durability order
def test_files_and_folders_are_fsynced_before_current_switches_and_the_folder_after(built, memo, monkeypatch):
    """A power cut can only lose what was not fsynced: the switch must come after every file of the build and its
    folder reached the disk, and the index folder is fsynced after the switch so the switch itself survives."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_rename = os.fsync, os.replace, os.rename

    def fsync(fd):
        events.append(("fsync", os.path.basename(_fd_path(fd))))
        return real_fsync(fd)

    def replace(src, dst, **kw):
        events.append(("replace", os.path.basename(os.fspath(dst))))
        return real_replace(src, dst, **kw)

    def rename(src, dst, **kw):
        events.append(("rename", os.path.basename(os.fspath(src))))
        return real_rename(src, dst, **kw)

    remove_beta(built)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "rename", rename)
    index.build(built, embedder=memo)
    monkeypatch.undo()

    build_id = current(built)
    at = {e: i for i, e in enumerate(events)}
    switch = at[("replace", "CURRENT")]
    for name in ("store.json", "chunks.faiss", "sentences.faiss", "manifest.json"):
        assert at[("fsync", name)] < at[("fsync", f".tmp-{build_id}")], name  # files, then their folder
    assert at[("fsync", f".tmp-{build_id}")] < at[("rename", f".tmp-{build_id}")] < at[("fsync", "builds")]
    assert at[("fsync", "builds")] < at[("fsync", f".CURRENT-{build_id}")] < switch
    assert at[("fsync", built.index_dir.name)] > switch  # the switch itself is made durable


# ---------------------------------------------------------------------------------------------- readers during switches
_READER = r'''
import json, sys
from pathlib import Path
from bot.index import store
from bot.settings import Settings

settings = Settings.from_env()
stop, seen, errors = Path(sys.argv[1]), {}, []
print("ready", flush=True)
for i in range(int(sys.argv[2])):
    if stop.exists():
        break
    try:
        ix = store.load(settings)
        doc = ix.documents["alpha.txt"]
        variant = "55%" if "55%" in doc.text else "65%" if "65%" in doc.text else "?"
        if ix.manifest["documents"]["alpha.txt"]["sha256"] != doc.sha256:
            errors.append(f"{ix.path.name}: manifest and store disagree")
        if ix.sentence_vectors.ntotal != len(ix.sentences) or ix.chunk_vectors.ntotal != len(ix.chunks):
            errors.append(f"{ix.path.name}: vectors and passages differ in number")
        seen.setdefault(ix.path.name, set()).add(variant)
    except Exception as exc:
        errors.append(f"{exc.__class__.__name__}: {exc}")
print(json.dumps({"loads": i + 1, "errors": errors, "seen": {k: sorted(v) for k, v in seen.items()}}), flush=True)
'''


def test_a_reader_loading_while_builds_switch_current_gets_the_old_or_the_new_index(built, memo, monkeypatch,
                                                                                    tmp_path):
    review_env(monkeypatch, built)
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(stop), "3000"], cwd=PROJECT_ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert reader.stdout.readline().strip() == "ready", reader.stderr.read()
        variants = {current(built): "55%"}
        for round_ in range(8):  # bounded: eight switches of CURRENT while the reader loads in a loop
            old, new = ("55%", "65%") if round_ % 2 == 0 else ("65%", "55%")
            edit(built, old, new)
            assert index.build(built, embedder=memo).wrote
            variants[current(built)] = new
        stop.touch()
        out, err = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == [], result["errors"][:5]
    assert len(result["seen"]) >= 2, f"the reader saw only {result['seen']}: the race was not exercised"
    for build_id, seen in result["seen"].items():  # each build read whole: its text is the one it was built from
        assert seen == [variants[build_id]], (build_id, seen, variants)


# ------------------------------------------------------------------------------------------------ uploads
UPLOAD_FAULTS = [
    pytest.param("write", ".*.part", errno.ENOSPC, id="disk-full-mid-write"),
    pytest.param("fsync", ".*.part", errno.EIO, id="fsync-of-the-upload"),
    pytest.param("open", ".*.part", errno.EROFS, id="read-only-corpus"),
    pytest.param("open", ".*.part", errno.EACCES, id="corpus-not-writable"),
    pytest.param("link", ".*.part", errno.ENOSPC, id="naming-the-upload"),
    pytest.param("fsync", "corpus", errno.EIO, id="fsync-of-the-corpus-folder"),
]


@pytest.mark.parametrize("call,target,err", UPLOAD_FAULTS)
def test_an_upload_failing_midway_leaves_the_corpus_unchanged(tiny, faults, call, target, err):
    before = snapshot(tiny.corpus_dir)
    faults.on(call, target, err)
    with pytest.raises(CorpusDiskProblem) as caught:
        add_document(tiny.corpus_dir, "follow-up.txt", NEW_DOC)
    assert faults.hits
    faults.clear()
    cause = CAUSES.get(err, "input/output error")
    assert_one_clear_line(str(caught.value), cause, tiny.corpus_dir)
    assert str(caught.value).startswith("cannot save follow-up.txt in the corpus")
    assert "nothing was added" in str(caught.value) and ENV_CORPUS in str(caught.value)
    assert snapshot(tiny.corpus_dir) == before  # no partial file, no temporary name, no half document

    path = add_document(tiny.corpus_dir, "follow-up.txt", NEW_DOC)  # with room again, the same upload works
    assert path.read_bytes() == NEW_DOC
    assert set(snapshot(tiny.corpus_dir)) == set(before) | {"follow-up.txt"}  # and leaves no temporary file


def test_an_upload_never_overwrites_a_document_of_the_same_name(tiny):
    before = snapshot(tiny.corpus_dir)
    with pytest.raises(CorpusError, match="already exists"):
        add_document(tiny.corpus_dir, "alpha.txt", NEW_DOC)
    assert snapshot(tiny.corpus_dir) == before


def test_removing_a_document_from_a_read_only_corpus_says_so_and_keeps_it(tiny, faults):
    before = snapshot(tiny.corpus_dir)
    faults.on("unlink", "beta.txt", errno.EROFS)
    with pytest.raises(CorpusDiskProblem) as caught:
        remove_document(tiny.corpus_dir, "beta.txt")
    faults.clear()
    assert_one_clear_line(str(caught.value), "read-only filesystem", tiny.corpus_dir / "beta.txt")
    assert snapshot(tiny.corpus_dir) == before
    remove_document(tiny.corpus_dir, "beta.txt")
    assert "beta.txt" not in snapshot(tiny.corpus_dir)


# ------------------------------------------------------------------------------------------------ index --check
def deny_reading(faults: Faults, path: Path) -> None:
    """Make `path` unreadable: for real (chmod) when not root; root reads anything, so then opening it fails with
    EACCES as the OS would for another user."""
    if os.geteuid() != 0:
        path.chmod(0)
        return
    import builtins
    import io

    for module, name in ((builtins, "open"), (io, "open")):
        real = getattr(module, name)

        def fake(file, *args, _real=real, **kwargs):
            if isinstance(file, (str, os.PathLike)) and os.fspath(file) == str(path):
                raise faults._fail(errno.EACCES, str(path))
            return _real(file, *args, **kwargs)

        faults.mp.setattr(module, name, fake)
    faults.on("open", path.name, errno.EACCES)


def check_output(monkeypatch, capsys, settings: Settings) -> tuple[int, str]:
    review_env(monkeypatch, settings)
    code = cli.main(["index", "--check"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out


def test_check_reports_leftovers_of_an_interrupted_build_and_upload(built, monkeypatch, capsys):
    # what `kill -9` during a build and a power cut during an upload leave behind
    tmp_build = built.index_dir / "builds" / ".tmp-20260101-000000-abcdef"
    tmp_build.mkdir()
    (tmp_build / "store.json").write_text("{", encoding="utf-8")
    (built.index_dir / ".CURRENT-20260101-000000-abcdef").write_text("x", encoding="utf-8")
    part = built.corpus_dir / ".notes.txt.0a1b2c3d.part"
    part.write_bytes(b"half an upl")
    code, out = check_output(monkeypatch, capsys, built)
    assert code == 0 and out.startswith("index fresh")  # leftovers do not make the index stale
    assert f"leftover temporary folder {tmp_build}" in out
    assert ".CURRENT-20260101-000000-abcdef" in out and f"leftover partial upload {part}" in out


def test_check_reports_an_unreadable_document(built, monkeypatch, capsys, faults):
    deny_reading(faults, built.corpus_dir / "beta.txt")
    code, out = check_output(monkeypatch, capsys, built)
    assert code == 1 and out.startswith("index stale")
    assert f"{built.corpus_dir / 'beta.txt'} cannot be read (permission denied)" in out
    assert "beta.txt was removed" not in out and "beta.txt changed" not in out


@pytest.mark.parametrize("which,says", [
    ("store.json", "the index file {path} cannot be read (permission denied)"),
    ("CURRENT", "the index pointer {path} is unreadable (permission denied)"),
], ids=["store.json", "CURRENT"])
def test_check_reports_an_unreadable_index_file(built, monkeypatch, capsys, faults, which, says):
    path = built.index_dir / "CURRENT" if which == "CURRENT" else built.index_dir / "builds" / current(built) / which
    deny_reading(faults, path)
    code, out = check_output(monkeypatch, capsys, built)
    assert code == 1 and out.startswith("index broken")
    assert says.format(path=path) in out
    with pytest.raises(IndexProblem, match="permission denied"):
        index.load(built)


# ------------------------------------------------------------------------------------------------ the CLI's message
def test_index_command_on_a_full_disk_prints_one_line_and_exits_non_zero(built, memo, monkeypatch, capsys,
                                                                         faults):
    monkeypatch.setattr(index, "Embedder", lambda path: memo)  # the session's model, not a second load
    review_env(monkeypatch, built)
    before = current(built)
    faults.on("write", "sentences.faiss", errno.ENOSPC)
    code = cli.main(["index", "--force"])
    faults.clear()
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("error")]
    assert code == 1 and len(lines) == 1, err
    assert lines[0].startswith("error: cannot write the index: no space left on the device (")
    assert str(built.index_dir) in lines[0] and "Traceback" not in err
    assert_nothing_left_but(built, before)


# ------------------------------------------------------------------------------------------------ a real small disk
@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs, when this process may mount one (root, a mount namespace allowing it)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root; the injected faults above cover the same paths")
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip() or proc.returncode}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_on_a_real_full_disk_index_force_fails_cleanly_and_the_old_index_answers(tmp_path, small_disk, memo,
                                                                                  monkeypatch, capsys):
    settings = Settings.from_env(corpus_dir=small_corpus(tmp_path, tiny_docs()), index_dir=small_disk / "index")
    index.build(settings, embedder=memo)
    before = current(settings)
    corpus = small_disk / "corpus"
    corpus.mkdir()
    fill(small_disk)

    monkeypatch.setattr(index, "Embedder", lambda path: memo)
    review_env(monkeypatch, settings)
    code = cli.main(["index", "--force"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("error")]
    assert code == 1 and len(lines) == 1, err
    assert_one_clear_line(lines[0], "no space left on the device", settings.index_dir)
    assert_nothing_left_but(settings, before)
    assert "55%" in answer_of(settings, memo)

    # a full corpus disk: the upload is refused and no part of it remains
    with pytest.raises(CorpusDiskProblem, match="no space left on the device"):
        add_document(corpus, "follow-up.txt", NEW_DOC)
    assert list(corpus.iterdir()) == []

    (small_disk / "filler").unlink()
    assert cli.main(["index", "--force"]) == 0
    assert current(settings) != before


def test_on_a_real_read_only_disk_building_and_uploading_say_so(small_disk, memo):
    settings = Settings.from_env(corpus_dir=small_disk / "corpus", index_dir=small_disk / "index")
    small_corpus(small_disk, tiny_docs())
    index.build(settings, embedder=memo)
    before, corpus_before = current(settings), snapshot(settings.corpus_dir)
    remount = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True)
    if remount.returncode != 0:
        pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")
    try:
        assert not index.build(settings, embedder=memo).wrote  # nothing to write: "up to date" still works
        with pytest.raises(IndexDiskProblem) as caught:
            index.build(settings, embedder=memo, force=True)
        assert_one_clear_line(str(caught.value), "read-only filesystem", settings.index_dir)
        with pytest.raises(CorpusDiskProblem) as caught:
            add_document(settings.corpus_dir, "follow-up.txt", NEW_DOC)
        assert_one_clear_line(str(caught.value), "read-only filesystem", settings.corpus_dir)
        assert isinstance(caught.value, DiskProblem) and caught.value.errno == errno.EROFS
        assert current(settings) == before and snapshot(settings.corpus_dir) == corpus_before
        assert "55%" in answer_of(settings, memo)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], capture_output=True)


# ------------------------------------------------------------------------------------------------ the UI's message
def _plain(markdown: str) -> str:
    """What a reader sees of markdown the app escaped."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.mark.slow
def test_the_ui_shows_disk_faults_as_messages_and_keeps_answering(base, built, monkeypatch, faults):
    from streamlit.testing.v1 import AppTest

    review_env(monkeypatch, built)
    monkeypatch.setenv("ASCC_BOT_ALLOW_UPLOADS", "1")  # as `ascc-bot ui --allow-uploads`
    at = AppTest.from_file(str(PROJECT_ROOT / "ui" / "app.py"), default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    corpus_before, pointer = snapshot(built.corpus_dir), current(built)

    faults.on("write", ".*.part", errno.ENOSPC)  # the disk fills up halfway through the upload
    at.sidebar.file_uploader[0].set_value(("follow-up.txt", NEW_DOC, "text/plain")).run()
    next(b for b in at.button if b.label == "Add to the corpus and index").click().run()
    faults.clear()
    assert not at.exception, [e.value for e in at.exception]
    shown = _plain(at.sidebar.error[-1].value)
    assert shown.startswith("Not added: cannot save follow-up.txt in the corpus: no space left on the device")
    assert str(built.corpus_dir) in shown
    assert snapshot(built.corpus_dir) == corpus_before

    remove_beta(built)
    faults.on("mkdir", ".tmp-*", errno.EROFS)  # the index folder is read-only
    next(b for b in at.button if b.label == "Rebuild index").click().run()
    faults.clear()
    assert not at.exception, [e.value for e in at.exception]
    shown = _plain(at.sidebar.error[-1].value)
    assert shown.startswith("The index was not rebuilt: cannot write the index: read-only filesystem"), shown
    assert str(built.index_dir) in shown and current(built) == pointer

    at.chat_input[0].set_value(QUESTION).run()  # the previous index still answers
    assert not at.exception, [e.value for e in at.exception]
    assert "55%" in "\n".join(h.value for h in at.chat_message[-1].get("html"))
