"""Consent (支援拒否): an accepted household may refuse support; contact builds trust."""

from __future__ import annotations

import numba
import numpy as np

from sim.domain import ServiceStatus
from sim.mechanisms.base import Mechanism
from sim.params import Param, type_array
from sim.state import State


class Consent(Mechanism):
    """A household a desk has just accepted is asked for consent.

    It consents with probability ``base[type] + (1 − base[type]) × trust``; every time it is
    asked, its trust rises by ``trust_per_contact`` (capped at 1), so a household asked again
    later is more likely to agree. Out of contact with services, trust halves every
    ``trust_half_life_weeks``. A household that refuses is not referred again for
    ``refusal_weeks``; then it is out of the services' sight (UNKNOWN) and can be found and
    asked again. Switched off, every accepted household consents.
    """

    name = "consent"
    phase = "service"
    title_ja = "同意と支援拒否"
    title_en = "Consent and refusal"
    switch_ja = (
        "窓口が受け付けた世帯に支援の同意を求めます。断る世帯もいますが、関わるたびに信頼が少しずつ育ちます。"
        "オフにすると、全員がすぐに同意します（研究用）。"
    )
    switch_en = (
        "Households a desk accepted are asked to consent; some refuse, and trust grows with each contact. "
        "Off: everyone consents at once (for research)."
    )
    slide_group = "structure"
    STATES = (State("trust", np.float32, 0.0, "Trust in services built by contact (0–1), kept across cases."),)
    PARAMS = {
        "base_consent": Param(
            {
                "ordinary": 0.9,
                "8050": 0.6,
                "double_care": 0.85,
                "elderly_alone": 0.8,
                "disabled_child_refusing": 0.2,
                "hoarding_isolated": 0.3,
            },
            "Probability that a household with no trust yet consents to support, by type.",
            "Assumption following the seed: the parent of a disabled child refuses support (slide 1-1); the "
            "hoarding household sees no problem and refuses 生活保護 (slide 1-2); 8050 parents often hide the child.",
            kind="by_type",
            low=0.0,
            high=1.0,
        ),
        "refusal_weeks": Param(
            26,
            "Weeks after a refusal during which the household is not referred again.",
            "Assumption: services respect a refusal for about half a year.",
            kind="int",
            low=0,
            high=10_000,
        ),
        "trust_half_life_weeks": Param(
            260.0,
            "Weeks in which a household's trust in services halves while it has no contact with them.",
            "Assumption: trust built by contact fades over years (staff change, memories fade); without it trust "
            "would only ever grow and the town would drift towards consenting.",
            low=1.0,
            high=100_000.0,
        ),
        "trust_per_contact": Param(
            0.15,
            "Trust gained by a household each time a service asks or contacts it (trust runs from 0 to 1).",
            "Assumption: about half a dozen respectful contacts win over a refusing household (伴走型支援の実践報告).",
            low=0.0,
            high=1.0,
        ),
    }

    def setup(self) -> None:
        self.base = type_array(self.p.base_consent)
        self.fade = np.float32(0.5 ** (1.0 / self.p.trust_half_life_weeks))

    def start(self) -> None:
        # Switched off, nobody refuses: refusals carried from the warm-up lapse.
        if not self.enabled:
            hh = self.run.hh
            hh.service[hh.service == ServiceStatus.REFUSED] = ServiceStatus.UNKNOWN

    def build_trust(self, idx: np.ndarray, amount: float) -> None:
        """Contact with households ``idx`` raises their trust in services (capped at 1)."""
        hh = self.run.hh
        hh.trust[idx] = np.minimum(1.0, hh.trust[idx] + amount)

    def consent_probability(self, idx: np.ndarray) -> np.ndarray:
        """The chance that each of households ``idx`` agrees when asked now."""
        base = self.base[self.run.town.htype[idx]]
        return base + (1.0 - base) * self.run.hh.trust[idx]

    def _fade_trust(self) -> None:
        """Trust fades while a household is out of contact with services.

        Trust 0 stays 0, and most households never had any: only those holding some are touched.
        """
        _fade(self.run.hh.trust, self.run.hh.service, self.fade)

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        self._fade_trust()
        o = run.cases.open_idx
        run.cases.end_cooling_off(ServiceStatus.REFUSED, week)
        idx = o[(hh.service[o] == ServiceStatus.WAITING) & ~hh.consented[o]]
        if len(idx) == 0:
            return
        agrees = self.draw(week, idx) < self.consent_probability(idx)
        self.build_trust(idx, self.p.trust_per_contact)
        hh.consented[idx[agrees]] = True
        if not agrees.all():
            run.cases.refuse(idx[~agrees], until=week + self.p.refusal_weeks)


@numba.njit(cache=True)
def _fade(trust: np.ndarray, service: np.ndarray, fade: np.float32) -> None:
    """Trust of households out of contact (UNKNOWN) fades by ``fade`` (one pass over the town)."""
    for i in range(trust.shape[0]):
        if trust[i] != 0 and service[i] == ServiceStatus.UNKNOWN:
            trust[i] *= fade
