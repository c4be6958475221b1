"""The columnar path of a load: a file with no problem, checked per distinct value and streamed to COPY.

Most loads are a clean file. Reading each row into Python objects, checking it row by row and
sending it through COPY's row writer is then most of a load's time and memory. On this path:
- the CSV file is read by pyarrow in batches of BATCH_BYTES, so memory follows a batch, not the
  file (a DataFrame given to a loader is one batch);
- the table spec turns a batch into its table's columns (TableSpec.columnar): each distinct value
  (a session, an athlete, a score text on its workout) goes once through the same checks the row
  path uses, and rows are assembled by indexing arrays (Distinct);
- each batch is rendered as CSV text by pyarrow and written by one COPY, straight into the table;
- a file of several batches is read, checked and rendered in a second process while this one COPYs
  (converted_elsewhere), so Python's work and the server's writes run on two cores.

Everything happens under one savepoint. At the first doubt (a cell the row path might read
differently, a problem in any row, a key given twice, an id already stored) the savepoint is
rolled back and the caller takes the row path (wodlab.load.loading), which names every problem with
its line, compares stored rows and reports. This path changes the speed and memory of a load,
never its outcome; tests/test_columnar.py loads the same files both ways and compares the rows.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from wodlab.core.progress import progress as with_progress

BATCH_BYTES = 1 << 20  # ~12k results: small enough that writing one batch overlaps checking the next (load_batches)


class NotColumnar(Exception):
    """The columnar path declines the input; the row path takes it (and says what is wrong, if anything)."""


# --- reading ---------------------------------------------------------------------------------------------------

def _header(path: Path) -> list[str] | None:
    """The header's column names as the row path reads them; None for what only the row path handles
    (a byte-order mark, blank lines before the header, an empty file)."""
    with path.open("rb") as handle:
        first = handle.readline()
    if not first.strip() or first.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        names = next(csv.reader([first.decode("utf-8")], skipinitialspace=True, strict=True))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    return [name.strip() for name in names]


def csv_batches(path: Path, known: Iterable[str]) -> Iterator[dict[str, pa.Array]]:
    """The file's rows in batches, every cell as text; NotColumnar when it is not a plain CSV of known columns."""
    header = _header(path)
    if header is None or len(set(header)) != len(header) or not set(header) <= set(known):
        raise NotColumnar
    try:  # opening reads the first block: its errors too are the row path's to name
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=BATCH_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types={name: pa.string() for name in header},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
        for batch in reader:
            yield {name: _plain(batch.column(i)) for i, name in enumerate(header)}
    except (pa.ArrowInvalid, UnicodeDecodeError):
        raise NotColumnar from None  # a short row, a stray quote, bad UTF-8: the row path names the line


def _plain(column: pa.Array) -> pa.Array:
    """The column in Unicode's composed form (NFC, as loading.composed makes the row path's cells), unless a
    cell could read differently in the row path (csv with skipinitialspace, strict quotes): a leading
    space or a quote character sends the file to the row path. So does a line break: with
    newlines_in_values off, pyarrow gives one only for a quote left open at the end of the file, which
    it reads to the end where the row path refuses the line."""
    if len(column) and (pc.any(pc.starts_with(column, " ")).as_py()
                        or any(pc.any(pc.match_substring(column, mark)).as_py() for mark in ('"', "\n", "\r"))):
        raise NotColumnar
    return nfc(column)


def nfc(column: pa.Array) -> pa.Array:
    """Text in Unicode's composed form (NFC): "José" typed on a Mac arrives decomposed (e + a combining
    accent), looks the same and compares unequal. ASCII columns, nearly all, are returned as they are."""
    if len(column) and not pc.all(pc.string_is_ascii(column)).as_py():
        return pc.utf8_normalize(column, form="NFC")
    return column


def frame_batches(frame: pd.DataFrame) -> Iterator[dict[str, pa.Array]]:
    """An all-text DataFrame (loading.read_rows) as one batch."""
    yield {name: pa.array(frame[name].to_numpy(dtype=object), type=pa.string()) for name in frame.columns}


