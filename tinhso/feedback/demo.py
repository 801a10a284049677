"""Demo data for this module, loaded by ``tinhso demo`` after the province, agencies and users."""


def load_demo(*, province) -> None:
    """Idempotent: a second run changes nothing."""
