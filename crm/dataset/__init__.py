"""Import and export of the JSON Lines dataset format (see DATASET_FORMAT.md).

The importer writes in bulk instead of through the services, for speed, but sets the same
derived fields and marks the same KPI days; the exporter writes what the importer reads.
"""

from crm.dataset.exporter import export_dataset
from crm.dataset.importer import DatasetImportError, ImportResult, import_dataset

__all__ = ["DatasetImportError", "ImportResult", "export_dataset", "import_dataset"]
