"""The static export served by a plain static server works as the live site does:
installable, stories readable offline, editions downloadable."""
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from reader import create_app, package

from .test_offline import _assert_story, _open, _poll, _wait_kept


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def static_site(demo_copy, tmp_path):
    """`reader package` output served by `python -m http.server` on loopback."""
    out = tmp_path / "export"
    report = package.export_site(create_app({"DATA_DIR": demo_copy}).config, out)
    assert report.broken == []
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/", timeout=2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield url, out
    server.terminate()
    server.wait(timeout=10)


def _stories(out, edition="front"):
    return json.loads((out / "api" / "editions" / f"{edition}.json").read_text())["stories"]


def test_the_export_installs_and_reads_offline(persistent_context, static_site):
    url, out = static_site
    context = persistent_context()
    page = context.pages[0] if context.pages else context.new_page()
    _open(page, url + "/")
    cdp = context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    stories = _stories(out)[:2]
    for story in stories:
        _open(page, url + story["url"])
    _wait_kept(page, [s["url"] for s in stories])
    context.set_offline(True)
    for story in stories:
        page.goto(url + story["url"])
        _assert_story(page, story["title"])


def test_the_export_downloads_the_summit_edition(context, static_site):
    url, out = static_site
    summit = _stories(out, "summit")
    page = context.new_page()
    _open(page, url + "/topics/summit/")
    box = page.locator("[data-edition=summit]")
    box.locator("[data-edition-start]").click()
    status = "() => document.querySelector('[data-edition-status]').textContent"
    _poll(page, status, lambda text: text.endswith("Download them?"))
    box.locator("[data-edition-confirm]").click()
    _poll(page, status, lambda text: text.startswith("Kept "))
    context.set_offline(True)
    for story in summit:
        page.goto(url + story["url"])
        _assert_story(page, story["title"])


def test_a_javascript_url_in_an_exported_story_cannot_run(context, demo_copy, tmp_path):
    """A story stored with a javascript: URL (before URLs were checked at ingest) gets no link;
    and should script get into an exported file anyway, the export, served with no headers at
    all, carries the CSP that stops it (issue 12.2)."""
    from reader.store import articles as article_store
    from reader.store import connect

    db = connect(demo_copy)
    row = article_store.latest(db, limit=1)[0]
    db.execute("UPDATE articles SET url = ? WHERE id = ?", ("javascript:document.title='pwned'", row["id"]))
    db.close()
    out = tmp_path / "export"
    package.export_site(create_app({"DATA_DIR": demo_copy}).config, out)
    exported = out / "articles" / row["slug"] / "index.html"
    html = exported.read_text()
    assert "javascript:" not in html and "Original story" not in html
    exported.write_text(html.replace('<main id="main">', '<main id="main"><p class="source">'
                                     '<a href="javascript:document.title=\'pwned\'">Original story</a></p>', 1))
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/articles/{row['slug']}/"
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                time.sleep(0.05)
        page = context.new_page()
        blocked = []
        page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
                else None)
        page.goto(url)
        title = page.title()
        page.click("p.source a")
        page.wait_for_timeout(500)
        assert page.title() == title != "pwned"
        assert blocked, "the browser did not report a CSP block"
    finally:
        server.terminate()
        server.wait(timeout=10)
