"""Workshop mode for trainers (issue 6): a small neighbourhood drawn house by house, the community
functions of slide 2-4 and the services switched on and off, the seed's cases as guided stories,
and a handout of the session. The Solara page is ``dashboards/workshop.py``."""
