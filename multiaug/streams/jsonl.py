"""``multiaug augment CONFIG --input - --output -``: JSON Lines in, JSON Lines out, a line at a time.

Each input line is one item: ``{"id": ..., FIELD: VALUE, ...}`` where ``FIELD`` is ``text`` (the
text inline), ``table`` (a small table inline: a list of row objects or an object of column
lists, augmented as a whole by a table transform such as ``ma.tabular.GaussianNoise``), ``image``
or ``audio`` (a file path, or a ``data:...;base64,`` URI of the file's bytes). Every other key
(``label``, ``group``, ``source``...) is metadata, copied to the outputs. Copy ``c`` of an item is
``pipeline(FIELD=item, key=item_key(id, c), epoch=0)``, the key of copy ``c`` of the same ``id``
in a manifest job, so the two give the same output. Each copy is one output line ``{"id",
"copy", FIELD, ...metadata}``, written and flushed as soon as it is made: images as a base64 PNG
data URI, audio as a base64 32-bit float WAV data URI (the bytes a job writes to its files), text
and tables inline.
"""

from __future__ import annotations

import base64
import binascii
import json
import queue
import threading
from collections.abc import Iterator
from typing import IO, Any

from ..core.errors import InvalidInputError
from ..sampling.lists import item_key
from .core import check_pipeline, units
from .pool import Unit, pickled_pipeline, run_local, run_pool

OWNER = "multiaug augment"
_FIELDS = ("text", "image", "audio", "table")
_MEDIA = {"image": "image/png", "audio": "audio/wav"}
_SUFFIX = {"text": ".txt", "image": ".png", "audio": ".wav"}
_READ_AHEAD = 1024  # lines read ahead of the workers at most


def _decode(field: str, value: Any) -> tuple[Any, int | None]:
    """The item of a line's field (and the sample rate of audio): inline text, a path or a data URI."""
    from ..data import Entry, read_item

    if field == "text":
        if not isinstance(value, str):
            raise InvalidInputError(
                OWNER, "text", f"must be a string, got {type(value).__name__}", "give the text inline"
            )
        return value, None
    if field == "table":
        return _table(value), None
    if not isinstance(value, str) or not value:
        raise InvalidInputError(
            OWNER,
            field,
            f"must be a path or a data URI, got {type(value).__name__}",
            "give a file path or base64",
        )
    if not value.startswith("data:"):
        from pathlib import Path

        if "\x00" in value:  # the OS refuses such a path with a bare ValueError
            raise InvalidInputError(
                OWNER, field, "is a path holding a NUL character (\\u0000)", "give a file path or a data URI"
            )
        return read_item(field, Entry(value, Path(value), None))
    head, _, payload = value.partition(",")
    if not head.endswith(";base64"):
        raise InvalidInputError(
            OWNER, field, "is a data URI without ;base64", "encode the file as data:...;base64,..."
        )
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError(
            OWNER, field, "holds invalid base64", "encode the file's bytes with base64"
        ) from None
    return _from_bytes(field, data)


def _table(value: Any) -> Any:
    """An inline table: a list of row objects (``[{"a": 1, "b": 2}, ...]``) or an object of columns."""
    import pandas as pd

    rows = isinstance(value, list) and value and all(isinstance(r, dict) for r in value)
    columns = isinstance(value, dict) and value and all(isinstance(c, list) for c in value.values())
    if not (rows or columns):
        raise InvalidInputError(
            OWNER,
            "table",
            "must be a non-empty list of row objects or an object of column lists, "
            f"got {type(value).__name__}",
            'give e.g. "table": [{"a": 1.5, "b": 2}, {"a": 0.5, "b": 3}]',
        )
    try:
        return pd.DataFrame(value)
    except ValueError as exc:  # columns of different lengths
        raise InvalidInputError(
            OWNER, "table", f"is not a table ({exc})", "give columns of one length"
        ) from None


def _inline_table(frame: Any, given: Any) -> Any:
    """The augmented table in the form the line gave it (rows or columns), as JSON values."""
    plain = frame.astype(object).where(frame.notna(), None)  # Python numbers (exact in JSON), NaN as null
    if isinstance(given, list):
        return plain.to_dict(orient="records")
    return plain.to_dict(orient="list")


def _from_bytes(field: str, data: bytes) -> tuple[Any, int | None]:
    """An image or audio file's bytes decoded as ``multiaug augment`` reads its files."""
    import tempfile
    from pathlib import Path

    from ..data import Entry, read_item

    # The files' own readers (OpenCV's colour order, libsndfile's formats) on the bytes: the same
    # item a job reads from the file, whatever the format.
    with tempfile.TemporaryDirectory(prefix="multiaug-line-") as tmp:
        path = Path(tmp) / f"item{'.png' if field == 'image' else '.wav'}"
        path.write_bytes(data)
        try:
            return read_item(field, Entry(path.name, path, None))
        except InvalidInputError as exc:  # it names a temporary file the line never mentioned
            problem = exc.problem.replace(f": {str(path)!r}", "").replace(str(path), "the file")
            raise InvalidInputError(
                OWNER,
                field,
                f"holds base64 bytes that are not a readable {field} file (the decoded file {problem})",
                f"encode the bytes of a {'PNG/JPEG image' if field == 'image' else 'WAV/FLAC/OGG'} file",
            ) from None


