"""The engine: what every run has, whichever mechanisms are on.

A run is a batch of one: every account is a per-run array, so one code path serves one run
and a stack of replications (:mod:`sim.batch`).

* :mod:`~sim.engine.casebook` — the case lifecycle (open, stage, detect, accept, refuse,
  support, close) and the ledger;
* :mod:`~sim.engine.accounts` — this week's flows, staff and volunteer hours, complex weeks, per run;
* :mod:`~sim.engine.staff` — professionals, their desks and caseloads;
* :mod:`~sim.engine.run_state` — the narrow, typed state that mechanisms receive;
* :mod:`~sim.engine.collector` — the weekly row (a Mesa DataCollector with named reporters);
* :mod:`~sim.engine.views` — one run's results (weekly, ledger, summary, council), alone or in a batch;
* :mod:`~sim.engine.warmup` — the starting state ("today's town") and its cache;
* :mod:`~sim.engine.capacity` — sharing a capacity within each run (visits, contacts, places).
"""
