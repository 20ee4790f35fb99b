"""App wiring: the factory's register_* steps and the app-wide CLI commands (apart from common's utilities)."""
