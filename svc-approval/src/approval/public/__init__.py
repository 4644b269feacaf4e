"""Anonymous routes (/public/): service guides, status by receipt number and check code, rating with a code."""
