"""The hotline's three rates (接诉即办 三率) per township and department, their ranking, and the recurring problems of an area (每月一题)."""
