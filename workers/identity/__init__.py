"""The identity step (人证合一): chip reads, resident-ID readers, face against the chip photo, manual review."""
