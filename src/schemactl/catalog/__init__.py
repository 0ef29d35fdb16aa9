"""The built schema as a database reports it: catalog reader, access matrix, CHECK enumerations, view lineage."""
