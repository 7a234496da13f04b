"""Test configuration: hypothesis profiles. ``ci`` is bounded so CI stays fast,
and derandomized so that a CI run tries the same examples every time (a red CI
then means a change broke something, not that a new random case turned up;
searching for new cases is what ``dev`` and ``thorough`` runs and the campaigns
are for). ``linux_bare`` is the Linux boot on the bare PC, made once for the
session: tests/ia32/test_linux_boot.py checks it and tests/cp/
test_ia32_linux_under_cp.py compares CP's runs of the same kernel with it."""
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def linux_bare():
    """(machine, RunResult, console lines) of the Linux kernel booted on the bare PC
    with tests/ia32/test_linux_boot.py's command line."""
    from ia32.loaders.linux import boot_linux
    from ia32.machine import Machine
    from tests.ia32.helpers import LINUX_KERNEL
    from tests.ia32.test_linux_boot import CMDLINE
    m = Machine(32 << 20)
    boot_linux(m, str(LINUX_KERNEL), CMDLINE)
    result = m.run(150_000_000)
    return m, result, m.report(result)["console"].replace("\r\n", "\n").splitlines()
