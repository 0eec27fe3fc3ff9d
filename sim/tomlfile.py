"""Reading input files: one rule for the command line and the dashboard.

Every input (scenario, town, experiment, story; a file on disk or an upload) is UTF-8 text,
with or without a byte-order mark (Excel and Windows Notepad write one). Anything else is
refused with a message that says to save the file as UTF-8, never read as mojibake. TOML is
parsed here too, so that a file nested absurdly deep is refused with a message instead of
exhausting the parser's recursion, and no table is nested deeper than any input needs.
"""

from __future__ import annotations

import codecs
import tomllib
from pathlib import Path
from typing import Any

from sim.params import ConfigError

# The deepest any input goes is five: [mechanisms.NAME] KEY = { multiply = … } in a scenario, or
# a by-type table in a sweep's point. Ten leaves room and stops files built to exhaust the parser.
MAX_DEPTH = 10
SAVE_AS_UTF8 = "save as UTF-8 in your editor (文字コードを UTF-8 にして保存してください)"
_OTHER_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def decode_text(data: bytes, file: str) -> str:
    """The text of an input file: UTF-8, with a byte-order mark or without.

    Raises:
        ConfigError: The bytes are not UTF-8 (Shift-JIS, UTF-16, a binary file); the message
            says to save the file as UTF-8.
    """
    if data.startswith(_OTHER_BOMS):
        raise ConfigError(file, "", f"the file is UTF-16 or UTF-32 text; allowed: UTF-8 text: {SAVE_AS_UTF8}")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        guess = " (it looks like Shift-JIS)" if _looks_like_shift_jis(data) else ""
        raise ConfigError(
            file,
            "",
            f"the file is not UTF-8 text{guess}: byte {e.start} cannot be read; allowed: UTF-8 text: {SAVE_AS_UTF8}",
        ) from None
    if "\x00" in text:
        raise ConfigError(file, "", f"the file holds NUL bytes (a binary file?); allowed: UTF-8 text: {SAVE_AS_UTF8}")
    return text


def _looks_like_shift_jis(data: bytes) -> bool:
    try:
        data.decode("shift_jis")
    except UnicodeDecodeError:
        return False
    return True


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error or a file nested too deeply becomes a ConfigError."""
    if text.startswith("\ufeff"):  # an upload decoded by the browser keeps its byte-order mark
        text = text[1:]
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(file, "", f"not valid TOML: {e}") from None
    except RecursionError:
        raise ConfigError(
            file, "", f"arrays or tables are nested too deeply; allowed: at most {MAX_DEPTH} levels"
        ) from None
    _check_depth(raw, file)
    return raw


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read and parse a TOML file under the rules above."""
    return parse_toml(read_text(path), str(path))


def read_text(path: str | Path) -> str:
    """The text of an input file on disk (UTF-8, with or without a byte-order mark)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ConfigError(str(path), "", f"cannot be read: {e.strerror or e}") from None
    return decode_text(data, str(path))


def _check_depth(raw: dict[str, Any], file: str) -> None:
    """Refuse tables or arrays nested deeper than MAX_DEPTH, naming the key where it happens."""
    stack: list[tuple[Any, str, int]] = [(raw, "", 0)]
    while stack:
        value, key, depth = stack.pop()
        if depth > MAX_DEPTH:
            shown = key if len(key) <= 80 else key[:77] + "..."
            raise ConfigError(
                file, shown, f"nested too deeply; allowed: at most {MAX_DEPTH} levels of tables and arrays"
            )
        if isinstance(value, dict):
            stack += [(v, f"{key}.{k}" if key else str(k), depth + 1) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, f"{key}[{i}]", depth + 1) for i, v in enumerate(value)]
