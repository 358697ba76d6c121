"""Settings: defaults, then READER_* environment variables, then the caller's mapping.

Every setting is data with help text; the README lists them all and a test fails
when one is undocumented.
"""
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    parse: object = None  # a callable; None picks one from the default's type

    @property
    def env(self):
        return "READER_" + self.name


def _bool(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"not a yes/no value: {value!r}")


def _int_list(value):
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    return [int(v) for v in str(value).replace(" ", "").split(",") if v]


def _str_list(value):
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


SETTINGS = [
    Setting("ALLOWED_HOSTS", ["localhost", "127.0.0.1"],
            "Host names a request may name besides READER_BASE_URL's (a leading . allows subdomains); a "
            "request for any other host is refused with 400.", _str_list),
    Setting("BASE_URL", "http://127.0.0.1:8000",
            "The site's public origin (scheme, host and port, no path); every absolute link (feeds, canonical "
            "links) starts with it, never with the Host header a request sent, and its host is always allowed."),
    Setting("CORS_ORIGINS", [], "Origins (e.g. https://news.example) of static exports allowed to call the push API.",
            _str_list),
    Setting("DATA_DIR", "instance", "Directory holding all state: the SQLite database, images, keys."),
    Setting("DATABASE_POOL_SIZE", 8, "Most PostgreSQL connections one process keeps open (web threads plus one)."),
    Setting("DATABASE_URL", "", "Where the data lives: empty for the SQLite file in the data directory, or "
            "postgresql://user:password@host:port/dbname for PostgreSQL 15+ shared by several machines."),
    Setting("DEFAULT_LOCALE", "en", "Interface language when neither the reader's setting nor the browser's "
            "Accept-Language names one Reader speaks: en, ru, kk (Kazakh, Cyrillic) or uz (Uzbek, Latin); "
            "also the language of `reader package` unless --locale says otherwise."),
    Setting("DESK_INGEST_JOBS", 2, "Ingests started from the desk that may run at once; another is refused with a message."),
    Setting("DESK_INGEST_SECONDS", 600.0,
            "Time limit of one ingest started from the desk (a feed's articles included); past it the job "
            "stops and says so."),
    Setting("EDITOR_SESSION_HOURS", 12, "Hours an editor stays logged in to the desk (and a form's CSRF token lasts)."),
    Setting("EXTRACT_MIN_CONFIDENCE", 0.5,
            "Extraction confidence (0-1) below which a story is stored but not published: it waits on the "
            "desk's \"Needs a look\" list and never triggers an automatic alert. Calibrated on both "
            "evaluation sets (BENCHMARKS.md); 0 publishes everything."),
    Setting("FEED_MAX_ENTRIES", 200,
            "Most entries taken from one feed, newest first; a longer feed is cut and its result line says so."),
    Setting("FEED_MAX_ENTRIES_READ", 2000,
            "Most entries of one feed parsed, from the top (feeds list newest first); a longer feed's result line says so."),
    Setting("FETCH_ALLOW_PRIVATE", False,
            "Allow fetching private, loopback and link-local addresses (tests and local demos only)."),
    Setting("FETCH_MAX_BYTES", 10 * 1024 * 1024, "Largest response body accepted when fetching, in bytes."),
    Setting("FETCH_MAX_REDIRECTS", 5, "Most redirects followed for one fetch."),
    Setting("FETCH_TIMEOUT", 15.0, "Seconds allowed to connect and between bytes read for one fetch; "
            "a whole fetch (connect, headers, body, every redirect) gets 8 times this."),
    Setting("IMAGE_MAX_BYTES", 8 * 1024 * 1024, "Largest image downloaded at ingest; larger images are dropped."),
    Setting("IMAGE_MAX_PIXELS", 40_000_000, "Largest image area decoded (decompression-bomb guard)."),
    Setting("IMAGE_WIDTHS", [360, 720], "Widths in CSS pixels to which article images are resized.",
            _int_list),
    Setting("IMAGES_PER_ARTICLE", 30, "Most images downloaded for one article; the rest are dropped."),
    Setting("OFFLINE_MAX_MB", 50, "Storage a phone may use for kept stories, in MB; least recently read go first."),
    Setting("OFFLINE_MAX_STORIES", 200, "Most stories a phone keeps offline; least recently read go first."),
    Setting("OFFLINE_NETWORK_LIMIT_MS", 10000,
            "Milliseconds the service worker waits for the network at most (a page not kept, an image, "
            "an alert's story); past it the reader gets the offline page, and an alert shows anyway."),
    Setting("OFFLINE_NETWORK_TIMEOUT_MS", 2500,
            "Milliseconds the service worker waits for the network before showing the kept copy."),
    Setting("PAGE_MAX_ATTRIBUTES", 1000,
            "Most attributes on one element of a page; a page with more fails with one line (real pages: "
            "at most 64)."),
    Setting("PAGE_MAX_ELEMENTS", 50_000,
            "Most elements in one page; a page with more fails with one line (real pages: at most about 10,000)."),
    Setting("PAGE_MAX_LINKS", 20_000,
            "Most links in one page; a page with more fails with one line (real pages: at most about 2,200)."),
    Setting("PAGE_MAX_STORY_CHARS", 500_000,
            "Most characters of text in one extracted story; a longer one fails with one line (real "
            "stories: at most about 100,000)."),
    Setting("POLL_HOST_DELAY", 2.0, "Seconds to wait between two requests to the same host while polling."),
    Setting("POLL_INTERVAL", 900, "Default seconds between polls for `reader poll --every`."),
    Setting("PROXY_COUNT", 0, "Reverse proxies in front of Reader whose X-Forwarded-For/-Proto/-Host are trusted "
            "(werkzeug ProxyFix); 0 trusts none."),
    Setting("PUSH_CONCURRENCY", 512, "Push requests in flight at once, over all push services."),
    Setting("PUSH_LEASE", 10.0, "Seconds a sender holds a claimed batch of deliveries without renewing it; a sender "
            "that died or stalled loses its batches to the others after this long."),
    Setting("PUSH_PER_ORIGIN", 256, "Push requests in flight at once to one push service."),
    Setting("PUSH_SLOW_AFTER", 3.0, "Seconds a push service may take to answer before that delivery moves to the "
            "slow lane (its own small pool and the full READER_PUSH_TIMEOUT), so hanging endpoints never hold the rest."),
    Setting("PUSH_SLOW_CONCURRENCY", 32, "Push requests in flight at once in the slow lane."),
    Setting("PUSH_SUBSCRIBE_PER_ADDRESS", 30,
            "Subscription requests (subscribe, change topics, unsubscribe) one client address may make in 10 "
            "minutes; more are refused with 429. Phones behind one carrier address share it."),
    Setting("PUSH_SERVICE_HOSTS", ["fcm.googleapis.com", "updates.push.services.mozilla.com",
                                   "web.push.apple.com", "*.notify.windows.com"],
            "Push services subscriptions may point at: https host names (a leading *. allows subdomains) "
            "or exact origins such as http://127.0.0.1:8080 for tests.", _str_list),
    Setting("PUSH_SUBJECT", "mailto:newsroom@example.org",
            "Contact URL (mailto: or https:) sent to push services in the VAPID claims (RFC 8292)."),
    Setting("PUSH_TIMEOUT", 10.0, "Seconds allowed for one request to a push service."),
    Setting("RELEASE", "", "A release label mixed into the service worker's version; change it to roll out a new worker."),
    Setting("SECRET_KEY", None, "Flask secret key; created in the data directory when not set."),
    Setting("SOURCE_SECONDS", 120.0,
            "Seconds one source (a page with its images, or a feed) may take from fetch to store; "
            "past it that source fails with one line and the others go on."),
    Setting("USER_AGENT", "ReaderBot/0.1 (+https://github.com/reader-news/reader; offline news reader)",
            "User-Agent sent with every outbound request."),
]

