"""Bring your own extracts: a declarative mapping (YAML) turns the files a system exported
(Salesforce, HubSpot, a spreadsheet saved as CSV) into contract-shaped extracts in a landing
folder; the normal loader and pipeline take it from there. There is one ingestion path: a
mapping only writes files the source contract declares, it never loads anything itself.

    mapping = load_mapping("mappings/salesforce.yml")      # validated, or MappingError
    result = map_export(mapping, Path("export/"))          # nothing written yet
    write_landing(result, Path("landing/"))                 # one drop + lineage + report
"""

from ingestion.mapping.engine import MappingResult, map_export
from ingestion.mapping.spec import Mapping, MappingError, MappingProblem, load_mapping
from ingestion.mapping.write import planned_files, read_lineage, write_landing

__all__ = [
    "Mapping",
    "MappingError",
    "MappingProblem",
    "MappingResult",
    "load_mapping",
    "map_export",
    "planned_files",
    "read_lineage",
    "write_landing",
]
