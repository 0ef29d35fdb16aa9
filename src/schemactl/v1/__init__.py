"""The STAGETEK V1 -> V2 data migration (SPEC §10): `migrate-v1`, `parity`, `dual-write`.

Not part of the generic tool (build, lint, diff work on any project): this is the CRM's own
data migration. Its SQL lives in `schemactl/sql/v1/` and is installed into the schema
`migration` of the target database by `migrate-v1` and `dual-write enable`.
"""
