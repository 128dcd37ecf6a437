"""The county workspace (web/): routes, templates, static files, server-rendered."""
