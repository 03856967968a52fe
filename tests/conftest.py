"""Settings shared by the whole test suite."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "network: installs packages from the package index (skips when it cannot be reached)"
    )
