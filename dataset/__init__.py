"""Import and export of the JSON Lines dataset format (docs/DATASET_FORMAT.md), and the demo generator.

The importer writes in bulk for speed, through the same derived-field and dirty-day rules the
services use; the exporter writes what the importer reads. Import from `dataset.importer` and
`dataset.exporter` (this package imports nothing, so Django can load the app before its models); the engine
is `dataset.engine`, and each record type's parse, write and export live in `dataset.records`.
"""