# --- distinct values --------------------------------------------------------------------------------------------

class Distinct:
    """The distinct combinations of some columns: each row's code, and one row of each combination.

    `values()` gives each distinct combination's cells, to check once; `spread(answers)` gives the
    answer of each row, by indexing.
    """

    def __init__(self, *columns: pa.Array | np.ndarray):
        key = None
        for column in columns:
            codes = _codes(column)
            key = codes if key is None else key * (int(codes.max(initial=0)) + 1) + codes
            key = pd.factorize(key)[0]  # renumbered after each column: the key stays below the row count
        self.codes = key.astype(np.int64)
        self.size = int(self.codes.max(initial=-1)) + 1
        firsts = np.full(self.size, len(self.codes), dtype=np.int64)
        np.minimum.at(firsts, self.codes, np.arange(len(self.codes)))
        self.firsts = firsts
        self._columns = columns

    def values(self, column: int = 0) -> list:
        """Each distinct combination's cell of one of the columns, in code order."""
        source = self._columns[column]
        if isinstance(source, np.ndarray):
            return source[self.firsts].tolist()
        return source.take(pa.array(self.firsts)).to_pylist()

    def spread(self, answers: list) -> pa.Array:
        """Each row's answer as a CSV cell (text_column), from one answer per distinct combination."""
        return text_column(answers).take(pa.array(self.codes))


def read_distinct(batch: dict, column: str, read) -> tuple[Distinct, list]:
    """The column's distinct cells and read(record) of each, as the row path reads that cell (a RowProblem
    propagates)."""
    cells = Distinct(batch[column])
    return cells, [read({column: text}) for text in cells.values()]


def _codes(column: pa.Array | np.ndarray) -> np.ndarray:
    if isinstance(column, np.ndarray):
        return column.astype(np.int64)
    encoded = pc.dictionary_encode(column)
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)


