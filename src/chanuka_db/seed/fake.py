"""Small, fast makers of believable values: names, Kenyan IP addresses, tokens, JSON text."""

from __future__ import annotations

import json
import random
from typing import Final

from chanuka_db.seed import kenya

__all__ = [
    "bcrypt_like",
    "hex_token",
    "json_text",
    "kenyan_ip",
    "person_name",
    "pick_weighted",
]

_IP_PREFIXES: Final = (
    "41.90.",
    "41.80.",
    "41.89.",
    "105.160.",
    "105.161.",
    "105.163.",
    "197.248.",
    "197.232.",
    "102.68.",
    "102.219.",
    "154.159.",
    "196.201.",
)
_BCRYPT_ALPHABET: Final = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def person_name(rng: random.Random) -> tuple[str, str]:
    """A Kenyan (first, last) name."""
    pool = kenya.FEMALE_NAMES if rng.random() < 0.5 else kenya.MALE_NAMES
    return rng.choice(pool), rng.choice(kenya.SURNAMES)


def kenyan_ip(rng: random.Random) -> str:
    """An IPv4 address in a Kenyan operator's range (Safaricom, Airtel, ...)."""
    return f"{rng.choice(_IP_PREFIXES)}{rng.randrange(256)}.{rng.randrange(1, 255)}"


def hex_token(rng: random.Random, bits: int = 256) -> str:
    """A random hex string of ``bits`` bits, as a sha256 digest of a token would look."""
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def bcrypt_like(rng: random.Random) -> str:
    """A bcrypt-shaped password hash (cost 12); no password hashes to it."""
    return "$2b$12$" + "".join(rng.choices(_BCRYPT_ALPHABET, k=53))


def json_text(value: object) -> str:
    """Compact JSON text for a jsonb column."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def pick_weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    """One of ``choices`` (value, weight)."""
    total = sum(w for _, w in choices)
    point = rng.random() * total
    for value, weight in choices:
        point -= weight
        if point < 0:
            return value
    return choices[-1][0]
