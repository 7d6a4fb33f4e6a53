"""A campaign file (CSV or JSON, the format of `python -m bot import`) sent to the bot by a
coordinator for one of their operations: checked, imported under the operation's own source
(`operation-<id>`: sending it again updates its campaigns), every campaign of that source then
belonging to the operation.

The import runs in the update's transaction, so files are kept small (MAX_BYTES); the command
line has no such limit.
"""

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.gazetteer import Gazetteer
from bot.imports.files import ImportFileError, read_records
from bot.imports.importer import ImportReport, Rejection, import_records
from storage.repo.imports import attach_source

MAX_BYTES = 2 * 1024 * 1024
SUFFIXES = (".csv", ".json")
TYPES = {"text/csv": ".csv", "application/json": ".json", "text/comma-separated-values": ".csv"}
# Byte order marks of UTF-16 and UTF-32: text the importer does not read (UTF-8 or cp1252).
WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


class DocumentProblem(Exception):
    """The file cannot be imported at all; `key` and `values` word it for the coordinator."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Imported:
    report: ImportReport
    rejections: list[Rejection]


def source_of(operation_id: int) -> str:
    return f"operation-{operation_id}"


def suffix_of(file_name: str | None, mime_type: str | None, size: int | None) -> str:
    """The file's kind (".csv" or ".json") from its name, else its type; DocumentProblem when it
    is neither, or too big."""
    if size is not None and size > MAX_BYTES:
        raise DocumentProblem("coord.import.too_big", max_mb=MAX_BYTES // (1024 * 1024))
    suffix = Path(file_name or "").suffix.lower()
    if suffix in SUFFIXES:
        return suffix
    if mime_type in TYPES:
        return TYPES[mime_type]
    raise DocumentProblem("coord.import.not_supported", name=file_name or "")


def check_text(content: bytes) -> None:
    """UTF-8 or cp1252 text; a wide encoding or a binary file (NUL bytes) is refused."""
    if len(content) > MAX_BYTES:
        raise DocumentProblem("coord.import.too_big", max_mb=MAX_BYTES // (1024 * 1024))
    if content.startswith(WIDE_BOMS) or b"\x00" in content:
        raise DocumentProblem("coord.import.encoding")


async def import_document(
    session: AsyncSession,
    content: bytes,
    suffix: str,
    file_name: str,
    operation_id: int,
    gazetteer: Gazetteer,
    *,
    tz: str,
    now: datetime,
) -> Imported:
    """Import the file for the operation (no commit). DocumentProblem when the file cannot be
    read; bot.imports.importer.DuplicateCampaigns when rows are another source's campaigns."""
    check_text(content)
    source = source_of(operation_id)
    with tempfile.TemporaryDirectory(prefix="companion-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            records = read_records(path)
            report, rejections = await import_records(
                session, records, source, gazetteer, tz=tz, now=now
            )
        except ImportFileError as error:
            raise DocumentProblem(error.key, **{**error.values, "path": file_name}) from error
    await attach_source(session, source, operation_id)
    return Imported(report, rejections)
