"""Unicode text keys: casefolded copies used for search and uniqueness on every backend.

SQLite's lower()/LIKE fold ASCII only and PostgreSQL's depend on the locale, so the folding
is done here in Python and stored beside the original (`search_text`, `name_key`...).
"""

from __future__ import annotations

import re
import unicodedata

# Turkish dotted/dotless i: casefold keeps `ı` and turns `İ` into `i̇`, so "ÇAĞRI" and
# "Çağrı" would differ; both are folded to a plain `i`.
_TURKISH_I = str.maketrans({"ı": "i", "\u0307": None})


def fold(value: str | None) -> str:
    """Case and accents folded, spaces collapsed: `JÜRGEN  GROß` -> `jurgen gross`,
    `Araújo` -> `araujo`, `IŞIK`/`ışık` -> `isik`; Cyrillic and CJK only lose case.

    NFKC + casefold (ß -> ss), the Turkish i's made plain, then NFKD with the marks on Latin
    and Greek letters dropped, and NFC again. The stored keys (`search_text`, `name_key`, `email_key`, tag
    keys) are made with it: changing it needs a migration that recomputes them (see 0003).
    E-mail keys use `fold_case` (an accent there makes another address).
    """
    if not value:
        return ""
    if value.isascii():
        # NFKC leaves ASCII alone and casefold is lower() there: the bulk-import fast path.
        return " ".join(value.lower().split())
    folded = unicodedata.normalize("NFKC", value).casefold().translate(_TURKISH_I)
    return " ".join(unicodedata.normalize("NFC", _drop_accents(folded)).split())


def fold_case(value: str | None) -> str:
    """Case folded, accents kept: for keys where an accent makes another value (an e-mail
    address: `josé@exämple.com` is not `jose@example.com`)."""
    if not value:
        return ""
    if value.isascii():
        return " ".join(value.lower().split())
    folded = unicodedata.normalize("NFKC", value).casefold().translate(_TURKISH_I)
    return " ".join(unicodedata.normalize("NFC", folded).split())


# Blocks whose letters carry accents: Latin-1, Latin Extended-A/B, Greek, Latin Extended
# Additional, Greek Extended, Latin Extended-C/D/E.
_ACCENTED_BLOCKS = [
    (0x00C0, 0x0250), (0x0370, 0x0400), (0x1E00, 0x2000), (0x2C60, 0x2C80),
    (0xA720, 0xA800), (0xAB30, 0xAB70),
]  # fmt: skip
_BARE: dict[int, str] = {}


def _bare_table() -> dict[int, str]:
    """A `str.translate` table: each accented Latin or Greek letter to its bare form (built
    on first use, ~1,000 entries; a plain dict keeps `translate` in C)."""
    if not _BARE:
        for start, stop in _ACCENTED_BLOCKS:
            for code in range(start, stop):
                char = chr(code)
                if not unicodedata.name(char, "").startswith(("LATIN", "GREEK")):
                    continue
                decomposed = unicodedata.normalize("NFKD", char)
                bare = "".join(c for c in decomposed if not unicodedata.combining(c))
                if bare != char:
                    _BARE[code] = bare
    return _BARE


# Combining marks a Latin letter may still carry after NFKC (no precomposed form exists).
_LOOSE_MARK = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _drop_accents(value: str) -> str:
    """The combining marks on Latin and Greek letters dropped (é -> e, ά -> α); those on other
    scripts kept, since there they make another letter (Cyrillic й, Japanese が)."""
    if _LOOSE_MARK.search(value) is None:
        # Composed text (what NFKC gives): character by character, through the cache.
        return value.translate(_bare_table())
    out: list[str] = []
    accented = False  # the last base character takes marks that are dropped
    for char in unicodedata.normalize("NFKD", value):
        if unicodedata.combining(char):
            if not accented:
                out.append(char)
            continue
        accented = char.isascii() or unicodedata.name(char, "").startswith(("LATIN", "GREEK"))
        out.append(char)
    return "".join(out)


def search_text(*parts: str | None) -> str:
    """The searchable copy of a record: its text fields joined by ` | ` and folded once."""
    return fold(" | ".join(p for p in parts if p and p.strip()))


def email_key(email: str | None) -> str | None:
    """The duplicate-detection key of an address: case folded, accents kept (`fold_case`)."""
    return fold_case(email) or None


# The common case, checked cheaply (bulk imports check every row); anything it rejects goes
# to email_validator, which accepts or explains. Special-use domains (`.test`, `.local`...)
# always go there too. Same rule as services.lead_io.clean_email.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)
_SPECIAL_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test", "internal"})


def normal_email(value: str) -> str:
    """A syntactically valid address (no DNS look-up), normalised (domain lower-cased);
    ValueError with email_validator's reason if not. The one email rule: `check_email` and
    the writers' rules (leads.rules.clean_email) word its error."""
    value = value.strip()
    match = _EMAIL.match(value)
    if match and len(value) <= 254 and value.index("@") <= 64:
        domain = match.group(1)
        if domain.rsplit(".", 1)[1].lower() not in _SPECIAL_TLDS:
            return value[: match.start(1)] + domain.lower()
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(str(exc).rstrip(".")) from None


def check_email(value: str, field: str = "email") -> str:
    """`normal_email`, or InvalidData (exit 1) quoting email_validator."""
    from salescli.errors import InvalidData

    try:
        return normal_email(value)
    except ValueError as exc:
        raise InvalidData(
            f"{field} '{value.strip()}' is not an email address ({exc}) (e.g. ana@example.com)"
        ) from None


def phone_key(phone: str | None) -> str | None:
    """Digits only, a leading + kept: `+49 (30) 1234-567` -> `+49301234567`."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return None
    return ("+" if phone.strip().startswith("+") else "") + digits


def like_pattern(query: str) -> str:
    """A LIKE pattern that finds `query` anywhere in a folded column (wildcards escaped with \\)."""
    escaped = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# C0 controls, DEL and C1 controls: what a terminal acts on (colours, the window title, the
# clipboard through OSC 52, a bell) rather than shows.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def strip_controls(value: str, keep: str = "\n\t") -> str:
    """`value` without control characters, except those in `keep` (newline and tab for notes)."""
    if value.isprintable():
        return value
    return _CONTROLS.sub(lambda m: m.group() if m.group() in keep else "", value)


def visible(value: str, keep: str = "") -> str:
    """Control characters shown as escapes (`\\x1b`, `\\n`): stored text printed literally."""
    if value.isprintable():
        return value

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in keep:
            return char
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\x{ord(char):02x}")

    return _CONTROLS.sub(escape, value)


def plural(count: int, word: str) -> str:
    """`1 deal`, `2 deals`, `3 activities`."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"
