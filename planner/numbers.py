"""Numbers as text, the same way everywhere: a value that rounds to zero is
shown as ``0``, never ``-0`` (a float a hair below zero, or IEEE ``-0.0``)."""

from __future__ import annotations


def number(value: float, spec: str = ",.1f") -> str:
    """``value`` formatted with the format ``spec``; negative zero shown unsigned.

    >>> number(-1e-9), number(-0.0, "+,.0f"), number(-2.5, ",.0f")
    ('0.0', '+0', '-2')
    """
    text = format(value, spec)
    mantissa = text.split("e")[0]
    if text.startswith("-") and "inf" not in text and not any(c in "123456789" for c in mantissa):
        rest = text[1:]
        return ("+" + rest) if "+" in spec.split(".")[0] else rest
    return text
