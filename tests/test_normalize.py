"""normalize: the small vocabulary, absolute URLs, figures with captions, chrome dropped."""
import pytest

from reader.normalize import normalize
from reader.vocabulary import TAGS as ALLOWED_TAGS

BASE = "https://paper.example/news/today/story.html"


def test_vocabulary_only():
    html = normalize('<div class="x"><h1>Head</h1><section><p style="color:red">Text <u>under</u> '
                     '<span>span</span></p></section><h5>small</h5><dl><dt>Term</dt><dd>Def</dd></dl></div>', BASE)
    assert html == "<h2>Head</h2>\n<p>Text under span</p>\n<h4>small</h4>\n<p>Term</p>\n<p>Def</p>"


def test_links_absolute_and_unsafe_unwrapped():
    html = normalize('<p><a href="../other.html">rel</a> <a href="javascript:alert(1)">js</a> '
                     '<a href="#top">frag</a></p>', BASE)
    assert html == '<p><a href="https://paper.example/news/other.html">rel</a> js frag</p>'


def test_image_gets_figure_caption_lazy_and_size():
    html = normalize('<p>Before</p><p><img data-src="/img/a.jpg" src="data:image/gif;base64,AA" alt="A"></p>',
                     BASE, captions={"https://paper.example/img/a.jpg": "A caption"},
                     sizes={"https://paper.example/img/a.jpg": ("800", "600")})
    assert html == ('<p>Before</p>\n<figure><img src="https://paper.example/img/a.jpg" alt="A" width="800" '
                    'height="600" loading="lazy"><figcaption>A caption</figcaption></figure>')


def test_caption_copy_beside_figure_is_dropped():
    html = normalize('<img src="/a.jpg" alt=""><p>The harbour at dawn.</p><p>Story text.</p>', BASE,
                     captions={"https://paper.example/a.jpg": "The harbour at dawn."})
    assert html.count("The harbour at dawn.") == 1


def test_image_inside_paragraph_moves_after_it():
    html = normalize('<p>Words <img src="/b.jpg" alt="b"> more words</p>', BASE)
    assert html.startswith("<p>Words  more words</p>\n<figure><img")


@pytest.mark.parametrize("src", ["/static/icons/share.png", "/favicon.ico", "/img/site-logo.svg",
                                 "/pixel.gif"])
def test_icons_and_pixels_dropped(src):
    assert "img" not in normalize(f'<p>Text</p><p><img src="{src}" alt=""></p>', BASE)


def test_tiny_images_dropped():
    assert "img" not in normalize('<p>Text</p><img src="/photo.jpg" width="16" height="16">', BASE)


@pytest.mark.parametrize("chrome", [
    "Exit mobile version", "Share this article", "Advertisement", "Sign up for our newsletter today",
    "Read more", "Like this story? Share it with a friend!", "READ MORE: Quay closed after storm",
    "This copy is for your personal, non-commercial use only. To order copies visit a reprint service.",
    "Copyright ©2019 The Coastal Ledger", "Write to Ann Lee at ann.lee@ledger.example",
    "[button link=\"/submit\" type=\"big\"] Send us YOUR review[/button]",
])
def test_chrome_paragraphs_dropped(chrome):
    assert normalize(f"<p>Real sentence of the story.</p><p>{chrome}</p>", BASE) == "<p>Real sentence of the story.</p>"


def test_teasers_after_a_lead_in_are_dropped():
    teasers = ('<p>You may also like...</p><p><a href="/a">Ferry fares rise</a></p>'
               '<p><a href="/b">Quay reopens</a> [VIDEO]</p><p>[REACTION]</p>')
    html = normalize(f"<p>Real sentence of the story.</p>{teasers}<p>The story goes on here.</p>", BASE)
    assert html == "<p>Real sentence of the story.</p>\n<p>The story goes on here.</p>"


def test_page_address_on_its_own_line_is_dropped():
    html = normalize(f"<p>{BASE}</p><p>See https://other.example/report for the figures.</p>", BASE)
    assert html == "<p>See https://other.example/report for the figures.</p>"


def test_link_lists_dropped_but_story_lists_kept():
    menu = "<ul>" + "".join(f'<li><a href="/s{i}">Other headline {i}</a></li>' for i in range(4)) + "</ul>"
    story = "<ul><li>Fares stay the same.</li><li>Bikes travel free, says <a href='/x'>the operator</a>.</li><li>Dogs too.</li></ul>"
    html = normalize(f"<p>Intro.</p>{menu}{story}", BASE)
    assert "Other headline" not in html and "Fares stay the same." in html


def test_drop_tags_and_hidden():
    html = normalize('<p>Keep</p><nav>menu</nav><form><input></form><p hidden>no</p>'
                     '<p style="display: none">no</p><script>x()</script>', BASE)
    assert html == "<p>Keep</p>"


def test_output_tags_are_in_vocabulary():
    import lxml.html
    html = normalize('<article><h2>A</h2><table><tfoot><tr><td colspan="2">t</td></tr></tfoot></table>'
                     '<pre><kbd>k</kbd></pre><blockquote>q</blockquote></article>', BASE)
    tags = {el.tag for el in lxml.html.fragment_fromstring(html, create_parent="div").iter()} - {"div"}
    assert tags <= ALLOWED_TAGS
    assert 'colspan="2"' in html


def test_empty_input():
    assert normalize("", BASE) == "" and normalize("   ", BASE) == ""


def test_a_long_address_is_resolved_but_not_remembered():
    """Resolved addresses are cached; one longer than CACHED_URL_CHARS (a data: URL in a link)
    is resolved all the same but not kept in memory after its page."""
    from reader.dom import CACHED_URL_CHARS, _joined, absolute_url

    path = "/" + "a" * CACHED_URL_CHARS
    _joined.cache_clear()
    remembered = _joined.cache_info().currsize
    assert absolute_url(path, "https://news.example/story") == "https://news.example" + path
    assert _joined.cache_info().currsize == remembered
    short = "/a-long-address-is-resolved-but-not-remembered"
    assert absolute_url(short, "https://news.example/story") == "https://news.example" + short
    assert _joined.cache_info().currsize == remembered + 1
