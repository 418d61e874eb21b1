"""The language of the helpers' own messages (training errors), without the checks.

The helpers know nothing of ``autograder.checks``; they follow the same two signals: the
environment variable ``OPTIM_COURSE_LANG`` (``zh-CN`` or ``en``), else the notebook's language
cell (``plots.use_language("zh-CN")``, kept in ``plots.LANGUAGE``), else English. Their texts
are the gettext domain ``optim_course_helpers`` under ``helpers/locale/`` (``make translations``).
"""

from __future__ import annotations

import gettext as _gettext
import os
import re
import sys
from pathlib import Path

DOMAIN = "optim_course_helpers"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENV = "OPTIM_COURSE_LANG"


def normalise(lang) -> str | None:
    """``"zh-CN"``, ``"en"`` or None (unknown or empty); ``zh_CN``, ``zh-cn``, ``zh`` all mean
    Chinese."""
    key = str(lang or "").strip().replace("_", "-").lower()
    return "zh-CN" if key.startswith("zh") else "en" if key.startswith("en") else None


def from_environment() -> str | None:
    """What ``OPTIM_COURSE_LANG`` asks for, if anything."""
    return normalise(os.environ.get(ENV))


def from_language_cell() -> str | None:
    """What a zh notebook's language cell chose (``plots.LANGUAGE``), if it ran in this process.

    Read from the loaded module only: nothing here imports the plots (or matplotlib).
    """
    return normalise(getattr(sys.modules.get("helpers.plots"), "LANGUAGE", None))


def language() -> str:
    return from_environment() or from_language_cell() or "en"


_catalogues: dict[str, _gettext.NullTranslations] = {}


def _(message: str) -> str:
    lang = language()
    if lang == "en":
        return message
    return catalogue(lang).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue (``make translations`` extracts it) without
    translating it here: the figures' texts, translated when a figure is drawn."""
    return message


def catalogue(lang: str) -> _gettext.NullTranslations:
    """The helpers' catalogue for ``lang`` (a NullTranslations, translating nothing, for
    English or a language without one)."""
    if lang not in _catalogues:
        _catalogues[lang] = _gettext.translation(DOMAIN, LOCALE_DIR,
                                                 languages=[lang.replace("-", "_")],
                                                 fallback=True)
    return _catalogues[lang]


# ----------------------------------------------------------------------------- figure texts
# A figure's text is looked up by its shape: every number and every piece of maths ($...$)
# becomes a numbered hole, so "same start, learning rate 0.5" and "... 0.1" are one entry,
# "same start, learning rate {0}", and the values go back into the translation's holes. A digit
# inside a word (beta1, L2) is part of the word, not a number.
_HOLES = re.compile(r"\$[^$]*\$|(?<![\w.])[-\u2212]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w)")
_HOLE = re.compile(r"\{(\d+)\}")
_LETTERS = re.compile(r"[A-Za-z]")


def figure_shape(text: str) -> tuple[str, list[str]]:
    """``text`` with its numbers and maths replaced by ``{0}``, ``{1}``, ... and the values
    taken out, in order. A text with braces of its own is its own shape (no holes)."""
    values: list[str] = []

    def hole(match: re.Match) -> str:
        values.append(match.group())
        return f"{{{len(values) - 1}}}"

    shape = _HOLES.sub(hole, text)
    if re.search(r"[{}]", _HOLE.sub("", shape)):
        return text, []
    return shape, values


def has_words(shape: str) -> bool:
    """Whether a shape has anything to translate: letters outside its holes and its maths."""
    return bool(_LETTERS.search(_HOLES.sub("", _HOLE.sub("", shape))))


def figure_text(text: str, lang: str) -> str:
    """What a figure draws for ``text`` in ``lang``: whole or line by line
    (:func:`figure_lookups`), the catalogue's translation of the shape with the values put
    back, or the line itself (English, no entry, or nothing but numbers and maths: see
    :func:`translatable`)."""
    return figure_lookups(text, lang)[0]


def figure_lookups(text: str, lang: str) -> tuple[str, dict[str, bool]]:
    """What a figure draws for ``text`` in ``lang``, and the shapes looked up for it, each with
    whether the catalogue had it.

    A text of several lines is looked up whole first (an entry may then break its lines where
    the language needs: "only the first\\nmoment corrected"), else line by line.
    """
    if lang == "en" or not text:
        return text, {}
    translations = catalogue(lang)
    if "\n" in text and translatable(text):
        whole = _figure_line(text, translations)
        if whole != text:
            return whole, {figure_shape(text)[0]: True}
    drawn, looked_up = [], {}
    for line in text.split("\n"):
        drawn.append(_figure_line(line, translations))
        if translatable(line):
            shape = figure_shape(line)[0]
            looked_up[shape] = looked_up.get(shape, False) or drawn[-1] != line
    return "\n".join(drawn), looked_up


def translatable(line: str) -> bool:
    """Whether a line of figure text is looked up: it has words outside its numbers and maths.

    A line with maths is looked up too, its maths (``$...$``) a hole like a number: the
    translation keeps the maths as it is, and :mod:`helpers.plots` draws such a line with the
    Chinese font first, since mathtext takes the text between the maths from the first font of
    the text's family only (it has no glyph-by-glyph fallback as plain text has).
    """
    return has_words(figure_shape(line)[0])


def has_maths(text: str) -> bool:
    """Whether ``text`` has maths (a ``$...$`` pair), which matplotlib draws with mathtext."""
    return bool(re.search(r"(?<!\\)\$.*?(?<!\\)\$", text))


def _figure_line(line: str, translations: _gettext.NullTranslations) -> str:
    if not translatable(line):
        return line
    shape, values = figure_shape(line)
    translated = translations.gettext(shape)
    if translated == shape:
        return line
    return _HOLE.sub(lambda match: values[int(match.group(1))], translated)
