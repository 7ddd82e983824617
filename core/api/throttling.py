"""Request rates per signed-in user and per anonymous address; the rates live in settings.REST_FRAMEWORK."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _RateFromSettings:
    """DRF binds the rates when the class is imported; read them per request so settings changes apply."""

    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(_RateFromSettings, UserRateThrottle):
    scope = "user"


class AnonymousThrottle(_RateFromSettings, AnonRateThrottle):
    scope = "anon"