def stripped(column: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(column)


# --- writing ----------------------------------------------------------------------------------------------------

def cell(value) -> str | None:
    """A Python value as a CSV cell: None is NULL, booleans t/f, everything else its str()."""
    return None if value is None else ("t" if value else "f") if isinstance(value, bool) else str(value)


def text_column(values: Iterable) -> pa.Array:
    """A column of Python values as CSV cells (cell)."""
    return pa.array([cell(v) for v in values], type=pa.string())


def render(batch: pa.Table, columns: tuple[str, ...]) -> bytes:
    """A batch (every column text, in `columns` order) as CSV, sorted by session and athlete (the second and
    third columns: the order of the indexes that lead with them, and one order for every load)."""
    ordered = batch.take(pc.sort_indices(batch, sort_keys=[(columns[1], "ascending"), (columns[2], "ascending")]))
    buffer = io.BytesIO()
    pacsv.write_csv(ordered, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return buffer.getvalue()


def load_batches(raw: psycopg.Connection, table: str, columns: tuple[str, ...], batches: Batches,
                 convert: Callable[[dict], pa.Table | None], show: bool) -> int | None:
    """Every batch converted and written by one COPY under a savepoint: the rows written, or None (nothing
    written) when a batch is declined, or an id is already stored. The caller makes what the rows need
    first (their month partitions): no statement can run while the COPY is open.

    One COPY, not one per batch: the statement-level triggers on the table then run once per load. An
    input of several batches is read, converted and rendered as CSV in a second process
    (converted_elsewhere) while this one COPYs: the checks in Python and the server's work overlap on
    two cores. `convert` must not use the connection (the specs read what they need when their
    context is made)."""

    def rendered(batch: dict) -> tuple[int, bytes] | None:
        converted = convert(batch)
        return None if converted is None else (converted.num_rows, render(converted, columns))

    written = 0
    with raw.cursor() as cur:
        cur.execute("SAVEPOINT columnar_load")
    try:
        with converted_elsewhere(batches, rendered) as ready, raw.cursor() as cur, \
                cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
            for batch in with_progress(ready, show, desc=f"loading {table}", unit="batch"):
                if batch is None:
                    raise NotColumnar  # leaving the COPY with an error aborts it
                rows, text = batch
                view = memoryview(text)
                for start in range(0, len(view), 1 << 20):
                    copy.write(view[start:start + (1 << 20)])
                written += rows
    except (NotColumnar, psycopg.errors.UniqueViolation, psycopg.DataError):
        # a stored id, or a value the table refuses (one longer than its column): the row path names the row
        with raw.cursor() as cur:
            cur.execute("ROLLBACK TO SAVEPOINT columnar_load")
        return None
    with raw.cursor() as cur:
        cur.execute("RELEASE SAVEPOINT columnar_load")
    return written


def write_table(raw: psycopg.Connection, table: str, columns: tuple[str, ...], rows: pa.Table) -> int | None:
    """Rows already converted (every column text, in `columns` order) written by one COPY under a
    savepoint: how many, or None (nothing written) when an id is already stored (load_batches)."""
    return load_batches(raw, table, columns, Batches(lambda: iter([{}]), several=False), lambda _: rows, False)


# --- converting in a second process ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Batches:
    """How to read an input's batches (`open()` starts a new reading), and whether it has several."""

    open: Callable[[], Iterator[dict]]
    several: bool


@contextmanager
def converted_elsewhere(batches: Batches, convert: Callable[[dict], object]):
    """convert() of each batch, in order, as an iterator; None for a batch it declines (the rest unread).

    A thread would not do: checking a batch is Python, holding the interpreter's lock, and a writer
    thread then waits for it to feed the server (measured: the server's share of a load took 3.9 s
    overlapped against 2.7 s alone). So an input of several batches is read and converted by a child
    process (fork: it inherits the load's context, read once; it opens its own reader, as an Arrow
    reader does not survive a fork), which sends each answer back through a pipe (pickled: CSV
    bytes and Arrow tables pickle as their buffers), whose buffer bounds what is in flight. One
    batch, or no fork (Windows), is converted here. The child's errors are raised here; leaving
    early stops it."""
    if not batches.several or "fork" not in multiprocessing.get_all_start_methods():
        yield (convert(batch) for batch in batches.open())
        return
    fork = multiprocessing.get_context("fork")
    receiving, sending = fork.Pipe(duplex=False)
    child = fork.Process(target=_convert_and_send, args=(batches.open, convert, sending, receiving), daemon=True)
    child.start()
    sending.close()
    try:
        yield _received(receiving)
    finally:
        receiving.close()  # a child still sending gets a broken pipe and stops
        child.join(timeout=5)
        if child.is_alive():  # pragma: no cover - blocked elsewhere than on the pipe
            child.kill()
            child.join()


def _convert_and_send(open_batches: Callable[[], Iterator[dict]], convert, sending, receiving) -> None:
    """In the child: ("batch", answer) for each batch, then ("done",); ("declined",) at the first batch
    convert() declines, ("error", exception) if it raised."""
    receiving.close()  # the parent's end, inherited: the pipe breaks when the parent closes its own
    try:
        for batch in open_batches():
            answer = convert(batch)
            if answer is None:
                sending.send(("declined",))
                return
            sending.send(("batch", answer))
        sending.send(("done",))
    except (BrokenPipeError, OSError):
        return  # the parent stopped reading (it declined the load, or failed)
    except Exception as exc:  # noqa: BLE001 - any error of convert() belongs to the parent
        try:
            sending.send(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled
            sending.send(("error", RuntimeError(repr(exc))))


def _received(receiving) -> Iterator:
    while True:
        try:
            message = receiving.recv()
        except EOFError:
            raise RuntimeError("the process converting the batches ended without a word") from None
        if message[0] == "done":
            return
        if message[0] == "declined":
            yield None
            return
        if message[0] == "error":
            raise message[1]
        yield message[1]
