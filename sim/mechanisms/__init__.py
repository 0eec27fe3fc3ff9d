"""Mechanisms in the fixed order of the weekly tick (docs/model.md §1.3 explains the order).

1. State phase: modifiers of this week's hazards (watching, relapse, connection, professional
   support, which also resolves supported cases), then resolutions, progression and onset; each
   household changes stage at most once a week.
2. Detect phase: the channels propose detections (the 支援会議 adds the administrative channel);
   the model records each case's first detection and refers the household.
3. Service phase: desk intake, the 支援会議 watch list, consent, caseloads, then 重層的支援会議,
   多機関協働, 参加支援, 伴走支援, 居住支援, peer supporters and the 自立支援協議会; after them
   the model assigns consenting households to professionals within the caseload limit.

A new mechanism is added here, in its place; a scenario switches it on or off.
"""

from __future__ import annotations

from sim.mechanisms.accompaniment import Accompaniment
from sim.mechanisms.agency_referral import AgencyReferral
from sim.mechanisms.base import Mechanism
from sim.mechanisms.caseloads import Caseloads
from sim.mechanisms.commissioner_visits import CommissionerVisits
from sim.mechanisms.connection import Connection
from sim.mechanisms.consent import Consent
from sim.mechanisms.council import Council
from sim.mechanisms.desk_intake import DeskIntake
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
from sim.mechanisms.venue_staff import VenueStaff
from sim.mechanisms.watching import Watching

MECHANISMS: tuple[type[Mechanism], ...] = (
    Watching,
    Relapse,
    Connection,
    ProfessionalSupport,
    MutualAid,
    NaturalResolution,
    Progression,
    Onset,
    SelfReferral,
    NeighbourNoticing,
    InformationRelay,
    CommissionerVisits,
    VenueStaff,
    Outreach,
    AgencyReferral,
    DeskIntake,
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
)

MECHANISM_BY_NAME: dict[str, type[Mechanism]] = {m.name: m for m in MECHANISMS}

__all__ = ["MECHANISMS", "MECHANISM_BY_NAME", "Mechanism"]
