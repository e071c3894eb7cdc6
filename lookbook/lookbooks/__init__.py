"""Sets of shots chosen for one brand, and what they look like: the card and the PDF lookbook.
"""
