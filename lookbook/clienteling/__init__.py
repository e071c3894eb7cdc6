"""After a message leaves: follow-up tasks for each associate, and what each set sold (purchases
attributed to the message that preceded them).
"""
