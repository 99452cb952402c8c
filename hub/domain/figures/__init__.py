"""Figures: measures grouped by place, time and attributes, computed over columns of the records."""
