"""What a Linux program or library needs from the system, read from its ELF file (standard library only).

Two readers use it: the check before Qt starts (assistant/edges/system_libs.py: which libraries Qt's xcb platform
plugin needs) and the packager (packaging/build.py: the .deb's `Depends:` and the glibc floor). Both need only
the dynamic section (DT_NEEDED, DT_RUNPATH/DT_RPATH) and the symbol version needs (GLIBC_2.34 …), which are
there in stripped files too.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

_SHT_DYNAMIC, _SHT_GNU_VERNEED = 6, 0x6FFFFFFE
_DT_NEEDED, _DT_RPATH, _DT_RUNPATH = 1, 15, 29
_GLIBC = re.compile(r"GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$")


@dataclass
class Needs:
    """One ELF file's dynamic needs."""

    needed: list[str] = field(default_factory=list)  # sonames, in order
    runpath: list[str] = field(default_factory=list)  # with $ORIGIN as written
    versions: dict[str, set[str]] = field(default_factory=dict)  # soname → version names (GLIBC_2.34 …)

    def search_dirs(self, origin: Path) -> list[Path]:
        return [
            Path(p.replace("$ORIGIN", str(origin)).replace("${ORIGIN}", str(origin))) for p in self.runpath
        ]


def read(path: Path) -> Needs | None:
    """The needs of the ELF file at `path`; None when it is not an ELF file (or cannot be read)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if data[:4] != b"\x7fELF" or len(data) < 64:
        return None
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    if wide:
        (shoff,) = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A)
        section, entry = order + "IIQQQQIIQQ", order + "qQ"
    else:
        (shoff,) = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x2E)
        section, entry = order + "IIIIIIIIII", order + "iI"
    try:
        sections = [struct.unpack_from(section, data, shoff + i * shentsize) for i in range(shnum)]
    except struct.error:
        return None
    needs = Needs()

    def string(strtab: int, offset: int) -> str:
        start = sections[strtab][4] + offset
        return data[start : data.index(b"\0", start)].decode("utf-8", "replace")

    for _name, kind, _flags, _addr, offset, size, link, *_ in sections:
        if kind == _SHT_DYNAMIC:
            for at in range(offset, offset + size, struct.calcsize(entry)):
                tag, value = struct.unpack_from(entry, data, at)
                if tag == _DT_NEEDED:
                    needs.needed.append(string(link, value))
                elif tag in (_DT_RUNPATH, _DT_RPATH):
                    needs.runpath += string(link, value).split(":")
        elif kind == _SHT_GNU_VERNEED:
            at = offset
            while True:
                _version, count, file, aux, next_need = struct.unpack_from(order + "HHIII", data, at)
                names = needs.versions.setdefault(string(link, file), set())
                item = at + aux
                for _ in range(count):
                    _hash, _flags2, _other, name, next_aux = struct.unpack_from(order + "IHHII", data, item)
                    names.add(string(link, name))
                    item += next_aux
                if not next_need:
                    break
                at += next_need
    return needs


def glibc_floor(files: list[Path]) -> tuple[int, ...]:
    """The newest GLIBC_x.y symbol version any of `files` needs: the oldest glibc they run on."""
    floor: tuple[int, ...] = (0,)
    for path in files:
        needs = read(path)
        for names in needs.versions.values() if needs else ():
            for name in names:
                if match := _GLIBC.match(name):
                    floor = max(floor, tuple(int(x) for x in match.groups() if x is not None))
    return floor
