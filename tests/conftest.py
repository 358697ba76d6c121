"""The fixtures every test builds on: app, client, runner, each on its own data dir and store.

The store, ingest, web, push and editor tests run twice, on SQLite and on PostgreSQL (a
throwaway cluster this session starts on loopback; see pg.py). Which store a test gets is the
`store_kind` parameter; `READER_DATABASE_URL` is set for the test, so every app, command and
subprocess it starts uses the same database, exactly as a deployment configures it.
"""
import hashlib
import os
import shutil
from pathlib import Path

import flask
import jinja2
import pytest
import werkzeug.routing

import pg
from reader import assets, create_app, editors
from reader.store import connect

# Test modules that run on both stores; the rest (fetching, extraction, browser) use SQLite.
BOTH_STORES = {
    "test_store", "test_ingest", "test_poll", "test_topics", "test_web_pages", "test_web_api",
    "test_push", "test_push_api", "test_push_fanout", "test_editor", "test_package", "test_serve",
    "test_scaling", "test_search", "test_web_errors", "test_held",
}
URL_ENV = "READER_DATABASE_URL"


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, which asyncio.run() in the push tests cannot share. Under
    pytest-xdist each worker still runs its share in this order (its default `load` schedule
    hands out tests from the front of this list)."""
    items.sort(key=lambda item: "tests/browser/" in str(item.fspath).replace("\\", "/"))


def pytest_generate_tests(metafunc):
    """Modules in BOTH_STORES run each test on SQLite and on PostgreSQL (store_kind)."""
    if "store_kind" not in metafunc.fixturenames:
        return
    if metafunc.module.__name__ not in BOTH_STORES:  # top-level modules only, not browser/test_push
        return  # the store_kind fixture below: SQLite
    missing = pg.binaries() is None and not os.environ.get("CI")
    postgresql = pytest.param("postgresql", marks=pytest.mark.skipif(
        missing, reason="PostgreSQL is not installed (make test installs it; CI requires it)"))
    metafunc.parametrize("store_kind", ["sqlite", postgresql], scope="module")


@pytest.fixture(scope="session")
def pg_cluster():
    bin_dir = pg.binaries()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: `make test` installs Debian's postgresql")
        pytest.skip("PostgreSQL is not installed")
    cluster = pg.Cluster.start(bin_dir, in_memory=True)
    cluster.empty = cluster.create_database()
    connect({"DATA_DIR": "/nonexistent", "DATABASE_URL": cluster.empty}).close()  # migrated once
    _release(cluster.empty)
    yield cluster
    _release()
    cluster.stop()


@pytest.fixture(autouse=True)
def database(request, store_kind, monkeypatch):
    """The test's database: SQLite in its data dir, or a PostgreSQL database of its own."""
    if store_kind == "sqlite":
        monkeypatch.delenv(URL_ENV, raising=False)
        yield None
        return
    cluster = request.getfixturevalue("pg_cluster")
    names = request.fixturenames
    if "demo_copy" in names:
        url = cluster.create_database(template=request.getfixturevalue("demo_build")["template"])
    elif "demo_data" in names:
        url = request.getfixturevalue("demo_build")["shared"]
    else:
        url = cluster.create_database(template=cluster.empty.rsplit("/", 1)[1])
    monkeypatch.setenv(URL_ENV, url)
    yield url
    if "demo_copy" in names or "demo_data" not in names:
        _release(url)
        cluster.drop_database(url)


