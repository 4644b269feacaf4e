"""A period's results per level as CSV and XLSX with Chinese headers."""
