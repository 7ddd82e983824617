"""Small composable deal filters."""

from django.db import models


class DealQuerySet(models.QuerySet):
    def open(self) -> "DealQuerySet":
        return self.filter(status="open")

    def won(self) -> "DealQuerySet":
        return self.filter(status="won")

    def owned_by(self, user) -> "DealQuerySet":
        return self.filter(owner=user)
