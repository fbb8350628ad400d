"""Errors that reach the user as one line at the CLI boundary (never as a traceback)."""


class FeedhubError(Exception):
    """A problem the user can act on; ``str(exc)`` is the one-line message, saying what to do."""


class NotAFeed(FeedhubError):
    """The bytes are not a feed (an HTML page, an empty body, JSON that is not a JSON Feed)."""


class InvalidInput(FeedhubError):
    """Bad input at the CLI: an invalid URL, an unknown id, a malformed date."""


class FetchError(FeedhubError):
    """A fetch failed; the message is one line for the summary and the source's last_error."""


# Windows has no POSIX file locks (store, index writer) and refuses to rename folders readers hold open.
UNSUPPORTED_PLATFORM = ("feedhub runs on Linux and macOS (it needs POSIX file locks); on Windows, run it inside WSL: "
                        "https://learn.microsoft.com/windows/wsl/install")
