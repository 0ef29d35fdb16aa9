"""Helpers shared by every test folder: row factories (`factories`), the CLI run
in-process (`cli`), projects written on the fly (`projects`) and row readers (`rows`).
Fixtures live in conftest.py files and the project's pytest plugin
(`schemactl.testing.plugin`); plain functions and classes live here."""
