"""Which language the learner reads, and the translated texts (stdlib ``gettext``).

The catalogue is the gettext domain ``optim_course`` under ``locale/`` next to this module
(``locale/zh_CN/LC_MESSAGES/optim_course.po``, compiled to ``.mo`` and committed; Babel
extracts and compiles: ``make translations``). English is the source text.

The language is chosen, first match wins:

1. explicitly: :func:`set_language` (``python -m autograder check --lang zh-CN``);
2. the environment variable ``OPTIM_COURSE_LANG`` (``zh-CN`` or ``en``);
3. detected from the notebook: the local check and the grader read the notebook's
   ``metadata.course.language`` (:func:`detected`); in a kernel, the zh notebooks' language
   cell (``plots.use_language("zh-CN")``) sets it through :func:`detect`;
4. English.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
from pathlib import Path

# The two signals the helpers' own messages follow too (one definition of each).
from helpers.language import ENV, from_environment, from_language_cell, normalise

DOMAIN = "optim_course"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "zh-CN")

_explicit: str | None = None
_detected: str | None = None


def set_language(lang: str | None) -> None:
    """The explicit choice (None clears it)."""
    global _explicit
    _explicit = normalise(lang)


def detect(lang: str | None) -> None:
    """What the notebook says (weaker than the explicit choice and the environment)."""
    global _detected
    _detected = normalise(lang)


@contextlib.contextmanager
def detected(lang: str | None):
    """The notebook's language for the duration of a block (the local check, per notebook)."""
    global _detected
    before = _detected
    _detected = normalise(lang)
    try:
        yield
    finally:
        _detected = before


def notebook_language(nb: dict) -> str | None:
    """The language a course notebook declares in ``metadata.course.language``."""
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    course = meta.get("course") if isinstance(meta, dict) else None
    return normalise(course.get("language")) if isinstance(course, dict) else None


def language() -> str:
    """The language the learner reads now: ``"zh-CN"`` or ``"en"``."""
    return _explicit or from_environment() or _detected or from_language_cell() or "en"


_catalogues: dict[str, _gettext.NullTranslations] = {}


def translations(lang: str | None = None) -> _gettext.NullTranslations:
    lang = lang or language()
    if lang not in _catalogues:
        if lang == "en":
            _catalogues[lang] = _gettext.NullTranslations()
        else:
            _catalogues[lang] = _gettext.translation(DOMAIN, LOCALE_DIR,
                                                     languages=[lang.replace("-", "_")])
    return _catalogues[lang]


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations().gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a text for extraction; it is translated where it is shown (:func:`_`)."""
    return message


class Message(str):
    """A text with parameters that is English as a string, and says itself in any language.

    ``Message(N_("cell {index} repaired: graded as the cell {name}"), index=3, name="f")`` is the
    ``str`` ``"cell 3 repaired: graded as the cell f"``: what logs, CSV files and instructors
    read, and what compares equal to that text. :meth:`translated` gives it in the learner's
    language (the current one, or ``lang``), its parameters translated too when they are
    messages themselves (``what=Message(N_("a symbolic link"))``). Copies and pickles keep the
    message and its parameters.
    """

    message: str
    params: dict

    def __new__(cls, message: str, /, **params):
        self = super().__new__(cls, message.format(**params) if params else message)
        self.message, self.params = message, params
        return self

    def translated(self, lang: str | None = None) -> str:
        params = {key: translated(value, lang) for key, value in self.params.items()}
        chinese = translations(lang).gettext(self.message)
        return chinese.format(**params) if params else chinese

    def __reduce__(self):
        return _message, (type(self), self.message, self.params)


def _message(cls, message: str, params: dict) -> Message:
    return cls(message, **params)


def translated(value, lang: str | None = None):
    """``value`` in the learner's language when it is a :class:`Message`; else ``value``."""
    return value.translated(lang) if isinstance(value, Message) else value


__all__ = ["DOMAIN", "ENV", "LOCALE_DIR", "normalise", "language", "set_language", "detect",
           "detected", "notebook_language", "translations", "_", "ngettext", "N_", "Message",
           "translated"]
