"""Part of `make bench`: seconds from launching `ascc-bot ui` to the first answer on the page, in Debian's
Chromium driven by Playwright (never `playwright install`).

The browser is started first (it is not the bot's cost); the clock starts when `ascc-bot ui` is launched. The page
is opened as soon as the server answers its health check, one question is typed as soon as the chat box appears,
and the clock stops when the answer and its timing caption are on the page. Also read from the UI process: its peak
RSS (VmHWM) and whether libtorch is mapped into it.
"""
from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_S = 120
ANSWERED_JS = """(question) => {
    const msgs = document.querySelectorAll('[data-testid="stChatMessage"]');
    if (msgs.length < 2 || document.querySelector('[data-testid="stStatusWidget"]')) return false;
    const last = msgs[msgs.length - 1], asked = msgs[msgs.length - 2];
    return asked.innerText.includes(question) && last.innerText.includes('Answered in');
}"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_status(pid: int) -> tuple[float, bool]:
    """(peak RSS in MB, libtorch mapped?) of a running process."""
    hwm = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    maps = Path(f"/proc/{pid}/maps").read_text()
    return hwm, "libtorch" in maps


def _one_launch(browser, ascc: Path, env: dict, root: Path, question: str) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    with tempfile.TemporaryFile() as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(ascc), "ui", "--port", str(port), "--address", "127.0.0.1"], cwd=root, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            serving = None
            while serving is None:
                if proc.poll() is not None or time.perf_counter() - t0 > TIMEOUT_S:
                    log.seek(0)
                    raise RuntimeError(f"`ascc-bot ui` did not serve: {log.read().decode(errors='replace')[-1500:]}")
                try:
                    with urllib.request.urlopen(url + "_stcore/health", timeout=1) as r:
                        if r.status == 200:
                            serving = time.perf_counter() - t0
                except OSError:
                    time.sleep(0.02)
            page.goto(url)
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=TIMEOUT_S * 1000)
            ready = time.perf_counter() - t0
            box.fill(question)
            box.press("Enter")
            page.wait_for_function(ANSWERED_JS, arg=question, timeout=TIMEOUT_S * 1000, polling=20)
            answered = time.perf_counter() - t0
            rss, torch = _proc_status(proc.pid)
        finally:
            page.close()
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)  # the group started above, nothing else
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=15)
    return {"serving_s": serving, "page_ready_s": ready, "first_answer_s": answered, "maxrss_mb": rss,
            "torch_loaded": torch}


def measure_ui_launch(ascc: Path, env: dict, root: Path, question: str, runs: int) -> dict:
    if not CHROMIUM.exists():
        return {"skipped": f"{CHROMIUM} is missing (apt-get install -y chromium)"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "the playwright package is not installed"}
    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for _ in range(max(1, runs)):
                results.append(_one_launch(browser, ascc, env, root, question))
        finally:
            browser.close()
    return {"runs": results,
            **{k: statistics.median(r[k] for r in results) for k in ("serving_s", "page_ready_s", "first_answer_s")},
            "maxrss_mb": max(r["maxrss_mb"] for r in results),
            "torch_loaded": any(r["torch_loaded"] for r in results)}
