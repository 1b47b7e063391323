"""A local BigQuery emulator (``bqemulator``, Apache-2.0) in its own virtual environment.

    python -m pipeline.warehouse.bigquery_emulator install     # once (PyPI only; ~1 min)
    python -m pipeline.warehouse.bigquery_emulator start [--port 9050]

``bqemulator`` speaks BigQuery's REST API (and the Storage gRPC APIs) over a
DuckDB database with a GoogleSQL translator. It cannot share this project's
environment: it starts only with DuckDB 1.5.5 (DuckDB 2.0, which the project
uses, and 1.4 fail at start-up), and it loads DuckDB's ``spatial`` extension
when it starts. Offline that extension comes from the PyPI package
``duckdb-extension-spatial==1.5.5``; :func:`install` copies its file into a
DuckDB home directory of its own (``<home>/duckdb-home/.duckdb/extensions/
v1.5.5/<platform>/``), and the emulator runs with ``HOME`` pointing there, so
nothing is written to the user's own ``~/.duckdb``. DuckDB's ``avro``
extension (optional, for Avro load jobs) is switched off: it would be fetched
from the internet.

The environment lives in ``$BQEMULATOR_HOME``, by default
``~/.cache/morocco-news/bqemulator`` (outside the checkout; delete the folder
to remove it). :class:`Emulator` starts the server on 127.0.0.1 on free
ports and stops it; the tests use it through ``tests/bq_emulator.py``.

Only the standard library is imported here, so ``python3 -m
pipeline.warehouse.bigquery_emulator install`` works from a bare checkout.
"""
from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from pathlib import Path
from typing import Optional

# What the emulator's environment holds, pinned: bqemulator starts only with
# DuckDB 1.5.5, and the spatial extension must match DuckDB's version exactly.
PACKAGES = ("bqemulator==1.4.0", "duckdb==1.5.5", "duckdb-extension-spatial==1.5.5", "numpy>=1.26")
HOME_ENV = "BQEMULATOR_HOME"
START_TIMEOUT_S = 90.0


# Run in the child between fork and the emulator: ask Linux to SIGTERM it when its parent dies
# (prctl PR_SET_PDEATHSIG = 1; kept across execve), then check the parent did not die before
# that (a race the man page notes), then become the emulator (same pid). ctypes on libc: three
# lines, where the python-prctl package would be a compiled dependency for one call.
_TIED = ("import ctypes, os, signal, sys\n"
         "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)\n"
         "sys.exit(1) if os.getppid() != int(sys.argv[1]) else os.execv(sys.argv[2], sys.argv[2:])\n")


def spawn_tied(cmd: list[str], **popen_kwargs) -> subprocess.Popen:
    """``subprocess.Popen(cmd, ...)`` whose process dies with this one.

    On Linux the child gets SIGTERM from the kernel when this process ends, however it ends
    (SIGTERM, SIGKILL, a crash): ``prctl(PR_SET_PDEATHSIG)`` (:data:`_TIED`). The signal
    follows the death of the *thread* that spawned it: call this from a thread that lives as
    long as the child should (the main thread). Elsewhere (macOS) the child is only stopped
    by :meth:`Emulator.stop`, at exit (``atexit``) and on SIGTERM in :func:`main`.
    ``cmd[0]`` must be a path to an executable; the pid of the result is the command's.
    """
    if sys.platform.startswith("linux"):
        cmd = [sys.executable, "-c", _TIED, str(os.getpid()), *cmd]
    return subprocess.Popen(cmd, **popen_kwargs)


class EmulatorError(RuntimeError):
    """The emulator cannot be installed or started; the message says why, in one line."""


