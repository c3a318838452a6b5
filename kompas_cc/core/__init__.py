"""Pure domain helpers: no I/O, no web framework, no ORM."""