@pytest.fixture
def new_store(request, store_kind):
    """Settings for one more store, independent of the test's own: on SQLite a new data dir is
    enough (returns {}); on PostgreSQL it needs a database of its own (dropped after the test)."""
    made = []

    def make():
        if store_kind == "sqlite":
            return {}
        cluster = request.getfixturevalue("pg_cluster")
        made.append(cluster.create_database(template=cluster.empty.rsplit("/", 1)[1]))
        return {"DATABASE_URL": made[-1]}

    yield make
    for url in made:
        _release(url)
        request.getfixturevalue("pg_cluster").drop_database(url)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes():
    """scrypt at a low cost in tests (n=2**10 instead of 2**15): a hash records its own cost, so
    checking works the same, and editor tests do not spend a minute hashing. Production's cost
    (editors.HASH_METHOD) is unchanged; servers a test starts in a subprocess keep it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(editors, "HASH_METHOD", "scrypt:1024:8:1")
        yield


@pytest.fixture(autouse=True, scope="session")
def static_files_built_once(tmp_path_factory):
    """Every app a test builds hashes, minifies and compresses static/ into its new data dir (a
    quarter of an app test's time); here the real build runs into one directory per session and
    each new data dir's build directory is a symbolic link to it (one file, where hard links to
    each of the 50-odd files cost the suite some 40,000 files to make and delete), so what is
    served is the same. A build directory that is already there gets hard links, as before."""
    real_build, cache = assets.build, tmp_path_factory.mktemp("static-build")

    def build(source, out):
        built = cache / hashlib.sha256(str(source).encode()).hexdigest()[:12]
        manifest = real_build(source, built)
        out = Path(out)
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                out.symlink_to(built, target_is_directory=True)
            except FileExistsError:
                pass  # another app built beside us (apps share demo data dirs)
        if not out.is_symlink():
            for entry in manifest.values():
                for name in (entry["url_path"], entry["url_path"] + ".gz", entry["url_path"] + ".br"):
                    _link(built / name, out / name)
        return manifest

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assets, "build", build)
        yield


def _link(built, target):
    if built.exists() and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(built, target)
        except FileExistsError:
            pass  # another app built beside us (apps share demo data dirs)
        except OSError:
            shutil.copyfile(built, target)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the session, checked against each template's source."""

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(autouse=True, scope="session")
def templates_compiled_once():
    """Each app compiles every template it renders again (a fifth of an app test's time); Jinja's
    bytecode cache, shared by the session's apps, compiles each template once. A cached template
    is used only while its source is unchanged (the cache checks a checksum of it)."""
    real, cache = flask.Flask.create_jinja_environment, _CompiledTemplates()

    def create_jinja_environment(self):
        environment = real(self)
        environment.bytecode_cache = cache
        return environment

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flask.Flask, "create_jinja_environment", create_jinja_environment)
        yield


@pytest.fixture(autouse=True, scope="session")
def url_builders_compiled_once():
    """Each app writes and compiles Python source for the URL builders of each of its routes
    (werkzeug's Rule._compile_builder, twice per route: most of create_app's time); here each
    builder is compiled once per session and reused by every rule with the same inputs: the rule,
    its parts, the names of its defaults and the URL text of those it fills in. The builder reads
    the rule itself (converters included) only when called, through its bound `self`."""
    real, builders = werkzeug.routing.Rule._compile_builder, {}

    def compile_builder(rule, append_unknown=True):
        defaults = rule.defaults or {}
        filled = tuple(rule._converters[name].to_url(defaults[name]) for dynamic, name in rule._trace
                       if dynamic and name in defaults)
        key = (append_unknown, rule.rule, tuple(rule._trace), tuple(map(str, defaults)), filled)
        if key not in builders:
            builders[key] = real(rule, append_unknown)
        return builders[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(werkzeug.routing.Rule, "_compile_builder", compile_builder)
        yield


@pytest.fixture(scope="session")
def store_kind():
    return "sqlite"


@pytest.fixture
def app(tmp_path, database):
    app = create_app({"DATA_DIR": tmp_path / "data", "TESTING": True, "FETCH_ALLOW_PRIVATE": True,
                      "FETCH_TIMEOUT": 5.0})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    handle = connect(app.config)
    yield handle
    handle.close()


_builds = {}


@pytest.fixture(scope="module")
def demo_build(request, store_kind, tmp_path_factory):
    """The demo newsroom (10 articles) ingested once per session and store: a data dir, and on
    PostgreSQL a template database to copy and a shared one to read."""
    if store_kind not in _builds:
        data_dir = tmp_path_factory.mktemp(f"demo-data-{store_kind}")
        config = {"DATA_DIR": data_dir}
        build = {"data_dir": data_dir}
        if store_kind == "postgresql":
            cluster = request.getfixturevalue("pg_cluster")
            config["DATABASE_URL"] = template = cluster.create_database(
                template=cluster.empty.rsplit("/", 1)[1])
            build["template"] = template.rsplit("/", 1)[1]
        result = create_app(config).test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        if store_kind == "postgresql":
            _release(config["DATABASE_URL"])
            build["shared"] = cluster.create_database(template=build["template"])
        _builds[store_kind] = build
    return _builds[store_kind]


@pytest.fixture(scope="module")
def demo_data(demo_build):
    """A data dir holding the demo newsroom; read-only (its database is shared by the module,
    and READER_DATABASE_URL points at it while the module runs, for module-scoped apps)."""
    with pytest.MonkeyPatch.context() as patch:
        if "shared" in demo_build:
            patch.setenv(URL_ENV, demo_build["shared"])
        else:
            patch.delenv(URL_ENV, raising=False)
        yield demo_build["data_dir"]


@pytest.fixture
def demo_copy(demo_data, tmp_path):
    """A copy of demo_data (and of its database) that the test may change."""
    return Path(shutil.copytree(demo_data, tmp_path / "demo-copy", symlinks=True))  # static-build stays a link


def _release(url=None):
    from reader.store import postgres

    postgres.close_pools(url)
