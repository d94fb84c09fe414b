"""Lexers and readers that keep the offset of every character."""
