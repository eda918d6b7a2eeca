"""Presentation: text summaries and views, charts and the HTML report; it reads
results and never solves."""
