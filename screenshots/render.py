#!/usr/bin/python3
"""Render a terminal screen captured with `tmux capture-pane -e -p -N` (text
with ANSI SGR colour codes) to a PNG, cell by cell, in DejaVu Sans Mono.

usage: render.py CAPTURE.ans OUT.png [COLUMNS ROWS]

Run with Debian's /usr/bin/python3 (python3-pil).  Handles the SGR codes
tmux emits: reset, bold, dim, italic, underline, reverse, the 8/16 colours,
256 colours (38;5;N) and true colour (38;2;R;G;B), for foreground and
background.  Any other escape sequence is dropped."""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE = 16

# xterm's default palette (the 16 colours), then the 256-colour cube and greys
BASE = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
        (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
        (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
FG_DEFAULT = (220, 220, 220)
BG_DEFAULT = (24, 24, 24)


def palette(n):
    if n < 16:
        return BASE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    g = 8 + (n - 232) * 10
    return (g, g, g)


class Pen:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = False
        self.dim = False
        self.under = False
        self.reverse = False

    def colours(self):
        fg = self.fg if self.fg is not None else FG_DEFAULT
        bg = self.bg if self.bg is not None else BG_DEFAULT
        if self.reverse:
            fg, bg = bg, fg
        if self.dim:
            fg = tuple(c * 2 // 3 for c in fg)
        return fg, bg


def apply_sgr(pen, params):
    codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            pen.reset()
        elif c == 1:
            pen.bold = True
        elif c == 2:
            pen.dim = True
        elif c == 4:
            pen.under = True
        elif c == 7:
            pen.reverse = True
        elif c == 22:
            pen.bold = pen.dim = False
        elif c == 24:
            pen.under = False
        elif c == 27:
            pen.reverse = False
        elif 30 <= c <= 37:
            pen.fg = BASE[c - 30 + (8 if pen.bold else 0)]
        elif c == 39:
            pen.fg = None
        elif 40 <= c <= 47:
            pen.bg = BASE[c - 40]
        elif c == 49:
            pen.bg = None
        elif 90 <= c <= 97:
            pen.fg = BASE[c - 90 + 8]
        elif 100 <= c <= 107:
            pen.bg = BASE[c - 100 + 8]
        elif c in (38, 48) and i + 1 < len(codes):
            if codes[i + 1] == 5 and i + 2 < len(codes):
                col = palette(codes[i + 2])
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                col = tuple(codes[i + 2:i + 5])
                i += 4
            else:
                col = None
            if c == 38:
                pen.fg = col
            else:
                pen.bg = col
        i += 1


TOKEN = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|\x1b[()][0-9A-Za-z]|\x1b.|([^\x1b])", re.S)


def parse(text, cols, rows):
    """A grid rows x cols of (char, fg, bg, bold, under)."""
    pen = Pen()
    blank = (" ", FG_DEFAULT, BG_DEFAULT, False, False)
    grid = [[blank] * cols for _ in range(rows)]
    lines = text.split("\n")
    for y, line in enumerate(lines[:rows]):
        pen.reset()  # tmux writes each line's codes from the default state
        x = 0
        for m in TOKEN.finditer(line):
            if m.group(3) is not None:
                ch = m.group(3)
                if ch == "\r" or x >= cols:
                    continue
                fg, bg = pen.colours()
                grid[y][x] = (ch, fg, bg, pen.bold, pen.under)
                x += 1
            elif m.group(2) == "m":
                apply_sgr(pen, m.group(1))
    return grid


def render(grid, out):
    font = ImageFont.truetype(FONT, SIZE)
    bold = ImageFont.truetype(FONT_BOLD, SIZE)
    left, top, right, bottom = font.getbbox("M")
    cw = font.getlength("M")
    ch = int(SIZE * 1.25)
    rows, cols = len(grid), len(grid[0])
    pad = 10
    img = Image.new("RGB", (int(cols * cw) + 2 * pad, rows * ch + 2 * pad), BG_DEFAULT)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(grid):
        for x, (c, fg, bg, b, u) in enumerate(row):
            x0, y0 = pad + x * cw, pad + y * ch
            if bg != BG_DEFAULT:
                draw.rectangle([x0, y0, x0 + cw, y0 + ch], fill=bg)
            if c != " ":
                draw.text((x0, y0 + (ch - SIZE) // 2 - 1), c, font=bold if b else font, fill=fg)
            if u:
                draw.line([x0, y0 + ch - 2, x0 + cw, y0 + ch - 2], fill=fg)
    img.save(out)


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit("usage: render.py CAPTURE.ans OUT.png [COLUMNS ROWS]")
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        text = f.read()
    if len(sys.argv) == 5:
        cols, rows = int(sys.argv[3]), int(sys.argv[4])
    else:
        plain = [TOKEN.sub(lambda m: m.group(3) or "", ln) for ln in text.split("\n")]
        cols, rows = max(80, max(len(ln) for ln in plain)), max(24, len(plain))
    render(parse(text, cols, rows), sys.argv[2])


if __name__ == "__main__":
    main()
