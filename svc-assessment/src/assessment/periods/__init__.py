"""Assessment periods: months, quarter and year views, closing (freezing) a month."""
