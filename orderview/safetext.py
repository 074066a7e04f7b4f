"""The one way untrusted text reaches the screen: controls made visible, never markup.

``visible()`` is pure Python (the core stays free of Textual); ``widgets.literal.literal()``
wraps its result in a Textual ``Content``, which is never parsed as markup. Widgets and screens
use only these.
"""

from __future__ import annotations

import re

# Every character that must not reach a terminal, a JSON document or a text box raw. The one
# definition: ``visible()`` (text), ``cli/output.py`` (JSON), ``widgets/still_input.py`` (text
# boxes) and the input schemas (``has_unsafe``: refused in names and settings) all use it.
#   C0 controls (TAB, LF, CR, ESC…), DEL, C1 controls
#   bidi controls: ALM U+061C, LRM/RLM U+200E/F, embeddings/overrides U+202A–E, isolates U+2066–9
#   line and paragraph separators U+2028/U+2029 (a line break to many terminals and editors)
#   tag characters U+E0000–U+E007F (invisible; they can smuggle a whole hidden text)
#   the other invisible format characters (Unicode category Cf): soft hyphen, Arabic number
#   signs, Mongolian vowel separator, zero-width space, word joiner, invisible operators,
#   deprecated format controls, BOM/zero-width no-break space, interlinear annotations, and
#   the Cf of Kaithi, Egyptian hieroglyphs, shorthand and musical notation
#   lone surrogates (what bytes that are not UTF-8 become; printing one raises)
# Kept as text by decision: ZERO WIDTH JOINER U+200D and NON-JOINER U+200C, which emoji
# sequences (👨‍👩‍👧) and Persian and Indic scripts need; a test checks that every other Cf is
# here (``tests/test_safetext_classes.py``).
UNSAFE_CHARS = (
    "\x00-\x1f\x7f-\x9f"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f"
    "\ud800-\udfff"
)
UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")


# ASCII mode (``orderview.terminal.ascii``): stand-ins and the ellipsis in plain ASCII.
_ascii = False


def use_ascii(on: bool) -> None:
    """Stand-ins as ``\\x1b`` instead of ``␛`` (for terminals whose locale is not UTF-8)."""
    global _ascii
    _ascii = on


def ellipsis() -> str:
    return "~" if _ascii else "…"


def stand_in(ch: str) -> str:
    """How one unsafe character is shown: a control picture for C0 (ESC -> ␛), ␡ for DEL,
    ``\\x9b`` for C1, ``<U+202E>`` for the rest; in ASCII mode ``\\x1b`` for C0, DEL and C1."""
    code = ord(ch)
    if _ascii and code <= 0x9F:
        return f"\\x{code:02x}"
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (control pictures), e.g. ESC -> ␛
    if code == 0x7F:
        return "␡"
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def one_cell_stand_in(ch: str) -> str:
    """The stand-in inside a text box, where each character must stay one cell (the cursor and
    the selection line up): a control picture for C0, ␡ for DEL, U+FFFD for the rest."""
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    return "␡" if code == 0x7F else "\ufffd"


def _stand_in(match: re.Match[str]) -> str:
    return stand_in(match.group())


def visible(value: object, max_length: int | None = None) -> str:
    """Text with every unsafe character (``UNSAFE``) replaced by a visible stand-in.

    ``max_length`` truncates (with an ellipsis) so one huge value cannot blow up a layout.
    """
    text = "" if value is None else str(value)
    if max_length is not None and len(text) > max_length:
        text = text[: max(max_length - 1, 0)] + ellipsis()
    return UNSAFE.sub(_stand_in, text)


def visible_in_box(value: str, keep: str = "") -> str:
    """``value`` as a text box draws it: each unsafe character one stand-in cell (those in
    ``keep``, such as a TAB a text area expands, stay)."""
    return UNSAFE.sub(
        lambda m: m.group() if m.group() in keep else one_cell_stand_in(m.group()), value
    )


def has_unsafe(value: str) -> bool:
    return UNSAFE.search(value) is not None


# Lone surrogates: what non-UTF-8 command-line or environment bytes become in Python.
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(value: str) -> bool:
    return _SURROGATE.search(value) is not None


def without_surrogates(value: str) -> str:
    """``value`` with each lone surrogate as U+FFFD, the way a terminal shows a bad byte."""
    return _SURROGATE.sub("\ufffd", value)


UNSAFE_MESSAGE = "must not contain control characters, bidi controls or bytes that are not UTF-8"


def unsafe_problem(value: str) -> str | None:
    """Why ``value`` cannot be a name or a setting: a control or bidi character, or a lone
    surrogate (what non-UTF-8 command-line or environment bytes become; nothing can store or
    send one). None when it is fine."""
    if has_unsafe(value) or has_surrogate(value):
        return UNSAFE_MESSAGE
    return None
