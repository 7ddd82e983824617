"""Locale formats that differ from Django's own (FORMAT_MODULE_PATH); anything not set here falls back to them."""
