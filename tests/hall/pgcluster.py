"""A throwaway PostgreSQL cluster on loopback (tests and benchmarks/hall_push.py).

``initdb`` into a fresh folder, ``pg_ctl start`` on a free port with the unix socket in that folder. PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` user (Debian's package creates it) via
``runuser``, or as ``nobody`` via ``setpriv`` when there is no such user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bindir() -> Path | None:
    """The folder with initdb/pg_ctl/postgres (Debian keeps them out of PATH), newest version first."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in candidates:
        if all((Path(folder) / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> tuple[list[str], str | None]:
    """The command prefix that drops root, and the user who will own the cluster's files."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return [], None
    import pwd  # POSIX only; this module is imported by the hall tests' conftest on every system

    try:
        pwd.getpwnam("postgres")
        return ["runuser", "-u", "postgres", "--"], "postgres"
    except KeyError:
        return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"], "nobody"


def make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    """A throwaway certificate authority: (certificate, key) in `folder`."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def make_server_cert(folder: Path, ca: tuple[Path, Path], host: str) -> tuple[Path, Path]:
    """A server certificate for `host` (and 127.0.0.1) signed by the CA: (certificate, key)."""
    cert, key, csr, ext = (folder / f"server.{e}" for e in ("crt", "key", "csr", "ext"))
    ext.write_text(f"subjectAltName=DNS:{host},IP:127.0.0.1\n")
    subprocess.run(
        ["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={host}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]),
         "-CAcreateserial", "-out", str(cert), "-days", "2", "-extfile", str(ext)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


class TempCluster:
    """One cluster in a temporary folder; ``url(db)`` for connecting, ``stop()``/``start()`` to simulate an
    outage, ``destroy()`` at the end.

    secure: as a hall should be set up (docs/hall-admin.md): TCP only with TLS (a throwaway CA, ``ca_file``) and
    SCRAM passwords, plain TCP refused; the superuser connects over the unix socket (``socket_url``)."""

    def __init__(self, bindir: Path, *, durable: bool = False, secure: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable
        self.secure = secure
        self.root = Path(tempfile.mkdtemp(prefix="wa-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.prefix, owner = _run_as()
        if owner is not None:
            shutil.chown(self.root, owner)
        self._cmd(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                *(["--auth-local=trust", "--auth-host=scram-sha-256"] if secure else ["--auth=trust"]),
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )

        if secure:
            certs = self.root / "certs"
            certs.mkdir()
            self.ca_file, ca_key = make_ca(certs, "hall-test-ca")
            self.server_cert, self.server_key = make_server_cert(certs, (self.ca_file, ca_key), "localhost")
            (self.data / "pg_hba.conf").write_text(
                "local all all trust\n"
                "hostssl all all 127.0.0.1/32 scram-sha-256\n"
                "hostnossl all all 127.0.0.1/32 reject\n"
            )
            if owner is not None:
                for path in (certs, self.server_cert, self.server_key, self.data / "pg_hba.conf"):
                    shutil.chown(path, owner)
            self.server_key.chmod(0o600)

    def _cmd(self, args: list[str]) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*self.prefix, *args], cwd=self.root, capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}"
            )
        return result

    def start(self) -> None:
        options = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.root}",
            "-c max_connections=200",
            "-c shared_buffers=64MB",
        ]
        if self.secure:
            options += [
                "-c ssl=on",
                f"-c ssl_cert_file={self.server_cert}",
                f"-c ssl_key_file={self.server_key}",
            ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._cmd(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "60",
                "-o",
                " ".join(options),
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        self._cmd([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"])

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def socket_url(self, dbname: str = "postgres") -> str:
        """The superuser over the unix socket (trusted: the administrator on the server itself)."""
        return f"postgresql://postgres@/{dbname}?host={self.root}&port={self.port}"

    def create_database(self, name: str) -> str:
        import psycopg

        url = self.socket_url if self.secure else self.url
        with psycopg.connect(url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return url(name)

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
