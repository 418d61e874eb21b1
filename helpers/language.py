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


def _normalise(lang) -> str | None:
    key = str(lang or "").strip().replace("_", "-").lower()
    return "zh-CN" if key.startswith("zh") else "en" if key.startswith("en") else None


def language() -> str:
    plots = sys.modules.get("helpers.plots")
    return (_normalise(os.environ.get(ENV)) or _normalise(getattr(plots, "LANGUAGE", None))
            or "en")


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
