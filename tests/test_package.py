"""The static export and one-file editions, rendered by the app itself."""
import hashlib
import json
import re

from bs4 import BeautifulSoup

from reader import create_app, package
from reader.store import articles as article_store
from reader.store import connect


def _export(data, out, *args):
    app = create_app({"DATA_DIR": data})
    return app.test_cli_runner().invoke(args=["package", str(out), *args])


def _sw_config(out):
    source = (out / "sw.js").read_text()
    return json.loads(re.search(r"const CONFIG = (\{.*?\n\});", source, re.S).group(1))


def test_every_public_page_becomes_a_file(demo_copy, tmp_path):
    out = tmp_path / "site"
    result = _export(demo_copy, out)
    assert result.exit_code == 0, result.output
    db = connect(demo_copy)
    slugs = [row["slug"] for row in article_store.latest(db, limit=100)]
    assert len(slugs) == 10
    for slug in slugs:
        soup = BeautifulSoup((out / "articles" / slug / "index.html").read_bytes(), "html.parser")
        assert soup.select_one("article h1") is not None
    for name in ("index.html", "offline/index.html", "saved/index.html", "settings/index.html",
                 "topics/summit/index.html", "feed.xml", "feed.json", "topics/summit/feed.xml",
                 "manifest.json", "sw.js", "api/editions/summit.json", "api/editions/front.json"):
        assert (out / name).is_file(), name
    edition = json.loads((out / "api/editions/summit.json").read_text())
    assert len(edition["stories"]) == 4
    assert all((out / image.lstrip("/")).is_file() for s in edition["stories"] for image in s["images"])
    assert package.broken_links(out) == []


def test_precache_entries_exist_with_the_hashes_they_claim(demo_copy, tmp_path):
    out = tmp_path / "site"
    _export(demo_copy, out)
    config = _sw_config(out)
    for entry in config["precache"]:
        path = out / package.url_to_file(entry["url"])
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        assert entry["revision"] == digest, entry


def test_re_export_rewrites_only_what_changed(demo_copy, tmp_path):
    out = tmp_path / "site"
    first = _export(demo_copy, out)
    assert "0 unchanged" in first.output
    again = _export(demo_copy, out)
    assert re.search(r"(\d+) files: 0 written", again.output), again.output
    db = connect(demo_copy)
    row = article_store.latest(db, topic="kazakhstan", limit=1)[0]
    article_store.update(db, row, {**dict(row), "body_html": "<p>Corrected.</p>" + row["body_html"],
                                   "body_text": "Corrected. " + row["body_text"], "content_hash": "fixed"})
    before = _sw_config(out)["version"]
    changed = _export(demo_copy, out)
    written = int(re.search(r"(\d+) written", changed.output).group(1))
    assert 0 < written < 40, changed.output
    assert "Corrected." in (out / "articles" / row["slug"] / "index.html").read_text()
    assert _sw_config(out)["version"] == before  # the shell did not change, so neither does the worker


def test_files_of_removed_stories_are_removed(demo_copy, tmp_path):
    out = tmp_path / "site"
    _export(demo_copy, out)
    db = connect(demo_copy)
    row = article_store.latest(db, limit=1)[0]
    db.execute("DELETE FROM articles WHERE id = ?", (row["id"],))
    result = _export(demo_copy, out)
    assert not (out / "articles" / row["slug"] / "index.html").exists()
    assert re.search(r"[1-9]\d* removed", result.output)


def test_broken_internal_links_are_reported_and_fail_the_command(demo_copy, tmp_path):
    media = sorted((demo_copy / "media").glob("*.webp"))[0]
    media.unlink()
    result = _export(demo_copy, tmp_path / "site")
    assert result.exit_code == 1
    assert f"/media/{media.name}" in result.output


def test_alert_toggles_only_with_an_api_origin(demo_copy, tmp_path):
    plain, with_api = tmp_path / "plain", tmp_path / "api"
    _export(demo_copy, plain)
    _export(demo_copy, with_api, "--api-origin", "https://desk.example")
    assert BeautifulSoup((plain / "settings/index.html").read_bytes(), "html.parser").select("[data-push]") == []
    box = BeautifulSoup((with_api / "settings/index.html").read_bytes(), "html.parser").select_one("[data-push]")
    assert box["data-api"] == "https://desk.example" and box["data-key"]
    assert _sw_config(with_api)["apiOrigin"] == "https://desk.example"
    assert not BeautifulSoup((plain / "index.html").read_bytes(), "html.parser").find("a", string="Search")


def test_zip_is_written(demo_copy, tmp_path):
    import zipfile

    result = _export(demo_copy, tmp_path / "site", "--zip")
    assert result.exit_code == 0
    with zipfile.ZipFile(tmp_path / "site.zip") as archive:
        assert "index.html" in archive.namelist() and "sw.js" in archive.namelist()


