"""Shared test fixtures.

Network safety: every test talks only to servers bound to 127.0.0.1. The
``no_external_network`` fixture below enforces it for the whole session by
refusing any socket connection outside 127.0.0.0/8 (and ::1).
"""
from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise ConnectionRefusedError(f"test network guard: refusing connection to {address!r} (loopback only)")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise ConnectionRefusedError(f"test network guard: refusing connection to {address!r} (loopback only)")
    return _real_connect_ex(self, address)


def _no_prism(self, pipeline, options):
    # Beam's DirectRunner first tries the Prism runner, which downloads a binary
    # from the internet; refuse at once so it falls back to the local runners
    # without even a DNS lookup.
    raise RuntimeError("Prism is disabled in tests: it would download a binary")


@pytest.fixture(autouse=True, scope="session")
def no_external_network():
    from apache_beam.runners.portability import prism_runner

    real_prism = prism_runner.PrismRunner.run_pipeline
    prism_runner.PrismRunner.run_pipeline = _no_prism
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    yield
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex
    prism_runner.PrismRunner.run_pipeline = real_prism


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}); these tests need the shared seeds/data beside the checkout")
    return SHARED


@pytest.fixture(scope="module")
def srv():
    """The hostile HTTP server on 127.0.0.1 (tests/hostile_server.py), one per module."""
    from hostile_server import HostileServer

    with HostileServer() as s:
        yield s
