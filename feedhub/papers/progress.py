"""A rich progress bar with a rate, for long imports; only on a terminal (callers check)."""

from __future__ import annotations

from typing import Callable


def import_progress(label: str, unit: str = "papers") -> tuple[Callable[[int, int, int], None], Callable[[], None]]:
    """(callback(bytes_done, bytes_total, items), close) drawing a bar on stderr with items and items/s."""
    import time

    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[items]:,} " + unit),
        TextColumn("{task.fields[rate]:,.0f} " + unit + "/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    progress.start()
    task = progress.add_task(label, total=None, items=0, rate=0.0)
    t0 = time.perf_counter()

    def update(done: int, total: int, items: int) -> None:
        elapsed = max(time.perf_counter() - t0, 1e-9)
        progress.update(task, completed=done, total=total or None, items=items, rate=items / elapsed)

    return update, progress.stop
