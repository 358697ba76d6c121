"""Static files, manifest and service worker: hashed, immutable, compressed, revalidated."""
import json
import re

import pytest

from test_web_pages import demo_app  # noqa: F401


@pytest.fixture
def web(demo_app):  # noqa: F811
    return demo_app.test_client()


def _asset_urls(web):
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', web.get("/").data.decode())


def test_asset_urls_carry_a_content_hash_and_are_immutable(web):
    urls = _asset_urls(web)
    assert any(u.endswith(".css") for u in urls) and any(u.endswith(".js") for u in urls)
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url
        response = web.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_css_and_js_are_served_precompressed(web, encoding):
    for url in _asset_urls(web):
        if url.endswith((".css", ".js")):
            response = web.get(url, headers={"Accept-Encoding": encoding})
            assert response.headers["Content-Encoding"] == encoding


def test_manifest_makes_the_app_installable(web):
    response = web.get("/manifest.json")
    assert response.mimetype == "application/manifest+json"
    assert response.headers["Cache-Control"] == "no-cache"
    manifest = json.loads(response.data)
    for key in ("id", "name", "short_name", "start_url", "scope", "theme_color", "background_color"):
        assert manifest[key]
    assert manifest["display"] == "standalone"
    icons = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= icons
    for icon in manifest["icons"]:
        assert web.get(icon["src"]).mimetype == "image/png"
    assert web.get("/manifest.json", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_apple_touch_icon_is_linked(web):
    page = web.get("/").data.decode()
    href = re.search(r'rel="apple-touch-icon" href="([^"]+)"', page).group(1)
    assert web.get(href).status_code == 200


def test_service_worker_is_revalidated_with_root_scope(web):
    response = web.get("/sw.js")
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert web.get("/sw.js", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_the_worker_imports_each_part_and_its_version_covers_them(demo_app, monkeypatch):  # noqa: F811
    from reader import SHARE
    from reader.web import asset_url, worker

    on_disk = sorted(f"sw/{p.name}" for p in (SHARE / "static" / "sw").glob("*.js") if p.name != "sw.js")
    assert sorted(worker.PARTS) == on_disk
    with demo_app.test_request_context("/sw.js"):
        before = worker.config("source")
        assert before["parts"] == [asset_url(name) for name in worker.PARTS]
        for name in worker.PARTS:
            assets = dict(demo_app.extensions["assets"])
            assets[name] = {**assets[name], "hash": "0" * 12}
            monkeypatch.setitem(demo_app.extensions, "assets", assets)
            assert worker.config("source")["version"] != before["version"], name
            monkeypatch.undo()
    body = demo_app.test_client().get("/sw.js").data.decode()
    assert "importScripts.apply(self, CONFIG.parts)" in body
    for url in before["parts"]:
        assert demo_app.test_client().get(url).status_code == 200
