"""What every figure of the commands shares: a CJK font, a paper style, labels and saving.

Chinese labels need a CJK font. The project's setup installs Debian's
``fonts-noto-cjk`` (README, ``.ci/run``); :func:`cjk_family` finds it, or
another common CJK family, through matplotlib's font manager, and
:func:`style` puts it first for ``lang="zh"`` (second, for Chinese place
names, in English figures). Without one, :func:`style` warns once with the
package to install, and Chinese text would show as empty boxes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

LANGS = ("en", "zh")

#: CJK families tried in order: Debian's fonts-noto-cjk first, then common system fonts.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei",
                "PingFang SC", "Heiti SC", "Arial Unicode MS")
LATIN_FAMILY = "DejaVu Sans"
#: Resolution of the PNGs (the SVGs are vector).
DPI = 300

#: A palette that stays distinct in grey and for colour-blind readers (Okabe and Ito).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


class FontWarning(UserWarning):
    """No CJK font was found: Chinese text would render as empty boxes."""


@functools.lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """The first installed CJK font family of :data:`CJK_FAMILIES`, or None."""
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family),
                                  fallback_to_default=False)
        except ValueError:
            continue
        return family
    return None


def check_lang(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGS`.

    Raises:
        ConfigError: naming ``lang`` and the allowed values.
    """
    from sim.errors import ConfigError

    if lang not in LANGS:
        raise ConfigError("lang", f"must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def rc(lang: str = "en") -> dict:
    """The matplotlib settings of the project's figures in ``lang``."""
    check_lang(lang)
    cjk = cjk_family()
    if cjk is None:
        if lang == "zh":
            warnings.warn("no CJK font found: Chinese labels will show as empty boxes; install one "
                          "(Debian: apt-get install fonts-noto-cjk)", FontWarning, stacklevel=3)
        families = [LATIN_FAMILY]
    else:
        families = [cjk, LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY, cjk]
    return {
        # A list of families, not "sans-serif": matplotlib falls back glyph by glyph only along
        # font.family itself, so a Chinese word in an English figure still finds its font.
        "font.family": families,
        "font.sans-serif": families,
        "font.size": 9,
        "axes.titlesize": 9.5,
        "axes.labelsize": 9,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "0.9",
        "grid.linewidth": 0.6,
        "axes.axisbelow": True,
        "axes.unicode_minus": cjk is None or lang != "zh",
        "svg.fonttype": "path",  # glyphs as outlines: the SVG shows the same without the font
        "savefig.dpi": DPI,
    }


@contextlib.contextmanager
def style(lang: str = "en") -> Iterator[None]:
    """Use the project's figure settings (Agg backend, fonts for ``lang``) inside the block."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(rc(lang)):
        yield


#: Written into every figure's metadata; a file without it is not replaced.
CREATOR = "lingtouyan"


def written_by_us(path: Path) -> bool:
    """Whether the figure file at ``path`` carries :data:`CREATOR` in its metadata."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    return CREATOR.encode() in head


def save(fig, stem: str | Path, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Write ``fig`` as ``stem.png`` (:data:`DPI`) and ``stem.svg``, each atomically.

    A file already there is replaced only if one of the project's commands wrote it.

    Returns:
        The files written.

    Raises:
        ConfigError: naming ``--out`` when a file there was not written by the project.
    """
    from sim.errors import ConfigError

    stem = Path(stem)
    if stem.suffix.lower() in (".png", ".svg"):
        stem = stem.with_suffix("")
    paths = [stem.with_name(f"{stem.name}.{fmt}") for fmt in formats]
    for path in paths:
        if path.exists() and not (path.is_file() and written_by_us(path)):
            raise ConfigError("--out", f"{path} exists and was not written by this project; "
                              "choose another name or remove it")
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, path in zip(formats, paths, strict=True):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        metadata = {"Creator": CREATOR, "Date": None} if fmt == "svg" else {"Software": CREATOR}
        try:
            fig.savefig(tmp, format=fmt, dpi=DPI, bbox_inches="tight", pad_inches=0.05,
                        metadata=metadata)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(path)
    return written


def fonts_used(text: str, fontproperties) -> list[str]:
    """Family names of the fonts matplotlib draws each character of ``text`` with.

    Follows matplotlib's own lookup: the fallback list the font manager finds
    for the properties, and for each character the first font of that list
    that has a glyph for it (``"(missing)"`` where none has).
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    paths = font_manager.fontManager._find_fonts_by_props(fontproperties)
    fonts = [FT2Font(str(p)) for p in paths]
    used = []
    for char in text:
        if char.isspace():
            continue
        for font in fonts:
            if font.get_char_index(ord(char)):
                used.append(font.family_name)
                break
        else:
            used.append("(missing)")
    return used
