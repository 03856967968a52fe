"""Text for a terminal: control characters shown escaped, display widths, and ANSI colour when wanted."""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache

TAB = 4  # columns a tab is shown as in a code frame

# What must never reach a terminal raw: C0 controls but the tab (ESC starts CSI/OSC sequences,
# CR moves back to the start of the line and lets a note forge a finding line), DEL, C1 controls
# (U+009B is an 8-bit CSI), the Unicode line and paragraph separators, and the bidirectional
# overrides and isolates, which reorder what follows them on the line.
_CONTROL_CLASS = "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_NAMED = {"\n": "\\n", "\r": "\\r"}


def escape_char(ch: str) -> str:
    """The visible stand-in of one control character: ``\\r``, ``\\n``, ``\\x1b``, ``\\u202e``."""
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@lru_cache(maxsize=1)
def _control() -> re.Pattern:
    """The pattern of control characters, compiled at its first use (not at start-up)."""
    return re.compile(_CONTROL_CLASS)


def is_control(ch: str) -> bool:
    return _control().match(ch) is not None


def escape(text: str) -> str:
    """``text`` with every control character replaced by its visible escape (tabs kept)."""
    if text.isascii() and text.isprintable():
        return text
    return _control().sub(lambda m: escape_char(m.group()), text)


def escape_path(path: str) -> str:
    """A file name as printed: unchanged, or in double quotes with escapes when it holds a
    control character (a newline or ESC in a name cannot start a line of its own)."""
    if (path.isascii() and path.isprintable()) or _control().search(path) is None:
        return path
    return '"' + escape(path.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def char_width(ch: str) -> int:
    """Terminal columns a character takes as printed: 2 for wide East Asian ones, 0 for
    combining marks, a tab TAB columns, a control character the width of its escape."""
    if ch == "\t":
        return TAB
    if ch < " " or "\x7f" <= ch <= "\x9f" or ("\u2028" <= ch <= "\u2069" and is_control(ch)):
        return len(escape_char(ch))
    if ch < "\x7f":  # printable ASCII: no unicodedata look-up
        return 1
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Terminal columns ``text`` takes as printed (see ``char_width``)."""
    if text.isascii() and text.isprintable():
        return len(text)
    return sum(char_width(ch) for ch in text)


def shown(text: str) -> str:
    """A line of a note as printed in a code frame: tabs as TAB spaces, controls escaped."""
    return escape(text.replace("\t", " " * TAB))


# --------------------------------------------------------------------------- colour

COLOR_CHOICES = ("auto", "always", "never")

_RESET = "\x1b[0m"
_STYLES = {
    "path": "1",  # bold
    "separator": "36",  # cyan
    "gutter": "1;34",  # bold blue
    "help": "1;36",  # bold cyan
    "error": "1;31",  # bold red: the code and caret of an error
    "warning": "1;33",  # bold yellow
    "info": "1;36",
}


def color_wanted(choice: str | None, stream) -> bool:
    """Whether to colour what goes to ``stream``: ``--color always|never`` decides; with auto (or
    None), a non-empty NO_COLOR disables, a non-empty FORCE_COLOR enables, else a terminal
    (other than TERM=dumb) gets colour."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class Paint:
    """Wraps text in ANSI styles when colour is on; the identity when it is off."""

    def __init__(self, on: bool):
        self.on = on

    def __call__(self, style: str, text: str) -> str:
        if not self.on or not text:
            return text
        return f"\x1b[{_STYLES.get(style, _STYLES['error'])}m{text}{_RESET}"


def terminal_width(stream=None) -> int | None:
    """The columns a code frame may use: $COLUMNS when set, else the width of ``stream`` when it
    is a terminal; None (no limit) when neither is known, as for a file or a pipe."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if stream is None:
        return None
    try:
        if not stream.isatty():
            return None
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, ValueError, OSError):
        return None
