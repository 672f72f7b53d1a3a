"""A real PostgreSQL server for the hall tests: one throwaway cluster per session, one database per test."""

from __future__ import annotations

import itertools

import pytest

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
    """A fresh, empty database of the session's cluster."""
    return pg_cluster.create_database(f"hall_{next(_names)}")
