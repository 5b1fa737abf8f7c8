"""Reading and checking a large event input in a second process, one chunk ahead of the writer.

On a 2-core machine the writer (classification and SQL) and the reader (parsing, validation,
or generating a simulation) each get a core: while the writer commits chunk N, the feeder
checks chunk N+1 and waits for the writer to take it, so at most about two chunks are in
memory. Nothing here touches the database; the feeder does not even set Django up.

The feeder is started with "spawn" (a clean interpreter: no inherited connections or threads).
If the writer dies (even by SIGKILL), the feeder's next send fails and it exits; if the writer
stops on an error, it terminates the feeder; if the feeder dies, the writer raises `FeederError`
after committing every chunk it had received. The feeder checks "not in the future" against its
own clock (a time frozen in the writer's process does not reach it).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from pathlib import Path

from thuocdo.dossiers.validation import CheckedChunk, check_chunk

# A callable returning the rows; it is pickled to the feeder, so a module-level function or a
# functools.partial of one. An object it returns may carry `totals`, sent back at the end.
RowSource = Callable[[], Iterable[object]]


class FeederError(RuntimeError):
    """The reading process failed; the message is its error."""


def file_source(path: Path) -> RowSource:
    """The rows of an event file (.jsonl, .csv or .xlsx)."""
    from thuocdo.dossiers.readers import read_rows

    return partial(read_rows, path)


def _feed(source: RowSource, sink, units: dict[str, str], permitted: frozenset[str], default_source: str | None,
          batch_size: int, arrival: bool = False) -> None:
    """The feeder process: read, check, send each chunk; then ("done", totals) or ("error", message)."""
    try:
        produced = source()
        iterator = iter(produced)
        index = 0
        while chunk := list(islice(iterator, batch_size)):
            checked = check_chunk(chunk, index, units=units, permitted=permitted.__contains__,
                                  default_source=default_source, now=datetime.now(UTC), arrival=arrival)
            index += len(chunk)
            sink.send(("chunk", checked))
        sink.send(("done", getattr(produced, "totals", None)))
    except (BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        return  # the writer is gone, or Ctrl-C reached both: the writer reports
    except Exception as exc:  # noqa: BLE001 - every failure is reported to the writer, which raises it
        # Our own refusals (ValueError) are already worded for the user; others name their type.
        message = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        try:
            sink.send(("error", message))
        except OSError:
            return
    finally:
        sink.close()


class CheckedFeed:
    """Iterate the checked chunks of `source`, read in a second process; `result` holds its totals."""

    def __init__(self, source: RowSource, *, units: dict[str, str], permitted: frozenset[str],
                 default_source: str | None, batch_size: int, arrival: bool = False) -> None:
        self.args = (source, units, permitted, default_source, batch_size, arrival)
        self.result: object = None

    def __iter__(self) -> Iterator[CheckedChunk]:
        context = multiprocessing.get_context("spawn")
        receiver, sink = context.Pipe(duplex=False)
        process = context.Process(target=_feed, args=(self.args[0], sink, *self.args[1:]), daemon=True,
                                  name="thuocdo-feeder")
        finished = False
        try:
            process.start()
            sink.close()
            while True:
                try:
                    kind, payload = receiver.recv()
                except EOFError:
                    process.join(timeout=10)
                    raise FeederError(f"tiến trình đọc dữ liệu dừng bất thường (mã {process.exitcode})") from None
                if kind == "chunk":
                    yield payload
                elif kind == "done":
                    self.result = payload
                    finished = True
                    return
                else:
                    raise FeederError(payload)
        finally:
            receiver.close()
            sink.close()
            if process.pid is not None:
                if finished:
                    process.join(timeout=10)
                if process.is_alive():  # the writer stopped early (an error): no need to wait
                    process.terminate()
                    process.join()
