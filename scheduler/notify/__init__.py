"""Telling the user: the channels an alert goes out on."""
