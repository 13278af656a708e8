"""Rows of the users domain: accounts, profiles, interests, progress, logins, sessions, tokens."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

import attrs

from chanuka_db.seed import kenya, vocab
from chanuka_db.seed.clock import DAY, HOUR
from chanuka_db.seed.fake import (
    bcrypt_like,
    hex_token,
    json_text,
    kenyan_ip,
    person_name,
    pick_weighted,
)
from chanuka_db.seed.plan import Notes, Row, table

if TYPE_CHECKING:
    from chanuka_db.seed.world import World

__all__ = ["SessionDraft", "session_drafts"]

_DOMAINS: Final = (
    ("gmail.com", 70),
    ("yahoo.com", 12),
    ("outlook.com", 8),
    ("students.uonbi.ac.ke", 4),
    ("ke.co.ke", 3),
    ("proton.me", 3),
)
_STATUS: Final = (
    ("verified", 55),
    ("pending", 38),
    ("rejected", 2),
    ("suspended", 1),
    ("unverified", 4),
)
_PREFERENCES: Final = tuple(
    json_text({"language": lang, "notifications": {"email": email, "sms": sms}, "theme": theme})
    for lang in ("en", "sw")
    for email in (True, False)
    for sms in (True, False)
    for theme in ("light", "dark", "system")
)
_ACHIEVEMENTS: Final = (
    ("first_comment", "Posted a first comment on a bill"),
    ("active_reader", "Read ten bills in full"),
    ("civic_streak", "Took part seven days in a row"),
    ("verified_citizen", "Completed identity verification"),
    ("top_contributor", "Among the most up-voted contributors this month"),
    ("community_voice", "Shared bills with friends and family"),
)
_PROVIDERS: Final = (("google", 70), ("facebook", 18), ("twitter", 8), ("linkedin", 4))
_PROFESSIONS: Final = (
    "teacher",
    "farmer",
    "nurse",
    "student",
    "trader",
    "lawyer",
    "engineer",
    "boda boda rider",
    "accountant",
    "civil servant",
    "journalist",
    "pastor",
)
_ORGANIZATIONS: Final = (
    "Law Society of Kenya",
    "Kenya National Union of Teachers",
    "Kenya Medical Practitioners Union",
    "University of Nairobi",
    "Kenyatta University",
    "Mzalendo Trust",
    "Transparency International Kenya",
    "Kenya Private Sector Alliance",
    "Youth Caucus",
    None,
    None,
    None,
)
_BROWSERS: Final = vocab.USER_AGENTS


@table(
    "users",
    "id email password_hash first_name last_name name role verification_status preferences "
    "is_active last_login_at created_at updated_at",
    estimate=lambda w: w.scale.users,
)
def users(world: World, notes: Notes) -> Iterator[Row]:
    """Accounts; emails are unique by construction (the index is part of the address)."""
    people, clock, now = world.people, world.clock, world.now
    rng = world.rng("rows/users")
    for i, user_id in enumerate(people.ids):
        first, last = person_name(rng)
        email = f"{first.lower()}.{last.lower()}{i}@{pick_weighted(rng, _DOMAINS)}"
        role = people.role(i)
        status = "verified" if role != "citizen" else pick_weighted(rng, _STATUS)
        created = people.created[i]
        login = created + int(rng.random() * (now - created)) if rng.random() < 0.85 else None
        yield (
            user_id,
            email,
            bcrypt_like(rng),
            first,
            last,
            f"{first} {last}",
            role,
            status,
            rng.choice(_PREFERENCES),
            role != "citizen" or rng.random() < 0.97,
            None if login is None else clock.ts(login),
            clock.ts(created),
            clock.ts(login or created),
        )
        if i == people.admins:
            notes["moderator_id"] = user_id
            notes["moderator_email"] = email


def _reputation(world: World) -> array[int]:
    """Per user: up-votes minus down-votes over their comments, never below zero."""
    comments = world.comments
    score = array("i", [0]) * world.people.count
    for c in range(comments.count):
        score[comments.user[c]] += comments.up[c] - comments.down[c]
    return array("i", (max(0, s) for s in score))


@table(
    "user_profiles",
    "id user_id bio expertise location organization verification_documents reputation_score "
    "is_public created_at updated_at",
    estimate=lambda w: int(w.scale.users * 0.7),
)
def user_profiles(world: World, notes: Notes) -> Iterator[Row]:
    """Profiles of 70% of users (all staff); reputation is the net votes on their comments.

    A profile a moderator's removal stands against is private.
    """
    people, clock = world.people, world.clock
    removed = world.moderation.removed_profiles
    rng = world.rng("rows/user_profiles")
    reputation = _reputation(world)
    experts = people.expert_range
    for i, profile_id in enumerate(people.profile_ids):
        if not profile_id:
            continue
        county = rng.choice(kenya.COUNTIES)
        profession = rng.choice(_PROFESSIONS)
        expert = i in experts
        expertise = sorted(rng.sample(vocab.INTERESTS[:16], rng.randint(1, 3))) if expert else []
        documents = '[{"type":"professional_certificate","verified":true}]' if expert else "[]"
        created = people.created[i] + rng.randrange(DAY)
        yield (
            profile_id,
            people.ids[i],
            f"{profession.capitalize()} from {county} County.",
            expertise,
            f"{county}, Kenya",
            rng.choice(_ORGANIZATIONS),
            documents,
            reputation[i],
            rng.random() < 0.9 and profile_id not in removed,
            clock.ts(created),
            clock.ts(created + rng.randrange(30 * DAY)),
        )


@table("user_interests", "id user_id interest created_at", estimate=lambda w: w.scale.users * 2)
def user_interests(world: World, notes: Notes) -> Iterator[Row]:
    """Zero to four topics per user, never the same one twice."""
    people, clock = world.people, world.clock
    rng = world.rng("rows/user_interests")
    next_id = 1
    for i, user_id in enumerate(people.ids):
        k = rng.choices((0, 1, 2, 3, 4), (15, 30, 30, 15, 10))[0]
        created = clock.ts(people.created[i] + rng.randrange(DAY))
        for interest in rng.sample(vocab.INTERESTS, k):
            yield (next_id, user_id, interest, created)
            next_id += 1


@table(
    "user_progress",
    "id user_id achievement_type achievement_value level badge description unlocked_at "
    "created_at updated_at",
    estimate=lambda w: int(w.scale.users * 0.35 * 2),
)
def user_progress(world: World, notes: Notes) -> Iterator[Row]:
    """Achievements of about a third of users; one row per (user, achievement)."""
    people, clock, now = world.people, world.clock, world.now
    rng = world.rng("rows/user_progress")
    next_id = 1
    for i, user_id in enumerate(people.ids):
        if rng.random() > 0.35:
            continue
        for kind, description in rng.sample(_ACHIEVEMENTS, rng.randint(1, 3)):
            level = rng.choices((1, 2, 3, 4, 5), (50, 25, 13, 8, 4))[0]
            unlocked = people.created[i] + int(rng.random() * (now - people.created[i]))
            yield (
                next_id,
                user_id,
                kind,
                level * rng.randint(5, 20),
                level,
                f"{kind}_{level}",
                description,
                clock.ts(unlocked),
                clock.ts(unlocked),
                clock.ts(unlocked),
            )
            next_id += 1


@table(
    "user_social_profiles",
    "id user_id provider provider_id username display_name avatar_url access_token refresh_token "
    "created_at updated_at",
    estimate=lambda w: int(w.scale.users * 0.16),
)
def user_social_profiles(world: World, notes: Notes) -> Iterator[Row]:
    """Linked logins of 15% of users; one per (user, provider); tokens are rarely kept."""
    people, clock = world.people, world.clock
    rng = world.rng("rows/user_social_profiles")
    next_id = 1
    for i, user_id in enumerate(people.ids):
        if rng.random() > 0.15:
            continue
        providers = {pick_weighted(rng, _PROVIDERS) for _ in range(rng.choice((1, 1, 1, 2)))}
        for provider in sorted(providers):
            handle = f"{user_id[:8]}{provider[0]}"
            created = clock.ts(people.created[i] + rng.randrange(HOUR))
            token = f"enc:v1:{hex_token(rng, 192)}" if rng.random() < 0.1 else None
            yield (
                next_id,
                user_id,
                provider,
                str(rng.getrandbits(64)),
                handle,
                handle.title(),
                f"https://cdn.chanuka.ke/avatars/{handle}.jpg",
                token,
                token,
                created,
                created,
            )
            next_id += 1


@attrs.frozen
class SessionDraft:
    """One login session, as sessions and refresh_tokens both need it."""

    user: int
    id: str
    token_hash: str
    created: int
    expires: int
    active: bool


def session_drafts(world: World) -> Iterator[SessionDraft]:
    """Every session, from its own stream: the same sequence for both tables that need it."""
    people, now = world.people, world.now
    rng = world.rng("sessions")
    engaged = world.scale.active_users
    for i in range(people.count):
        count = rng.randint(1, 4) if i < engaged else rng.choices((0, 1, 2), (40, 45, 15))[0]
        for _ in range(count):
            age = int(rng.expovariate(1 / (20 * DAY)))
            created = max(people.created[i], now - age - rng.randrange(DAY))
            expires = created + 30 * DAY
            active = expires > now and rng.random() < 0.85
            # The session's id is the SHA-256 hex of the client's token, as the auth
            # repository stores it (repositories/auth.py); the legacy token column stays NULL.
            token_hash = hex_token(rng)
            yield SessionDraft(i, token_hash, token_hash, created, expires, active)


@table(
    "sessions",
    "id user_id expires_at is_active ip_address user_agent created_at updated_at token",
    estimate=lambda w: int(w.scale.users * 1.1),
)
def sessions(world: World, notes: Notes) -> Iterator[Row]:
    """Logins of the last weeks; live ones expire 30 days after they started."""
    people, clock = world.people, world.clock
    rng = world.rng("rows/sessions")
    for draft in session_drafts(world):
        if draft.active and "session_id" not in notes:
            notes.update(
                session_id=draft.id,
                session_token_hash=draft.token_hash,
                session_user_id=people.ids[draft.user],
            )
        touched = draft.created + rng.randrange(8 * HOUR)
        yield (
            draft.id,
            people.ids[draft.user],
            clock.ts(draft.expires),
            draft.active,
            kenyan_ip(rng),
            rng.choice(_BROWSERS),
            clock.ts(draft.created),
            clock.ts(touched),
            None,
        )


@table(
    "refresh_tokens",
    "id session_id token_hash expires_at is_revoked created_at",
    estimate=lambda w: int(w.scale.users * 1.1 * 2),
)
def refresh_tokens(world: World, notes: Notes) -> Iterator[Row]:
    """One to three per session, rotated weekly; only a live session's newest is unrevoked."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/refresh_tokens")
    next_id = 1
    for draft in session_drafts(world):
        issued = draft.created
        rotations = rng.randint(1, 3)
        for k in range(rotations):
            newest = k == rotations - 1
            yield (
                next_id,
                draft.id,
                hex_token(rng),
                clock.ts(issued + 30 * DAY),
                not (newest and draft.active),
                clock.ts(issued),
            )
            next_id += 1
            issued = min(now - 1, issued + 7 * DAY + rng.randrange(DAY))


@table(
    "password_resets",
    "id user_id token_hash expires_at is_used created_at",
    estimate=lambda w: int(w.scale.users * 0.04),
)
def password_resets(world: World, notes: Notes) -> Iterator[Row]:
    """Resets asked for by 3% of users; a token lives an hour and most were used."""
    people, clock, now = world.people, world.clock, world.now
    rng = world.rng("rows/password_resets")
    next_id = 1
    for i, user_id in enumerate(people.ids):
        if rng.random() > 0.03 and i != people.admins:  # the first moderator always forgot once
            continue
        for _ in range(rng.choice((1, 1, 2))):
            created = people.created[i] + int(rng.random() * (now - people.created[i]))
            yield (
                next_id,
                user_id,
                hex_token(rng),
                clock.ts(created + HOUR),
                rng.random() < 0.8,
                clock.ts(created),
            )
            next_id += 1
