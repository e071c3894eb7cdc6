"""The customer book: people and their channels, customer and purchase files, the consent ledger,
duplicates, erasure on request, and matching customers to a set with reasons.
"""
