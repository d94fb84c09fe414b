"""Where a line ends (``syntax.lines.line_end``), as each reader counts its line breaks."""

import pytest

from triton_docker_migrate.syntax.lines import line_end, logical_line


def test_a_line_ends_at_its_line_feed_or_at_the_end_of_the_text():
    t = "ab\r\ncd"
    assert line_end(t, 0) == 3  # the carriage return is a character of the line
    assert line_end(t, 4) == len(t)
    assert line_end(t, 3) == 3


def test_the_carriage_return_of_crlf_is_dropped_from_a_line_not_empty():
    assert line_end("ab\r\ncd\r", 0, cr="dropped") == 2
    assert line_end("ab\r\ncd\r", 4, cr="dropped") == 6
    assert line_end("ab\r\n", 3, cr="dropped") == 3  # a line empty from the offset ends where it starts
    assert line_end("a\rb\n", 0, cr="dropped") == 3  # a lone one is a character


def test_a_lone_carriage_return_breaks_a_line_for_python():
    assert line_end("a\rb\n", 0, cr="break") == 1
    assert line_end("ab\r\n", 0, cr="break") == 2


def test_a_continued_line_goes_on_to_the_end_of_the_last_line_it_joins():
    t = "a \\\nb \\\r\nc\nd"
    assert line_end(t, 0, continued=True) == t.index("c") + 1
    assert line_end("a \\", 0, continued=True) == 3  # the end of the text
    assert line_end("a \\\\\nb", 0, continued=True) == len("a \\\\\nb")  # every trailing backslash continues


@pytest.mark.parametrize("text,at,want", [
    ("a\nb \\\nc\nd", 7, (2, 7)),       # the line continued from the one before
    ("a\nb \\\nc\nd", 2, (2, 7)),       # the line that continues on the next
    ("a \\\r\nb", 0, (0, 4)),           # a backslash before CRLF does not continue (the CR is the line's)
    ("x\\\\\ny\n", 4, (0, 5)),         # any trailing backslash continues (not make's odd count)
    ("last \\", 2, (0, 6)),             # to the end of the text
])
def test_logical_line(text, at, want):
    assert logical_line(text, at) == want
