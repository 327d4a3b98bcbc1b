"""Amazon's order mails as a trigger (issue 10): IMAP IDLE and Maildir sources, and the
recognition of an Amazon mail, as data. Only this package talks IMAP."""
