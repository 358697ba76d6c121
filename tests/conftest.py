"""The three fixtures every test builds on: app, client, runner (each on its own data dir)."""
import shutil
from pathlib import Path

import pytest

from reader import create_app
from reader.store import connect


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, which asyncio.run() in the push tests cannot share."""
    items.sort(key=lambda item: "tests/browser/" in str(item.fspath).replace("\\", "/"))


@pytest.fixture
def app(tmp_path):
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
    connection = connect(app.config["DATA_DIR"])
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory):
    """A data dir holding the demo newsroom (10 articles), loaded once per session; read-only."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    result = create_app({"DATA_DIR": data_dir}).test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return data_dir


@pytest.fixture
def demo_copy(demo_data, tmp_path):
    """A copy of demo_data that the test may change."""
    return Path(shutil.copytree(demo_data, tmp_path / "demo-copy"))