def compute_line(pipe: Any, item_id: Any, line: dict[str, Any], epoch: int) -> str:
    """Every copy of one parsed line as JSON Lines text (the work of one unit, in any process)."""
    from ..jobs.chunk import ENCODERS

    copies = line.pop("__copies__")
    field = next(f for f in _FIELDS if f in line)
    given = line.pop(field)
    item, rate = _decode(field, given)
    line.pop("sample_rate", None)  # audio carries its own (a file's header); other fields take none
    extra = {"sample_rate": rate} if rate is not None else {}
    out = []
    for c in range(1, copies + 1):
        value = pipe(**{field: item}, **extra, key=item_key(item_id, c), epoch=epoch)[field]
        if field == "table":
            value = _inline_table(value, given)
        elif field != "text":
            data = ENCODERS[_SUFFIX[field]](value, rate)
            value = f"data:{_MEDIA[field]};base64,{base64.b64encode(data).decode('ascii')}"
        row = {"id": item_id, "copy": c, field: value, **extra, **line}
        out.append(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    return "".join(out)


def _parse(text: str, copies: int) -> Any:
    """A line as the item it holds, or a string saying what is wrong with it."""
    try:
        line = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"is not JSON ({exc.msg} at column {exc.colno})"
    except (ValueError, RecursionError) as exc:  # an integer of 4,300+ digits, nesting too deep
        return f"cannot be read as JSON ({type(exc).__name__}: {str(exc)[:80]})"
    if not isinstance(line, dict):
        return f"is a JSON {type(line).__name__}, not an object"
    given = [f for f in _FIELDS if f in line]
    if len(given) != 1:
        return f"must hold exactly one of {', '.join(_FIELDS)}, holds {given or 'none'}"
    line["__copies__"] = copies
    return line


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    """``(line number, text)`` of the non-blank lines, read one at a time."""
    for number, raw in enumerate(iter(stream.readline, b""), start=1):
        text = raw.decode("utf-8", errors="replace").strip()
        if text:
            yield number, text


class _ReadAhead:
    """The lines, read by a thread into a bounded queue: ``ready()`` says whether one is at hand."""

    _END = object()

    def __init__(self, lines: Iterator[tuple[int, Any]]) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=_READ_AHEAD)
        self._error: list[BaseException] = []
        threading.Thread(target=self._read, args=(lines,), name="multiaug-stdin", daemon=True).start()

    def _read(self, lines: Iterator[tuple[int, Any]]) -> None:
        try:
            for line in lines:
                self._queue.put(line)
        except BaseException as exc:  # handed to the consumer
            self._error.append(exc)
        self._queue.put(self._END)

    def ready(self) -> bool:
        return not self._queue.empty()

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        while (line := self._queue.get()) is not self._END:
            yield line
        if self._error:
            raise self._error[0]


def _units(lines: Iterator[tuple[int, Any]], copies: int) -> Iterator[Unit]:
    """The lines as units keyed by their id (a bad line: its reason), labelled by line number and id."""
    for number, text in lines:
        line = _parse(text, copies)
        if isinstance(line, str):
            yield (f"line {number}", None), line, None
            continue
        for (label, ident), key, sample in units([(number, line)], "id"):
            where = f"line {number}" if label.startswith("#") else f"line {number} ({label})"
            yield (where, ident), key, sample


def run(
    pipe: Any, copies: int, workers: int, on_error: str, stdin: IO[bytes], stdout: IO[str], stderr: IO[str]
) -> int:
    """The stdin job: returns the exit status (0, or 2 when a bad line stopped it)."""
    check_pipeline(OWNER, pipe)
    source: Any = _lines(stdin)
    if workers <= 1:
        results = run_local(pipe, _units(source, copies), 0, compute_line)
    else:
        ahead = _ReadAhead(source)
        data = pickled_pipeline(OWNER, pipe)
        results = run_pool(data, _units(iter(ahead), copies), 0, workers, OWNER, compute_line, ahead.ready)
    for (label, _), text, why in results:
        if why is None:
            stdout.write(text)
            stdout.flush()
            continue
        print(f"{OWNER}: {'error' if on_error == 'stop' else 'skipped'}: {label}: {why}", file=stderr)
        if on_error == "stop":
            return 2
    return 0
