"""The calendar feed: each order's windows as iCalendar events (`feed.calendar`), for
`cancelwatch calendar` and the dashboard's /calendar.ics (issue 11)."""
