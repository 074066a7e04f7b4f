"""Text styles as a terminal sees them, and the shortest SGR sequence between two of them.

A style is a plain tuple ``(fg, bg, flags, extra, link)``: cheap to compare and to hash, so the
shadow screen can hold one per cell. Colours are kept exactly as the app wrote them
(``"31"``, ``"38;5;208"``, ``"38;2;1;2;3"``), so 16-, 256- and truecolor output are replayed
with the codes the app chose. ``extra`` keeps SGR parameters we do not model, in order, so
nothing the app asked for is lost. ``link`` is an OSC 8 hyperlink (``"params;uri"``).
"""

from __future__ import annotations

# (fg, bg, flags, extra SGR parameters, OSC 8 link)
Style = tuple[str | None, str | None, int, tuple[str, ...], str | None]

DEFAULT: Style = (None, None, 0, (), None)

# SGR code -> flag bit it sets.
_ON: dict[str, int] = {
    "1": 1 << 0,  # bold
    "2": 1 << 1,  # dim
    "3": 1 << 2,  # italic
    "4": 1 << 3,  # underline
    "5": 1 << 4,  # blink
    "6": 1 << 5,  # rapid blink
    "7": 1 << 6,  # reverse
    "8": 1 << 7,  # conceal
    "9": 1 << 8,  # strike
    "21": 1 << 9,  # double underline
    "51": 1 << 10,  # frame
    "52": 1 << 11,  # encircle
    "53": 1 << 12,  # overline
}
# SGR code -> flag bits it clears.
_OFF: dict[str, int] = {
    "22": _ON["1"] | _ON["2"],
    "23": _ON["3"],
    "24": _ON["4"] | _ON["21"],
    "25": _ON["5"] | _ON["6"],
    "27": _ON["7"],
    "28": _ON["8"],
    "29": _ON["9"],
    "54": _ON["51"] | _ON["52"],
    "55": _ON["53"],
}
# Flag bit -> the code that sets it, in a stable order for emission.
_FLAG_CODES: tuple[tuple[int, str], ...] = tuple((bit, code) for code, bit in _ON.items())
# For turning flags off: (bits the code clears, code).
_OFF_CODES: tuple[tuple[int, str], ...] = tuple((bits, code) for code, bits in _OFF.items())

_FG_SIMPLE = {str(n) for n in (*range(30, 38), *range(90, 98))}
_BG_SIMPLE = {str(n) for n in (*range(40, 48), *range(100, 108))}

_cache: dict[tuple[Style, str], Style] = {}


def apply_sgr(style: Style, params: str) -> Style:
    """The style after ``CSI params m``; memoised, since apps repeat the same few sequences."""
    key = (style, params)
    found = _cache.get(key)
    if found is not None:
        return found
    result = _apply(style, params)
    if len(_cache) > 50_000:
        _cache.clear()
    _cache[key] = result
    return result


def _apply(style: Style, params: str) -> Style:
    fg, bg, flags, extra, link = style
    parts = params.split(";") if params else ["0"]
    i = 0
    n = len(parts)
    while i < n:
        p = parts[i]
        i += 1
        if ":" not in p:
            p = p.lstrip("0") or "0"
        if p == "0":
            fg, bg, flags, extra = None, None, 0, ()
        elif p in _ON:
            flags |= _ON[p]
        elif p in _OFF:
            flags &= ~_OFF[p]
        elif p in _FG_SIMPLE:
            fg = p
        elif p in _BG_SIMPLE:
            bg = p
        elif p == "39":
            fg = None
        elif p == "49":
            bg = None
        elif p in ("38", "48"):
            mode = parts[i] if i < n else ""
            if mode == "5" and i + 1 < n:
                colour = f"{p};5;{parts[i + 1]}"
                i += 2
            elif mode == "2" and i + 3 < n:
                colour = f"{p};2;{parts[i + 1]};{parts[i + 2]};{parts[i + 3]}"
                i += 4
            else:  # malformed: keep it verbatim, the terminal decides
                extra = (*extra, ";".join(parts[i - 1 :]))
                break
            if p == "38":
                fg = colour
            else:
                bg = colour
        else:
            extra = (*extra, p)
    return (fg, bg, flags, extra, link)


def with_link(style: Style, link: str | None) -> Style:
    return (style[0], style[1], style[2], style[3], link)


def _codes(style: Style) -> list[str]:
    fg, bg, flags, extra, _link = style
    codes = [code for bit, code in _FLAG_CODES if flags & bit]
    if fg is not None:
        codes.append(fg)
    if bg is not None:
        codes.append(bg)
    codes.extend(extra)
    return codes


def full_sgr(style: Style) -> str:
    """SGR that sets ``style`` from any state: a reset followed by the style's codes."""
    codes = _codes(style)
    return f"\x1b[0;{';'.join(codes)}m" if codes else "\x1b[m"


_delta_cache: dict[tuple[Style | None, Style], str] = {}


def sgr_delta(current: Style | None, target: Style) -> str:
    """The shortest SGR (and OSC 8) output turning ``current`` into ``target``.

    ``current`` None means the terminal's pen is unknown. Only the link and the SGR part are
    considered; either may be empty.
    """
    key = (current, target)
    found = _delta_cache.get(key)
    if found is not None:
        return found
    link = ""
    if current is None or current[4] != target[4]:
        link = f"\x1b]8;{target[4]}\x1b\\" if target[4] is not None else "\x1b]8;;\x1b\\"
    if current is not None and current[:4] == target[:4]:
        result = link
    else:
        full = full_sgr(target)
        result = full
        if current is not None and current[3] == target[3] and not target[3]:
            delta = _delta_codes(current, target)
            if delta is not None and len(delta) < len(full):
                result = delta
        result = link + result
    if len(_delta_cache) > 50_000:
        _delta_cache.clear()
    _delta_cache[key] = result
    return result


def _delta_codes(current: Style, target: Style) -> str | None:
    codes: list[str] = []
    cur_flags, want = current[2], target[2]
    to_clear = cur_flags & ~want
    flags = cur_flags
    for bits, code in _OFF_CODES:
        if to_clear & bits:
            codes.append(code)
            flags &= ~bits
    for bit, code in _FLAG_CODES:
        if want & bit and not flags & bit:
            codes.append(code)
    if current[0] != target[0]:
        codes.append(target[0] or "39")
    if current[1] != target[1]:
        codes.append(target[1] or "49")
    if not codes:
        return ""
    return f"\x1b[{';'.join(codes)}m"
