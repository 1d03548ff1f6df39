"""Prepare the fonts the reports embed: DejaVu Sans (regular, bold) and DejaVu Sans Mono, cut
to the scripts and symbols reports use and renamed "Charter Sans" / "Charter Mono", so a
document never picks up whatever DejaVu the machine has installed.

    python scripts/build_fonts.py [SOURCE_DIR]

SOURCE_DIR holds DejaVuSans.ttf, DejaVuSans-Bold.ttf and DejaVuSansMono.ttf (default: the
Debian/Ubuntu package fonts-dejavu-core, /usr/share/fonts/truetype/dejavu). The output goes to
engine/charter/assets/fonts/ and is committed: the wheel ships it, and the same inputs give the
same bytes on any machine. A smaller font is also faster to subset when a PDF is written.
Licence: DejaVu changes are in the public domain, the Bitstream Vera glyphs under the Bitstream
Vera licence, which allows modified copies under a name without "Bitstream" or "Vera"
(LICENSE-DejaVu.txt, copied beside the fonts).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "engine" / "charter" / "assets" / "fonts"
SOURCE = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {  # source file -> (output file, family, style)
    "DejaVuSans.ttf": ("CharterSans.ttf", "Charter Sans", "Regular"),
    "DejaVuSans-Bold.ttf": ("CharterSans-Bold.ttf", "Charter Sans", "Bold"),
    "DejaVuSansMono.ttf": ("CharterMono.ttf", "Charter Mono", "Regular"),
}
# Latin (with every extension European names need), Greek, Cyrillic, punctuation, currency,
# letter-like symbols, arrows, mathematical operators, box drawing, shapes, check marks.
UNICODES = [
    *range(0x0020, 0x007F), *range(0x00A0, 0x0250), *range(0x0250, 0x02B0),
    *range(0x02B0, 0x0370), *range(0x0370, 0x0400), *range(0x0400, 0x0530),
    *range(0x1E00, 0x1F00), *range(0x2000, 0x2070), *range(0x2070, 0x20A0),
    *range(0x20A0, 0x20C1), *range(0x2100, 0x2150), *range(0x2150, 0x2190),
    *range(0x2190, 0x2200), *range(0x2200, 0x2300), *range(0x2500, 0x2600),
    *range(0x2600, 0x2700), *range(0x2713, 0x2719), 0xFFFD,
]
FEATURES = ["kern", "liga", "ccmp", "locl", "mark", "mkmk"]


def build(source: Path, name: str, target: str, family: str, style: str) -> None:
    options = subset.Options()
    options.layout_features = FEATURES
    options.hinting = False  # PDFs are printed or zoomed; hinting only bloats the file
    options.drop_tables += ["FFTM", "MATH"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    font = TTFont(source / name)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    full = f"{family} Bold" if style == "Bold" else family
    postscript = full.replace(" ", "")
    for record in font["name"].names:
        text = {1: family, 2: style, 3: f"{full}; subset of {name}", 4: full,
                6: postscript}.get(record.nameID)
        if text is not None:
            record.string = text
    font["head"].modified = font["head"].created  # no build time in the file
    font.recalcTimestamp = False
    font.save(OUT / target)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (target, family, style) in FONTS.items():
        build(source, name, target, family, style)
        print(f"{target}: {(OUT / target).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
