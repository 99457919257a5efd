"""Exports of a rating's results and a list's entries, within G-50: what is public anyway one
by one (organisations and public bodies; public list entries as the register shows them),
everything else only in aggregate with small cells suppressed; streamed, and audited."""
