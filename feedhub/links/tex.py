"""An arXiv abstract's TeX as text a reader can follow (the paper page): math kept as written between its
delimiters, the text-mode TeX that abstracts use resolved, and nothing else touched.

arXiv abstracts are plain text with some TeX in them, not TeX documents: a bare ``%`` is a percent sign (arXiv
shows it so), not a comment that hides the rest of the line, as a TeX parser (pylatexenc) reads it. Resolved:
escaped characters (``\\%`` ``\\&`` ``\\_`` ...), the font and link commands abstracts use (``\\textbf{x}``,
``\\emph{x}``, ``\\url{u}``, ``\\href{u}{x}``), accents (``\\"o``, ``\\'{e}``, ``\\c{c}``), dashes and quotes
(``--``, ``---``, ````` ``...'' `````), ``~`` and grouping braces. Any other command is kept as written (a
reader of TeX knows ``\\cite``; nothing is dropped). One pass over the text, no backtracking: linear in its
length, whatever a feed puts in it.
"""

from __future__ import annotations

import unicodedata

ESCAPED = {"%": "%", "&": "&", "_": "_", "$": "$", "#": "#", "{": "{", "}": "}", " ": " ", ",": " ", ";": " ", ":": " ",
           "!": "", "\\": " ", "-": ""}  # fmt: skip
# accent command -> Unicode combining mark
ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
           "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a"}  # fmt: skip
LETTERS = {"ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "l": "ł",
           "L": "Ł", "i": "ı", "ldots": "…", "dots": "…", "textendash": "–", "textemdash": "—", "S": "§", "P": "¶",
           "copyright": "©", "textregistered": "®", "texttrademark": "™", "LaTeX": "LaTeX", "TeX": "TeX"}  # fmt: skip
ONE_ARG = {"textbf", "textit", "emph", "texttt", "textsc", "textrm", "textsf", "textsl", "textup", "textmd", "textnormal",
           "underline", "mbox", "text", "uline", "mathrm"}  # fmt: skip
MATH_OPEN = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}


def readable(value: str) -> str:
    """``value`` with its text-mode TeX resolved and its math kept as written; whitespace collapsed."""
    return " ".join(_Reader(value).text().split())


MAX_DEPTH = 64  # groups nested deeper are read as one (a hostile feed's "{{{{...": no recursion limit reached)


class _Reader:
    def __init__(self, s: str) -> None:
        self.s, self.i, self.depth = s, 0, 0
        self.unclosed: set[str] = set()  # math openings with no closing after some point: none after any later one

    def text(self, closing: str | None = None) -> str:
        """Read until ``closing`` (a ``}`` that ends a group) or the end."""
        if closing is not None:
            self.depth += 1
        try:
            return self._text(closing)
        finally:
            if closing is not None:
                self.depth -= 1

    def _text(self, closing: str | None) -> str:
        s, out = self.s, list[str]()
        while self.i < len(s):
            c = s[self.i]
            if closing is not None and c == closing:
                self.i += 1
                return "".join(out)
            math = self._math()
            if math is not None:
                out.append(math)
            elif c == "\\":
                out.append(self._command())
            elif c == "{":
                self.i += 1
                if self.depth < MAX_DEPTH:
                    out.append(self.text("}"))
            elif c == "}":  # unbalanced: dropped, as a grouping brace would be
                self.i += 1
            elif c == "~":
                out.append(" ")
                self.i += 1
            elif s.startswith("---", self.i):
                out.append("—")
                self.i += 3
            elif s.startswith("--", self.i):
                out.append("–")
                self.i += 2
            elif s.startswith("``", self.i):
                out.append("“")
                self.i += 2
            elif s.startswith("''", self.i):
                out.append("”")
                self.i += 2
            else:
                j = self.i + 1
                while j < len(s) and s[j] not in "\\{}~-`'$":
                    j += 1
                out.append(s[self.i : j])
                self.i = j
        return "".join(out)

    def _math(self) -> str | None:
        """Math at the cursor, kept as written with its delimiters; None if there is none (an unclosed ``$`` is
        a dollar sign)."""
        s = self.s
        for opening in ("$$", "$", "\\(", "\\["):
            if s.startswith(opening, self.i):
                end = -1 if opening in self.unclosed else s.find(MATH_OPEN[opening], self.i + len(opening))
                if end < 0:
                    self.unclosed.add(opening)
                    if opening == "$":
                        self.i += 1
                        return "$"
                    return None
                stop = end + len(MATH_OPEN[opening])
                found = s[self.i : stop]
                self.i = stop
                return found
        return None

    def _argument(self) -> str | None:
        """A braced argument after a command (spaces before it allowed), resolved; None if none follows."""
        s, j = self.s, self.i
        while j < len(s) and s[j] == " ":
            j += 1
        if j < len(s) and s[j] == "{":
            self.i = j + 1
            return self.text("}")
        return None

    def _command(self) -> str:
        s = self.s
        self.i += 1  # the backslash
        if self.i >= len(s):
            return "\\"
        c = s[self.i]
        if c in ACCENTS and not (c.isalpha() and self.i + 1 < len(s) and s[self.i + 1].isalpha()):
            self.i += 1
            return self._accent(ACCENTS[c])
        if not c.isalpha():
            self.i += 1
            return ESCAPED.get(c, "\\" + c)
        j = self.i
        while j < len(s) and s[j].isalpha():
            j += 1
        name = s[self.i : j]
        self.i = j
        if name in LETTERS:
            if self.i < len(s) and s[self.i] == "{" and s.startswith("{}", self.i):
                self.i += 2
            return LETTERS[name]
        if name in ONE_ARG:
            arg = self._argument()
            return arg if arg is not None else "\\" + name
        if name in ("url", "href"):  # the address as written (a ~ or -- in it is part of it)
            url = self._raw_argument()
            if url is None:
                return "\\" + name
            label = self._argument() if name == "href" else None
            return f"{label} <{url}>" if label else url
        return "\\" + name + self._raw_groups()  # kept as written, with its braced arguments

    def _raw_argument(self) -> str | None:
        """A braced argument after a command, as written, without its braces; None if none follows."""
        s, j = self.s, self.i
        while j < len(s) and s[j] == " ":
            j += 1
        if j >= len(s) or s[j] != "{":
            return None
        self.i = j
        raw = self._raw_groups_once()
        return raw[1:-1] if raw.endswith("}") else raw[1:]

    def _raw_groups(self) -> str:
        """The braced groups right after a command, exactly as written (an unclosed one: to the end)."""
        s, start = self.s, self.i
        while self.i < len(s) and s[self.i] == "{":
            self._raw_groups_once()
        return s[start : self.i]

    def _raw_groups_once(self) -> str:
        s, start, depth = self.s, self.i, 0
        while self.i < len(s):
            if s[self.i] == "\\":
                self.i += 2
                continue
            depth += {"{": 1, "}": -1}.get(s[self.i], 0)
            self.i += 1
            if depth == 0:
                break
        return s[start : min(self.i, len(s))]

    def _accent(self, mark: str) -> str:
        """An accent on the next letter (``\\'e``, ``\\'{e}``, ``\\c c``)."""
        s = self.s
        while self.i < len(s) and s[self.i] == " ":
            self.i += 1
        if self.i < len(s) and s[self.i] == "{":
            self.i += 1
            base = self.text("}")
        elif self.i < len(s):
            base = s[self.i]
            self.i += 1
        else:
            return ""
        if not base:
            return unicodedata.normalize("NFC", " " + mark).strip() or ""
        return unicodedata.normalize("NFC", base[0] + mark) + base[1:]


__all__ = ["readable"]
