"""Fixtures for the OneMap integration suite: a real `onemap` binary, a sample database
built by `onemap build-sample`, and a real `onemap serve` subprocess on a free loopback port.

Binary: env ONEMAP_BIN (default .build/debug/onemap relative to the repo root).
Every subprocess and every HTTP request has a timeout: nothing here can hang.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers import IMPORT_LINE, REPO, onemap_bin, run_cli  # noqa: E402

HTTP_TIMEOUT = 30
START_TIMEOUT = 90
BUILD_TIMEOUT = 600

_server_logs: list[Path] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: Path, workdir: Path, name: str = "server", extra_args=()):
        self.db = db
        self.workdir = workdir
        self.name = name
        self.extra_args = [str(a) for a in extra_args]
        self.port = None
        self.proc = None
        self.stderr_path = workdir / f"{name}.stderr.log"
        self.stdout_path = workdir / f"{name}.stdout.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", HTTP_TIMEOUT)
        kw.setdefault("allow_redirects", False)
        self.ensure_alive()
        try:
            return requests.get(self.url(path), **kw)
        except requests.ConnectionError:
            self.ensure_alive()
            raise

    def request(self, method: str, path: str, key: str | None = None, **kw) -> requests.Response:
        """Any method; `key` is sent as `Authorization: Bearer KEY`."""
        kw.setdefault("timeout", HTTP_TIMEOUT)
        kw.setdefault("allow_redirects", False)
        if key is not None:
            kw["headers"] = {"Authorization": f"Bearer {key}", **kw.get("headers", {})}
        self.ensure_alive()
        try:
            return requests.request(method, self.url(path), **kw)
        except requests.ConnectionError:
            self.ensure_alive()
            raise

    def ensure_alive(self):
        """If the server has exited, restart it (so one crash — or a SIGTERM from outside, or a
        relink under the running binary — does not cascade) and fail the current test."""
        if self.proc is None or self.alive():
            return
        rc = self.proc.returncode
        tail = self.stderr_tail()
        self.proc = None
        self.start()
        how = f"killed by signal {-rc}" if rc < 0 else f"exited with status {rc}"
        raise AssertionError(f"server {how} earlier; restarted. Its last output:\n{tail}")

    def stderr_tail(self, n: int = 60) -> str:
        try:
            lines = self.stderr_path.read_text(errors="replace").splitlines()
            lines += self.stdout_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def start(self, attempts: int = 3):
        last_err = None
        for attempt in range(attempts):
            self.port = free_port()
            exe = onemap_bin()
            if not exe.exists():
                last_err = f"binary {exe} does not exist"
                time.sleep(10)
                continue
            out = open(self.stdout_path, "ab")
            err = open(self.stderr_path, "ab")
            try:
                self.proc = subprocess.Popen(
                    [str(exe), "serve", "--db", str(self.db), "--host", "127.0.0.1",
                     "--port", str(self.port), *self.extra_args],
                    stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=str(REPO),
                    start_new_session=True,
                )
            except OSError as e:  # text file busy during a relink
                last_err = repr(e)
                time.sleep(5)
                continue
            finally:
                out.close()
                err.close()
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_err = f"onemap serve exited with {self.proc.returncode}"
                    break
                try:
                    r = requests.get(self.url("/health"), timeout=2)
                    if r.status_code == 200:
                        return self
                except requests.RequestException:
                    pass
                time.sleep(0.25)
            else:
                last_err = f"/health did not answer 200 within {START_TIMEOUT}s"
            self.stop()
        raise RuntimeError(f"{self.name}: {last_err}\n--- server output ---\n{self.stderr_tail()}")

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


# ----------------------------------------------------------------------------- hooks
@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        item.session.config._onemap_failed = True


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not getattr(config, "_onemap_failed", False):
        return
    for p in _server_logs:
        if p.exists():
            lines = p.read_text(errors="replace").splitlines()
            terminalreporter.write_sep("-", f"tail of {p.name} ({len(lines)} lines)")
            terminalreporter.write_line("\n".join(lines[-80:]))


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def onemap():
    exe = onemap_bin()
    if not exe.exists():
        pytest.fail(f"onemap binary not found at {exe} (set ONEMAP_BIN or build it)")
    return exe


@pytest.fixture(scope="session")
def sample_db(onemap, tmp_path_factory):
    d = tmp_path_factory.mktemp("sample")
    db = d / "sample.sqlite"
    r = run_cli(["build-sample", "--db", db], timeout=BUILD_TIMEOUT)
    (d / "build-sample.stdout.log").write_text(r.stdout)
    (d / "build-sample.stderr.log").write_text(r.stderr)
    if r.returncode != 0 or not db.exists():
        pytest.fail(f"build-sample failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return db


@pytest.fixture(scope="session")
def build_sample_report(sample_db):
    """Per layer (imported, repaired, rejected) as reported by build-sample's import lines."""
    out = (sample_db.parent / "build-sample.stdout.log").read_text()
    out += (sample_db.parent / "build-sample.stderr.log").read_text()
    rep = {}
    for line in out.splitlines():
        m = re.match(IMPORT_LINE, line.strip())
        if m:
            rep[m.group(2)] = (int(m.group(1)), int(m.group(3)), int(m.group(4)))
            continue
        # build-sample's own form: "  admin: 146 features (0 repaired, 0 rejected)"
        m = re.match(r"^(\w+): (\d+) features \((\d+) repaired, (\d+) rejected\)$", line.strip())
        if m:
            rep[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
    return rep


@pytest.fixture(scope="session")
def server(sample_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("serve")
    s = Server(sample_db, work, "serve")
    _server_logs.append(s.stderr_path)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def http(server):
    """The session server, after checking it is still up (a crash in one test is
    reported there, not as a cascade of connection errors)."""
    try:
        server.ensure_alive()
    except AssertionError as e:
        pytest.fail(str(e))
    return server


@pytest.fixture
def start_server(tmp_path):
    """Start an extra server on some database: start_server(db) -> Server."""
    started = []

    def _start(db):
        s = Server(Path(db), tmp_path, f"extra{len(started)}")
        _server_logs.append(s.stderr_path)
        started.append(s)
        return s.start()

    yield _start
    for s in started:
        s.stop()


class ImportResult:
    def __init__(self, proc, db, layer):
        self.proc = proc
        self.db = db
        self.layer = layer
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        lines = [l for l in proc.stdout.splitlines() if l.strip()]
        self.last_line = lines[-1].strip() if lines else ""
        m = re.match(IMPORT_LINE, self.last_line)
        self.summary = (int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))) if m else None

    @property
    def imported(self):
        return self.summary[0]

    @property
    def repaired(self):
        return self.summary[2]

    @property
    def rejected(self):
        return self.summary[3]

    def rejected_indices(self):
        return [int(m.group(1)) for m in re.finditer(r"(?m)^feature (\d+): \S", self.stderr)]

    def __repr__(self):
        return (f"<import rc={self.returncode} stdout={self.stdout[-800:]!r} "
                f"stderr={self.stderr[-1500:]!r}>")


