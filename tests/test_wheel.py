"""A wheel built from the repo, installed without -e, serves pages, static files and the manifest."""
import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# seconds `reader serve` may take to stop after SIGTERM: its own limits are 30 s for the push sender
# (serve.STOP_LIMIT) and 20 s for gunicorn's graceful stop, which a busy machine can come near
STOP_WAIT = 60.0


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv holding only the built wheel; dependencies come from this venv's site-packages."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(work / "dist"), str(ROOT)], check=True, capture_output=True)
    [wheel] = (work / "dist").glob("reader-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    # A plain path line: the dependencies are importable, but this venv's editable hook is not.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", str(wheel)], check=True, capture_output=True)
    return venv, work


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_installed_wheel_serves_pages_static_files_and_manifest(installed):
    venv, work = installed
    location = subprocess.check_output([venv / "bin" / "python", "-c", "import reader; print(reader.__file__)"],
                                       cwd=work, text=True)
    assert str(ROOT) not in location  # the installed copy, not the checkout
    port = _free_port()
    env = {**os.environ, "READER_DATA_DIR": str(work / "data")}
    log = (work / "serve.log").open("w+")
    server = subprocess.Popen([venv / "bin" / "reader", "serve", "--port", str(port), "--workers", "1"],
                              cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        home = _wait_for_server(server, f"http://127.0.0.1:{port}/", log)
        css = next(part.split('"')[0] for part in home.split('href="')[1:] if part.startswith("/static/css/"))
        assert "body" in _get(f"http://127.0.0.1:{port}{css}")
        assert '"standalone"' in _get(f"http://127.0.0.1:{port}/manifest.json")
        assert "addEventListener" in _get(f"http://127.0.0.1:{port}/sw.js")
        # The catalogs were compiled into the wheel (no .mo is committed).
        assert 'lang="ru"' in _get(f"http://127.0.0.1:{port}/saved/", language="ru")
        assert "Сохранено на телефоне" in _get(f"http://127.0.0.1:{port}/saved/", language="ru")
    finally:
        server.terminate()
        server.wait(timeout=STOP_WAIT)
        log.close()


def _wait_for_server(server, url, log, limit=90.0):
    """The first page once the server answers; fails at once if it exits, or after `limit` seconds
    (a first start compiles the installed package's bytecode, slow on a busy machine)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return _get(url, attempts=1)
        except AssertionError:
            time.sleep(0.2)
    log.seek(0)
    raise AssertionError(f"no answer from {url} ({'exited' if server.poll() is not None else 'still starting'}):\n"
                         f"{log.read()[-2000:]}")


def _get(url, attempts=100, language="en"):
    for _ in range(attempts):
        try:
            request = urllib.request.Request(url, headers={"Accept-Language": language})
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.1)  # the server is still starting
    raise AssertionError(f"no answer from {url}")


def test_every_package_is_listed_for_the_wheel():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "reader").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject.toml packages: {sorted(found - listed)}"
