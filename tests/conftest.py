"""Test configuration: hypothesis profiles. ``ci`` is bounded so CI stays fast,
and derandomized so that a CI run tries the same examples every time (a red CI
then means a change broke something, not that a new random case turned up;
searching for new cases is what ``dev`` and ``thorough`` runs and the campaigns
are for)."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
