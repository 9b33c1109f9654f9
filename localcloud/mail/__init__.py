"""The email add-on (`mailgun`): one local SMTP server, shared by every add-on as
smtp.mailgun.org is, that keeps each message in the mailbox of the add-on whose login sent
it. `python -m localcloud mail APP` and `/__localcloud/mail/<app>` show them."""
