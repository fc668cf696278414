"""The page's fonts, served from installed packages: a fresh machine may have neither a Khmer nor an
emoji font, and the page must not depend on a CDN (nothing is fetched from outside the machine)."""

from __future__ import annotations

import functools
from pathlib import Path


def _package_font(package_dir: Path, pattern: str, package: str) -> Path:
    found = sorted(package_dir.rglob(pattern))
    regular = [f for f in found if "Regular" in f.name] or found
    if not regular:
        raise RuntimeError(f"{package} is installed without its font file ({pattern})")
    return regular[0]


@functools.cache
def khmer_font() -> Path:
    """Noto Sans Khmer from the fontpkg-noto-sans-khmer package."""
    import fontpkg_noto_sans_khmer as package

    return _package_font(Path(package.__file__).resolve().parent, "NotoSansKhmer*.ttf", "fontpkg-noto-sans-khmer")


@functools.cache
def emoji_font() -> Path:
    """Noto Emoji (the one-colour Noto emoji font) from the manimgx-fonts package.

    PyPI has no package of Noto Color Emoji; this is the only emoji font found there, and a
    one-colour glyph beats an empty square. The CSS lists the colour emoji fonts a machine may
    have (Noto Color Emoji, Apple's, Segoe's) before it, so those win where they are installed.
    """
    import manimgx_fonts as package

    return _package_font(Path(package.__file__).resolve().parent, "NotoEmoji*.ttf", "manimgx-fonts")
