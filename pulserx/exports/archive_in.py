"""Reading a "Download all my data" ZIP back: is it whole, unedited, a PulseRx export of a
version this PulseRx reads, and small enough to open? Pure: bytes in, the JSON record out,
or `ArchiveRefused` with the reason in words.

Every bound is checked before the bytes it guards are read: the upload's size, the number of
members, each member's declared size and the sum of them, and then the bytes actually
inflated (a member can declare less than it holds)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import IO, Any

from django.utils.translation import gettext as _

from pulserx.exports.archive_format import (
    FORMAT,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    MAX_MEMBER_BYTES,
    MAX_MEMBER_COUNT,
    MAX_TOTAL_BYTES,
    MAX_UPLOAD_BYTES,
    MEMBERS,
    RECORD,
    VERSION,
    ArchiveRefused,
)

CHUNK = 1024 * 1024


def not_an_export(why: str = "") -> str:
    """The refusal of a file that is no export, with `why` (a sentence) when known."""
    # Translators: “Download all my data” names the button on the Settings page.
    words = _("This is not a PulseRx data export: choose the ZIP that “Download all my data” "
              "saved.")
    return f"{words} {why}" if why else words


def damaged(detail: str) -> str:
    """The refusal of an export changed or damaged since it was made; `detail` says how."""
    # Translators: %(detail)s says what is wrong: "record.json does not match its checksum".
    return _("This export is damaged or was changed after it was made (%(detail)s). Nothing "
             "was imported: download your data again and import that file without opening "
             "it.") % {"detail": detail}


def unpack(data: bytes) -> dict[str, Any]:
    """The export's JSON record, after checking the whole archive against its manifest."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ArchiveRefused(too_large())
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ArchiveRefused(not_an_export(
            _("(It is not a whole ZIP file: if it is one, it was cut short.)"))) from None
    with archive:
        infos = archive.infolist()
        check_shape(infos)
        listed = read_manifest(archive)
        names = {info.filename for info in infos} - {MANIFEST}
        if names != set(listed):
            missing, extra = sorted(set(listed) - names), sorted(names - set(listed))
            raise ArchiveRefused(damaged(", ".join(
                [_("%(name)s is missing") % {"name": name} for name in missing]
                + [_("%(name)s was added") % {"name": name} for name in extra])))
        for name, expected in listed.items():
            check_member(archive, name, expected)
        record = parse_json(read_bounded(archive, RECORD, MAX_MEMBER_BYTES), RECORD)
    check_version(record)
    return record


def too_large() -> str:
    return _("This file is larger than an export can be (at most %(megabytes)s MB). Nothing "
             "was imported.") % {"megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)}


def check_shape(infos: list[zipfile.ZipInfo]) -> None:
    """Few members, each and all of them within the bounds, none encrypted or a folder."""
    if len(infos) > MAX_MEMBER_COUNT:
        raise ArchiveRefused(not_an_export(_("(It holds %(count)s files.)")
                                           % {"count": len(infos)}))
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES or any(
            info.file_size > MAX_MEMBER_BYTES for info in infos):
        raise ArchiveRefused(too_large())
    if any(info.flag_bits & 0x1 or info.is_dir() for info in infos):
        raise ArchiveRefused(not_an_export())
    if MANIFEST not in {info.filename for info in infos}:
        raise ArchiveRefused(not_an_export(_("(It has no manifest.)")))


def read_manifest(archive: zipfile.ZipFile) -> dict[str, dict[str, Any]]:
    """The manifest's members (name → bytes, sha256), once its format and version are
    known to be ones this PulseRx reads."""
    document = parse_json(read_bounded(archive, MANIFEST, MAX_MANIFEST_BYTES), MANIFEST)
    check_version(document)
    members = document.get("members")
    if not isinstance(members, dict) or RECORD not in members or not set(members) <= set(
            MEMBERS) or not all(valid_entry(entry) for entry in members.values()):
        raise ArchiveRefused(not_an_export(_("(Its manifest is not one PulseRx writes.)")))
    return members


def check_version(document: dict[str, Any]) -> None:
    """Refuse a document of another format, or of a version newer than this PulseRx's."""
    if document.get("format") != FORMAT:
        raise ArchiveRefused(not_an_export())
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ArchiveRefused(not_an_export(_("(Its version is not readable.)")))
    if version > VERSION:
        raise ArchiveRefused(
            _("This export was made by a newer PulseRx (format version %(version)s; this one "
              "reads up to version %(newest)s). Nothing was imported: import it on a PulseRx "
              "at least as new as the one that made it.")
            % {"version": version, "newest": VERSION})


def valid_entry(entry: object) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("bytes"), int)
            and isinstance(entry.get("sha256"), str) and len(entry["sha256"]) == 64)


def check_member(archive: zipfile.ZipFile, name: str, expected: dict[str, Any]) -> None:
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(name) as member:
            for chunk in chunks(member, min(expected["bytes"], MAX_MEMBER_BYTES) + 1):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise ArchiveRefused(damaged(_("%(name)s cannot be read") % {"name": name})) from None
    if size != expected["bytes"]:
        raise ArchiveRefused(damaged(
            _("%(name)s has %(size)s bytes, the manifest says %(expected)s")
            % {"name": name, "size": size, "expected": expected["bytes"]}))
    if digest.hexdigest() != expected["sha256"]:
        raise ArchiveRefused(damaged(_("%(name)s does not match its checksum")
                                     % {"name": name}))


def chunks(member: IO[bytes], limit: int) -> Any:
    """The member's bytes, at most `limit` of them (a lying member stops there)."""
    left = limit
    while left > 0:
        chunk = member.read(min(CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def read_bounded(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    try:
        with archive.open(name) as member:
            content = b"".join(chunks(member, limit + 1))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise ArchiveRefused(damaged(_("%(name)s cannot be read") % {"name": name})) from None
    if len(content) > limit:
        raise ArchiveRefused(too_large())
    return content


def parse_json(content: bytes, name: str) -> dict[str, Any]:
    try:
        document = json.loads(content.decode("utf-8"), parse_constant=reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ArchiveRefused(damaged(_("%(name)s is not valid JSON") % {"name": name})) from None
    if not isinstance(document, dict):
        raise ArchiveRefused(not_an_export())
    return document


def reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")
