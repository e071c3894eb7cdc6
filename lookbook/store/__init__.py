"""The library's database and the people who use it: opening and migrating library.db, its guards,
integrity checks and backups, the library folder, user accounts, roles, secrets in the keyring,
and reading the spreadsheets people bring.
"""
