"""Charts of a plan (figures.py, schedule.py) and of studies (studies.py), drawn
on matplotlib's Agg canvas with the helpers of kit.py."""
