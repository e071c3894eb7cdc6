"""Products, their sizes and stock: the catalog import, GTIN check digits and the brand dashboard.
"""
