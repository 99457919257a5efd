"""Closed vocabularies defined in code (G-02, G-04, G-05): a catalogue cannot extend them."""

from __future__ import annotations

from enum import StrEnum


class Domain(StrEnum):
    """Life areas a record may concern. Closed: there is no political, religious, moral,
    family or "civic behaviour" domain, and adding one needs a reviewed code change (G-02)."""

    COURT_ENFORCEMENT = "court_enforcement"
    TAX = "tax"
    MARKET_REGULATION = "market_regulation"
    FOOD_SAFETY = "food_safety"
    PRODUCT_QUALITY = "product_quality"
    PUBLIC_PROCUREMENT = "public_procurement"
    FINANCE = "finance"
    CONSUMER_CREDIT = "consumer_credit"
    TRANSPORT = "transport"
    ENVIRONMENTAL_PROTECTION = "environmental_protection"
    LABOUR_AND_SOCIAL_SECURITY = "labour_and_social_security"
    PUBLIC_OFFICE_INTEGRITY = "public_office_integrity"


# Concepts no domain may ever name (checked against Domain by a static test, and against
# any domain a catalogue tries to declare, so the error says why rather than "unknown").
BANNED_DOMAIN_CONCEPTS: tuple[str, ...] = (
    "politic",
    "loyal",
    "ideolog",
    "relig",
    "belief",
    "faith",
    "moral",
    "virtue",
    "civic",
    "civil",
    "family",
    "filial",
    "social_behav",
    "patriot",
    "party",
    "protest",
    "petition",
    "sentiment",
    "lifestyle",
    "behaviour",
    "behavior",
    "conduct_score",
    "trust_score",
)


class SubjectKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    PUBLIC_BODY = "public_body"


