"""The portal room: the public site (home, accessibility controls, the base layout).

It composes other modules through their selectors; it owns no business data.
"""
