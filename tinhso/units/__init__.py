"""The units room: the administrative-unit tree (any depth), agencies and their codes.

Depends only on the kernel. Domain modules ask it "which units lie under X" through
``selectors``; they never walk the tree themselves.
"""
