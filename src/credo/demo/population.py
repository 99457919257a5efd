"""The demo city's people, organisations and public bodies: seeded and reproducible."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from credo.demo import names
from credo.demo.identifiers import (
    AREA_CODES,
    ENTERPRISE_PREFIX,
    STATE_ORGAN_PREFIX,
    resident_id,
    social_credit_code,
)


@dataclass(frozen=True)
class DemoSize:
    persons: int
    organisations: int
    public_bodies: int


SIZES = {
    "tiny": DemoSize(persons=400, organisations=80, public_bodies=6),
    "small": DemoSize(persons=10_000, organisations=2_000, public_bodies=30),
    "full": DemoSize(persons=100_000, organisations=20_000, public_bodies=300),
}

# Shares of the population with a trade (sole traders), a food business, or a public office.
SOLE_TRADER_SHARE = 0.30
FOOD_SHARE_OF_TRADERS = 0.35
FOOD_SHARE_OF_ORGANISATIONS = 0.35
OFFICIAL_SHARE = 0.03
# One organisation in this many carries a pilot-era USCC whose check character fails.
PILOT_ERA_EVERY = 50


@dataclass(frozen=True)
class Person:
    ric: str
    name: str
    birth: date
    sole_trader: bool
    food: bool
    official: bool


@dataclass(frozen=True)
class Organisation:
    uscc: str
    name: str
    food: bool
    founded: date


@dataclass(frozen=True)
class PublicBody:
    uscc: str
    name: str


@dataclass(frozen=True)
class Population:
    persons: list[Person]
    organisations: list[Organisation]
    public_bodies: list[PublicBody]


def generate_population(size: DemoSize, seed: int, today: date) -> Population:
    """The same ``size``, ``seed`` and ``today`` always give the same city."""
    rng = random.Random(seed)
    return Population(
        persons=_persons(rng, size.persons, today),
        organisations=_organisations(rng, size.organisations, today),
        public_bodies=_public_bodies(rng, size.public_bodies),
    )


def _persons(rng: random.Random, count: int, today: date) -> list[Person]:
    seen: set[str] = set()
    persons: list[Person] = []
    while len(persons) < count:
        birth = today - timedelta(days=rng.randrange(16 * 365, 80 * 365))
        ric = resident_id(rng.choice(AREA_CODES), birth, rng.randrange(1000))
        if ric in seen:
            continue
        seen.add(ric)
        trader = rng.random() < SOLE_TRADER_SHARE
        persons.append(
            Person(
                ric=ric,
                name=names.person_name(rng),
                birth=birth,
                sole_trader=trader,
                food=trader and rng.random() < FOOD_SHARE_OF_TRADERS,
                official=not trader and rng.random() < OFFICIAL_SHARE,
            )
        )
    return persons


def _unique_serials(rng: random.Random, count: int) -> list[int]:
    serials: set[int] = set()
    while len(serials) < count:
        serials.add(rng.randrange(31**8, 31**9))
    ordered = sorted(serials)
    rng.shuffle(ordered)
    return ordered


def _organisations(rng: random.Random, count: int, today: date) -> list[Organisation]:
    organisations = []
    for index, serial in enumerate(_unique_serials(rng, count)):
        food = rng.random() < FOOD_SHARE_OF_ORGANISATIONS
        code = social_credit_code(ENTERPRISE_PREFIX, rng.choice(AREA_CODES), serial)
        if index % PILOT_ERA_EVERY == PILOT_ERA_EVERY - 1:
            code = _wrong_check_character(code)
        organisations.append(
            Organisation(
                uscc=code,
                name=names.organisation_name(rng, food, index + 1),
                food=food,
                founded=today - timedelta(days=rng.randrange(30, 20 * 365)),
            )
        )
    return organisations


def _wrong_check_character(code: str) -> str:
    """A pilot-era code whose check character fails: accepted, with a review item (G-19)."""
    wrong = "1" if code[-1] != "1" else "2"
    return code[:-1] + wrong


def _public_bodies(rng: random.Random, count: int) -> list[PublicBody]:
    return [
        PublicBody(
            uscc=social_credit_code(STATE_ORGAN_PREFIX, AREA_CODES[i % len(AREA_CODES)], serial),
            name=names.public_body_name(i),
        )
        for i, serial in enumerate(_unique_serials(rng, count))
    ]
