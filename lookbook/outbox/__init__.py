"""Messages to customers: their words and pictures, their states and approval, payment-card masking,
quiet hours, the exactly-once sender, replies, and the channels they leave by (``channels``).
"""
