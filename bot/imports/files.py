"""Reading an import file: CSV (its encoding and delimiter found) or JSON, one row at a time."""

import codecs
import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import ijson

from bot.imports.rows import REQUIRED, Record


class ImportFileError(Exception):
    """The whole file cannot be imported; `key` and `values` render the operator's message."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class RecordFile:
    """A file's numbered raw rows, read one at a time on each iteration (never held whole)."""

    path: Path
    encoding: str
    is_json: bool
    needs_source: bool

    def __iter__(self) -> Iterator[Record]:
        try:
            yield from self._json() if self.is_json else self._csv()
        except UnicodeDecodeError as error:
            raise ImportFileError("cli.import.unreadable", path=self.path, error=error) from error
        except OSError as error:
            raise _unreadable(self.path, error) from error

    def _csv(self) -> Iterator[Record]:
        with self.path.open(encoding=self.encoding, newline="") as handle:
            first_line = handle.readline()
            handle.seek(0)
            reader = csv.reader(handle, delimiter=max(",;\t", key=first_line.count))
            try:
                header = next(reader, None)
                if header is None:
                    raise ImportFileError("cli.import.empty", path=self.path)
                columns = [name.strip().lower() for name in header]
                _check_columns(columns, self.path, self.needs_source)
                previous = reader.line_num
                for row in reader:
                    # A quoted field may span lines: the row starts after the previous one.
                    line, previous = previous + 1, reader.line_num
                    if any(cell.strip() for cell in row):
                        yield line, dict(zip(columns, row, strict=False))
            except csv.Error as error:
                raise ImportFileError(
                    "cli.import.bad_csv", path=self.path, line=reader.line_num, error=error
                ) from error

    def _json(self) -> Iterator[Record]:
        columns: set[str] = set()
        with self.path.open(encoding=self.encoding) as handle:
            try:
                for index, item in enumerate(ijson.items(_Utf8(handle), "item"), start=1):
                    if isinstance(item, dict):
                        columns.update(str(key).strip().lower() for key in item)
                    yield index, item
            except ijson.JSONError as error:
                raise ImportFileError("cli.import.bad_json", path=self.path, error=error) from error
        if columns:  # known only at the end: the rows read so far were not written
            _check_columns(columns, self.path, self.needs_source)


class _Utf8:
    """A text file read as UTF-8 bytes, for ijson (the file may be cp1252, or carry a BOM)."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle

    def read(self, size: int = -1) -> bytes:
        return self.handle.read(size).encode("utf-8", "surrogatepass")


def read_records(path: Path, *, needs_source: bool = False) -> RecordFile:
    """The file's rows, streamed; ImportFileError now when the file cannot be used at all, or
    later, during the first pass, when a fault is found further in."""
    encoding = _encoding(path)
    with path.open(encoding=encoding) as handle:
        start = handle.read(4096).lstrip()
    suffix = path.suffix.lower()
    is_json = suffix == ".json" or (suffix != ".csv" and start.startswith(("[", "{")))
    if is_json and start and not start.startswith("["):
        key = "cli.import.not_a_list" if start[0] in '{"-0123456789tfn' else "cli.import.bad_json"
        raise ImportFileError(key, path=path, error=start[:20])
    records = RecordFile(path, encoding, is_json, needs_source)
    if not is_json:
        next(iter(records), None)  # the header's faults now, before any database work
    return records


def _encoding(path: Path) -> str:
    """UTF-8 when the whole file decodes as such (read in chunks), else cp1252: spreadsheets on
    French Windows still save in it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except OSError as error:
        raise _unreadable(path, error) from error
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _unreadable(path: Path, error: OSError) -> ImportFileError:
    return ImportFileError("cli.import.unreadable", path=path, error=error.strerror or error)


def _check_columns(columns: Iterable[str], path: Path, needs_source: bool) -> None:
    present = set(columns)
    missing = [name for name in REQUIRED if name not in present]
    if missing:
        raise ImportFileError("cli.import.missing_columns", path=path, columns=", ".join(missing))
    if needs_source and "source" not in present:
        raise ImportFileError("cli.import.no_source", path=path)
