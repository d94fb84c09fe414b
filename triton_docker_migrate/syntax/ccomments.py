"""C and C++ source with its comments blanked: ``//`` to the end of the line and ``/* ... */``
replaced by spaces (line breaks kept), string and character literals left as they are, so that every
offset of the result is the source's. Preprocessor lines (``#include``) are code. Raw string literals
(``R"x(...)x"``) are read as plain strings: a comment opener inside one is rare enough."""

from __future__ import annotations

C_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".c++", ".h", ".hh", ".hpp", ".hxx", ".h++", ".cu", ".cuh", ".inl",
              ".ipp")


def is_c_source(path: str) -> bool:
    return path.lower().endswith(C_SUFFIXES)


def blank_comments(text: str) -> str:
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            j = i
            while j < n and text[j] not in "\r\n":
                out[j] = " "
                j += 1
            i = j
        elif c == "/" and i + 1 < n and text[i + 1] == "*":
            end = text.find("*/", i + 2)
            j_end = n if end < 0 else end + 2
            for j in range(i, j_end):
                if text[j] not in "\r\n":
                    out[j] = " "
            i = j_end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] not in "\r\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    return "".join(out)
