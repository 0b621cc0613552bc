"""The rendered book, as a reader's browser shows it (headless Chromium through Selenium).

Runs after every notebook test of the session (``conftest.py`` moves the ``book`` marker's
tests last), so ``make test`` executes the notebooks, builds the book from them and then
opens every page. The book is (re)built with ``jupyter-book build . -W -n --keep-going
--all`` when ``_build/html`` is missing, older than ``executed/`` or the book's sources, or
its last build failed (a failed build is a failure of its own, and its pages are still
checked); it is served from 127.0.0.1 (``http.server`` in a thread) with
every other host unresolvable (the network is off for the browser), and each page is
checked for:

- a local ``href`` / ``src`` that does not answer HTTP 200, or an image that does not decode;
- a Python traceback, papermill's "An Exception was encountered" banner, an error output
  or a docutils system message;
- ``nan`` in a table of a paper page (``book/papers/*.html``);
- a glue that did not render: a ``{glue:`` literal or an empty pasted placeholder;
- maths MathJax did not typeset (``$...$`` or ``\\frac`` left in the text, a ``.math``
  element without MathJax output), and any request to a host other than 127.0.0.1;
- a figure shown at less than half its intended width (its ``width`` attribute, else its
  natural width);
- a table wider than the text column that does not scroll sideways (is cut at the edge);
- the reader affordances: one search entry point, "Previous" from a paper's first
  notebook to its overview page, the execution-status table.

Each check is one test whose failure lists every page that fails it. Full-page
screenshots of the landing page, each paper page and each notebook page are saved in ``_build/screenshots/``.
Skipped when Chromium or chromedriver is missing (``make browser`` installs them).
"""
from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import page_title, toc_files, toc_parents

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
FAILED_BUILD = ROOT / "_build" / ".book_build_failed"    # a failed build is redone on the next run
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
WIDTH, HEIGHT = 1400, 1000        # a desktop window: the theme shows both sidebars from 1200 px
MAX_SHOT_HEIGHT = 20000           # px; a taller page is captured down to here

pytestmark = [
    pytest.mark.book,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="Chromium / chromedriver not installed (`make browser` installs "
                              "Debian's chromium and chromium-driver)"),
]

# Known failures caused by files this test's owner does not own: {check: {page: issue}}.
# A check whose every failing page is listed here is reported as xfail, naming the issue;
# any other failing page fails it.
# Remove an entry once its page passes; a page not listed still fails the check.
KNOWN: dict[str, dict[str, str]] = {}


# --------------------------------------------------------------------------- build + serve

def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for p in paths:
        if p.is_file():
            newest = max(newest, p.stat().st_mtime)
        elif p.is_dir():
            for f in p.rglob("*"):
                if f.is_file() and ".ipynb_checkpoints" not in f.parts:
                    newest = max(newest, f.stat().st_mtime)
    return newest


def build_if_stale() -> tuple[str, list[str]]:
    """Build ``_build/html`` unless it is newer than executed/ and the book's sources.

    Returns what was done and the build's warnings/errors (empty when it passed or was up to
    date). A failed build (``-W``: any warning) leaves ``_build/.book_build_failed``, so the
    next run builds again; ``--keep-going`` still writes every page, and the pages are
    browser-tested all the same.
    """
    executed = ROOT / "executed"
    if not any(executed.glob("*/*.ipynb")):
        pytest.skip("no executed notebooks in executed/: run `make book` (or `make test`) first")
    index = HTML / "index.html"
    inputs = [executed, ROOT / "book", ROOT / "_config.yml", ROOT / "_toc.yml"]
    if index.exists() and not FAILED_BUILD.exists() and index.stat().st_mtime >= _newest_mtime(inputs):
        return "up to date", []
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", ".", "-W", "-n", "--keep-going", "--all"]
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    note = f"built in {time.time() - t0:.0f} s"
    if proc.returncode == 0:
        FAILED_BUILD.unlink(missing_ok=True)
        return note, []
    FAILED_BUILD.parent.mkdir(parents=True, exist_ok=True)
    FAILED_BUILD.write_text(proc.stdout[-20000:] + proc.stderr[-20000:])
    lines = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr).splitlines()
    problems = [x for x in lines if re.search(r"WARNING|ERROR|CRITICAL|Traceback|Exception", x)]
    problems = problems or [f"exit status {proc.returncode}; last lines:"] + lines[-20:]
    if not index.exists():
        pytest.fail(f"`{' '.join(cmd)}` failed and wrote no book:\n" + "\n".join(problems[:40]), pytrace=False)
    return note + f" (FAILED, status {proc.returncode})", problems


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:     # no access log on the test's output
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def make_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--force-device-scale-factor=1",
                f"--window-size={WIDTH},{HEIGHT}",
                # the network is off: every host name but the local server fails to resolve
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    return driver