def default_home() -> Path:
    """``$BQEMULATOR_HOME`` or ``~/.cache/morocco-news/bqemulator``."""
    env = os.environ.get(HOME_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(cache) / "morocco-news" / "bqemulator"


def _python(home: Path) -> Path:
    return home / "venv" / "bin" / "python"


def _marker(home: Path) -> Path:
    return home / "installed.json"


def is_installed(home: Optional[Path] = None) -> bool:
    """True when ``home`` holds an environment installed with the current :data:`PACKAGES`."""
    home = home or default_home()
    try:
        meta = json.loads(_marker(home).read_text())
    except (OSError, ValueError):
        return False
    return meta.get("packages") == list(PACKAGES) and _python(home).exists()


def install(home: Optional[Path] = None, quiet: bool = True) -> Path:
    """Create (or reuse) the emulator's environment in ``home``; returns ``home``.

    Idempotent: an environment installed with the same :data:`PACKAGES` is
    kept as it is. Needs PyPI (``pip``); raises :class:`EmulatorError` when
    pip or the extension copy fails.
    """
    home = home or default_home()
    if is_installed(home):
        return home
    home.mkdir(parents=True, exist_ok=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(home / "venv")
    py = str(_python(home))
    pip = [py, "-m", "pip", "install", "--disable-pip-version-check"] + (["-q"] if quiet else [])
    done = subprocess.run(pip + list(PACKAGES), capture_output=quiet, text=True)
    if done.returncode != 0:
        tail = (done.stderr or "").strip().splitlines()[-1:] if quiet else []
        raise EmulatorError(f"pip could not install {' '.join(PACKAGES)}: {' '.join(tail) or 'see above'}")
    # Where DuckDB 1.5.5 looks for extensions: ~/.duckdb/extensions/v<version>/<platform>/.
    probe = ("import duckdb, duckdb_extension_spatial, pathlib;"
             "print(duckdb.__version__);"
             "print(duckdb.execute('PRAGMA platform').fetchone()[0]);"
             "print(pathlib.Path(duckdb_extension_spatial.__file__).parent)")
    out = subprocess.run([py, "-c", probe], capture_output=True, text=True)
    if out.returncode != 0:
        raise EmulatorError(f"cannot locate DuckDB's spatial extension: {out.stderr.strip().splitlines()[-1:]}")
    version, platform, package_dir = out.stdout.split("\n")[:3]
    found = sorted(Path(package_dir).rglob("spatial.duckdb_extension"))
    if not found:
        raise EmulatorError(f"duckdb-extension-spatial has no spatial.duckdb_extension under {package_dir}")
    target = home / "duckdb-home" / ".duckdb" / "extensions" / f"v{version}" / platform
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(found[0], target / "spatial.duckdb_extension")
    _marker(home).write_text(json.dumps({"packages": list(PACKAGES), "duckdb": version, "platform": platform}))
    return home


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """One ``bqemulator`` server on 127.0.0.1 (in-memory: its data goes when it stops).

    ``with Emulator() as emu: os.environ["BIGQUERY_EMULATOR_HOST"] = emu.host``.
    ``port``/``grpc_port`` default to free ports. :meth:`start` waits until the
    REST API answers (at most :data:`START_TIMEOUT_S`) and raises
    :class:`EmulatorError` when the environment is not installed or the
    server exits or does not answer; its log is ``<home>/emulator-<port>.log``.
    """

    def __init__(self, home: Optional[Path] = None, port: Optional[int] = None,
                 grpc_port: Optional[int] = None, project: str = "local-project"):
        self.home = home or default_home()
        self.port = port or free_port()
        self.grpc_port = grpc_port or free_port()
        self.project = project
        self.process: Optional[subprocess.Popen] = None
        self.log_path = self.home / f"emulator-{self.port}.log"

    @property
    def host(self) -> str:
        """The value for ``BIGQUERY_EMULATOR_HOST``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Emulator":
        if not is_installed(self.home):
            raise EmulatorError(f"the BigQuery emulator is not installed in {self.home}: run "
                                "python -m pipeline.warehouse.bigquery_emulator install")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BQEMU_")}
        env.update(HOME=str(self.home / "duckdb-home"), BQEMU_ENABLE_FORMAT_EXTENSIONS="false",
                   BQEMU_LOG_FORMAT="console")
        cmd = [str(_python(self.home)), "-m", "bqemulator", "start", "--ephemeral",
               "--rest-host", "127.0.0.1", "--rest-port", str(self.port),
               "--grpc-host", "127.0.0.1", "--grpc-port", str(self.grpc_port),
               "--project", self.project, "--log-level", "warning"]
        log = open(self.log_path, "wb")
        # Its own session (Ctrl-C in a terminal reaches the parent, which stops it in order),
        # tied to this process's life (spawn_tied) and stopped at interpreter exit.
        self.process = spawn_tied(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        atexit.register(self.stop)
        deadline = time.monotonic() + START_TIMEOUT_S
        url = f"{self.host}/bigquery/v2/projects/{self.project}/datasets"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorError(f"the BigQuery emulator exited with code {self.process.returncode}: "
                                    f"{self._log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.stop()
        raise EmulatorError(f"the BigQuery emulator did not answer on {self.host} within "
                            f"{START_TIMEOUT_S:.0f}s: {self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-3:])[:600] or "(empty log)"

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s); idempotent."""
        atexit.unregister(self.stop)
        p, self.process = self.process, None
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _exit_on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv: Optional[list[str]] = None) -> int:
    """``install`` or ``start``; exit 0, or 2 with one line on stderr; 128 + N on signal N
    (SIGTERM, SIGHUP), after stopping the emulator."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.warehouse.bigquery_emulator",
                                     description="A local BigQuery emulator for this project.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help=f"create its environment in ${HOME_ENV} (default {default_home()})")
    start = sub.add_parser("start", help="install if needed, then serve on 127.0.0.1 until Ctrl-C")
    start.add_argument("--port", type=int, default=9050, help="REST port (default 9050)")
    start.add_argument("--grpc-port", type=int, default=None, help="gRPC port (default: a free one)")
    args = parser.parse_args(argv)
    # SIGTERM (a scheduler, `kill`) and SIGHUP end this command through the `with` block below,
    # which stops the emulator; by default they would kill this process and leave it running.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)
    try:
        home = install(quiet=False)
        if args.command == "install":
            print(f"BigQuery emulator installed in {home}")
            return 0
        with Emulator(home, port=args.port, grpc_port=args.grpc_port) as emu:
            print(f"BigQuery emulator on {emu.host} (in memory; Ctrl-C stops it). In another shell:\n"
                  f"  export BIGQUERY_EMULATOR_HOST={emu.host}", flush=True)
            try:
                while emu.process is not None and emu.process.poll() is None:
                    time.sleep(0.5)
            except KeyboardInterrupt:
                return 0
            print(f"error: the emulator stopped: {emu._log_tail()}", file=sys.stderr)
            return 2
    except EmulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
