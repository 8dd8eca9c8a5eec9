"""End to end in a real browser: `ascc-bot ui` on a free loopback port, driven by Debian's Chromium through
Playwright. Ask, see the answer and a highlighted quote, follow up, ask for a recommendation and see the rendered
diagram (an <svg> drawn by Graphviz in the page), open the whole flowchart and measure its text, and check that a
question made of HTML stays text. Every request the page makes is recorded: all of them go to the app's own host.

Saves artifacts/ui-e2e.png (git-ignored) and artifacts/ui-timings.json. Skipped, with the reason, when
/usr/bin/chromium is missing; never runs `playwright install`.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from conftest import review_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "artifacts"
START_TIMEOUT_S = 90
ANSWER_TIMEOUT_MS = 60_000
WIDTHS_JS = """() => {
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    const chart = document.querySelector('[data-testid="stGraphVizChart"] svg');
    if (!main || !chart) return null;
    const widths = [main.getBoundingClientRect().width, chart.getBoundingClientRect().width];
    return widths[0] > 0 && widths[1] > 0 ? widths : null;
}"""

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: install Debian's chromium "
                                 "(apt-get install -y chromium) to run the end-to-end browser test")]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`ascc-bot ui` exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"`ascc-bot ui` did not serve within {START_TIMEOUT_S} s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def server(monkeypatch, review_settings, tmp_path):
    """`ascc-bot ui` on the indexed review, in its own process group; always stopped afterwards."""
    review_env(monkeypatch, review_settings)
    port = free_port()
    log = tmp_path / "ui.log"
    started = time.monotonic()
    timings: dict[str, float] = {}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "ui", "--port", str(port), "--address",
                                 "127.0.0.1"], cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_serving(url, proc, log)
        timings["server_boot_s"] = time.monotonic() - started
        yield url, started, timings
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the group this fixture created, and nothing else
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)


# The welcome message (in a container keyed "arrival") is not part of the conversation.
ANSWERED_JS = """([n, question]) => {
    const msgs = [...document.querySelectorAll('[data-testid="stChatMessage"]')]
        .filter(m => !m.querySelector('.st-key-arrival'));
    if (msgs.length !== n || document.querySelector('[data-testid="stStatusWidget"]')) return false;
    return msgs[n - 2].innerText.includes(question) && msgs[n - 1].innerText.includes('Answered in');
}"""


def ask(page, question: str) -> float:
    """Type a question, press Enter and wait until the run is over with its answer on the page (the question as
    the last-but-one message, an answer with its timing caption last, no 'Running…' indicator). Returns seconds
    from Enter to that moment."""
    n = page.locator('[data-testid="stChatMessage"]:not(:has(.st-key-arrival))').count() + 2
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    t0 = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(ANSWERED_JS, arg=[n, question], timeout=ANSWER_TIMEOUT_MS)
    return time.perf_counter() - t0


# Height of the text of every box of the whole flowchart, as drawn (bounding boxes, in CSS pixels).
NODE_TEXT_JS = """() => [...document.querySelectorAll('[data-testid="stGraphVizChart"] svg g.node text')]
    .map(t => t.getBoundingClientRect().height)"""
FONT_SIZE_JS = """() => { const svg = document.querySelector('[data-testid="stGraphVizChart"] svg');
    const t = svg.querySelector('g.node text');
    return parseFloat(getComputedStyle(t).fontSize) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
}"""
MIN_TEXT_PX = 11


def test_chat_in_a_real_browser(server, pipeline):
    url, started, timings = server
    ARTIFACTS.mkdir(exist_ok=True)
    dialogs: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            t0 = time.perf_counter()
            page.goto(url)
            page.get_by_test_id("stChatInputTextArea").wait_for(timeout=START_TIMEOUT_S * 1000)
            timings["page_ready_s"] = time.perf_counter() - t0
            assert page.get_by_text("does not give medical advice").is_visible()

            # A question: the answer, and its quoted source highlighted in its paragraph with the bibliography.
            timings["first_question_s"] = ask(page, "What did Kitaguchi et al. find?")
            timings["server_start_to_first_answer_s"] = time.monotonic() - started
            answer = page.get_by_test_id("stChatMessage").last
            assert "Kitaguchi" in answer.inner_text()
            sources = answer.get_by_test_id("stExpander").filter(has_text="Sources")
            assert sources.locator("mark").first.is_visible()  # the quote, highlighted in place
            assert "Kitaguchi" in sources.locator("mark").first.inner_text()
            assert "Eur. J. Surg. Oncol." in sources.inner_text()  # the full reference-list entry

            # A follow-up, answered with the conversation as history ("they" = Kitaguchi et al.).
            first, follow_up = "What did Kitaguchi et al. find?", "How many patients did they include?"
            expected, alone = pipeline.ask(follow_up, [first]), pipeline.ask(follow_up, [])
            assert expected.text != alone.text, "pick a follow-up whose answer depends on the conversation"
            timings["follow_up_s"] = ask(page, follow_up)
            follow = page.get_by_test_id("stChatMessage").last
            assert expected.citations[0].quote in follow.inner_text()
            assert follow.locator("mark").count() >= 1

            # A request for a recommendation: deferred to the flowchart, drawn as an SVG diagram.
            timings["recommendation_s"] = ask(
                page, "What treatment should I give my 62-year-old patient with metastatic anal cancer?")
            deferred = page.get_by_test_id("stChatMessage").last
            chart = deferred.get_by_test_id("stGraphVizChart").locator("svg")
            chart.wait_for(timeout=ANSWER_TIMEOUT_MS)
            assert chart.locator("g.node").count() >= 3
            text = deferred.inner_text()
            assert "multidisciplinary team" in text and "not a copy of Figure 1" in text
            assert "Insufficient evidence" in text and "As part of clinical trials" in text  # footnotes a/b

            timings["warm_question_s"] = ask(page, "What is the role of re-irradiation?")

            # The whole flowchart: full width, its text readable at a 1280 px window, the footnotes once.
            page.get_by_test_id("stSidebar").get_by_text("Whole flowchart").click()
            page.wait_for_function(  # the chat's charts are gone and the whole chart is drawn
                """n => { const c = document.querySelectorAll('[data-testid="stGraphVizChart"] svg');
                          return c.length === 1 && c[0].querySelectorAll('g.node').length === n; }""",
                arg=len(pipeline.flowchart.nodes), timeout=ANSWER_TIMEOUT_MS)
            page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
            whole = page.get_by_test_id("stGraphVizChart").locator("svg")
            heights = page.evaluate(NODE_TEXT_JS)
            timings["flowchart_min_text_box_px"] = min(heights)
            timings["flowchart_font_px"] = page.evaluate(FONT_SIZE_JS)
            assert min(heights) >= MIN_TEXT_PX and timings["flowchart_font_px"] >= MIN_TEXT_PX, timings
            # Both widths in one frame, once both are laid out: under load a rerun may redraw either one, and a
            # box read between two frames is None (CI at 3f1f44f failed that way).
            main_width, chart_width = page.wait_for_function(WIDTHS_JS, timeout=ANSWER_TIMEOUT_MS).json_value()
            assert chart_width >= 0.9 * main_width, (chart_width, main_width)  # the page's width, not a thumbnail
            main_text = page.get_by_test_id("stMain").inner_text()
            assert main_text.count("Insufficient evidence") == 1 and main_text.count("Note:") == 1
            assert "Insufficient evidence" not in whole.inner_html()
            page.get_by_text("Text version of the flowchart").click()
            tree = page.locator(".ascc-tree").last
            tree.wait_for()
            assert page.evaluate("e => e.scrollWidth <= e.clientWidth + 1", tree.element_handle())  # it wraps
            page.get_by_test_id("stSidebar").get_by_text("Chat").click()
            page.get_by_test_id("stChatInputTextArea").wait_for()

            # The screenshot: the whole conversation (Streamlit scrolls inside its main container, so grow the
            # viewport to the content's height first).
            height = page.evaluate("document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight")
            page.set_viewport_size({"width": 1280, "height": min(int(height) + 150, 16000)})
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "ui-e2e.png"), full_page=True)

            # A question made of HTML is shown as text and runs nothing.
            q = "<script>alert(1)</script><img src=x onerror=alert(2)>"
            ask(page, q)
            asked = page.get_by_test_id("stChatMessage").nth(-2)
            assert asked.get_by_test_id("stChatMessageContent").inner_text().strip() == q
            assert asked.locator("script, img").count() == 0
            assert not dialogs, dialogs

            # Nothing left the machine: every request of the session went to the app's own host.
            assert requests and all(r.startswith(url) for r in requests if not r.startswith(("data:", "blob:"))), \
                sorted({r for r in requests if not r.startswith(url)})
        except BaseException:
            page.screenshot(path=str(ARTIFACTS / "ui-e2e-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    (ARTIFACTS / "ui-timings.json").write_text(json.dumps(timings, indent=1), encoding="utf-8")
    print("browser timings:", json.dumps(timings))
    assert timings["warm_question_s"] < 2.0 and timings["follow_up_s"] < 3.0, timings
    assert timings["first_question_s"] < 7.0, timings
