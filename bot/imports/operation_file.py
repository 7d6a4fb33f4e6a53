"""An operation sent to the bot as a YAML or JSON file, read into the mapping that
bot.domain.operations.from_mapping checks.

YAML is read with PyYAML's BaseLoader: every value stays the text it was written as, so
"01" (the Ain) and "2027-01-31" are not turned into a number and a date behind the author's
back. Sample: docs/operation.sample.yaml.
"""

import json
from collections.abc import Mapping
from pathlib import PurePosixPath

import yaml

EXTENSIONS = (".yaml", ".yml", ".json")
MAX_BYTES = 64 * 1024  # an operation is a few hundred bytes; a bigger file is not one


class OperationFileError(Exception):
    """The file cannot be read as an operation: a catalogue key and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def is_operation_file(name: str | None) -> bool:
    return PurePosixPath(name or "").suffix.lower() in EXTENSIONS


def read_operation_file(name: str, content: bytes) -> Mapping[str, object]:
    """The file's top-level mapping; OperationFileError when it is not one."""
    if len(content) > MAX_BYTES:
        raise OperationFileError("operation.file.too_big", max=MAX_BYTES // 1024)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise OperationFileError("operation.file.encoding") from error
    data = _json(text) if name.lower().endswith(".json") else _yaml(text)
    if not isinstance(data, Mapping):
        raise OperationFileError("operation.file.not_mapping")
    return {str(key): value for key, value in data.items()}


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise OperationFileError("operation.file.syntax", line=error.lineno) from error


def _yaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise OperationFileError("operation.file.syntax", line=line) from error