# --------------------------------------------------------------------------- the page visit

# Runs in the page once it has loaded and MathJax (if any) has finished typesetting.
INSPECT_JS = r"""
const art = document.querySelector('main') || document.body || document.documentElement;
const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
                        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
const textWithout = (root, sel) => { const c = root.cloneNode(true);
                                     c.querySelectorAll(sel).forEach(e => e.remove()); return c.textContent; };
const out = {};
out.links = [];
document.querySelectorAll('[href], [src]').forEach(el => {
  const v = el.getAttribute('href') !== null && el.tagName !== 'IMG' && el.tagName !== 'SCRIPT' ? el.href : el.src;
  if (typeof v === 'string' && v) out.links.push([el.tagName.toLowerCase(), v]);
});
out.broken_images = [...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src);
out.text = art.innerText;
out.text_nocode = textWithout(art, 'pre, code, kbd, samp, script, style, .highlight');
out.errors = [...art.querySelectorAll('.output.error, .output.traceback, .system-message, .problematic')]
  .map(e => e.className + ': ' + e.innerText.slice(0, 200));
out.tables = [...art.querySelectorAll('table')].map(t =>
  [...t.querySelectorAll('td, th')].map(c => c.innerText.trim()));
out.glue_empty = [...art.querySelectorAll('[class*="pasted"]')]
  .filter(e => !e.innerText.trim() && !e.querySelector('img, svg, table, mjx-container, iframe'))
  .map(e => e.className);
const empty = e => !e.innerText.trim() && !e.querySelector('img, svg, table, mjx-container, iframe, video');
out.empty_outputs = [...art.querySelectorAll('.cell_output')].filter(empty).length;
out.prose = textWithout(art, 'pre, code, kbd, samp, script, style, mjx-container, mjx-assistive-mml, .highlight, .math');
out.math_total = art.querySelectorAll('.math').length;
out.math_untypeset = [...art.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container'))
  .map(e => e.textContent.trim().slice(0, 80));
out.figures = [...art.querySelectorAll('img')].filter(i => i.naturalWidth > 0 && visible(i)).map(i => {
  const w = i.getAttribute('width'); const sw = i.style.width;
  let intended = i.naturalWidth;
  if (w && /^\d+(px)?$/.test(w)) intended = parseInt(w);
  else if (sw && /^\d+px$/.test(sw)) intended = parseInt(sw);
  return {src: i.src, natural: i.naturalWidth, intended: intended, rendered: i.getBoundingClientRect().width};
});
out.search_controls = [...document.querySelectorAll('.search-button-field, button.search-button, .bd-search')]
  .filter(visible).map(e => e.className);
const column = (document.querySelector('.bd-article') || art).getBoundingClientRect();
out.tables_cut = [...art.querySelectorAll('table')].filter(t => {
  if (!visible(t) || t.getBoundingClientRect().right <= column.right + 2) return false;
  for (let el = t.parentElement; el && el !== document.body; el = el.parentElement)
    if (['auto', 'scroll'].includes(getComputedStyle(el).overflowX)) return false;   // it scrolls
  return true;
}).map(t => (t.id || t.className || 'table') + ': ' + t.innerText.trim().slice(0, 60).replace(/\s+/g, ' '));
out.labels = [...art.querySelectorAll('.fundus-label')].map(e => [e.dataset.kind, e.innerText.trim()]);
out.anchors = [...art.querySelectorAll('a[href]')].map(a => [a.innerText.trim(), a.href]);
const prev = document.querySelector('a.left-prev');
out.prev = prev ? prev.href : null;
out.height = Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);
return out;
"""

