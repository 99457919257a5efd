"""The public register: what anyone may see of the registry, declared in one place.

A read model over several domains (subjects, records, lists, ratings), built only on their
public query functions; the portal's public pages and ``credo.exports`` read it."""
