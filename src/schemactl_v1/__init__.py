"""The STAGETEK V1 -> V2 transition, a schemactl plugin: `migrate-v1`, `parity`,
`dual-write` (docs/migration-v1.md).

The core tool knows nothing of V1: this package registers its commands through the entry
point group `schemactl.commands` (pyproject.toml) and uses the core only through
`schemactl.api`. Its SQL lives in `schemactl_v1/sql/` and is installed into the schema
`migration` of the target database by `migrate-v1` and `dual-write enable`.
"""
