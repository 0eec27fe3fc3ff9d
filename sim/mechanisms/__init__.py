"""Mechanisms in the fixed order of the weekly tick (docs/model.md §1.3 explains the order).

1. State phase: modifiers of this week's hazards (watching, relapse, connection, professional
   support, which also resolves supported cases), then resolutions, progression and onset; each
   household changes stage at most once a week.
2. Detect phase: the channels propose detections (the 支援会議 adds the administrative channel);
   the model records each case's first detection and refers the household.
3. Service phase: desk intake, triage, the 支援会議 watch list, consent, caseloads, then 重層的支援会議,
   多機関協働, 参加支援, 伴走支援, 居住支援, peer supporters and the 自立支援協議会; last, the
   waiting list gives consenting households a professional within the caseload limit.

A new mechanism is added here, in its place (one line); a scenario switches it on or off. The
registry also derives what the mechanisms declare: the detection channels (numbered in this
order), the roles whose hours are booked, and the household arrays (docs/extending.md).
"""

from __future__ import annotations

from sim.mechanisms.accompaniment import Accompaniment
from sim.mechanisms.agency_referral import AgencyReferral
from sim.mechanisms.base import Mechanism
from sim.mechanisms.caseloads import Caseloads
from sim.mechanisms.commissioner_visits import CommissionerVisits
from sim.mechanisms.complaints import Complaints
from sim.mechanisms.connection import Connection
from sim.mechanisms.consent import Consent
from sim.mechanisms.council import Council
from sim.mechanisms.desk_intake import DeskIntake
from sim.mechanisms.family_consultation import FamilyConsultation
from sim.mechanisms.housing_support import HousingSupport
from sim.mechanisms.information_relay import InformationRelay
from sim.mechanisms.jusoteki_meeting import JusotekiMeeting
from sim.mechanisms.multi_agency import MultiAgencyTeam
from sim.mechanisms.mutual_aid import MutualAid
from sim.mechanisms.neighbour_noticing import NeighbourNoticing
from sim.mechanisms.onset import Onset
from sim.mechanisms.outreach import Outreach
from sim.mechanisms.participation_support import ParticipationSupport
from sim.mechanisms.peer_supporters import PeerSupporters
from sim.mechanisms.professional_support import ProfessionalSupport
from sim.mechanisms.progression import Progression
from sim.mechanisms.relapse import Relapse
from sim.mechanisms.resolution import NaturalResolution
from sim.mechanisms.self_referral import SelfReferral
from sim.mechanisms.support_meeting import SupportMeeting
from sim.mechanisms.triage import DeskTriage
from sim.mechanisms.venue_staff import VenueStaff
from sim.mechanisms.waiting_list import WaitingList
from sim.mechanisms.watching import Watching
from sim.mechanisms.withdrawal import Withdrawal
from sim.vocabulary import Term

MECHANISMS: tuple[type[Mechanism], ...] = (
    Watching,
    Relapse,
    Connection,
    ProfessionalSupport,
    MutualAid,
    NaturalResolution,
    Progression,
    Withdrawal,
    Onset,
    SelfReferral,
    FamilyConsultation,
    NeighbourNoticing,
    Complaints,
    InformationRelay,
    CommissionerVisits,
    VenueStaff,
    Outreach,
    AgencyReferral,
    DeskIntake,
    DeskTriage,
    SupportMeeting,
    Consent,
    Caseloads,
    JusotekiMeeting,
    MultiAgencyTeam,
    ParticipationSupport,
    Accompaniment,
    HousingSupport,
    PeerSupporters,
    Council,
    WaitingList,
)

MECHANISM_BY_NAME: dict[str, type[Mechanism]] = {m.name: m for m in MECHANISMS}

# Detection channels: "none" (not found yet), then each mechanism's own, in the order above.
NO_CHANNEL = Term("none", "未把握", "not found", en_phrase="nobody")
CHANNELS: tuple[Term, ...] = (NO_CHANNEL, *(m.CHANNEL for m in MECHANISMS if m.CHANNEL is not None))
CHANNEL_KEYS: tuple[str, ...] = tuple(c.key for c in CHANNELS)
for _mechanism in MECHANISMS:
    if _mechanism.CHANNEL is not None:
        _mechanism.channel_code = CHANNEL_KEYS.index(_mechanism.CHANNEL.key)

ROLES = tuple(role for m in MECHANISMS for role in m.ROLES)
VOLUNTEER_ROLES = frozenset(role.key for role in ROLES if role.volunteer)


def _check_declarations() -> None:
    """Names of mechanisms, channels, arrays and columns are unique (a clash is a programming error)."""
    for what, names in (
        ("mechanism", [m.name for m in MECHANISMS]),
        ("channel", list(CHANNEL_KEYS)),
        ("household array", [s.name for m in MECHANISMS for s in m.STATES]),
        ("weekly column", [c.name for m in MECHANISMS for c in m.COLUMNS]),
        ("role", [r.key for r in ROLES]),
    ):
        clash = sorted({n for n in names if names.count(n) > 1})
        if clash:
            raise ValueError(f"{what} declared twice: {', '.join(clash)}")


_check_declarations()

__all__ = [
    "CHANNELS",
    "CHANNEL_KEYS",
    "MECHANISMS",
    "MECHANISM_BY_NAME",
    "ROLES",
    "VOLUNTEER_ROLES",
    "Mechanism",
]
