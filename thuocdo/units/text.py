"""Accent-free text keys for Vietnamese unit names ("Xã Bờ Ngoong" → "xa bo ngoong")."""

import re
import unicodedata

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# Type words that may open a unit's name or a query, longest first so that
# "thanh pho" wins over a shorter overlap. Values are the UnitType they imply.
TYPE_WORDS: dict[str, str] = {
    "thanh pho trung uong": "thanh_pho_trung_uong",
    "thanh pho": "thanh_pho_trung_uong",
    "dac khu": "dac_khu",
    "phuong": "phuong",
    "tinh": "tinh",
    "tp": "thanh_pho_trung_uong",
    "xa": "xa",
    "p": "phuong",
}


def search_key(text: str) -> str:
    """Lower-case, accent-free, punctuation as single spaces: "Phường 1 Bảo Lộc" → "phuong 1 bao loc".

    unidecode turns "đ" into "d" and drops tone marks whichever way they were typed
    ("Hoà" and "Hòa" both give "hoa").
    """
    plain = unidecode(unicodedata.normalize("NFC", text or "")).lower()
    return _NON_ALNUM.sub(" ", plain).strip()


def split_type_word(key: str) -> tuple[str | None, str]:
    """Split a leading type word off a search key: "xa bo ngoong" → ("xa", "bo ngoong").

    Returns (None, key) when the key does not open with a type word or is only one.
    """
    for word in TYPE_WORDS:
        if key.startswith(word + " ") and len(key) > len(word) + 1:
            return word, key[len(word) + 1 :]
    return None, key


def fold_case(text: str) -> str:
    """Lower-case NFC text with accents kept and spaces collapsed, to prefer exact-accent matches."""
    return " ".join(unicodedata.normalize("NFC", text or "").lower().split())
