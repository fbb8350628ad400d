"""Feed text as data: the characters XML 1.0 forbids, and the ones a terminal would obey.

``xml_text`` is applied at ingest (every stored title, summary, name) and again where XML is written
(the Atom digest), so a title holding U+000B or U+0007 cannot make a document invalid. ``terminal_text``
is applied before anything from a feed is printed: ESC sequences (clear screen, window titles, injected
hyperlinks), C1 controls and bidirectional overrides never reach the terminal.
"""

from __future__ import annotations

import re

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# C0 and DEL, C1 (0x9b is a one-byte CSI), and the bidirectional embeddings, overrides and isolates
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_BREAKS = re.compile("[\t\n\r\u2028\u2029\x85]+")
# What the store never keeps: XML 1.0's forbidden characters and the C1 controls (mojibake; 0x9b is a CSI)
_NOT_STORED = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F)."""
    return _XML_FORBIDDEN.sub("", value)


def terminal_text(value: str, one_line: bool = True) -> str:
    """``value`` safe to print to a terminal: control characters removed; line breaks and tabs become one
    space when ``one_line`` (a table cell, a status line), else kept."""
    if one_line:
        value = _BREAKS.sub(" ", value)
    return _TERMINAL.sub("", value)


def stored_text(value: str) -> str:
    """``value`` as the store keeps feed text: ``xml_text`` plus no C1 control (U+0080-U+009F)."""
    return _NOT_STORED.sub("", value)
