"""Every demo article reads on a 360 px phone: no sideways scroll, one h1, no errors, readable colours."""
import struct

import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_CONTRAST = 4.5  # WCAG 2.2 SC 1.4.3, normal-size text

# Measured once per page after it loaded and every lazy image below the fold was scrolled into view.
MEASURE = """() => {
    const imgs = [...document.images];
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        clientWidth: document.documentElement.clientWidth,
        h1: document.querySelectorAll("h1").length,
        imgsWithoutAlt: imgs.filter(img => !img.hasAttribute("alt")).map(img => img.src),
        brokenImgs: imgs.filter(img => img.complete && img.naturalWidth === 0).map(img => img.src),
        theme: document.documentElement.dataset.theme,
        rootFontSize: parseFloat(getComputedStyle(document.documentElement).fontSize),
    };
}"""

# Contrast of each element's text colour on the first opaque background behind it (WCAG 2.x formula).
CONTRAST = """selectors => {
    const rgb = value => (value.match(/[\\d.]+/g) || []).map(Number);
    const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const background = el => {
        for (; el; el = el.parentElement) {
            const bg = rgb(getComputedStyle(el).backgroundColor);
            if (bg.length === 3 || bg[3] === 1) return bg.slice(0, 3);
        }
        return [255, 255, 255];
    };
    const result = {};
    for (const selector of selectors) {
        const el = document.querySelector(selector);
        if (!el) continue;
        const fg = luminance(rgb(getComputedStyle(el).color)), bg = luminance(background(el));
        result[selector] = {
            ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05),
            background: bg,
        };
    }
    return result;
}"""
TEXT_SELECTORS = ["article .body p", "article .meta", "article .body a", "footer.site p"]


@pytest.fixture
def article_urls(live_server, context):
    response = context.request.get(live_server.url + "/api/articles?limit=50")
    assert response.ok, response.status
    urls = [article["url"] for article in response.json()["articles"]]
    assert len(urls) == 10, urls  # the demo newsroom
    return urls


def visit(context, watch_page, url):
    """Open url, scroll to the end so lazy images load, and return (measurements, problems)."""
    page = context.new_page()
    problems = watch_page(page)
    page.goto(url, wait_until="load")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")
    return page, page.evaluate(MEASURE), problems


def layout_problems(measured, problems):
    found = []
    # With is_mobile, Chromium widens the layout viewport (and innerWidth) to fit content wider than
    # the screen, so innerWidth alone would hide the overflow; clientWidth stays at the screen's 360.
    screen = min(measured["innerWidth"], measured["clientWidth"])
    if measured["scrollWidth"] > screen:
        found.append(f"scrolls sideways: {measured['scrollWidth']} px wide on a {screen} px screen")
    if measured["h1"] != 1:
        found.append(f"{measured['h1']} h1 elements")
    found += [f"img without alt: {src}" for src in measured["imgsWithoutAlt"]]
    found += [f"broken img: {src}" for src in measured["brokenImgs"]]
    return found + problems.all()


def test_every_article_fits_a_phone(context, live_server, article_urls, watch_page):
    report = {}
    for path in article_urls:
        page, measured, problems = visit(context, watch_page, live_server.url + path)
        report[path] = layout_problems(measured, problems)
        page.close()
    failing = {path: found for path, found in report.items() if found}
    assert failing == {}, "\n".join(f"{path}: {found}" for path, found in failing.items())


def test_dark_theme_and_largest_text_still_fit_and_read(context, live_server, article_urls, watch_page):
    context.add_cookies([{"name": "theme", "value": "dark", "url": live_server.url},
                         {"name": "text", "value": "xl", "url": live_server.url}])
    report = {}
    for path in article_urls:
        page, measured, problems = visit(context, watch_page, live_server.url + path)
        assert measured["theme"] == "dark" and measured["rootFontSize"] > 16, measured
        found = layout_problems(measured, problems)
        contrast = page.evaluate(CONTRAST, TEXT_SELECTORS)
        assert contrast["article .body p"]["background"] < 0.05, "the background is not dark"
        found += [f"contrast {value['ratio']:.2f} for {selector}"
                  for selector, value in contrast.items() if value["ratio"] < MIN_CONTRAST]
        report[path] = found
        page.close()
    failing = {path: found for path, found in report.items() if found}
    assert failing == {}, "\n".join(f"{path}: {found}" for path, found in failing.items())


def test_light_theme_text_contrast(context, live_server, article_urls):
    page = context.new_page()
    page.goto(live_server.url + article_urls[0])
    contrast = page.evaluate(CONTRAST, TEXT_SELECTORS)
    assert {"article .body p", "article .meta"} <= set(contrast)
    low = {selector: value["ratio"] for selector, value in contrast.items() if value["ratio"] < MIN_CONTRAST}
    assert low == {}


def test_overflow_check_sees_a_too_wide_element(context, live_server, article_urls, watch_page):
    """The overflow measure itself: a 600 px element on the page must be reported."""
    page = context.new_page()
    page.goto(live_server.url + article_urls[0])
    page.evaluate("""() => {
        const wide = document.createElement("div");
        wide.style.width = "600px";  // CSSOM, not an inline style attribute, so CSP allows it
        wide.textContent = "wide";   // an empty box adds no scrollable overflow
        document.querySelector("main").append(wide);
    }""")
    found = layout_problems(page.evaluate(MEASURE), watch_page(page))
    assert any(problem.startswith("scrolls sideways") for problem in found), found


def test_article_screenshot_is_a_phone_screen(context, live_server, article_urls, tmp_path):
    page = context.new_page()
    page.goto(live_server.url + article_urls[0], wait_until="networkidle")
    path = tmp_path / "article-360x740.png"
    page.screenshot(path=path)
    print(f"screenshot: {path}")
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    assert (width, height) == (720, 1480)  # 360x740 CSS px at device scale 2
