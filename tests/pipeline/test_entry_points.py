"""Every entry point's --help names the command a user types; the sample server refuses a taken port.

Real processes (``python -m ...``) for the module entries, since argparse takes its
program name from ``sys.argv[0]`` (``__main__.py`` before this was fixed), and a real
listening socket on 127.0.0.1 for the taken port.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from helpers import REPO, free_port

from pipeline.cli import COMMANDS
from pipeline.cli import main as cli_main

ENTRIES = ["run", "extract", "classify", "reclassify", "report", "feeds", "warehouse", "evaluate", "train",
           "sample", "sample_server", "sample.server", "warehouse.bigquery_emulator"]


def _python_m(module: str, *args: str, env: dict | None = None, timeout: float = 120):
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, PYTHONPATH=str(REPO), **(env or {})))


@pytest.mark.parametrize("entry", ENTRIES)
def test_python_m_help_shows_the_command_typed(entry):
    done = _python_m(f"pipeline.{entry}", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: python -m pipeline.{entry} "), done.stdout[:200]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_morocco_news_help_shows_the_subcommand_typed(name, capsys):
    assert cli_main([name, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: morocco-news {name} ")


def test_morocco_news_hints_name_the_subcommand(capsys):
    assert cli_main(["run", "--bogus"]) == 2
    assert "(see morocco-news run --help)" in capsys.readouterr().err
    assert cli_main(["feeds", "status", "--bogus"]) == 2
    assert "error: morocco-news feeds: unrecognized arguments: --bogus" in capsys.readouterr().err


@pytest.fixture()
def taken_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


@pytest.mark.parametrize("how", ["--port", "default"])
def test_the_sample_server_refuses_a_taken_port_in_one_line(taken_port, how):
    args, env = (["--port", str(taken_port)], None) if how == "--port" else ([], {"SAMPLE_SERVER_PORT": str(taken_port)})
    done = _python_m("pipeline.sample", *args, env=env, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"cannot serve on 127.0.0.1:{taken_port}" in done.stderr and "--port 0" in done.stderr


def test_the_sample_server_on_port_0_takes_a_free_port():
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.sample", "--port", "0"], cwd=REPO,
                            env=dict(os.environ, PYTHONPATH=str(REPO)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("serving ") and " at http://127.0.0.1:" in first
        port = int(first.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_sample_server_refuses_a_port_out_of_range():
    done = _python_m("pipeline.sample", "--port", str(70000), timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--port must be a port number from 0 to 65535" in done.stderr


def test_a_free_fixed_port_is_used_as_given():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.sample", "--port", str(port)], cwd=REPO,
                            env=dict(os.environ, PYTHONPATH=str(REPO)), stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().rstrip().endswith(f"at http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
