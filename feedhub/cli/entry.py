"""The process entry point (console script ``feedhub`` and ``python -m feedhub``).

``feedhub search ...`` is answered by a lean path before typer and every sub-app are imported (cold
start, issue 6; see cli/search_fast.py); everything else goes to the full typer app in cli/main.py.
"""

from __future__ import annotations


def main() -> None:
    import sys

    if sys.platform == "win32":  # POSIX locks (store, index writer) and renames under open readers: see README
        from feedhub.errors import UNSUPPORTED_PLATFORM

        sys.stderr.write(f"error: {UNSUPPORTED_PLATFORM}\n")
        sys.exit(1)
    from feedhub.cli.search_fast import dispatch

    dispatch()  # exits when it answered the command; returns otherwise
    from feedhub.cli.main import main as full_main

    full_main()