def test_one_file_edition_needs_no_network(demo_copy, tmp_path):
    out = tmp_path / "summit.html"
    result = create_app({"DATA_DIR": demo_copy}).test_cli_runner().invoke(
        args=["package", "--edition", "summit", str(out)])
    assert result.exit_code == 0, result.output
    digest = re.search(r"sha256 ([0-9a-f]{64})", result.output).group(1)
    assert digest == hashlib.sha256(out.read_bytes()).hexdigest()
    soup = BeautifulSoup(out.read_bytes(), "html.parser")
    assert len(soup.select("article")) == 4 and len(soup.select("nav ol li a")) == 4
    assert soup.find("style") is not None and soup.find("link", rel="stylesheet") is None
    assert soup.select("article img") and all(i["src"].startswith("data:image/webp;base64,")
                                              for i in soup.select("img"))
    for tag in soup.find_all(src=True):
        assert tag["src"].startswith("data:")
    assert soup.find("script") is None and soup.find("link") is None
    assert not [a["href"] for a in soup.find_all("a", href=True) if a["href"].startswith("/")]


def test_text_only_edition_and_bad_topics(demo_copy, tmp_path):
    runner = create_app({"DATA_DIR": demo_copy}).test_cli_runner()
    result = runner.invoke(args=["package", "--edition", "summit", "--text-only", str(tmp_path / "t.html")])
    assert result.exit_code == 0
    soup = BeautifulSoup((tmp_path / "t.html").read_bytes(), "html.parser")
    assert soup.find("img") is None and len(soup.select("article")) == 4
    result = runner.invoke(args=["package", "--edition", "nope", str(tmp_path / "x.html")])
    assert result.exit_code == 1 and "unknown topic" in result.output


def test_the_push_api_answers_cors_only_for_listed_origins(tmp_path):
    app = create_app({"DATA_DIR": tmp_path, "CORS_ORIGINS": ["https://news.example"]})
    client = app.test_client()
    allowed = client.options("/api/push/subscriptions", headers={"Origin": "https://news.example",
                                                                 "Access-Control-Request-Method": "POST"})
    assert allowed.status_code in (200, 204)
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example"
    other = client.get("/api/push/key", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_a_new_story_rewrites_only_the_pages_that_list_it(demo_copy, tmp_path):
    from reader.store import topics as topic_store

    out = tmp_path / "site"
    _export(demo_copy, out)
    db = connect(demo_copy)
    newest = article_store.latest(db, limit=1)[0]
    row = {**dict(newest), "url": "https://steppe-dispatch.example/new.html", "title": "A new story",
           "published": "2026-01-05T08:00:00+00:00", "content_hash": "new"}
    story_id = article_store.insert(db, "a-new-story", {k: row[k] for k in article_store.COLUMNS})
    topic_store.assign(db, story_id, ["summit"])
    result = _export(demo_copy, out)
    written = int(re.search(r"(\d+) written", result.output).group(1))
    assert (out / "articles/a-new-story/index.html").is_file()
    assert written < 45, result.output  # not every article page: "Read next" is each story's own neighbours


def test_pages_get_precompressed_twins_rewritten_only_with_their_page(demo_copy, tmp_path):
    import gzip

    import brotli

    out = tmp_path / "site"
    _export(demo_copy, out)
    page = out / "index.html"
    assert gzip.decompress((out / "index.html.gz").read_bytes()) == page.read_bytes()
    assert brotli.decompress((out / "index.html.br").read_bytes()) == page.read_bytes()
    assert (out / "sw.js.br").is_file() and (out / "api/editions/summit.json.gz").is_file()
    before = (out / "index.html.br").stat().st_mtime_ns
    _export(demo_copy, out)
    assert (out / "index.html.br").stat().st_mtime_ns == before


# ---- the CSP travels with the files (issue 12.2) -------------------------------------------------

def _policy(html):
    head = BeautifulSoup(html, "html.parser").head
    first = head.find(["meta", "link", "script", "style", "title"])
    assert first.get("charset") == "utf-8"
    meta = first.find_next_sibling()        # right after the charset: it covers everything below it
    assert meta.name == "meta" and meta["http-equiv"] == "Content-Security-Policy"
    return dict(part.strip().split(" ", 1) for part in meta["content"].split(";"))


def test_every_exported_page_carries_the_sites_csp_in_a_meta_element(demo_copy, tmp_path):
    out = tmp_path / "site"
    assert _export(demo_copy, out, "--api-origin", "https://back.example").exit_code == 0
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 20
    for page in pages:
        policy = _policy(page.read_bytes())
        assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'", page
        assert policy["connect-src"] == "'self' https://back.example", page
        assert "frame-ancestors" not in policy and "unsafe-inline" not in str(policy), page
    live = create_app({"DATA_DIR": demo_copy}).test_client().get("/")
    assert 'http-equiv="Content-Security-Policy"' not in live.get_data(as_text=True)   # the header does it


def test_an_edition_carries_a_csp_that_lets_nothing_run_or_load(demo_copy, tmp_path):
    out = tmp_path / "summit.html"
    result = _export(demo_copy, out, "--edition", "summit")
    assert result.exit_code == 0, result.output
    policy = _policy(out.read_bytes())
    assert policy == {"default-src": "'none'", "style-src": "'unsafe-inline'", "img-src": "data:",
                      "base-uri": "'none'", "form-action": "'none'"}