WAIT_MATHJAX_JS = """
const done = arguments[arguments.length - 1];
const t0 = Date.now();
(function wait() {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) { mj.startup.promise.then(() => done('typeset'), e => done('error ' + e)); return; }
  if (!document.querySelector('.math') || Date.now() - t0 > 15000) { done(mj ? 'no startup' : 'no mathjax'); return; }
  setTimeout(wait, 100);
})();
"""


@dataclass
class Page:
    path: str                 # relative to _build/html, e.g. book/papers/mtl_glaucoma.html
    data: dict = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    mathjax: str = ""
    shot: Path | None = None


def book_pages() -> list[str]:
    """Every page of the toc (index.html is only a redirect to the root page, which is one)."""
    return [f"{f}.html" for f in toc_files()]


def is_paper(path: str) -> bool:
    return path.startswith("book/papers/")


def is_notebook(path: str) -> bool:
    return path.startswith("executed/")


@pytest.fixture(scope="module")
def book(server) -> dict:
    """Visit every page once; the tests below read what was found."""
    build_note, build_problems = build_if_stale()
    t0 = time.time()
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver = make_driver()
    pages: dict[str, Page] = {}
    try:
        pages_list = book_pages()
        for path in pages_list:
            page = Page(path)
            pages[path] = page
            driver.set_window_size(WIDTH, HEIGHT)
            driver.get_log("performance")            # drop the previous page's events
            driver.get(f"{server}/{path}")
            page.mathjax = driver.execute_async_script(WAIT_MATHJAX_JS)
            page.data = driver.execute_script(INSPECT_JS)
            for entry in driver.get_log("performance"):
                msg = json.loads(entry["message"])["message"]
                if msg.get("method") == "Network.requestWillBeSent":
                    page.requests.append(msg["params"]["request"]["url"])
            if is_paper(path) or is_notebook(path) or path == pages_list[0]:
                # the window's outer height minus its viewport's is the browser's own frame
                frame = HEIGHT - int(driver.execute_script("return window.innerHeight"))
                height = min(int(page.data["height"]), MAX_SHOT_HEIGHT)
                driver.set_window_size(WIDTH, max(height, HEIGHT - frame) + frame)
                time.sleep(0.3)
                page.shot = SHOTS / (path.removesuffix(".html").replace("/", "__") + ".png")
                driver.save_screenshot(str(page.shot))
    finally:
        driver.quit()
    statuses = check_links(pages, server)
    maths = sum(1 for p in pages.values() if p.data.get("math_total"))
    print(f"\nbook: {build_note}; {len(pages)} pages visited in {time.time() - t0:.0f} s "
          f"({maths} with maths); screenshots in {SHOTS}")
    return {"pages": pages, "statuses": statuses, "server": server, "build_problems": build_problems}


def check_links(pages: dict[str, Page], server: str) -> dict[str, int]:
    """HTTP status of every distinct local URL the pages reference (fragment dropped)."""
    urls = {link.split("#")[0] for p in pages.values() for _, link in p.data.get("links", [])
            if link.startswith(server)}
    statuses = {}
    for url in sorted(urls):
        req = urllib.request.Request(url, method="HEAD")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                statuses[url] = r.status
        except urllib.error.HTTPError as e:
            statuses[url] = e.code
        except OSError:
            statuses[url] = -1
    return statuses


# --------------------------------------------------------------------------- reporting

def report(check: str, failures: dict[str, list[str]]) -> None:
    """Fail ``check`` naming each page and what is wrong there (xfail if all are KNOWN)."""
    failures = {p: f for p, f in failures.items() if f}
    if not failures:
        return
    lines = [f"{check}: {len(failures)} page(s) fail"]
    for page, problems in failures.items():
        lines.append(f"  {page}:")
        lines += [f"    - {x}" for x in problems[:12]] + ([f"    ... {len(problems) - 12} more"] if len(problems) > 12 else [])
    text = "\n".join(lines)
    known = KNOWN.get(check, {})
    if set(failures) <= set(known):
        pytest.xfail("known: " + "; ".join(sorted({known[p] for p in failures})) + "\n" + text)
    pytest.fail(text, pytrace=False)


