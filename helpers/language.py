"""The language of the helpers' own messages (training errors), without the checks.

The helpers know nothing of ``autograder.checks``; they follow the same two signals: the
environment variable ``OPTIM_COURSE_LANG`` (``zh-CN`` or ``en``), else the notebook's language
cell (``plots.use_language("zh-CN")``, kept in ``plots.LANGUAGE``), else English. Their texts
are the gettext domain ``optim_course_helpers`` under ``helpers/locale/`` (``make translations``).
"""

from __future__ import annotations

import gettext as _gettext
import os
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
    if lang not in _catalogues:
        _catalogues[lang] = _gettext.translation(DOMAIN, LOCALE_DIR,
                                                 languages=[lang.replace("-", "_")],
                                                 fallback=True)
    return _catalogues[lang].gettext(message)
