"""What reaches a person's terminal or a CI log: names escaped, and output to a closed pipe ending
quietly.

- ``escape(text)``: control characters (C0, DEL, C1), the Unicode line and paragraph separators
  and the bidirectional formatting characters become visible escapes (``\\n``, ``\\t``, ``\\r``,
  ``\\x1b``, ``\\u202e``), and the bytes of a file name that is not UTF-8 (held by Python as lone
  surrogates, PEP 383) become ``\\xNN``. So a name cannot set a window title, clear the screen,
  forge a finding line or a ``::error`` workflow command, or make a report invalid UTF-8. A name
  that starts with ``::`` (a workflow command at the start of a line) gets its first ``:`` escaped.
- ``emit(stream, text)``: write and flush; a reader that went away (``... | head -1``) ends the
  output quietly: the rest goes to ``/dev/null`` and the run carries on with its exit code.
"""

from __future__ import annotations

import re

#: characters shown escaped: C0 controls, DEL, C1 controls, line/paragraph separators, bidi
#: embeddings/overrides/isolates, and lone surrogates (undecodable bytes of a file name)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _one(m: re.Match) -> str:
    c = m.group()
    if c in _NAMED:
        return _NAMED[c]
    n = ord(c)
    if 0xDC80 <= n <= 0xDCFF:  # a byte of a name that is not UTF-8 (surrogateescape)
        return f"\\x{n - 0xDC00:02x}"
    if n < 0x100:
        return f"\\x{n:02x}" if n < 0x80 else f"\\u{n:04x}"
    return f"\\u{n:04x}"


def escape(text: str) -> str:
    """``text`` with every character a terminal or a log reader would act on made visible."""
    if _UNSAFE.search(text):
        text = _UNSAFE.sub(_one, text)
    return text


def name(path: str) -> str:
    """A file name for a human-facing line: escaped, and never a workflow command."""
    path = escape(path)
    return "\\x3a" + path[1:] if path.startswith("::") else path


def utf8(text: str, json: bool = False) -> str:
    """``text`` that encodes as UTF-8 whatever it holds: lone surrogates (from a name that is not
    UTF-8) become ``\\xNN`` escapes; everything else stays as it is.

    ``json``: ``text`` is JSON (``json.dumps`` has escaped the C0 controls), whose strings are the
    only place these characters can be: a surrogate's escape gets its backslash escaped (the string
    reads ``\\xNN``), and DEL, the C1 controls, the line separators and the bidirectional controls
    become ``\\uXXXX`` escapes - the same string to a JSON reader, nothing a terminal acts on."""
    if json:
        return _JSON_UNSAFE.sub(_json_one, text) if _JSON_UNSAFE.search(text) else text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _SURROGATE.sub(_one, text)


_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _json_one(m: re.Match) -> str:
    n = ord(m.group())
    if 0xD800 <= n <= 0xDFFF:
        return "\\" + _one(m)
    return f"\\u{n:04x}"