def rel(url: str, server: str) -> str:
    if url.startswith("data:"):
        return f"an inline {url[5:url.find(';')] or 'data'} image ({len(url)} characters of data: URI)"
    return urllib.parse.unquote(url.removeprefix(server + "/"))


# --------------------------------------------------------------------------- the checks

def test_book_builds_without_warnings(book) -> None:
    problems = book["build_problems"]
    assert not problems, ("`jupyter-book build . -W -n --keep-going --all` failed (the pages were browser-tested "
                          "all the same):\n" + "\n".join(problems[:40]))


def test_local_links_and_images_resolve(book) -> None:
    server, statuses = book["server"], book["statuses"]
    failures = {}
    for path, page in book["pages"].items():
        bad = sorted({f"<{tag}> {rel(link, server)} -> HTTP {statuses.get(link.split('#')[0])}"
                      for tag, link in page.data["links"]
                      if link.startswith(server) and statuses.get(link.split("#")[0]) != 200})
        bad += [f"image does not decode: {rel(src, server)}" for src in page.data["broken_images"]]
        failures[path] = bad
    report("broken internal link or image", failures)


def test_no_traceback_or_exception_banner(book) -> None:
    failures = {}
    for path, page in book["pages"].items():
        text = page.data["text"]
        found = [f"'Traceback' in the text: ...{text[max(0, i - 80):i + 120]!r}..."
                 for i in [m.start() for m in re.finditer("Traceback", text)][:3]]
        found += [f"papermill banner: {m.group(0)!r}" for m in re.finditer(r"An Exception was encountered[^\n]*", text)]
        found += [f"error element {e}" for e in page.data["errors"]]
        failures[path] = found
    report("traceback or exception banner", failures)


def test_no_nan_in_paper_tables(book) -> None:
    failures = {}
    for path, page in book["pages"].items():
        if is_paper(path):
            failures[path] = [f"table {t + 1} (starting {' | '.join(cells[:4])!r}): {n} cell(s) {sorted(set(bad))[:3]}"
                              for t, cells in enumerate(page.data["tables"])
                              for bad in [[c for c in cells if re.search(r"\bnan\b", c, re.I)]]
                              for n in [len(bad)] if n]
    report("'nan' in a table of a paper page", failures)


def test_every_glue_rendered(book) -> None:
    failures = {}
    for path, page in book["pages"].items():
        text = page.data["text_nocode"]    # the role named in a code span is documentation, not a failed glue
        found = [f"literal {m.group(0)!r}" for m in re.finditer(r"\{glue(?::\w+)?\}\S*", text)][:10]
        found += [f"empty glue placeholder <{cls}>" for cls in page.data["glue_empty"]]
        if not is_notebook(path) and page.data["empty_outputs"]:    # outside notebooks, outputs are glued
            found.append(f"{page.data['empty_outputs']} empty glued output(s) (.cell_output with nothing in it)")
        failures[path] = found
    report("unrendered glue", failures)


RAW_TEX = re.compile(r"\$[^$\n]*[\\^_{}][^$\n]*\$|\\frac|\\sqrt|\\mathrm|\\left|\\(?:alpha|beta|sigma|lambda|mu)\b")


def test_maths_typeset_offline(book) -> None:
    failures = {}
    for path, page in book["pages"].items():
        found = [f"raw LaTeX in the text: {m.group(0)[:80]!r}" for m in RAW_TEX.finditer(page.data["prose"])][:10]
        found += [f"not typeset by MathJax: {t!r}" for t in page.data["math_untypeset"]][:10]
        if page.data["math_total"] and page.mathjax != "typeset":
            found.append(f"MathJax did not start ({page.mathjax}) on a page with {page.data['math_total']} formula(s)")
        failures[path] = found
    report("maths not typeset", failures)


def test_no_request_leaves_localhost(book) -> None:
    failures = {}
    for path, page in book["pages"].items():
        failures[path] = sorted({u for u in page.requests
                                 if urllib.parse.urlsplit(u).scheme in ("http", "https", "ws", "wss")
                                 and urllib.parse.urlsplit(u).hostname != "127.0.0.1"})
    report("request to another host (the book must work offline)", failures)


