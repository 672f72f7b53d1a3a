"""A real PostgreSQL server for the hall tests: one throwaway cluster per session, one database per test."""

from __future__ import annotations

import itertools

import pytest

from assistant.hall.config import connect
from assistant.hall.schema import install_schema
from tests.hall.pgcluster import TempCluster, find_bindir

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql "
            "package (python3 run_tests.py does so when run as root on Debian)"
        )
    cluster = TempCluster(bindir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def hall_url(pg_cluster: TempCluster) -> str:
    """A fresh database of the session's cluster, initialised as `hall init` does (the URL is the superuser's)."""
    url = pg_cluster.create_database(f"hall_{next(_names)}")
    with connect(url) as conn:
        install_schema(conn)
    return url


@pytest.fixture(scope="session")
def secure_cluster():
    """A cluster set up as docs/hall-admin.md says: TLS with a throwaway CA and SCRAM over TCP, plain TCP refused."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    cluster = TempCluster(bindir, secure=True)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()
