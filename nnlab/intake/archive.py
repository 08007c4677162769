"""Reading a learner's .zip in memory, refusing anything an archive should not hold.

Nothing is extracted to disk: members are read into a dict of name -> bytes, so a hostile
archive cannot write outside a folder whatever it names. Even so, an archive naming a path that
would escape (`../x`, `/etc/x`, `C:x`), a link, a device or other special file, too many
members, too many bytes in all, or a member that inflates past `max_ratio` times its compressed
size is refused as a whole, with one line saying why: the learner is told, and nothing of it is
graded. Sizes are enforced while reading (the header's sizes are not trusted).
"""

from __future__ import annotations

import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


class ArchiveError(Exception):
    """The archive is refused; the message is one line for the learner and the instructor."""


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 200
    max_total_bytes: int = 16 * 1024 * 1024
    max_ratio: float = 100.0  # uncompressed / compressed, per member (zip bombs)
    max_archive_bytes: int = 32 * 1024 * 1024


def _safe_name(raw: str) -> str:
    name = unicodedata.normalize("NFC", raw.replace("\\", "/"))
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"member {raw!r} has an absolute path")
    if any(part == ".." for part in path.parts):
        raise ArchiveError(f"member {raw!r} points outside the archive (..)")
    if "\0" in name:
        raise ArchiveError(f"member {raw!r} has a NUL in its name")
    return "/".join(p for p in path.parts if p not in ("", "."))


def read_zip(path: Path, limits: ZipLimits = ZipLimits()) -> dict[str, bytes]:
    """The regular files of a zip, by normalised name; `ArchiveError` when it is refused."""
    from nnlab.grading.submission import SubmissionError

    try:
        size = path.stat().st_size
        if path.is_symlink():
            raise ArchiveError("the .zip is a link; submit the file itself")
        if size > limits.max_archive_bytes:
            raise ArchiveError(f"the archive is {size} bytes, over the {limits.max_archive_bytes} limit")
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_members:
                raise ArchiveError(f"the archive has {len(infos)} members, over the "
                                   f"{limits.max_members} limit")
            members: dict[str, bytes] = {}
            total = 0
            for info in infos:
                name = _safe_name(info.filename)
                mode = info.external_attr >> 16
                if info.is_dir() or not name:
                    continue
                if mode and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                    what = "a link" if stat.S_ISLNK(mode) else "a device or special file"
                    raise ArchiveError(f"member {info.filename!r} is {what}; only plain files are accepted")
                if info.flag_bits & 0x1:
                    raise ArchiveError(f"member {info.filename!r} is encrypted")
                budget = min(limits.max_total_bytes - total,
                             int(max(info.compress_size, 1) * limits.max_ratio) + 1)
                data = bytearray()
                with archive.open(info) as handle:
                    while True:
                        chunk = handle.read(65536)
                        if not chunk:
                            break
                        data += chunk
                        if len(data) > budget:
                            if total + len(data) > limits.max_total_bytes:
                                raise ArchiveError(f"the archive inflates past "
                                                   f"{limits.max_total_bytes} bytes in all")
                            raise ArchiveError(f"member {info.filename!r} inflates more than "
                                               f"{limits.max_ratio:g} times its compressed size "
                                               f"(a zip bomb?)")
                total += len(data)
                if name in members:
                    raise ArchiveError(f"member {name!r} appears twice")
                members[name] = bytes(data)
            return _strip_common_folder(members)
    except ArchiveError as error:
        raise SubmissionError(f"{path}: archive refused: {error}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            OSError, ValueError) as error:
        raise SubmissionError(f"{path}: not a readable .zip ({type(error).__name__}: "
                              f"{str(error).splitlines()[0] if str(error) else 'unreadable'})") from None


def _strip_common_folder(members: dict[str, bytes]) -> dict[str, bytes]:
    """`ada/activations.py` and `ada/losses.py` (a zipped folder) read as top-level files."""
    tops = {n.split("/", 1)[0] for n in members}
    if len(tops) == 1 and all("/" in n for n in members):
        return {n.split("/", 1)[1]: c for n, c in members.items()}
    return members
