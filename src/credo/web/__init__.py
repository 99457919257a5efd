"""The web edge: everything that speaks HTTP.

``web.api`` is the JSON API under ``/v1`` (relying parties, furnishers, staff); ``web.portal``
is the server-rendered portal at ``/`` (the public register, the subject's report, the staff
console). Both are thin adapters over the domains' services and share one way of telling who
is asking (``web.auth``) and one way of saying what went wrong (RFC 9457 problem details).
"""
