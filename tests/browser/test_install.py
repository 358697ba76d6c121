"""Reader installs as an app: Chromium finds no installability error and loads the manifest's icons."""
import json

import pytest

# Chromium's parsed manifest spells enum values its own way (kStandalone, PORTRAIT).
STANDALONE = ("standalone", "kStandalone")


@pytest.fixture
def installed_page(persistent_context, live_server):
    """The front page in a profile-backed context, once the service worker is ready."""
    context = persistent_context()
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(live_server.url + "/")
    # Installability has required a service worker with a fetch handler in some Chrome versions.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return page


def test_no_installability_errors(installed_page):
    cdp = installed_page.context.new_cdp_session(installed_page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    if errors:
        print(json.dumps(errors, indent=1))
    assert errors == []


def test_manifest_parses_standalone_with_icons(installed_page, live_server):
    cdp = installed_page.context.new_cdp_session(installed_page)
    found = cdp.send("Page.getAppManifest")
    assert found["url"] == live_server.url + "/manifest.json"
    assert found["errors"] == [], found["errors"]
    manifest = found["manifest"]
    assert manifest["display"] in STANDALONE
    assert manifest["startUrl"].startswith(live_server.url + "/")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes


def test_manifest_icons_load_at_their_declared_size(installed_page, live_server):
    manifest = json.loads(installed_page.request.get(live_server.url + "/manifest.json").text())
    loaded = installed_page.evaluate("""icons => Promise.all(icons.map(icon => new Promise(resolve => {
        const img = new Image();
        img.onload = () => resolve({src: icon.src, sizes: img.naturalWidth + "x" + img.naturalHeight});
        img.onerror = () => resolve({src: icon.src, sizes: "failed"});
        img.src = icon.src;
    })))""", manifest["icons"])
    assert loaded == [{"src": icon["src"], "sizes": icon["sizes"]} for icon in manifest["icons"]]
    assert {"any", "maskable"} <= {icon.get("purpose", "any") for icon in manifest["icons"]}
