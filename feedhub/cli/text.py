"""The one way feed text reaches the terminal: control characters removed, Rich markup escaped.

Every value that came from a feed, a file or the user (a source's name, an entry's title, a URL, an
error naming one) goes through ``safe`` before ``console.print`` or a table cell, so ``[/] evil [[``
prints as itself and an ESC sequence in a title is dropped, never obeyed.
"""

from __future__ import annotations

from rich.markup import escape

from feedhub.links.text import terminal_text


def clean(value: object, one_line: bool = True) -> str:
    """``value`` as text without control characters (for output that Rich does not parse: typer.echo, markup=False)."""
    return terminal_text("" if value is None else str(value), one_line)


def safe(value: object, one_line: bool = True) -> str:
    """``value`` cleaned and escaped, to embed in Rich markup or a table cell."""
    return escape(clean(value, one_line))


def spaced(value: object) -> str:
    """``value`` with each control character replaced by one space: the same length, so character offsets
    computed on the original (search highlights) still point at the same words."""
    text = "" if value is None else str(value)
    return "".join(" " if terminal_text(ch) != ch else ch for ch in text)