def test_figures_keep_their_width(book) -> None:
    server = book["server"]
    failures = {}
    for path, page in book["pages"].items():
        failures[path] = [f"{rel(f['src'], server)}: shown {f['rendered']:.0f} px wide, intended {f['intended']} px "
                          f"(natural {f['natural']} px) - under half"
                          for f in page.data["figures"] if f["intended"] >= 64 and f["rendered"] < 0.5 * f["intended"]]
    report("figure narrower than half its intended width", failures)


def test_wide_tables_scroll(book) -> None:
    failures = {path: [f"wider than the text column and not in a scrolling box: {t}" for t in p.data["tables_cut"]]
                for path, p in book["pages"].items()}
    report("wide table cut at the right edge", failures)


def test_one_search_box(book) -> None:
    failures = {path: [f"{len(p.data['search_controls'])} visible search controls: {p.data['search_controls']}"]
                for path, p in book["pages"].items() if len(p.data["search_controls"]) != 1}
    report("exactly one search entry point", failures)


def test_previous_of_a_papers_first_notebook_is_its_overview(book) -> None:
    server = book["server"]
    failures = {}
    for path, page in book["pages"].items():
        m = re.fullmatch(r"executed/([^/]+)/01_[^/]+\.html", path)
        overview = f"book/papers/{m.group(1)}.html" if m else None
        if overview and overview in book["pages"]:
            got = rel(page.data["prev"] or "", server)
            failures[path] = [] if got == overview else [f"'Previous' leads to {got or 'nothing'}, not {overview}"]
    report("'Previous' on a paper's first notebook", failures)


def test_status_page_lists_every_notebook(book) -> None:
    page = book["pages"].get("book/status.html")
    assert page is not None, "book/status.html was not built (is book/status in _toc.yml?)"
    cells = [c for t in page.data["tables"] for c in t]
    listed = [f.removeprefix("executed/") for f in toc_files() if f.startswith("executed/")]
    missing = [label for label in listed if label not in cells]
    assert not missing, f"book/status.html: the run summary table lacks {missing}"


def test_captions_numbered(book) -> None:
    """Every glued table and figure caption carries its number on the page (Table 1., 2., ...)."""
    failures = {}
    for path, page in book["pages"].items():
        seen: dict[str, int] = {}
        bad = []
        for kind, text in page.data["labels"]:
            seen[kind] = seen.get(kind, 0) + 1
            if text != f"{kind} {seen[kind]}.":
                bad.append(f"caption label {text!r}, expected '{kind} {seen[kind]}.'")
        failures[path] = bad
    report("numbered caption labels", failures)


def test_notebooks_link_back_to_their_paper(book) -> None:
    server = book["server"]
    failures = {}
    for toc_file, parent in toc_parents().items():
        page = book["pages"].get(f"{toc_file}.html")
        if page is None or not is_notebook(page.path):
            continue
        backs = [rel(href, server).split("#")[0] for text, href in page.data["anchors"] if text.startswith("← Back to the paper")]
        failures[page.path] = [] if f"{parent}.html" in backs else [f"no '← Back to the paper' link to {parent}.html"]
    report("a notebook links back to its paper's page", failures)


def test_landing_page_lists_every_paper(book) -> None:
    from fundus_utils.book_status import paper_pages

    page = book["pages"].get(f"{toc_files()[0]}.html")
    cells = [c for t in page.data["tables"] for c in t]
    missing = [page_title(p) for p in paper_pages() if page_title(p) not in cells]
    assert not missing, f"{page.path}: the status table lacks {missing}"


def test_screenshots_saved(book) -> None:
    pages = [p for p in book["pages"].values() if is_paper(p.path) or is_notebook(p.path) or p.path == book_pages()[0]]
    missing = [p.path for p in pages if not (p.shot and p.shot.exists() and p.shot.stat().st_size > 0)]
    assert pages and not missing, f"no screenshot for {missing}"
    print("\n".join(str(p.shot.relative_to(ROOT)) for p in pages))
