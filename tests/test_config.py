import re
from pathlib import Path

import pytest

from reader import config, create_app

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_then_environment_then_overrides(tmp_path):
    env = {"READER_FETCH_TIMEOUT": "3.5", "READER_DATA_DIR": str(tmp_path / "env")}
    values = config.load({"FETCH_TIMEOUT": 1.0}, environ=env)
    assert values["FETCH_TIMEOUT"] == 1.0
    assert values["DATA_DIR"] == str(tmp_path / "env")
    assert values["FETCH_MAX_BYTES"] == 10 * 1024 * 1024


@pytest.mark.parametrize("env, message", [
    ({"READER_FETCH_ALLOW_PRIVATE": "maybe"}, "yes/no"),
    ({"READER_FETCH_TIMEOUT": "soon"}, "READER_FETCH_TIMEOUT"),
    ({"READER_FETCH_TIMEOUT": "0"}, "positive"),
    ({"READER_IMAGE_WIDTHS": "8"}, "at least 16"),
])
def test_bad_values_are_named(env, message):
    with pytest.raises(config.ConfigError, match=message):
        config.load(environ=env)


def test_boolean_and_list_parsing():
    values = config.load(environ={"READER_FETCH_ALLOW_PRIVATE": "yes", "READER_IMAGE_WIDTHS": "320, 640"})
    assert values["FETCH_ALLOW_PRIVATE"] is True
    assert values["IMAGE_WIDTHS"] == [320, 640]


def test_every_setting_is_documented_in_the_readme():
    documented = set(re.findall(r"`(READER_[A-Z_]+)`", README.read_text()))
    missing = {s.env for s in config.SETTINGS} - documented
    assert not missing, f"undocumented settings: {sorted(missing)}"


def test_secret_key_is_created_once_and_private(tmp_path):
    first = create_app({"DATA_DIR": tmp_path})
    second = create_app({"DATA_DIR": tmp_path})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
