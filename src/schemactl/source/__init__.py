"""Reading the project: schema/ files and their Jinja2 templates, located SQL statements, seeds."""