@pytest.fixture
def run_import(onemap, tmp_path):
    """run_import(file, layer, *extra_args, db=None) runs `onemap import` into a fresh
    temporary database (or the given one) and returns an ImportResult."""
    counter = [0]

    def _run(file, layer, *extra, db=None, timeout=120):
        if db is None:
            counter[0] += 1
            db = tmp_path / f"import{counter[0]}.sqlite"
        p = run_cli(["import", str(file), "--layer", layer, "--db", str(db), *extra], timeout=timeout)
        return ImportResult(p, Path(db), layer)

    return _run


@pytest.fixture(scope="session")
def spatialite_sql():
    """spatialite_sql(db, sql) -> list of rows (tuples of str), through the sqlite3 CLI with
    mod_spatialite loaded (this Python's sqlite3 module cannot load extensions)."""
    exe = shutil.which("sqlite3")
    if not exe:
        pytest.skip("sqlite3 CLI not installed")

    def _q(db, sql):
        script = (".bail on\n.load mod_spatialite\n.mode list\n.separator '\x1f' '\x1e'\n"
                  ".headers off\n" + sql.strip().rstrip(";") + ";\n")
        p = subprocess.run([exe, "-readonly", str(db)], input=script, capture_output=True,
                           text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"sqlite3 failed: {p.stderr}\nSQL: {sql}")
        recs = p.stdout.split("\x1e")[:-1]
        return [tuple(r.split("\x1f")) for r in recs]

    return _q


# ----------------------------------------------------------------------------- API keys
# A second server, started with `--keys`, on its own freshly built sample database: the
# write and access tests use it, so nothing is ever written into the session database.
@pytest.fixture(scope="session")
def keyed_server(onemap, tmp_path_factory):
    from features_ref import API_KEYS
    d = tmp_path_factory.mktemp("keyed")
    db = d / "keyed.sqlite"
    r = run_cli(["build-sample", "--db", db], timeout=BUILD_TIMEOUT)
    if r.returncode != 0 or not db.exists():
        pytest.fail(f"build-sample (keyed) failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    keys = d / "keys.txt"
    keys.write_text("# test keys\n" + "".join(f"{k} {rest}\n" for k, rest in API_KEYS.values()))
    s = Server(db, d, "keyed", extra_args=["--keys", keys])
    _server_logs.append(s.stderr_path)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def keyed(keyed_server):
    try:
        keyed_server.ensure_alive()
    except AssertionError as e:
        pytest.fail(str(e))
    return keyed_server
