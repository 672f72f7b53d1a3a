"""A private PulseAudio server with a null sink: a sound device for tests on a machine without one."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def null_sound_server(folder: Path) -> Iterator[dict[str, str]]:
    """Start `pulseaudio` on a socket in `folder`; yields the environment that points programs at it."""
    if shutil.which("pulseaudio") is None:
        pytest.skip("needs pulseaudio (python3 run_tests.py installs it on Debian)")
    folder.mkdir(parents=True, exist_ok=True)
    socket = folder / "native"
    env = {
        **os.environ,
        "HOME": str(folder),
        "XDG_RUNTIME_DIR": str(folder),
        "PULSE_SERVER": f"unix:{socket}",
    }
    proc = subprocess.Popen(
        [
            "pulseaudio",
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "-L",
            "module-null-sink sink_name=null",
            "-L",
            f"module-native-protocol-unix socket={socket} auth-anonymous=1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode != 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("pulseaudio did not start")
            time.sleep(0.1)
        yield {"PULSE_SERVER": env["PULSE_SERVER"]}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
