"""The report PDF's fonts, each loaded only when the report's text needs it:

- Helvetica, built into every PDF reader: a report whose text is all Latin-1 (most reports:
  drawn in milliseconds, nothing embedded, as before).

The others come from PyPI packages (SIL Open Font License 1.1) and are embedded:

- Noto Sans (`fontpkg-noto-sans`): Latin, Greek and Cyrillic; a report with any character
  beyond Latin-1 is set in it throughout (about 0.3 s more, on an idle machine).
- Almarai (`fontpkg-almarai`): Arabic, shaped right-to-left by HarfBuzz (`uharfbuzz`); a
  report with Arabic text only. Its glyphs map one to one onto letters (Noto's Arabic splits
  dots into glyphs of their own), so the PDF's text reads back as typed.
- Noto Sans SC (`justmytype-intl-cjk`): Chinese and Japanese; a report with such text only.
  The packaged font is a 17 MB variable font whose default weight is Thin, so the report
  carries a regular-weight copy cut down to the characters it shows (about 2 s, ~30 MB
  for the time the PDF is drawn, in the process drawing it).

Bold Noto is drawn by stroking the outlines ("fake bold"): a second weight of each font
would double what is loaded for a few headings.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from fpdf import FPDF

# Almarai's OS/2 table sets bits its version does not define; fontTools says so on every load.
logging.getLogger("fontTools.ttLib.tables.O_S_2f_2").setLevel(logging.ERROR)

CORE_FAMILY = "Helvetica"
FAMILY = "Noto Sans"
ARABIC_FAMILY = "Almarai"
CJK_FAMILY = "Noto Sans SC"


def _packaged(package: str, *parts: str) -> Path:
    return Path(str(files(package).joinpath(*parts)))


def is_arabic(char: str) -> bool:
    code = ord(char)
    return (0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF
            or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF)


def is_cjk(char: str) -> bool:
    """Han, kana, CJK punctuation and full-width forms (Hangul is not covered)."""
    code = ord(char)
    return (0x2E80 <= code <= 0x2FDF or 0x3000 <= code <= 0x30FF or 0x3190 <= code <= 0x31FF
            or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF
            or 0x20000 <= code <= 0x3134F)


@dataclass(frozen=True)
class Scripts:
    """Which of the optional fonts a text needs."""

    arabic: bool
    cjk: str  # the text's Chinese and Japanese characters ("" when none)

    @classmethod
    def of(cls, text: str) -> Scripts:
        return cls(arabic=any(is_arabic(c) for c in text),
                   cjk="".join(sorted({c for c in text if is_cjk(c)})))


def load_fonts(pdf: FPDF, text: str, workdir: str) -> str:
    """Add to `pdf` the fonts `text` (everything the document will show) needs and return
    the family to set it in; the cut down CJK font is written to `workdir`, which must
    outlive `pdf.output()`."""
    if all(ord(char) < 256 for char in text):
        return CORE_FAMILY
    pdf.add_font(FAMILY, "", _packaged("fontpkg_noto_sans", "files", "NotoSans[wdth,wght].ttf"))
    scripts, fallbacks = Scripts.of(text), []
    if scripts.arabic:
        pdf.add_font(ARABIC_FAMILY, "", _packaged("fontpkg_almarai", "files",
                                                  "Almarai-Regular.ttf"))
        fallbacks.append(ARABIC_FAMILY)
        pdf.set_text_shaping(True)  # joins the letters; right to left by the bidi algorithm
    if scripts.cjk:
        pdf.add_font(CJK_FAMILY, "", regular_cjk_font(scripts.cjk, workdir))
        fallbacks.append(CJK_FAMILY)
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    return FAMILY


def regular_cjk_font(chars: str, workdir: str) -> str:
    """A regular-weight Noto Sans SC holding `chars` (and what their layout needs)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    source = _packaged("justmytype_intl_cjk", "fonts", "ofl", "notosanssc",
                       "NotoSansSC[wght].ttf")
    font = TTFont(source, lazy=True)
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars + " 0123456789")
    subsetter.subset(font)
    font = instancer.instantiateVariableFont(font, {"wght": 400}, updateFontNames=True)
    path = os.path.join(workdir, "cjk.ttf")
    font.save(path)
    return path
