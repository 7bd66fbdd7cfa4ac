"""Sync between stations by files: keys and certificates, signed bundles, acknowledgements, conflicts. No Qt."""