class Polarity(StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive"
    NEUTRAL = "neutral"


class SeverityTier(StrEnum):
    MINOR = "minor"
    GENERAL = "general"
    SERIOUS = "serious"

    @property
    def rank(self) -> int:
        return {"minor": 0, "general": 1, "serious": 2}[self.value]


class AuthorityKind(StrEnum):
    COURT = "court"
    TAX_AUTHORITY = "tax_authority"
    MARKET_REGULATOR = "market_regulator"
    FOOD_SAFETY_AUTHORITY = "food_safety_authority"
    PROCUREMENT_AUTHORITY = "procurement_authority"
    DISCIPLINE_BODY = "discipline_body"
    FINANCIAL_REGULATOR = "financial_regulator"
    OTHER_PUBLIC_AUTHORITY = "other_public_authority"


class EvidenceKind(StrEnum):
    """Legally effective instruments only (G-05): tips, signals, suspicions and model outputs
    are not evidence and have no member here."""

    FINAL_JUDGMENT = "final_judgment"
    ENFORCEMENT_DECISION = "enforcement_decision"
    DEFAULTER_DETERMINATION = "defaulter_determination"
    ADMINISTRATIVE_PENALTY_DECISION = "administrative_penalty_decision"
    ADMINISTRATIVE_LICENCE = "administrative_licence"
    TAX_ASSESSMENT = "tax_assessment"
    TAX_GRADE_NOTICE = "tax_grade_notice"
    TAX_RETURN_RECEIPT = "tax_return_receipt"
    INSPECTION_REPORT = "inspection_report"
    DEBARMENT_DECISION = "debarment_decision"
    DISCIPLINARY_DECISION = "disciplinary_decision"
    REGISTRY_DECISION = "registry_decision"
    PERFORMANCE_CERTIFICATE = "performance_certificate"


BANNED_EVIDENCE_KINDS: frozenset[str] = frozenset(
    {"tip", "anonymous_report", "risk_signal", "investigation", "suspicion", "model_output"}
)


class ProvenanceKind(StrEnum):
    """How the furnisher obtained the statement. Camera, biometric, sensing and tracking
    provenance are refused by name (G-04)."""

    OFFICIAL_DECISION = "official_decision"
    REGISTRY_EXTRACT = "registry_extract"
    ELECTRONIC_FILING = "electronic_filing"
    INSPECTION = "inspection"
    PUBLIC_DATASET = "public_dataset"


BANNED_PROVENANCE: frozenset[str] = frozenset(
    {
        "cctv",
        "camera",
        "video",
        "image",
        "photo",
        "facial_recognition",
        "face_match",
        "biometric",
        "biometric_match",
        "fingerprint",
        "iris",
        "voiceprint",
        "gait",
        "remote_sensing",
        "location_tracking",
        "gps",
        "cell_tower",
        "health_code",
        "movement_tracking",
        "social_media",
    }
)


# Tokens that mark biometric or surveillance identification; no identifier scheme may carry them.
SURVEILLANCE_TOKENS: tuple[str, ...] = (
    "face",
    "facial",
    "fingerprint",
    "iris",
    "voice",
    "gait",
    "biometric",
    "dna",
    "retina",
    "palm",
    "camera",
    "cctv",
    "gps",
    "location",
    "tracker",
    "tracking",
    "health_code",
)


class ExitCondition(StrEnum):
    PERFORMANCE = "performance"
    ANNULMENT = "annulment"
    REVOCATION = "revocation"
    REPAIR = "repair"
    TERM_END = "term_end"
    PARDON = "pardon"


class Finality(StrEnum):
    FINAL = "final"
    APPEALED = "appealed"
    NOT_FINAL = "not_final"


# Special categories (G-03): a payload field whose name contains one of these tokens, or
# whose declared category is one of these classes, is refused by every catalogue.
DENIED_FIELD_TOKENS: tuple[str, ...] = (
    "ethnic",
    "race",
    "racial",
    "nationality",
    "citizenship",
    "hukou_origin",
    "political",
    "party_member",
    "party_affiliation",
    "religio",
    "belief",
    "faith",
    "trade_union",
    "union_member",
    "health",
    "medical",
    "disease",
    "disabilit",
    "genetic",
    "dna",
    "biometric",
    "fingerprint",
    "face",
    "facial",
    "iris",
    "voiceprint",
    "sex_life",
    "sexual",
    "orientation",
    "location",
    "gps",
    "whereabouts",
    "movement",
    "trajectory",
    "geo_trace",
    "social_media",
    "contacts",
    "social_graph",
    "friends",
    "family",
    "relative",
    "spouse",
    "photo",
    "image",
    "video",
    "selfie",
    "health_code",
)

DENIED_FIELD_CATEGORIES: frozenset[str] = frozenset(
    {
        "ethnic_origin",
        "nationality",
        "political_opinion",
        "religion",
        "belief",
        "trade_union",
        "health",
        "genetic",
        "biometric",
        "sex_life",
        "sexual_orientation",
        "location",
        "social_media",
        "social_graph",
        "family",
        "photograph",
        "video",
    }
)


# Known proxies for protected characteristics (G-14): a payload may carry such a field (an
# address identifies a place of business), but no rating feature or list condition may read
# it. Names are compared without underscores, so post_code and postcode are the same.
PROXY_FIELD_TOKENS: tuple[str, ...] = (
    "postcode",
    "postalcode",
    "zipcode",
    "neighbourhood",
    "neighborhood",
    "address",
    "residence",
    "surname",
    "familyname",
    "lastname",
    "firstname",
    "givenname",
    "nameorigin",
    "language",
    "mothertongue",
    "dialect",
    "placeofbirth",
    "birthplace",
    "hometown",
    "nativeplace",
    "hukou",
    "citizenship",
    "nationality",
)

PROXY_FIELD_CATEGORIES: frozenset[str] = frozenset(
    {"postcode", "address", "name", "language", "place_of_birth", "citizenship", "origin"}
)


def proxy_field_reason(name: str, category: str | None = None) -> str | None:
    """Why a payload field may not be a rating or list input (a known proxy for a protected
    characteristic), or None when it may."""
    if category and category.lower() in PROXY_FIELD_CATEGORIES:
        return f"category {category!r} is a proxy for protected characteristics (G-14)"
    squashed = name.lower().replace("_", "")
    for token in PROXY_FIELD_TOKENS:
        if token in squashed:
            return (
                f"field {name!r} ({token}) is a proxy for protected characteristics: no "
                "rating or list reads it (G-14)"
            )
    return None


def denied_field_reason(name: str, category: str | None = None) -> str | None:
    """Why a payload field is a special category, or None when it is allowed."""
    if category and category.lower() in DENIED_FIELD_CATEGORIES:
        return f"category {category!r} is a special category (G-03)"
    lowered = name.lower()
    for token in DENIED_FIELD_TOKENS:
        if token in lowered:
            return f"field name contains {token!r}, a special category (G-03)"
    return None
