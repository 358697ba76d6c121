"""The three fixtures every test builds on: app, client, runner (each on its own data dir)."""
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
