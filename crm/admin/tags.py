"""The shared tag vocabulary: renaming a tag here renames it on every record that carries it."""

from django.contrib import admin

from crm.models import Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