_PARSERS = {bool: _bool, int: int, float: float}


def base_url(value):
    """READER_BASE_URL checked, as an origin with no trailing slash (Reader's URLs start at /).

    Raises:
        ConfigError: not the http(s) origin of a host.
    """
    parts = urlsplit(str(value).strip())
    try:
        parts.port  # noqa: B018 (reading it raises ValueError for a bad port)
    except ValueError:
        parts = parts._replace(netloc="")
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query
            or parts.fragment or parts.username or parts.password):
        raise ConfigError(f"READER_BASE_URL must be an http(s) origin such as https://news.example, not {value!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def default(name):
    """The default of one setting, for code that also runs without an app (e.g. Fetcher())."""
    return next(setting.default for setting in SETTINGS if setting.name == name)


def _parse(setting, value):
    if value is None:
        return None
    parser = setting.parse or _PARSERS.get(type(setting.default), str)
    try:
        return parser(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{setting.env}: {exc}") from None


def load(overrides=None, environ=None):
    """Return the settings as a dict of READER_-less names.

    Args:
        overrides: a mapping applied last (the test config).
        environ: the environment to read (default: os.environ).

    Raises:
        ConfigError: when a value cannot be parsed or is out of range.
    """
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    values = {}
    for setting in SETTINGS:
        value = setting.default
        if setting.env in environ:
            value = environ[setting.env]
        if setting.name in overrides:
            value = overrides.pop(setting.name)
        values[setting.name] = _parse(setting, value)
    values.update(overrides)  # Flask's own keys (TESTING, ...) pass through
    _validate(values)
    values["DATA_DIR"] = str(Path(values["DATA_DIR"]).resolve())
    return values


def _validate(values):
    for name in ("PAGE_MAX_ATTRIBUTES", "PAGE_MAX_ELEMENTS", "PAGE_MAX_LINKS", "PAGE_MAX_STORY_CHARS"):
        if values[name] < 1:
            raise ConfigError(f"READER_{name} must be at least 1")
    for name in ("FEED_MAX_ENTRIES", "FEED_MAX_ENTRIES_READ", "FETCH_MAX_BYTES", "FETCH_MAX_REDIRECTS", "IMAGE_MAX_BYTES", "IMAGES_PER_ARTICLE",
                 "OFFLINE_MAX_MB", "OFFLINE_MAX_STORIES", "OFFLINE_NETWORK_TIMEOUT_MS"):
        if values[name] < 0:
            raise ConfigError(f"READER_{name} must not be negative")
    if values["OFFLINE_NETWORK_LIMIT_MS"] < max(1, values["OFFLINE_NETWORK_TIMEOUT_MS"]):
        raise ConfigError("READER_OFFLINE_NETWORK_LIMIT_MS must be at least READER_OFFLINE_NETWORK_TIMEOUT_MS")
    if not str(values["PUSH_SUBJECT"]).startswith(("mailto:", "https://")):
        raise ConfigError("READER_PUSH_SUBJECT must be a mailto: or https: URL")
    if values["PROXY_COUNT"] < 0 or values["EDITOR_SESSION_HOURS"] <= 0:
        raise ConfigError("READER_PROXY_COUNT must not be negative and READER_EDITOR_SESSION_HOURS must be positive")
    if not 0 <= values["EXTRACT_MIN_CONFIDENCE"] <= 1:
        raise ConfigError("READER_EXTRACT_MIN_CONFIDENCE must be between 0 and 1")
    for name in ("PUSH_CONCURRENCY", "PUSH_PER_ORIGIN", "PUSH_SLOW_CONCURRENCY", "PUSH_SUBSCRIBE_PER_ADDRESS"):
        if values[name] < 1:
            raise ConfigError(f"READER_{name} must be at least 1")
    for name in ("DESK_INGEST_JOBS", "DESK_INGEST_SECONDS", "FETCH_TIMEOUT", "PUSH_TIMEOUT", "PUSH_SLOW_AFTER",
                 "SOURCE_SECONDS"):
        if values[name] <= 0:
            raise ConfigError(f"READER_{name} must be positive")
    if values["PUSH_LEASE"] < 1:
        raise ConfigError("READER_PUSH_LEASE must be at least 1 second")
    if values["DATABASE_URL"] and not str(values["DATABASE_URL"]).startswith(("postgresql://", "postgres://")):
        raise ConfigError("READER_DATABASE_URL must be empty (SQLite) or a postgresql:// URL")
    if values["DEFAULT_LOCALE"] not in ("en", "ru", "kk", "uz"):
        raise ConfigError("READER_DEFAULT_LOCALE must be one of en, ru, kk, uz")
    if values["DATABASE_POOL_SIZE"] < 1:
        raise ConfigError("READER_DATABASE_POOL_SIZE must be at least 1")
    values["BASE_URL"] = base_url(values["BASE_URL"])
    if not values["IMAGE_WIDTHS"] or min(values["IMAGE_WIDTHS"]) < 16:
        raise ConfigError("READER_IMAGE_WIDTHS needs widths of at least 16 px")
