"""The web layer every domain's views stand on: API and OpenAPI, helpers, errors, the request transaction, menus."""
