"""End-to-end runs: the built rules and routing on a real Prometheus and Alertmanager.

Users declare :class:`Scenario` objects in the project's ``scenarios/`` folder
with the traffic primitives re-exported here; ``oac e2e`` runs them.
"""

from obs_as_code.e2e.scenario import Delivery, Fires, Scenario, Silence
from obs_as_code.e2e.traffic import Observe, Rate, Signal, Traffic, Value

__all__ = [
    "Delivery",
    "Fires",
    "Observe",
    "Rate",
    "Scenario",
    "Signal",
    "Silence",
    "Traffic",
    "Value",
]
