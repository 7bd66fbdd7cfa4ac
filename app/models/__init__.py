"""The domain of petition work: cases, petitioners, the handling chain, time limits, 四定四包.

Nothing here imports Qt or SQLite; the store and the views build on these plain objects.
"""
