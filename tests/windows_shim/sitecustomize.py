"""Loaded through PYTHONPATH by tests/unit/test_collects_on_windows.py: this interpreter lacks what Windows'
CPython lacks, so that a test module needing it at import or decoration time fails collection here as it
would on a Windows PC (the os functions and modules below do not exist in CPython for Windows:
https://docs.python.org/3/library/os.html#os.geteuid, .../resource.html, .../fcntl.html, .../pwd.html)."""

import os
import signal
import sys

for _name in ("geteuid", "getuid", "getegid", "getgid", "fork", "setsid", "killpg", "getpgid", "chown"):
    if hasattr(os, _name):
        delattr(os, _name)
for _name in ("SIGKILL", "SIGSTOP", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGQUIT"):
    if hasattr(signal, _name):
        delattr(signal, _name)


class _PosixOnly:
    blocked = ("resource", "fcntl", "pwd", "grp", "termios")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (not on Windows)")
        return None


sys.meta_path.insert(0, _PosixOnly())
