"""Mesa agents. Households and residents are views on the model's arrays."""

from sim.agents.community import NPO, NeighbourhoodAssociation, Venue, WelfareCommissioner
from sim.agents.household import Household
from sim.agents.resident import Resident
from sim.agents.services import ConsultationDesk, Professional

__all__ = [
    "NPO",
    "ConsultationDesk",
    "Household",
    "NeighbourhoodAssociation",
    "Professional",
    "Resident",
    "Venue",
    "WelfareCommissioner",
]
