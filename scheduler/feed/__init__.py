"""Feeds of the windows for other programs: the iCalendar file (issue 11)."""
