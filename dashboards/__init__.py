"""The planner dashboard (Solara): ``solara run dashboards/app.py``; the logic lives in this package."""
